"""The append-only audit log: who did what, when, from which address, with what outcome, to which object, with
the state before and after.

The rows form a keyed chain (issue 18): each row's ``mac`` is HMAC-SHA256 under AUDIT_CHAIN_KEY (configuration,
never the database) of its content and the previous row's ``mac``, in the order of its unique ``seq``. The head
of the chain is one row (``audit_chain_head``) that every writer updates in its own transaction before it
appends: PostgreSQL locks that row until the commit, SQLite takes its single write lock, so parallel writers
queue and the chain never forks. ``verify`` recomputes it and names a changed, inserted or deleted row.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import (
    DDL,
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    ScalarSelect,
    String,
    Table,
    event,
    func,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from knowledge import keyed_chain
from knowledge.audit_labels import ACTION_LABELS
from knowledge.db import Base, UTCDateTime, utcnow

if TYPE_CHECKING:  # accounts record audit rows: the actor's class is named for the type checker only
    from knowledge.accounts.models import Account


class AuditLog(Base):
    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_object", "object_type", "object_id"),
        # The last row of an action in one index step: caches keyed by the last audited change read it per use.
        Index("ix_audit_log_action", "action", "id"),
        CheckConstraint("outcome IN ('ok', 'denied', 'failed')", name="outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)  # position in the chain; unique: no forks
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    address: Mapped[str | None] = mapped_column(String(64))  # the source address, "cli" for commands
    outcome: Mapped[str] = mapped_column(String(16), default="ok")  # ok / denied / failed
    prev_mac: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64))

    actor: Mapped[Account | None] = relationship(lazy="joined")

    @property
    def action_label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action)

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS.get(self.outcome, self.outcome)


class AuditChainHead(Base):
    """The chain's last position and MAC: one row (id 1), updated with every append, in the same transaction."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    mac: Mapped[str] = mapped_column(String(64))


OUTCOMES = ("ok", "denied", "failed")
OUTCOME_LABELS = {"ok": "成功", "denied": "拒绝", "failed": "失败"}
GENESIS_MAC = keyed_chain.GENESIS_MAC
ADDRESS_MAX = 64


# The database itself refuses to change or remove an audit row, whatever client connects.
# The same statements are in the migration that creates the table.
SQLITE_GUARDS = [
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
]
POSTGRES_GUARDS = [
    "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'audit_log is append-only'; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
]
for _stmt in SQLITE_GUARDS:
    event.listen(AuditLog.__table__, "after_create", DDL(_stmt).execute_if(dialect="sqlite"))  # type: ignore[no-untyped-call]  # DDL() is unannotated
for _stmt in POSTGRES_GUARDS:
    event.listen(AuditLog.__table__, "after_create", DDL(_stmt).execute_if(dialect="postgresql"))  # type: ignore[no-untyped-call]  # DDL() is unannotated


# The request's source address, set at the edge (a web request's hook, "cli" for commands), so services record
# it without knowing where they are called from.
current_address: ContextVar[str | None] = ContextVar("audit_current_address", default=None)
_KEY = keyed_chain.KeySlot("AUDIT_CHAIN_KEY")
_HEAD = cast(Table, AuditChainHead.__table__)
_PENDING = "audit_pending"  # session.info: the rows recorded and not yet flushed, in order


def use_key(key: bytes) -> None:
    """Set once by the application from its configuration (never from the database)."""
    _KEY.set(key)


def chain_key() -> bytes:
    """:raises keyed_chain.KeyMissing: (a RuntimeError) naming AUDIT_CHAIN_KEY while it is not configured."""
    return _KEY.get()


def _canonical(value: Any) -> Any:
    """A JSON value as the database gives it back (integer keys become strings, tuples lists)."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def row_mac(key: bytes, row: AuditLog) -> str:
    body = {
        "seq": row.seq, "at": keyed_chain.utc_text(row.at), "actor_id": row.actor_id, "action": row.action,
        "object_type": row.object_type, "object_id": row.object_id, "before": _canonical(row.before),
        "after": _canonical(row.after), "address": row.address, "outcome": row.outcome, "prev_mac": row.prev_mac,
    }  # fmt: skip
    return keyed_chain.mac_of(key, body)


def _advance(conn: Connection, count: int) -> tuple[int, str]:
    """Take ``count`` positions: (the first, the MAC before it). The UPDATE holds the head (a row lock on
    PostgreSQL, the write lock on SQLite) until the commit, so parallel writers queue instead of forking."""
    step = (
        update(_HEAD)
        .where(_HEAD.c.id == 1)
        .values(seq=_HEAD.c.seq + count)
        .returning(_HEAD.c.seq, _HEAD.c.mac)
    )
    got = conn.execute(step).first()
    if got is None:  # an empty database: the head starts at the genesis, once, whoever comes first
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        conn.execute(dialect.insert(_HEAD).values(id=1, seq=0, mac=GENESIS_MAC).on_conflict_do_nothing())
        got = conn.execute(step).one()
    return int(got.seq) - count + 1, str(got.mac)


@event.listens_for(Session, "before_flush")
def _chain_new_rows(session: Session, flush_context: Any, instances: Any) -> None:
    """The rows this flush inserts take their positions in the order they were recorded: two statements on the
    head per flush, whatever the number of rows, and the head is held only from the flush to the commit."""
    queued = [r for r in session.info.pop(_PENDING, []) if r in session.new]
    others = sorted(
        (o for o in session.new if isinstance(o, AuditLog) and o.mac is None and o not in queued),
        key=lambda o: o.at or utcnow(),
    )
    rows = queued + others
    if not rows:
        return
    key = chain_key()
    conn = session.connection()
    seq, prev = _advance(conn, len(rows))
    for row in rows:
        row.at = row.at or utcnow()
        row.outcome = row.outcome or "ok"
        row.seq, row.prev_mac = seq, prev
        row.mac = prev = row_mac(key, row)
        seq += 1
    conn.execute(update(_HEAD).where(_HEAD.c.id == 1).values(mac=prev))


def record(
    session: Session,
    *,
    actor_id: int | None,
    action: str,
    obj: tuple[str, object],
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    outcome: str = "ok",
    address: str | None = None,
) -> AuditLog:
    """Add an audit row to the session; the caller's commit makes it part of the same change. Its place in the
    chain (``seq``, ``prev_mac``, ``mac``) is given when the session flushes it."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown audit outcome {outcome!r}")
    chain_key()  # refused at once, not at the commit, when the key is missing
    object_type, object_id = obj
    address = address or current_address.get() or None
    row = AuditLog(
        at=utcnow(),
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        before=before,
        after=after,
        address=address[:ADDRESS_MAX] if address else None,
        outcome=outcome,
    )
    session.add(row)
    session.info.setdefault(_PENDING, []).append(row)
    return row


def record_read(
    session: Session, *, actor_id: int | None, action: str, obj: tuple[str, object],
    after: dict[str, Any] | None = None, outcome: str = "ok",
) -> None:  # fmt: skip
    """A sensitive read or a refusal, which changes nothing else: recorded and committed on its own."""
    record(session, actor_id=actor_id, action=action, obj=obj, after=after, outcome=outcome)
    session.commit()


def last_ids(actions: Sequence[str]) -> list[ScalarSelect[int | None]]:
    """The id of the last row of each action, as scalar subqueries: one step down ``ix_audit_log_action`` each,
    where one maximum over ``action IN (...)`` walks back through every later row of the log."""
    return [select(func.max(AuditLog.id)).where(AuditLog.action == a).scalar_subquery() for a in actions]


def _rows(session: Session) -> Iterator[AuditLog]:
    yield from session.scalars(select(AuditLog).order_by(AuditLog.seq).execution_options(yield_per=500))


def verify(session: Session, key: bytes | None = None) -> tuple[int, list[str]]:
    """Recompute the chain: (rows checked, problems in Chinese). Empty problems: nothing changed, inserted or
    deleted since each row was written."""
    key = key or chain_key()
    problems: list[str] = []
    expected, prev, count = 1, GENESIS_MAC, 0
    for row in _rows(session):
        count += 1
        if row.seq != expected:
            if row.seq > expected:
                problems.append(f"审计记录第{expected}条至第{row.seq - 1}条缺失（被删除）")
            else:
                problems.append(f"审计记录第{row.seq}条位置重复（被插入）")
        if row.prev_mac != prev:
            problems.append(f"审计记录第{row.seq}条（编号{row.id}）与前一条不衔接（记录被删除、插入或修改）")
        if not keyed_chain.same(row_mac(key, row), row.mac):
            problems.append(f"审计记录第{row.seq}条（编号{row.id}）的内容与其密钥签名不符：记录被修改或伪造")
        prev, expected = row.mac, max(expected, row.seq + 1)
    head = session.get(AuditChainHead, 1)
    last = expected - 1
    if head is not None and (head.seq != last or head.mac != prev):
        problems.append(f"审计链头记到第{head.seq}条，现存记录只到第{last}条：末尾的记录被删除或链头被改动")
    if head is None and count:
        problems.append("审计链头缺失")
    return count, problems
