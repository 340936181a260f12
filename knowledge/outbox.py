"""The search outbox: changes that must reach the index, recorded in the same transaction as the change.

A use case calls ``record`` before its commit, so the row exists exactly when the change does. One writer
(``flask search worker`` or the web process's background thread, under a file lock) reads ``pending`` rows,
builds each document from the database as it is *then* and marks the rows done only after the index write
succeeded: a crash anywhere in between leaves them pending, and the next run applies them again (an upsert
or a delete is safe to repeat).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, Integer, String, delete, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from knowledge.db import Base, UTCDateTime, enum_column, utcnow

# A row that failed this often is left for a person (``flask search check`` lists it): a document its
# builder cannot make will not get better by itself, and retrying it forever would hide the others.
MAX_ATTEMPTS = 5
ERROR_MAX = 500


class OutboxAction(StrEnum):
    UPSERT = "upsert"
    DELETE = "delete"


class SearchOutbox(Base):
    __tablename__ = "search_outbox"
    # The writer asks for "not done, oldest first" on every poll.
    __table_args__ = (Index("ix_search_outbox_pending", "done_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    doc_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[OutboxAction] = mapped_column(enum_column(OutboxAction, "action", length=16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(ERROR_MAX), default="")


def record(session: Session, doc_id: str, action: str = OutboxAction.UPSERT) -> SearchOutbox:
    """Add a row to the caller's session; the caller's commit makes it (and the change) durable."""
    row = SearchOutbox(doc_id=doc_id, action=OutboxAction(action))
    session.add(row)
    return row


def record_many(session: Session, doc_ids: Iterable[str], action: str = OutboxAction.UPSERT) -> int:
    rows = [SearchOutbox(doc_id=doc_id, action=OutboxAction(action)) for doc_id in dict.fromkeys(doc_ids)]
    session.add_all(rows)
    return len(rows)


def pending(session: Session, limit: int, *, after_id: int = 0) -> list[SearchOutbox]:
    """The oldest rows not yet applied (with ids above ``after_id``), leaving out those that failed
    ``MAX_ATTEMPTS`` times: a writer passing the last id it saw tries a failing row once per pass."""
    stmt = (
        select(SearchOutbox)
        .where(
            SearchOutbox.done_at.is_(None),
            SearchOutbox.attempts < MAX_ATTEMPTS,
            SearchOutbox.id > after_id,
        )
        .order_by(SearchOutbox.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def pending_count(session: Session) -> int:
    stmt = select(func.count()).where(SearchOutbox.done_at.is_(None), SearchOutbox.attempts < MAX_ATTEMPTS)
    return session.scalar(stmt) or 0


def stuck(session: Session, limit: int = 20) -> list[SearchOutbox]:
    """Rows given up on after ``MAX_ATTEMPTS`` failures, newest first: for a person to look at."""
    stmt = (
        select(SearchOutbox)
        .where(SearchOutbox.done_at.is_(None), SearchOutbox.attempts >= MAX_ATTEMPTS)
        .order_by(SearchOutbox.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def mark_done(session: Session, ids: Sequence[int], *, now: datetime) -> None:
    """Only after the index write succeeded; the caller commits."""
    if ids:
        session.execute(
            update(SearchOutbox).where(SearchOutbox.id.in_(ids)).values(done_at=now, last_error="")
        )


def mark_failed(session: Session, ids: Sequence[int], error: str, *, counts: bool = True) -> None:
    """Keep the rows pending with the error; ``counts`` False for a busy index, which is no fault of theirs."""
    if ids:
        values: dict[str, object] = {"last_error": error[:ERROR_MAX]}
        if counts:
            values["attempts"] = SearchOutbox.attempts + 1
        session.execute(update(SearchOutbox).where(SearchOutbox.id.in_(ids)).values(**values))


def purge_done(session: Session, *, before: datetime) -> int:
    """Forget rows applied before ``before`` (the caller commits); they only mattered until applied."""
    result = session.execute(
        delete(SearchOutbox).where(SearchOutbox.done_at.is_not(None), SearchOutbox.done_at < before)
    )
    return int(getattr(result, "rowcount", 0) or 0)
