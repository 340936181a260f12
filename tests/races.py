"""Widening a race window in a test: the interleaving that a loaded server produces now and then, every time."""

import time

from sqlalchemy import event
from sqlalchemy.orm import Session


def linger_after_flush(session: Session, seconds: float = 0.3) -> None:
    """Each flush of ``session`` waits ``seconds`` once written, holding what it wrote (its locks) uncommitted,
    so that parallel transactions all reach the statement after their insert before any of them commits."""
    event.listen(session, "after_flush", lambda *_: time.sleep(seconds))
