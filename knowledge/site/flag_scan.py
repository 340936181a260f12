"""The system-flag scan (issue 20 item 7): the registry's facts gathered in bulk, ``flags.scan`` run over them in
batches, and the flags written so that a regulator's decision holds.

A flag is keyed by (work, rule, fingerprint of its facts): found again with the same facts it keeps its state (a
dismissed flag stays dismissed, ``flags.still_dismissed``); with other facts it is a new open row; not found any
more it leaves the lists (``is_current`` false). Progress goes into the ``ScanRun`` row after every batch, so the
page that started the job shows it. Running the scan twice leaves the same rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Row, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.audit import AuditLog
from knowledge.db import utcnow
from knowledge.errors import NotFoundError, PermissionDenied
from knowledge.job_runs import keep_failure
from knowledge.plans.models import PlanSignoff, PlanVersion
from knowledge.plans.services import required_signoffs
from knowledge.registry.models import Work
from knowledge.registry.rules import Verdict
from knowledge.registry.workflow import IN_FORCE_STATUSES, WorkStatus
from knowledge.site import flags
from knowledge.site.inspection_models import ScanRun, SystemFlag
from knowledge.site.models import Monitoring

BATCH = 5000
# A run not finished after this long is taken as dead (its process was killed): a new one may start.
STALE_AFTER = timedelta(hours=1)
PASSED = frozenset({WorkStatus.PASSED, WorkStatus.PASSED_AFTER_REVISION})
# An over-scale work reaches these statuses only through a passed review (workflow.TRANSITIONS).
PASSED_BY_STATUS = PASSED | IN_FORCE_STATUSES
REQUIRED = {has_sub: frozenset(required_signoffs(Work(subcontractor_id=1 if has_sub else None)))
            for has_sub in (False, True)}  # fmt: skip

Progress = Callable[[int, int], None]


def start_scan(session: Session, *, scope: Scope | None, now: datetime) -> tuple[ScanRun, bool]:
    """A new run for the job to carry out (``scope`` None: the command line) and True; while one is running, that
    one and False."""
    if scope is not None and scope.role is not Role.REGULATOR:
        raise PermissionDenied("只有监管人员可以开始系统预警扫描")
    running = session.scalar(
        select(ScanRun)
        .where(ScanRun.finished_at.is_(None), ScanRun.started_at > now - STALE_AFTER)
        .order_by(ScanRun.id.desc())
        .limit(1)
    )
    if running is not None:
        return running, False
    run = ScanRun(started_by=scope.account_id if scope else None, started_at=now,
                  total=session.scalar(select(func.count(Work.id))) or 0)  # fmt: skip
    session.add(run)
    session.commit()
    return run, True


def last_run(session: Session) -> ScanRun | None:
    return session.scalar(select(ScanRun).order_by(ScanRun.id.desc()).limit(1))


def _signed(session: Session, low: int, high: int) -> dict[int, list[set[str]]]:
    """Per work, the sign-off kinds of each of its plan versions."""
    rows = session.execute(
        select(PlanVersion.work_id, PlanSignoff.plan_version_id, PlanSignoff.kind)
        .join(PlanSignoff, PlanSignoff.plan_version_id == PlanVersion.id)
        .where(PlanVersion.work_id > low, PlanVersion.work_id <= high)
    )
    versions: dict[tuple[int, int], set[str]] = defaultdict(set)
    for work_id, version_id, kind in rows:
        versions[(work_id, version_id)].add(kind)
    per_work: dict[int, list[set[str]]] = defaultdict(list)
    for (work_id, _), kinds in versions.items():
        per_work[work_id].append(kinds)
    return per_work


def _passed_in_history(session: Session, work_ids: Sequence[int]) -> set[int]:
    """Works whose status history (the registry's audit rows) shows a passed review."""
    if not work_ids:
        return set()
    rows = session.execute(
        select(AuditLog.object_id, AuditLog.after).where(
            AuditLog.object_type == "work", AuditLog.object_id.in_([str(i) for i in work_ids]),
            AuditLog.action == "work_move",
        )
    )  # fmt: skip
    return {int(row[0]) for row in rows if isinstance(row[1], dict) and row[1].get("status") in PASSED}


def gather_facts(session: Session, rows: Sequence[Row[Any]], today: date) -> list[flags.WorkFacts]:
    """The facts of the works of one batch (id, category, verdict, status, planned_start, subcontractor_id, city)
    that could raise a flag today: 危大 and under way."""
    bare = [flags.WorkFacts(r.id, r.category, r.verdict, r.status, r.planned_start) for r in rows]
    candidates = {
        f.work_id for f in bare if f.verdict is not Verdict.NOT_HAZARDOUS and flags.under_way(f, today)
    }
    if not candidates:
        return []
    low, high = rows[0].id - 1, rows[-1].id
    signed = _signed(session, low, high)
    monitored = set(session.scalars(
        select(Monitoring.work_id).where(Monitoring.work_id > low, Monitoring.work_id <= high).distinct()
    ))  # fmt: skip
    over = [r for r in rows if r.id in candidates and r.verdict is Verdict.OVER_SCALE]
    history = _passed_in_history(session, [r.id for r in over if r.status not in PASSED_BY_STATUS])
    facts: list[flags.WorkFacts] = []
    for r in rows:
        if r.id not in candidates:
            continue
        need = {k.value for k in REQUIRED[r.subcontractor_id is not None]}
        facts.append(flags.WorkFacts(
            work_id=r.id, category=r.category, verdict=r.verdict, status=r.status, planned_start=r.planned_start,
            has_signed_plan=any(need <= kinds for kinds in signed.get(r.id, ())),
            has_passed_review=r.status in PASSED_BY_STATUS or r.id in history,
            has_monitoring_record=r.id in monitored,
        ))  # fmt: skip
    return facts


def write_flags(
    session: Session, found: Sequence[flags.Flag], cities: dict[int, Any], low: int, high: int, seen: datetime
) -> None:
    """Insert the new flags, touch the known ones (their state stays); the caller commits."""
    existing = {
        (w, r, f): i
        for i, w, r, f in session.execute(
            select(SystemFlag.id, SystemFlag.work_id, SystemFlag.rule, SystemFlag.fingerprint).where(
                SystemFlag.work_id > low, SystemFlag.work_id <= high
            )
        )
    }
    touched, new = [], []
    for flag in found:
        key = (flag.work_id, flag.rule, flag.fingerprint)
        if key in existing:
            touched.append({"id": existing[key], "last_seen": seen, "is_current": True})
        else:
            new.append({"work_id": flag.work_id, "city": cities[flag.work_id], "rule": flag.rule,
                        "fingerprint": flag.fingerprint, "hazard_key": flag.hazard_key, "facts": dict(flag.facts),
                        "first_seen": seen, "last_seen": seen, "is_current": True})  # fmt: skip
    if touched:
        session.execute(update(SystemFlag), touched)
    if new:
        session.execute(insert(SystemFlag), new)


def _batch(session: Session, low: int, batch: int) -> list[Row[Any]]:
    return list(session.execute(
        select(Work.id, Work.category, Work.verdict, Work.status, Work.planned_start, Work.subcontractor_id,
               Work.city).where(Work.id > low).order_by(Work.id).limit(batch)
    ))  # fmt: skip


def _scan_batch(session: Session, rows: list[Row[Any]], today: date, seen: datetime) -> int:
    low, high = rows[0].id - 1, rows[-1].id
    found = flags.scan(gather_facts(session, rows, today), today)
    cities = {r.id: r.city for r in rows}
    try:
        write_flags(session, found, cities, low, high, seen)
        session.flush()
    except (
        IntegrityError
    ):  # a parallel run inserted the same flags first: theirs are ours, touch them instead
        session.rollback()
        write_flags(session, found, cities, low, high, seen)
    return len(found)


def run_scan(
    session: Session, run_id: int, *, today: date, batch: int = BATCH, progress: Progress | None = None
) -> ScanRun:
    """Carry out a run: every work in id order, one commit per batch with the run's progress."""
    run = session.get(ScanRun, run_id)
    if run is None:
        raise NotFoundError("扫描任务不存在")
    if run.finished_at is not None:
        return run
    seen = utcnow()
    run.total, run.done, run.flagged = session.scalar(select(func.count(Work.id))) or 0, 0, 0
    session.commit()
    try:
        low = 0
        while rows := _batch(session, low, batch):
            run.flagged += _scan_batch(session, rows, today, seen)
            run.done += len(rows)
            low = rows[-1].id
            session.commit()
            if progress is not None:
                progress(run.done, run.total)
        session.execute(
            update(SystemFlag)
            .where(SystemFlag.is_current, SystemFlag.last_seen < seen)
            .values(is_current=False)
        )
        run.finished_at = utcnow()
        session.commit()
    except Exception as exc:
        keep_failure(session, run, exc)
        raise
    return run
