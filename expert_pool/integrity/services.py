"""Integrity runs and findings as regulators use them: start a run (one at a time), carry it out with progress,
read the findings of their city, and mark one examined with a note (audited)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from expert_pool.integrity import rules, scan
from expert_pool.integrity.models import FindingKind, IntegrityFinding, IntegrityRun
from knowledge import audit
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.errors import NotFoundError, PermissionDenied, ValidationError
from knowledge.job_runs import keep_failure
from knowledge.pagination import Page, paginate

STALE_AFTER = timedelta(hours=1)  # a run not finished by then died with its process: a new one may start
READERS = (Role.REGULATOR, Role.ADMIN)
STEPS_AFTER_DRAWS = 3


def check_reader(scope: Scope) -> None:
    if scope.role not in READERS:
        raise PermissionDenied("只有监管人员可以查看诚信分析")


def start_run(session: Session, scope: Scope, *, on: date, now: datetime) -> tuple[IntegrityRun, bool]:
    """A new run, or the one under way (False): a second click never starts a second scan."""
    if scope.role not in READERS or (scope.role is Role.REGULATOR and scope.city is not None):
        raise PermissionDenied("诚信分析由省级监管人员发起（各市查看本市的发现）")
    running = session.scalar(select(IntegrityRun).where(IntegrityRun.finished_at.is_(None))
                             .order_by(IntegrityRun.id.desc()).limit(1))  # fmt: skip
    if running is not None and now - running.started_at < STALE_AFTER:
        return running, False
    run = IntegrityRun(
        on=on, policy=asdict(rules.IntegrityPolicy()), started_by=scope.account_id, started_at=now
    )
    session.add(run)
    session.commit()
    return run, True


def run_scan(session: Session, run_id: int) -> IntegrityRun:
    """Carry out a run; a failure is stored with its message (the page offers a new run)."""
    run = session.get(IntegrityRun, run_id)
    if run is None:
        raise NotFoundError("诚信分析任务不存在")
    if run.finished_at is not None:
        return run

    def progress(done: int, total: int) -> None:
        run.done, run.total = done, total + STEPS_AFTER_DRAWS
        session.commit()

    try:
        found = scan.scan(session, run.on, rules.IntegrityPolicy(**run.policy), progress)
        run.done = run.total = max(run.total, run.done + STEPS_AFTER_DRAWS)
        scan.store(session, run, found)
    except Exception as exc:
        keep_failure(session, run, exc)
        raise
    return run


def last_run(session: Session) -> IntegrityRun | None:
    return session.scalar(select(IntegrityRun).order_by(IntegrityRun.id.desc()).limit(1))


def findings_stmt(
    scope: Scope, *, kind: FindingKind | None, examined: bool | None
) -> Select[IntegrityFinding]:
    """The findings of the latest finished run the scope may read: a city regulator his city's (findings that
    span two cities are the province's)."""
    check_reader(scope)
    latest = (select(func.max(IntegrityRun.id))
              .where(IntegrityRun.finished_at.is_not(None), IntegrityRun.error == "").scalar_subquery())  # fmt: skip
    stmt = select(IntegrityFinding).where(IntegrityFinding.last_run_id == latest)
    if scope.role is Role.REGULATOR and scope.city is not None:
        stmt = stmt.where(IntegrityFinding.city == scope.city)
    if kind is not None:
        stmt = stmt.where(IntegrityFinding.kind == kind)
    if examined is not None:
        stmt = stmt.where(
            IntegrityFinding.examined_at.is_not(None) if examined else IntegrityFinding.examined_at.is_(None)
        )
    return stmt.order_by(IntegrityFinding.kind, IntegrityFinding.id)


def findings_page(
    session: Session,
    scope: Scope,
    *,
    kind: FindingKind | None,
    examined: bool | None,
    page: int,
    per_page: int = 50,
) -> Page[IntegrityFinding]:
    return paginate(session, findings_stmt(scope, kind=kind, examined=examined), page, per_page)


def open_counts(session: Session, scope: Scope) -> dict[FindingKind, int]:
    """Unexamined findings of the latest run per kind (for the dashboard and the periodic report)."""
    stmt = findings_stmt(scope, kind=None, examined=False).subquery()
    rows: list[Any] = list(session.execute(select(stmt.c.kind, func.count()).group_by(stmt.c.kind)).all())
    return {FindingKind(str(k)): int(n) for k, n in rows}


def mark_examined(
    session: Session, scope: Scope, finding_id: int, *, note: str, now: datetime
) -> IntegrityFinding:
    finding = session.get(IntegrityFinding, finding_id)
    if finding is None:
        raise NotFoundError("诚信分析发现不存在")
    check_reader(scope)
    if scope.role is Role.REGULATOR and scope.city is not None and finding.city != scope.city:
        raise NotFoundError("诚信分析发现不存在")
    if not note.strip():
        raise ValidationError("请写明核查情况", field="note")
    before = {
        "note": finding.note,
        "examined_at": finding.examined_at.isoformat() if finding.examined_at else None,
    }
    finding.note, finding.examined_by, finding.examined_at = note.strip()[:1000], scope.account_id, now
    audit.record(session, actor_id=scope.account_id, action="integrity_examined", obj=("integrity_finding", finding.id),
                 before=before, after={"note": finding.note})  # fmt: skip
    session.commit()
    return finding
