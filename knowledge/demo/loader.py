"""Bulk insert of generated demo rows, in chunks, with the primary keys the generator assigned."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.orm import Session

from knowledge.db import Base
from knowledge.demo.generator import DemoRows, FirstIds
from knowledge.demo.sampling import Row
from knowledge.enterprises.models import Enterprise, EnterpriseGroupLink, Project, ProjectParticipant
from knowledge.plans.models import PlanSignoff, PlanVersion
from knowledge.registry.models import Work

ProgressCallback = Callable[[str, int, int], None]

# Big enough that per-statement overhead vanishes, small enough that one chunk's parameters stay modest.
CHUNK_SIZE = 5_000
VERSION_CHUNK_SIZE = 1_000  # plan texts are a few KB each: smaller chunks keep one statement's size modest
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


# The demo's groups are long-standing: each subsidiary joined its group before any demo job began, so a
# demo group counts for every employment (DOMAIN 5, rule 3) as it did before links had dates.
DEMO_GROUP_SINCE = date(1990, 1, 1)


def group_links(enterprises: Sequence[Row]) -> list[Row]:
    """One open, dated group link (enterprise_group_link) for each demo subsidiary."""
    return [{"enterprise_id": e["id"], "parent_id": e["parent_id"], "start": DEMO_GROUP_SINCE, "end_date": None,
             "created_at": e["created_at"]} for e in enterprises if e.get("parent_id")]  # fmt: skip


def demo_tables() -> tuple[Table, Table, Table, Table]:
    """The four tables the demo fills, parents before children."""
    return (
        table_of(Enterprise.__tablename__),
        table_of(Project.__tablename__),
        table_of(ProjectParticipant.__tablename__),
        table_of(EXPERT_TABLE),
    )


def work_tables() -> tuple[Table, Table, Table]:
    """The works, their plan versions and the versions' sign-offs."""
    return (
        table_of(Work.__tablename__),
        table_of(PlanVersion.__tablename__),
        table_of(PlanSignoff.__tablename__),
    )


def first_free_ids(session: Session) -> FirstIds:
    """One past the current maximum id of each table, so demo rows never collide with existing ones."""
    enterprise, project, participant, expert, work, version, signoff = (
        (session.scalar(select(func.max(table.c.id))) or 0) + 1 for table in demo_tables() + work_tables()
    )
    return FirstIds(
        enterprise=enterprise,
        project=project,
        participant=participant,
        expert=expert,
        work=work,
        plan_version=version,
        signoff=signoff,
    )


def load(
    session: Session,
    rows: DemoRows,
    on_progress: ProgressCallback | None = None,
    *,
    upload_dir: Path | None = None,
    written: list[Path] | None = None,
) -> None:
    """Insert every row in the session's transaction (parents before children); the caller commits.

    Each plan version's text is also written to ``upload_dir`` under its stored name, and the path
    appended to ``written`` so a caller whose transaction fails can remove the files again.
    """
    enterprise, project, participant, expert = demo_tables()
    work, version, signoff = work_tables()
    stages: Sequence[tuple[Table, str, list[Row]]] = (
        (enterprise, "写入企业", rows.enterprises),
        (project, "写入项目", rows.projects),
        (participant, "写入参建单位", rows.participants),
        (expert, "写入专家", rows.experts),
        (work, "写入危大工程", rows.works),
    )
    for table, label, batch in stages:
        insert_in_chunks(session, table, batch, label, on_progress)
    links = table_of(EnterpriseGroupLink.__tablename__)
    insert_in_chunks(session, links, group_links(rows.enterprises), "写入集团关系", on_progress)
    if rows.plan_versions and upload_dir is None:
        raise ValueError("plan versions need an upload directory for their files")
    write_versions(session, version, rows, upload_dir, written, on_progress)
    insert_in_chunks(session, signoff, rows.signoffs, "写入签字", on_progress)
    advance_sequences(session, [table for table, _, _ in stages] + [links, version, signoff])


def write_versions(
    session: Session,
    table: Table,
    rows: DemoRows,
    upload_dir: Path | None,
    written: list[Path] | None,
    on_progress: ProgressCallback | None,
) -> None:
    """Insert plan versions chunk by chunk, writing each one's file first (UTF-8 text, as the digest says)."""
    label, versions = "写入方案版本", rows.plan_versions
    total = len(versions)
    if total == 0:
        report(on_progress, label, 0, 0)
        return
    assert upload_dir is not None
    upload_dir.mkdir(parents=True, exist_ok=True)
    for start in range(0, total, VERSION_CHUNK_SIZE):
        chunk = versions[start : start + VERSION_CHUNK_SIZE]
        for row, content in zip(chunk, rows.plan_files[start : start + VERSION_CHUNK_SIZE], strict=True):
            path = upload_dir / row["stored_name"]
            path.write_bytes(content.encode("utf-8"))
            if written is not None:
                written.append(path)
        session.execute(insert(table), chunk)
        report(on_progress, label, min(start + VERSION_CHUNK_SIZE, total), total)


def report(on_progress: ProgressCallback | None, label: str, done: int, total: int) -> None:
    if on_progress is not None:
        on_progress(label, done, total)


def insert_in_chunks(
    session: Session, table: Table, rows: list[Row], label: str, on_progress: ProgressCallback | None
) -> None:
    """Core executemany per chunk: no ORM objects, no RETURNING, ids as given; an empty stage reports 0 of 0."""
    total = len(rows)
    if total == 0:
        report(on_progress, label, 0, 0)
    for start in range(0, total, CHUNK_SIZE):
        session.execute(insert(table), rows[start : start + CHUNK_SIZE])
        report(on_progress, label, min(start + CHUNK_SIZE, total), total)


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
