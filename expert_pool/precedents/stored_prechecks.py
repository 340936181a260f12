"""The plan pre-check kept for the works under way (issue 23 item 3), so that the dashboard can list, at province
scale, the works whose current plan did not address a top problem of their category without pre-checking ten
thousand plans per page view.

A job (``refresh``: every five minutes, and ``flask dashboard prechecks``) pre-checks the latest plan version of
each work under way whose kept result is missing or stale, as ``queries.precheck_version`` does (same ranked
problems, same order of the unreadable and too-few answers; a test holds them equal), and keeps the problems it
marks "not found". A result is stale when another version became the work's latest, or when what the plan would
be checked against changed: the ``basis``, a digest of the ranked problems of the work's category and sub-type
(ids, sections, key terms) and of whether the category has enough precedents. The reader takes a kept result
only for the work's latest version (``current_result``), so a plan submitted since the last run is never
reported by the result of its predecessor.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, ForeignKey, Index, String, delete, exists, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from expert_pool.precedents.precheck import KnownProblem, PlanText, Verdict, check_plan, is_readable
from expert_pool.precedents.queries import MIN_PRECEDENTS, precedent_count, ranked_problems
from knowledge.db import Base, UTCDateTime, utcnow
from knowledge.plans.models import PlanVersion
from knowledge.registry.models import Work
from knowledge.registry.workflow import WorkStatus

# Works on site or about to be: the plan passed its review (or, below the review threshold, its sign-offs put it
# in force) and the works are not yet accepted (验收). 论证通过 waits only for the plan to be put in force.
UNDER_WAY = (WorkStatus.PASSED, WorkStatus.IN_FORCE, WorkStatus.BRIEFED, WorkStatus.IN_PROGRESS)
BATCH = 500  # plan versions read and checked per transaction
Progress = Callable[[int, int], None]


class PlanPrecheck(Base):
    """The pre-check of a work's plan version as the job last ran it (one row per work)."""

    __tablename__ = "plan_precheck"

    work_id: Mapped[int] = mapped_column(ForeignKey("work.id"), primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_version.id"))
    status: Mapped[str] = mapped_column(String(16))  # checked, unreadable, too_few (queries.Precheck.status)
    basis: Mapped[str] = mapped_column(String(64))
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PlanPrecheckMiss(Base):
    """A problem the kept pre-check marked "not found" in the work's plan."""

    __tablename__ = "plan_precheck_miss"
    __table_args__ = (Index("ix_plan_precheck_miss_problem_work", "problem_id", "work_id"),)

    work_id: Mapped[int] = mapped_column(
        ForeignKey("plan_precheck.work_id", ondelete="CASCADE"), primary_key=True
    )
    problem_id: Mapped[int] = mapped_column(
        ForeignKey("common_problem.id", ondelete="CASCADE"), primary_key=True
    )


@dataclass(frozen=True)
class Basis:
    """What a plan of a category and sub-type is checked against."""

    enough: bool
    problems: tuple[KnownProblem, ...]
    digest: str


def basis_of(session: Session, category: str, sub_type: str, *, precedents: int) -> Basis:
    enough = precedents >= MIN_PRECEDENTS
    problems = tuple(ranked_problems(session, category, sub_type)) if enough else ()
    described = [enough, [[p.id, p.section, list(p.key_terms)] for p in problems]]
    digest = hashlib.sha256(json.dumps(described, ensure_ascii=False).encode("utf-8")).hexdigest()
    return Basis(enough, problems, digest)


def check_text(text: str, basis: Basis) -> tuple[str, list[int]]:
    """The status and the problems not found, in the order ``queries.precheck_version`` decides them."""
    if not is_readable(text or ""):
        return "unreadable", []
    if not basis.enough:
        return "too_few", []
    checks = check_plan(PlanText.of(text), basis.problems)
    return "checked", [c.problem.id for c in checks if c.verdict is Verdict.NOT_FOUND]


@dataclass(frozen=True)
class Refresh:
    under_way: int  # works under way with a plan version
    checked: int  # plan versions pre-checked by this run
    removed: int  # kept results of works no longer under way
    seconds: float


def _latest_versions(session: Session) -> list[tuple[int, str, str, int]]:
    """(work, category, sub-type, latest version) of every work under way that has a plan version."""
    latest = (
        select(PlanVersion.work_id, func.max(PlanVersion.id).label("version_id"))
        .join(Work, Work.id == PlanVersion.work_id)
        .where(Work.status.in_(UNDER_WAY))
        .group_by(PlanVersion.work_id)
        .subquery()
    )
    stmt = select(Work.id, Work.category, Work.sub_type, latest.c.version_id).join(
        latest, latest.c.work_id == Work.id
    )
    result: Iterable[Any] = session.execute(stmt)
    return [(int(w), str(c), str(s), int(v)) for w, c, s, v in result]


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for at in range(0, len(items), size):
        yield items[at : at + size]


def refresh(
    session: Session,
    *,
    now: datetime,
    force: bool = False,
    batch: int = BATCH,
    progress: Progress | None = None,
) -> Refresh:
    """Pre-check what is missing or stale (everything with ``force``) and drop the results of works no longer
    under way. Safe twice and at once: a chunk another run wrote first is left to it."""
    started = time.perf_counter()
    works = _latest_versions(session)
    kept = {w: (v, b) for w, v, b in session.execute(
        select(PlanPrecheck.work_id, PlanPrecheck.version_id, PlanPrecheck.basis))}  # fmt: skip
    counts: dict[str, int] = {}
    bases: dict[tuple[str, str], Basis] = {}
    todo: list[tuple[int, int, Basis]] = []
    for work_id, category, sub_type, version_id in works:
        if category not in counts:
            counts[category] = precedent_count(session, category)
        key = (category, sub_type)
        if key not in bases:
            bases[key] = basis_of(session, category, sub_type, precedents=counts[category])
        if force or kept.get(work_id) != (version_id, bases[key].digest):
            todo.append((work_id, version_id, bases[key]))
    gone = sorted(set(kept) - {w for w, *_ in works})
    for chunk in _chunks(gone, BATCH):
        session.execute(delete(PlanPrecheckMiss).where(PlanPrecheckMiss.work_id.in_(chunk)))
        session.execute(delete(PlanPrecheck).where(PlanPrecheck.work_id.in_(chunk)))
    session.commit()
    done = 0
    if progress:
        progress(0, len(todo))
    for chunk in _chunks(todo, batch):
        if not _store(session, chunk, now=now):
            break
        done += len(chunk)
        if progress:
            progress(done, len(todo))
    return Refresh(len(works), done, len(gone), round(time.perf_counter() - started, 2))


def _store(session: Session, chunk: Sequence[tuple[int, int, Basis]], *, now: datetime) -> bool:
    read: Iterable[Any] = session.execute(
        select(PlanVersion.id, PlanVersion.text).where(PlanVersion.id.in_([v for _, v, _ in chunk]))
    )
    texts = {int(i): str(t or "") for i, t in read}
    results, misses = [], []
    for work_id, version_id, basis in chunk:
        status, missing = check_text(texts.get(version_id, ""), basis)
        results.append({"work_id": work_id, "version_id": version_id, "status": status, "basis": basis.digest,
                        "checked_at": now})  # fmt: skip
        misses += [{"work_id": work_id, "problem_id": p} for p in missing]
    ids = [w for w, _, _ in chunk]
    try:
        session.execute(delete(PlanPrecheckMiss).where(PlanPrecheckMiss.work_id.in_(ids)))
        session.execute(delete(PlanPrecheck).where(PlanPrecheck.work_id.in_(ids)))
        session.execute(insert(PlanPrecheck), results)
        if misses:
            session.execute(insert(PlanPrecheckMiss), misses)
        session.commit()
    except IntegrityError:  # another run wrote these works first (or a problem was regrouped away meanwhile)
        session.rollback()
        return False
    return True


# -- the read side -----------------------------------------------------------------------------------------


def current_result() -> ColumnElement[bool]:
    """The kept result is of the work's latest plan version: no later version of the work exists (an anti-join
    for the planner, where comparing with the latest version's id ran a subquery per row, twice)."""
    later = exists().where(
        PlanVersion.work_id == PlanPrecheck.work_id, PlanVersion.id > PlanPrecheck.version_id
    )
    return ~later


def last_checked(session: Session) -> datetime | None:
    return session.scalar(select(func.max(PlanPrecheck.checked_at)))
