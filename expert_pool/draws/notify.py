"""Messages to experts through an outbox: invitations, reminders, seat changes. A job delivers them with
retries through a small sender interface (log by default, SMTP when configured, SMS later), so a failing
sender never blocks a draw (DOMAIN 4, "Decline"). A message to an expert is queued to ``expert:<id>``, never to his
phone or e-mail (issue 18: they are encrypted at rest); delivery decrypts the address just before sending and
logs it masked."""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from expert_pool.draws.models import HalfDay, Notification, Seat
from expert_pool.experts.contacts import decrypt_contact, masked_address
from expert_pool.experts.models import Expert
from knowledge.clock import CST
from knowledge.identity import IdentityVault
from knowledge.registry.models import Work

log = logging.getLogger("weida.notify")
MAX_ATTEMPTS = 6


EXPERT_PREFIX = "expert:"


class Contact(Protocol):
    """What an invitation needs of an expert: an ``Expert`` or a row of these columns."""

    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...


class Sender(Protocol):
    def send(self, recipient: str, subject: str, body: str) -> None: ...


class LogSender:
    """The embedded default: the message goes to the application log."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []

    def send(self, recipient: str, subject: str, body: str) -> None:
        self.sent.append((recipient, subject, body))
        log.info("notification to %s: %s", masked_address(recipient), subject)


@dataclass(frozen=True)
class SmtpSender:
    host: str
    port: int
    sender: str
    username: str = ""
    password: str = ""
    use_tls: bool = False
    timeout: float = 10.0

    def send(self, recipient: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, recipient, subject
        message.set_content(body)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.use_tls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password)
            smtp.send_message(message)


def queue(
    session: Session, *, expert_id: int | None, recipient: str, subject: str, body: str
) -> Notification:
    note = Notification(
        expert_id=expert_id, recipient=recipient or f"{EXPERT_PREFIX}{expert_id}", subject=subject, body=body
    )
    session.add(note)
    return note


def queue_invitation(session: Session, seat: Seat, work: Work, *, when: str = "") -> Notification:
    """The expert's own invitation only: it never names the other members of the panel. ``when`` is the
    meeting's time and place as ``arrangement.Arrangement.describe`` words them."""
    draw = seat.draw
    row = invitation(seat.expert, work.name, draw.meeting_day, draw.half_day, seat.reply_by, when=when)
    return queue(session, **row)


def invitation(
    expert: Contact,
    work_name: str,
    day: date,
    half_day: HalfDay,
    reply_by: datetime | None,
    *,
    when: str = "",
) -> dict[str, Any]:
    """The invitation to one expert as the values of a notification (a draw inserts them all at once)."""
    deadline = reply_by.astimezone(CST).strftime("%Y-%m-%d %H:%M") if reply_by else ""
    body = (f"{expert.name}专家：您被随机抽取为“{work_name}”专项施工方案专家论证会的论证专家。"
            f"{when or f'会议时间：{day.isoformat()} {half_day.label}。'}"
            f"请于{deadline}前登录系统确认或谢绝"
            "（谢绝请说明理由）；逾期未答复视为谢绝。如与本工程有利害关系，请务必谢绝并说明。")  # fmt: skip
    return {
        "expert_id": expert.id,
        "recipient": f"{EXPERT_PREFIX}{expert.id}",
        "subject": "专家论证邀请",
        "body": body,
    }


def address_of(session: Session, recipient: str, vault: IdentityVault | None) -> str:
    """The real address of ``expert:<id>`` (his e-mail, else his phone), decrypted here and nowhere stored;
    any other recipient (the office's queue names) as it is."""
    expert_id = recipient.removeprefix(EXPERT_PREFIX)
    if vault is None or not recipient.startswith(EXPERT_PREFIX) or not expert_id.isdigit():
        return recipient
    expert = session.get(Expert, int(expert_id))
    return (decrypt_contact(vault, expert).address if expert else "") or recipient


def deliver_pending(
    session: Session, sender: Sender, *, now: datetime, limit: int = 100, vault: IdentityVault | None = None
) -> tuple[int, int]:
    """Send what is due; a failure is retried later with a growing delay. Returns (sent, failed). ``vault``
    decrypts experts' addresses; an error message keeps only the address's mask."""
    due = session.scalars(select(Notification).where(Notification.status == "pending",
                          Notification.next_attempt_at <= now).order_by(Notification.id).limit(limit)).all()  # fmt: skip
    sent = failed = 0
    for note in due:
        note.attempts += 1
        address = ""
        try:
            address = address_of(session, note.recipient, vault)
            sender.send(address, note.subject, note.body)
        except Exception as exc:  # noqa: BLE001 - any sender failure is retried, never raised into a draw
            failed += 1
            error = f"{type(exc).__name__}: {exc}"
            note.last_error = (error.replace(address, masked_address(address)) if address else error)[:500]
            note.status = "failed" if note.attempts >= MAX_ATTEMPTS else "pending"
            note.next_attempt_at = now + timedelta(minutes=2**note.attempts)
        else:
            sent += 1
            note.status, note.sent_at = "sent", now
        session.commit()
    return sent, failed
