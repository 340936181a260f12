"""Draw records (hash-chained), the seats and invitations they create, half-day bookings, the keyed chain."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    DDL,
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Time,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from expert_pool.experts.models import Expert
from knowledge.db import Base, UTCDateTime, enum_column, utcnow
from knowledge.regions import City
from knowledge.registry.models import Work


class HalfDay(StrEnum):
    AM = "am"
    PM = "pm"

    @property
    def label(self) -> str:
        return {"am": "上午", "pm": "下午"}[self.value]


class SeatStatus(StrEnum):
    INVITED = "invited"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    EXPIRED = "expired"  # no answer by the reply deadline: a decline without penalty
    STANDBY = "standby"  # an alternate not (yet) called

    @property
    def label(self) -> str:
        return {"invited": "已邀请", "confirmed": "已确认", "declined": "已谢绝", "expired": "逾期未复",
                "standby": "候补"}[self.value]  # fmt: skip


class Draw(Base):
    """A signed record: never edited; each record's hash covers its content and the previous hash."""

    __tablename__ = "draw"
    # One panel per work and review round (its plan version): a second root draw, even from parallel requests,
    # is refused by the database (top-ups of that panel carry top_up_of and are not counted).
    __table_args__ = (
        Index("uq_draw_one_per_round", "work_id", "plan_version_id", unique=True,
              sqlite_where=text("top_up_of IS NULL"), postgresql_where=text("top_up_of IS NULL")),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)  # position in the chain; unique: no forks
    work_id: Mapped[int] = mapped_column(ForeignKey("work.id"), index=True)
    plan_version_id: Mapped[int] = mapped_column(ForeignKey("plan_version.id"))
    meeting_day: Mapped[date] = mapped_column(Date)
    half_day: Mapped[HalfDay] = mapped_column(enum_column(HalfDay, "half_day"))
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reveal_at: Mapped[datetime] = mapped_column(UTCDateTime())
    seed_hash: Mapped[str] = mapped_column(String(64))
    seed: Mapped[str] = mapped_column(String(64))
    algorithm: Mapped[str] = mapped_column(String(32))
    policy: Mapped[dict[str, Any]] = mapped_column(JSON)
    funnel: Mapped[dict[str, Any]] = mapped_column(JSON)  # pool size and each exclusion with its reason
    candidates: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # the eligible, as drawn from
    seated: Mapped[list[int]] = mapped_column(JSON)
    alternates: Mapped[list[int]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    record_hash: Mapped[str] = mapped_column(String(64), unique=True)
    top_up_of: Mapped[int | None] = mapped_column(
        ForeignKey("draw.id"), index=True
    )  # a meeting's top-ups, read per page

    seats: Mapped[list[Seat]] = relationship(back_populates="draw", order_by="Seat.position")
    work: Mapped[Work] = relationship()
    # A root draw's place and start (``arrangement``); a top-up's is its root's.
    arrangement: Mapped[MeetingArrangement | None] = relationship(
        viewonly=True, foreign_keys="MeetingArrangement.draw_id"
    )


class Seat(Base):
    """A drawn expert's place: a seat (position 1..n) or an alternate (n+1..), with the invitation's state."""

    __tablename__ = "seat"
    __table_args__ = (UniqueConstraint("draw_id", "expert_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("draw.id"), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    status: Mapped[SeatStatus] = mapped_column(enum_column(SeatStatus, "status"))
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reply_by: Mapped[datetime | None] = mapped_column(UTCDateTime())
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decline_reason: Mapped[str] = mapped_column(String(500), default="")

    draw: Mapped[Draw] = relationship(back_populates="seats")
    expert: Mapped[Expert] = relationship()


class FailureKind(StrEnum):
    DRAW = "draw"  # a meeting's first draw (request_draw)
    TOP_UP = "top_up"  # the seats left when the alternates ran out (top_up)

    @property
    def label(self) -> str:
        return {"draw": "首次抽取", "top_up": "补充抽取"}[self.value]


class DrawFailure(Base):
    """A draw refused for lack of eligible experts (``feasibility.DrawInfeasible``): the refused draw leaves no
    record, so this row is what shows the regulators where the pool runs thin (issue 22 item 2). Kept as it was
    written, its own transaction's; ``constraint`` is the rule that could not be met, ``message`` what the
    office was told."""

    __tablename__ = "draw_failure"
    __table_args__ = (
        CheckConstraint("seats_requested > 0 AND alternates_requested >= 0 AND eligible >= 0",
                        name="counts_in_range"),
        Index("ix_draw_failure_occurred_at_city", "occurred_at", "city"),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("work.id"), index=True)
    city: Mapped[City] = mapped_column(enum_column(City, "city"))  # the work's, when the draw failed
    category: Mapped[str] = mapped_column(String(32))  # the work's category: the specialty the draw needed
    kind: Mapped[FailureKind] = mapped_column(enum_column(FailureKind, "kind", 16))
    seats_requested: Mapped[int] = mapped_column(Integer)
    alternates_requested: Mapped[int] = mapped_column(Integer)
    eligible: Mapped[int] = mapped_column(Integer)  # the candidates left by the funnel, drawn from
    constraint: Mapped[str] = mapped_column(String(32))  # DrawInfeasible.constraint: pool_size, max_local, …
    message: Mapped[str] = mapped_column(String(500))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))  # None: a job (an expiry)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MeetingArrangement(Base):
    """Where and when the meeting sits (DOMAIN 3; Decree 37 Art. 12: the constructor organises it). A draw is a
    signed record that never changes, so the place and start time live here, one row per meeting (its root
    draw), set with the draw and changed later by the office or the organiser, each change audited."""

    __tablename__ = "meeting_arrangement"

    id: Mapped[int] = mapped_column(primary_key=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("draw.id"), unique=True)  # the meeting's root draw
    place: Mapped[str] = mapped_column(String(200), default="")
    start_time: Mapped[time] = mapped_column(Time())  # local (China Standard Time), on the draw's day
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    draw: Mapped[Draw] = relationship()


class Booking(Base):
    """One expert, one meeting per half-day: the unique key makes concurrent draws unable to double-book."""

    __tablename__ = "expert_booking"
    __table_args__ = (UniqueConstraint("expert_id", "day", "half_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert.id"))
    day: Mapped[date] = mapped_column(Date)
    half_day: Mapped[HalfDay] = mapped_column(enum_column(HalfDay, "half_day"))
    seat_id: Mapped[int] = mapped_column(ForeignKey("seat.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Notification(Base):
    """Outbox of messages to experts: sent by a job with retries, so a failing sender never blocks a draw."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int | None] = mapped_column(ForeignKey("expert.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(String(4000))
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ChainEntry(Base):
    """One change of a panel (a draw, a seat drawn, confirmed, declined, expired, an alternate seated), appended
    in the change's own transaction and never edited: ``mac`` is an HMAC-SHA256, under a key kept outside the
    database (DRAW_CHAIN_KEY), of the entry and the previous entry's ``mac`` (``expert_pool.draws.chain``)."""

    __tablename__ = "chain_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)  # unique: parallel appends cannot fork
    kind: Mapped[str] = mapped_column(String(24))
    draw_id: Mapped[int | None] = mapped_column(Integer, index=True)  # plain ids: the entry outlives any row
    seat_id: Mapped[int | None] = mapped_column(Integer)
    expert_id: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_mac: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64), unique=True)


# The database itself refuses to change or remove a chain entry, whatever client connects (the backup restore
# replaces the whole database, never a row). Migration 0021 creates the same triggers.
CHAIN_ENTRY_GUARDS = {
    "sqlite": [
        "CREATE TRIGGER chain_entry_no_update BEFORE UPDATE ON chain_entry "
        "BEGIN SELECT RAISE(ABORT, 'chain_entry is append-only'); END",
        "CREATE TRIGGER chain_entry_no_delete BEFORE DELETE ON chain_entry "
        "BEGIN SELECT RAISE(ABORT, 'chain_entry is append-only'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION chain_entry_append_only() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION 'chain_entry is append-only'; END; $$ LANGUAGE plpgsql",
        "CREATE TRIGGER chain_entry_no_change BEFORE UPDATE OR DELETE ON chain_entry "
        "FOR EACH ROW EXECUTE FUNCTION chain_entry_append_only()",
    ],
}
CHAIN_ENTRY_DROP_GUARDS = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS chain_entry_no_update",
        "DROP TRIGGER IF EXISTS chain_entry_no_delete",
    ],
    "postgresql": [
        "DROP TRIGGER IF EXISTS chain_entry_no_change ON chain_entry",
        "DROP FUNCTION IF EXISTS chain_entry_append_only()",
    ],
}
for _dialect, _statements in CHAIN_ENTRY_GUARDS.items():
    for _stmt in _statements:
        event.listen(ChainEntry.__table__, "after_create", DDL(_stmt).execute_if(dialect=_dialect))  # type: ignore[no-untyped-call]  # DDL() is unannotated


class ChainDigest(Base):
    """The chain head of one day, signed with Ed25519 (DRAW_DIGEST_KEY): outsiders keep it, and a later rewrite
    of the chain no longer matches it. Since 0021 it also carries the report chain's head (NULL in the digests
    signed before, which still verify)."""

    __tablename__ = "chain_digest"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    head_seq: Mapped[int] = mapped_column(Integer)
    head_mac: Mapped[str] = mapped_column(String(64))
    report_head_seq: Mapped[int | None] = mapped_column(Integer)
    report_head_mac: Mapped[str | None] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
