"""Notifications: an outbox delivered by a job over SMTP (a real local server) or to the log, with retries."""

import socket
from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from sqlalchemy import select

from expert_pool.draws import notify
from expert_pool.draws.models import Notification

NOW = datetime.now(UTC) + timedelta(days=1)  # after the rows are queued (queued at the real time)


class Inbox(Message):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list = []

    def handle_message(self, message) -> None:  # type: ignore[override]
        self.messages.append(message)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server():
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def test_invitations_go_out_over_smtp(session, smtp_server):
    inbox, port = smtp_server
    notify.queue(
        session, expert_id=None, recipient="wang@example.com", subject="专家论证邀请", body="请确认参加"
    )
    session.commit()
    sender = notify.SmtpSender("127.0.0.1", port, "noreply@jszjt.example")
    assert notify.deliver_pending(session, sender, now=NOW) == (1, 0)
    assert len(inbox.messages) == 1
    assert str(make_header(decode_header(inbox.messages[0]["Subject"]))) == "专家论证邀请"
    assert "请确认参加" in inbox.messages[0].get_payload(decode=True).decode("utf-8")
    assert session.scalar(select(Notification.status)) == "sent"


def test_a_failing_sender_is_retried_later_and_never_raises(session):
    notify.queue(session, expert_id=None, recipient="x@example.com", subject="s", body="b")
    session.commit()
    dead = notify.SmtpSender("127.0.0.1", 1, "noreply@example.com", timeout=0.5)  # nothing listens on port 1
    assert notify.deliver_pending(session, dead, now=NOW) == (0, 1)
    note = session.scalar(select(Notification))
    assert note.status == "pending" and note.attempts == 1 and note.last_error
    assert notify.deliver_pending(session, dead, now=NOW) == (0, 0)  # not due yet
    log = notify.LogSender()
    assert notify.deliver_pending(session, log, now=NOW + timedelta(minutes=5)) == (1, 0)
    assert log.sent == [("x@example.com", "s", "b")]


def test_the_invitation_deadline_is_written_in_beijing_time():
    from collections import namedtuple
    from datetime import date

    from expert_pool.draws.models import HalfDay

    who = namedtuple("Who", "id name email phone")(7, "张三", "", "")
    row = notify.invitation(
        who, "某深基坑工程", date(2026, 12, 3), HalfDay.AM, datetime(2026, 11, 24, 17, 30, tzinfo=UTC)
    )
    assert "请于2026-11-25 01:30前登录系统" in row["body"]
