"""The one declarative Base every model shares, with a constraint naming convention for Alembic."""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime
from enum import Enum as PyEnum
from typing import Any

from psycopg.pq import TransactionStatus
from sqlalchemy import DateTime, Engine, Enum, MetaData, TypeDecorator, event
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Keys are INTEGER columns (32 bits on PostgreSQL): a larger number names no row, and would make the driver fail.
MAX_KEY = 2**31 - 1


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp that comes back aware on SQLite too (SQLite drops the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def enum_column(enum_cls: type[PyEnum], name: str, length: int = 32) -> Enum:
    """Store an Enum by its value as a checked VARCHAR (no native PostgreSQL type to migrate).

    ``name`` names the CHECK constraint; give the column's name so two enum columns never clash.
    """
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """SQLite leaves foreign keys off by default; WAL lets readers work while one process writes."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


# psycopg forgets every prepared statement of a connection on ROLLBACK (it clears its cache), and SQLAlchemy ends
# with a ROLLBACK every transaction it did not commit: a request that only read (most page views, and the read
# after a commit) left its connection with none, so every request planned its statements again (a draw's opening
# statement: 3.3 ms of planning for 1.3 ms of work). A transaction that sent nothing but SELECT and SHOW ends
# with COMMIT instead, which for PostgreSQL is the same as a rollback (it wrote nothing; the locks and settings
# it took end either way), so the connection keeps its prepared statements. Anything else, a savepoint included,
# and a failed transaction, roll back as before.
_READS = re.compile(r"\s*(SELECT|SHOW)\b", re.IGNORECASE)
_WROTE = "transaction_wrote"


@event.listens_for(Engine, "begin")
def _begun(conn: Any) -> None:
    conn.info[_WROTE] = False


@event.listens_for(Engine, "before_cursor_execute")
def _statement(
    conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
) -> None:
    if not _READS.match(statement):
        conn.info[_WROTE] = True


@event.listens_for(Engine, "rollback")
def _read_only_commits(conn: Any) -> None:
    if conn.dialect.driver != "psycopg" or conn.info.get(_WROTE, True):
        return
    dbapi = conn.connection.dbapi_connection
    if dbapi is not None and dbapi.info.transaction_status == TransactionStatus.INTRANS:
        dbapi.commit()  # the driver's rollback that follows finds no transaction and keeps the cache
