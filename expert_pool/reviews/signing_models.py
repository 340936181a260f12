"""The tables behind reports nobody can forge from the database alone (issue 18 item 5): each expert's Ed25519
signing key (the private half encrypted under SIGNING_KEY_WRAP_KEY, kept outside the database) and the keyed
chain of final reports (``expert_pool.reviews.report_chain``). The database refuses to change either."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DDL, CheckConstraint, ForeignKey, Index, Integer, String, Text, event, text
from sqlalchemy.orm import Mapped, mapped_column

from knowledge.db import Base, UTCDateTime, utcnow


class ExpertSigningKey(Base):
    """An expert's Ed25519 key pair, made on his first signature. ``private_key`` is a Fernet token of the
    expert's id and the private key: only whoever holds SIGNING_KEY_WRAP_KEY can sign, and a public key swapped
    in the database no longer matches the private key it must derive from. A retired key still verifies the
    signatures it made; an expert has at most one key in use."""

    __tablename__ = "expert_signing_key"
    __table_args__ = (
        Index("uq_expert_signing_key_in_use", "expert_id", unique=True,
              sqlite_where=text("retired_at IS NULL"), postgresql_where=text("retired_at IS NULL")),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert.id"), index=True)
    public_key: Mapped[str] = mapped_column(String(64), unique=True)  # 32 bytes, hex
    private_key: Mapped[str] = mapped_column(Text)  # Fernet token (SIGNING_KEY_WRAP_KEY)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ReportChainEntry(Base):
    """A final report (or a report finalised before the chain began, ``legacy``) in the order it became final:
    ``report_mac`` is the report's keyed hash, ``mac`` the HMAC under REPORT_KEY of the entry and the previous
    entry's ``mac``. Appended in the finalisation's transaction and never changed."""

    __tablename__ = "report_chain_entry"
    __table_args__ = (CheckConstraint("kind IN ('final', 'legacy')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)  # unique: parallel finalisations cannot fork
    kind: Mapped[str] = mapped_column(String(16))
    report_id: Mapped[int] = mapped_column(Integer, index=True)  # a plain id: the entry outlives any row
    version: Mapped[int] = mapped_column(Integer)
    report_mac: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    prev_mac: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64), unique=True)


# The database refuses to change the rows (whatever client connects): chain entries never, a key only by
# retiring it once. Migration 0018 creates the same triggers.
KEY_CHANGE = (
    "OLD.retired_at IS NOT NULL OR NEW.expert_id <> OLD.expert_id OR NEW.public_key <> OLD.public_key "
    "OR NEW.private_key <> OLD.private_key"
)
GUARDED = {"report_chain_entry": "1 = 1", "expert_signing_key": KEY_CHANGE}


def sqlite_guards(table: str, condition: str) -> list[str]:
    return [
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} WHEN {condition} "
        f"BEGIN SELECT RAISE(ABORT, '{table} cannot change'); END",
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} cannot change'); END",
    ]


def postgres_guards(table: str, condition: str) -> list[str]:
    return [
        f"CREATE OR REPLACE FUNCTION {table}_guard() RETURNS trigger AS $$ BEGIN "
        f"IF TG_OP = 'DELETE' OR ({condition}) THEN RAISE EXCEPTION '{table} cannot change'; "
        f"END IF; RETURN NEW; END; $$ LANGUAGE plpgsql",
        f"CREATE TRIGGER {table}_guard BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {table}_guard()",
    ]


def drop_guards(table: str, dialect: str) -> list[str]:
    if dialect == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {table}_no_update", f"DROP TRIGGER IF EXISTS {table}_no_delete"]
    return [f"DROP TRIGGER IF EXISTS {table}_guard ON {table}", f"DROP FUNCTION IF EXISTS {table}_guard()"]


for _table, _condition in GUARDED.items():
    _tbl = Base.metadata.tables[_table]
    for _stmt in sqlite_guards(_table, _condition):
        event.listen(_tbl, "after_create", DDL(_stmt).execute_if(dialect="sqlite"))  # type: ignore[no-untyped-call]  # DDL() is unannotated
    for _stmt in postgres_guards(_table, _condition):
        event.listen(_tbl, "after_create", DDL(_stmt).execute_if(dialect="postgresql"))  # type: ignore[no-untyped-call]  # DDL() is unannotated
