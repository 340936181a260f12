"""Messages to experts through an outbox: invitations, reminders, seat changes. A job delivers them with
retries through a small sender interface (log by default, SMTP when configured, SMS later), so a failing
sender never blocks a draw (DOMAIN 4, "Decline")."""

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
from knowledge.clock import CST
from knowledge.registry.models import Work

log = logging.getLogger("weida.notify")
MAX_ATTEMPTS = 6


class Contact(Protocol):
    """What an invitation needs of an expert: an ``Expert`` or a row of these columns."""

    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def email(self) -> str: ...
    @property
    def phone(self) -> str: ...


class Sender(Protocol):
    def send(self, recipient: str, subject: str, body: str) -> None: ...


class LogSender:
    """The embedded default: the message goes to the application log."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []

    def send(self, recipient: str, subject: str, body: str) -> None:
        self.sent.append((recipient, subject, body))
        log.info("notification to %s: %s", recipient, subject)


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
        expert_id=expert_id, recipient=recipient or f"expert:{expert_id}", subject=subject, body=body
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
    return {"expert_id": expert.id, "recipient": expert.email or expert.phone or f"expert:{expert.id}",
            "subject": "专家论证邀请", "body": body}  # fmt: skip


def deliver_pending(session: Session, sender: Sender, *, now: datetime, limit: int = 100) -> tuple[int, int]:
    """Send what is due; a failure is retried later with a growing delay. Returns (sent, failed)."""
    due = session.scalars(select(Notification).where(Notification.status == "pending",
                          Notification.next_attempt_at <= now).order_by(Notification.id).limit(limit)).all()  # fmt: skip
    sent = failed = 0
    for note in due:
        note.attempts += 1
        try:
            sender.send(note.recipient, note.subject, note.body)
        except Exception as exc:  # noqa: BLE001 - any sender failure is retried, never raised into a draw
            failed += 1
            note.last_error = f"{type(exc).__name__}: {exc}"[:500]
            note.status = "failed" if note.attempts >= MAX_ATTEMPTS else "pending"
            note.next_attempt_at = now + timedelta(minutes=2**note.attempts)
        else:
            sent += 1
            note.status, note.sent_at = "sent", now
        session.commit()
    return sent, failed
