"""Bulk insert of generated demo rows, in chunks, with the primary keys the generator assigned."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.orm import Session

from knowledge.db import Base
from knowledge.demo.generator import DemoRows, FirstIds
from knowledge.demo.sampling import Row
from knowledge.models import Enterprise, Project, ProjectParticipant

ProgressCallback = Callable[[str, int, int], None]

# Big enough that per-statement overhead vanishes, small enough that one chunk's parameters stay modest.
CHUNK_SIZE = 5_000
EXPERT_TABLE = "expert"


def table_of(name: str) -> Table:
    """A table from the shared metadata by name.

    The expert table belongs to expert_pool, which knowledge may not import (ARCHITECTURE.md section 1);
    the application and the tests import every model before they seed, which puts it on the metadata.
    """
    table = Base.metadata.tables.get(name)
    if table is None:
        raise RuntimeError(f"table {name!r} is not on the metadata: import its models before seeding")
    return table


def demo_tables() -> tuple[Table, Table, Table, Table]:
    """The four tables the demo fills, parents before children."""
    return (
        table_of(Enterprise.__tablename__),
        table_of(Project.__tablename__),
        table_of(ProjectParticipant.__tablename__),
        table_of(EXPERT_TABLE),
    )


def first_free_ids(session: Session) -> FirstIds:
    """One past the current maximum id of each table, so demo rows never collide with existing ones."""
    enterprise, project, participant, expert = (
        (session.scalar(select(func.max(table.c.id))) or 0) + 1 for table in demo_tables()
    )
    return FirstIds(enterprise=enterprise, project=project, participant=participant, expert=expert)


def load(session: Session, rows: DemoRows, on_progress: ProgressCallback | None = None) -> None:
    """Insert every row in the session's transaction (parents before children); the caller commits."""
    enterprise, project, participant, expert = demo_tables()
    stages: Sequence[tuple[Table, str, list[Row]]] = (
        (enterprise, "写入企业", rows.enterprises),
        (project, "写入项目", rows.projects),
        (participant, "写入参建单位", rows.participants),
        (expert, "写入专家", rows.experts),
    )
    for table, label, batch in stages:
        insert_in_chunks(session, table, batch, label, on_progress)
    advance_sequences(session, [table for table, _, _ in stages])


def insert_in_chunks(
    session: Session, table: Table, rows: list[Row], label: str, on_progress: ProgressCallback | None
) -> None:
    """Core executemany per chunk: no ORM objects, no RETURNING, ids as given."""
    total = len(rows)
    for start in range(0, total, CHUNK_SIZE):
        session.execute(insert(table), rows[start : start + CHUNK_SIZE])
        if on_progress is not None:
            on_progress(label, min(start + CHUNK_SIZE, total), total)


def advance_sequences(session: Session, tables: Sequence[Table]) -> None:
    """On PostgreSQL, move each id sequence past the ids given by hand, or the next plain INSERT collides."""
    if session.connection().dialect.name != "postgresql":
        return
    for table in tables:
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), max(id)) "
                f"FROM {table.name} HAVING count(*) > 0"
            )
        )
