"""Loads the conflict graph from the database and keeps it fresh: a cached graph is reused only while the
fingerprint of the rows under it is unchanged, checked on every use, so a change made by any process
(another web worker, the CLI, an import) is seen before the next conflict check or draw."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from functools import cache
from typing import Any, Protocol, cast

from sqlalchemy import Date, ScalarSelect, Select, func, select
from sqlalchemy.orm import Session

from expert_pool.conflicts import graph as cg
from expert_pool.conflicts.models import PanelSitting
from expert_pool.conflicts.records import PanelConclusion
from expert_pool.experts.models import DeclaredConflict, Employment, Expert
from knowledge import audit
from knowledge.enterprises.models import Enterprise, EnterpriseGroupLink, Project, ProjectParticipant
from knowledge.plans.models import PlanAuthor, PlanVersion
from knowledge.registry.models import Work

# Audited changes that alter the graph without adding rows (an end date, a parent or the end of a group link,
# a participant's role).
GRAPH_ACTIONS = ("enterprise_update", "employment_add", "employment_update", "conflict_declare", "expert_update",
                 "participant_update", "work_register", "work_import", "review_final")  # fmt: skip
_TABLES = (Enterprise, Project, ProjectParticipant, Work, Expert, Employment, DeclaredConflict, PanelSitting,
           PlanAuthor, EnterpriseGroupLink)  # fmt: skip
_lock = threading.Lock()


class ConflictSettings(Protocol):
    """The policy values the conflict rules read (``expert_pool.policy.PoolPolicy`` has them)."""

    @property
    def former_employment_years(self) -> int: ...

    @property
    def exclude_failed_panel(self) -> bool: ...


_cache: dict[str, tuple[tuple[Any, ...], cg.ConflictGraph]] = {}


def forget_graphs() -> None:
    """Drop the graphs this process keeps (``draws.funnel.forget`` says when)."""
    with _lock:
        _cache.clear()


def fingerprint(session: Session) -> tuple[Any, ...]:
    """The highest id of every table under the graph (new rows) and the last audited change to them (edits).

    Rows under the graph are never deleted by the services; any that ever is must be audited with one of
    GRAPH_ACTIONS. Highest ids come from the primary key index at once, where counts scan whole tables.
    """
    return tuple(session.execute(select(*fingerprint_columns())).one())


@cache
def fingerprint_columns() -> tuple[ScalarSelect[Any], ...]:
    """The fingerprint as scalar subqueries, for a caller that reads it with other values in one statement
    (built once: constructing them costs more than running them)."""
    parts = [select(func.max(model.id)).scalar_subquery() for model in _TABLES]
    return (*parts, *audit.last_ids(GRAPH_ACTIONS))


def rows(session: Session, statement: Select[*tuple[Any, ...]]) -> list[Sequence[Any]]:
    """The statement's rows as the driver gives them, without a Row object or a type conversion each: the
    graph reads about half a million rows, and those took longer than the queries. Enum columns come as their
    stored values, the codes the graph wants; SQLite gives days as text, read here."""
    connection = session.connection()
    compiled = statement.compile(dialect=connection.dialect)
    if compiled.params:
        raise ValueError("rows() reads whole tables: a statement with parameters is not supported")
    cursor = connection.connection.cursor()
    try:
        cursor.execute(str(compiled))
        found: list[Sequence[Any]] = list(cursor.fetchall())
    finally:
        cursor.close()
    days = [i for i, c in enumerate(statement.selected_columns) if isinstance(c.type, Date)]
    if days and connection.dialect.name == "sqlite":
        found = [_days(row, days) for row in found]
    return found


def _days(row: Sequence[Any], days: list[int]) -> tuple[Any, ...]:
    values = list(row)
    for i in days:
        if isinstance(values[i], str):
            values[i] = date.fromisoformat(values[i])
    return tuple(values)


def load_data(session: Session) -> cg.GraphData:
    def read(*columns: Any) -> list[Sequence[Any]]:
        return rows(session, select(*columns))

    # Who sat on which concluded panel (DOMAIN 5, rule 6): recorded by the reviews package as each report
    # became final. The column holds the values of reviews.models.Conclusion, written by record_sittings only.
    sat = read(PanelSitting.expert_id, PanelSitting.work_id, PanelSitting.review_id, PanelSitting.conclusion,
               PanelSitting.held_on)  # fmt: skip
    seats = sorted({cg.PanelSeat(e, w, r, cast(PanelConclusion, c), d) for e, w, r, c, d in sat},
                   key=lambda s: (s.review_id, s.expert_id))  # fmt: skip
    # Rule 4: a plan's author is matched to an expert by the keyed hash of his ID number, never by his name.
    authored = rows(session,
        select(Expert.id, PlanVersion.work_id, PlanVersion.id, PlanAuthor.kind, PlanVersion.number)
        .select_from(PlanAuthor)
        .join(PlanVersion, PlanVersion.id == PlanAuthor.plan_version_id)
        .join(Expert, Expert.id_number_hash == PlanAuthor.id_hash),
    )  # fmt: skip
    authorships = sorted({cg.PlanAuthorship(e, w, v, k, n) for e, w, v, k, n in authored},
                         key=lambda a: (a.plan_version_id, a.expert_id, a.kind))  # fmt: skip
    return cg.GraphData(
        experts=[cg.ExpertNode(i, n) for i, n in read(Expert.id, Expert.name)],
        enterprises=[cg.EnterpriseNode(i, n, p) for i, n, p in read(Enterprise.id, Enterprise.name, Enterprise.parent_id)],
        group_links=[cg.GroupLink(e, p, s, t) for e, p, s, t in read(
            EnterpriseGroupLink.enterprise_id, EnterpriseGroupLink.parent_id, EnterpriseGroupLink.start,
            EnterpriseGroupLink.end_date)],
        projects=[cg.ProjectNode(i, n) for i, n in read(Project.id, Project.name)],
        works=[cg.WorkNode(i, n, p) for i, n, p in read(Work.id, Work.name, Work.project_id)],
        employments=[cg.Employment(e, u, s, t) for e, u, s, t in read(
            Employment.expert_id, Employment.enterprise_id, Employment.start, Employment.end_date)],
        participations=[cg.Participation(p, e, r) for p, e, r in read(
            ProjectParticipant.project_id, ProjectParticipant.enterprise_id, ProjectParticipant.role)],
        declarations=[cg.DeclaredConflict(e, u, n, s, t) for e, u, n, s, t in read(
            DeclaredConflict.expert_id, DeclaredConflict.enterprise_id, DeclaredConflict.note,
            DeclaredConflict.start, DeclaredConflict.end_date)],
        authorships=authorships,
        seats=seats,
    )  # fmt: skip


def graph(session: Session, current: tuple[Any, ...] | None = None) -> cg.ConflictGraph:
    """The process's graph for this database, rebuilt first if its rows changed since it was built.
    ``current``: the fingerprint, when the caller read it in this transaction with other values."""
    key = str(session.get_bind().engine.url)
    current = fingerprint(session) if current is None else tuple(current)
    with _lock:
        cached = _cache.get(key)
        if cached is not None and cached[0] == current:
            return cached[1]
        with _collection_paused():
            data = load_data(session)
        built = cg.ConflictGraph.build(data)
        _cache[key] = (current, built)
        return built


@contextmanager
def _collection_paused() -> Iterator[None]:
    """Loading only allocates (about a million rows and records): collections meanwhile would rescan them all,
    as ``ConflictGraph.build`` says of its own allocations."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def conflict_policy(policy: ConflictSettings) -> cg.ConflictPolicy:
    return cg.ConflictPolicy(former_employment_years=policy.former_employment_years,
                             exclude_failed_panel=policy.exclude_failed_panel)  # fmt: skip


def conflicts_for_work(
    session: Session, work: Work, *, on: date, policy: ConflictSettings
) -> dict[int, list[cg.ConflictPath]]:
    """Every conflicted expert of the work's project, each with the paths that prove it."""
    return cg.conflicted_experts(
        graph(session), work.id, work.project_id, on=on, policy=conflict_policy(policy)
    )


def draw_checks(
    session: Session,
    work: Work,
    *,
    on: date,
    policy: ConflictSettings,
    current: tuple[Any, ...] | None = None,
) -> tuple[dict[int, list[cg.ConflictPath]], Mapping[tuple[int, int], tuple[date, ...]]]:
    """What a draw's funnel reads from the graph, from one (fresh) graph: the work's conflicted experts with
    their paths, and the days each two experts shared a panel (for the soft limit ``max_pair_sittings``).
    ``current``: the graph's fingerprint, as ``graph`` takes it."""
    built = graph(session, current)
    conflicted = cg.conflicted_experts(built, work.id, work.project_id, on=on, policy=conflict_policy(policy))
    return conflicted, built.index.shared_days


def conflicts_of_expert(
    session: Session, work: Work, expert_id: int, *, on: date, policy: ConflictSettings
) -> list[cg.ConflictPath]:
    return cg.find_conflicts(
        graph(session), expert_id, work.id, work.project_id, on=on, policy=conflict_policy(policy)
    )
