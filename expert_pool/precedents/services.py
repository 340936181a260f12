"""Grouping as people and jobs use it: a provincial regulator starts a full recomputation (one at a time, with
progress, a failure kept with its message); the job queue's periodic task groups what concluded since
(``update_new``: safe to run twice or at once, the unique source marks let one of two writers through)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from expert_pool.precedents import sources, store
from expert_pool.precedents.models import PrecedentRun
from expert_pool.precedents.sources import Batch, Grouped, Statement
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.db import utcnow
from knowledge.errors import NotFoundError, PermissionDenied
from knowledge.job_runs import keep_failure

STALE_AFTER = timedelta(hours=1)  # a run not finished by then died with its process: a new one may start
Progress = Callable[[int, int], None]


def check_runner(scope: Scope) -> None:
    if not (scope.role is Role.ADMIN or (scope.role is Role.REGULATOR and scope.city is None)):
        raise PermissionDenied("共性问题的全量重算由省级监管人员发起")


def running(session: Session, *, now: datetime) -> PrecedentRun | None:
    run = session.scalar(select(PrecedentRun).where(PrecedentRun.finished_at.is_(None))
                         .order_by(PrecedentRun.id.desc()).limit(1))  # fmt: skip
    return run if run is not None and now - run.started_at < STALE_AFTER else None


def start_run(session: Session, scope: Scope, *, now: datetime) -> tuple[PrecedentRun, bool]:
    """A new full run, or the one under way (False): a second click never starts a second recomputation."""
    check_runner(scope)
    return start_system_run(session, now=now, started_by=scope.account_id)


def start_system_run(
    session: Session, *, now: datetime, started_by: int | None = None
) -> tuple[PrecedentRun, bool]:
    """The same for the command line (no account): one run at a time."""
    under_way = running(session, now=now)
    if under_way is not None:
        return under_way, False
    run = PrecedentRun(started_by=started_by, started_at=now)
    session.add(run)
    session.commit()
    return run, True


def last_run(session: Session) -> PrecedentRun | None:
    return session.scalar(select(PrecedentRun).order_by(PrecedentRun.id.desc()).limit(1))


def run_full(session: Session, run_id: int) -> PrecedentRun:
    """Regroup every concluded review, inspection and hazard; a failure is stored with its message."""
    run = session.get(PrecedentRun, run_id)
    if run is None:
        raise NotFoundError("共性问题重算任务不存在")
    if run.finished_at is not None:
        return run
    started = time.perf_counter()

    def progress(done: int, total: int) -> None:
        run.done, run.total = done, total
        session.commit()

    try:
        statements, marks = read_everything(session, progress)
        per_category = store.replace_all(session, statements, marks, now=utcnow())
        run.done = run.total
        run.figures = {"problems": per_category, "statements": len(statements), "sources": len(marks),
                       "seconds": round(time.perf_counter() - started, 2)}  # fmt: skip
        run.finished_at = utcnow()
        session.commit()
    except Exception as exc:
        keep_failure(session, run, exc)
        raise
    session.expire_all()
    return run


def read_everything(session: Session, progress: Progress) -> tuple[list[Statement], list[Grouped]]:
    """Every statement and source, reporting (sources read, sources in all) after each chunk."""
    reports = sources.reports_in_force(session)
    inspections = sources.inspection_ids(session, only_new=False)
    hazards = sources.hazard_ids(session, only_new=False)
    total = len(reports) + len(inspections) + len(hazards)
    statements: list[Statement] = []
    marks: list[Grouped] = []
    progress(0, total)
    for batches in (sources.review_batches(session, reports), sources.inspection_batches(session, inspections),
                    sources.hazard_batches(session, hazards)):  # fmt: skip
        for batch in batches:
            statements += batch.statements
            marks += batch.sources
            progress(len(marks), total)
    return statements, marks


@dataclass(frozen=True)
class Update:
    sources: int
    statements: int
    problems: int


def update_new(session: Session, *, now: datetime) -> Update:
    """Group the reviews concluded (or corrected), the inspections and the hazards recorded since the last
    grouping. Nothing while a full run is under way (it groups them too); nothing twice."""
    if running(session, now=now) is not None:
        return Update(0, 0, 0)
    reviews = sources.ungrouped_reviews(session)
    batches: list[Batch] = list(sources.review_batches(session, reviews))
    batches += sources.inspection_batches(session, sources.inspection_ids(session, only_new=True))
    batches += sources.hazard_batches(session, sources.hazard_ids(session, only_new=True))
    statements = [s for b in batches for s in b.statements]
    marks = [g for b in batches for g in b.sources]
    if not marks:
        return Update(0, 0, 0)
    try:
        touched = store.add_new(session, statements, marks, now=now)
        session.commit()
    except IntegrityError:  # another update grouped the same sources first
        session.rollback()
        return Update(0, 0, 0)
    session.expire_all()
    return Update(len(marks), len(statements), len(touched))
