"""The supervision report's job: who may request and read a report, the row that carries its progress, and the
build (figures gathered step by step, the PDF made by the caller's ``render`` and stored with its SHA-256). A
failure is stored with its message; a failed report can be retried. Province regulators and the admin request
and read any area's reports; a city's regulator only his city's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session, defer

from expert_pool.supervision_report.figures import STEPS, ReportFigures, Step, gather
from expert_pool.supervision_report.inputs import parse_report_area, parse_report_period
from expert_pool.supervision_report.models import ReportState, SupervisionReport
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.db import utcnow
from knowledge.errors import NotFoundError, PermissionDenied, ValidationError

TOTAL = len(STEPS) + 1  # the figures' steps and the PDF
Render = Callable[[ReportFigures], bytes]


def visible_reports(scope: Scope) -> ColumnElement[bool]:
    """:raises PermissionDenied: for anyone but a regulator or the admin."""
    if scope.role is Role.ADMIN or (scope.role is Role.REGULATOR and scope.city is None):
        return true()
    if scope.role is Role.REGULATOR:
        return SupervisionReport.city == scope.city
    raise PermissionDenied("只有监管人员和系统管理员可以查看安全监督报告")


def request_report(
    session: Session, *, scope: Scope | None, period: str, area: str, now: datetime
) -> SupervisionReport:
    """A queued report for the job (``scope`` None: the command line). A city's regulator who names no area gets
    his city's.

    :raises SupervisionReportError: for a period or an area that cannot be read.
    :raises PermissionDenied: for other roles, or a city's regulator asking for another city or the province.
    """
    parsed, city = parse_report_period(period), parse_report_area(area)
    if scope is not None:
        visible_reports(scope)
        if scope.role is Role.REGULATOR and scope.city is not None:
            if not area.strip():
                city = scope.city
            elif city != scope.city:
                raise PermissionDenied(f"市级监管人员只能生成本市（{scope.city.label}）的安全监督报告")
    row = SupervisionReport(period=parsed.label, city=city, requested_by=scope.account_id if scope else None,
                            state=ReportState.QUEUED, done=0, total=TOTAL, created_at=now)  # fmt: skip
    session.add(row)
    session.commit()
    return row


def build_report(
    session: Session, report_id: int, *, render: Render, step: Step | None = None
) -> SupervisionReport:
    """Gather the figures and build the PDF, committing the progress after each step. A finished report is left
    as it is (the job is safe to run twice); a failure is stored with its message, then raised again."""
    row = session.get(SupervisionReport, report_id)
    if row is None:
        raise NotFoundError("安全监督报告不存在")
    if row.is_finished:
        return row

    def advance(name: str) -> None:
        row.done = min(row.done + 1, row.total)
        session.commit()
        if step is not None:
            step(name)

    try:
        row.state, row.total, row.done, row.error = ReportState.RUNNING, TOTAL, 0, ""
        session.commit()
        figures = gather(session, parse_report_period(row.period), row.city, advance)
        pdf = render(figures)
        row.pdf, row.sha256 = pdf, hashlib.sha256(pdf).hexdigest()
        row.state, row.done, row.finished_at = ReportState.DONE, row.total, utcnow()
        session.commit()
        if step is not None:
            step("pdf")
    except Exception as exc:
        session.rollback()
        row.state, row.finished_at = ReportState.FAILED, utcnow()
        row.error = (f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)[:500]
        session.commit()
        raise
    return row


def retry_report(session: Session, scope: Scope, report_id: int) -> SupervisionReport:
    """Queue a failed report again (the job then builds it afresh).

    :raises NotFoundError: for a report the scope may not see.
    :raises ValidationError: for a report that has not failed.
    """
    row = get_report_for(session, scope, report_id)
    if row.state is not ReportState.FAILED:
        raise ValidationError("只有生成失败的报告可以重新生成")
    row.state, row.done, row.error, row.finished_at = ReportState.QUEUED, 0, "", None
    row.pdf, row.sha256 = None, ""
    session.commit()
    return row


def reports(session: Session, scope: Scope, *, limit: int = 100) -> list[SupervisionReport]:
    """The newest reports the scope may see, without their PDFs' bytes."""
    stmt = (
        select(SupervisionReport).where(visible_reports(scope)).options(defer(SupervisionReport.pdf))
        .order_by(SupervisionReport.id.desc()).limit(limit)
    )  # fmt: skip
    return list(session.scalars(stmt))


def get_report_for(session: Session, scope: Scope, report_id: int) -> SupervisionReport:
    """A report the scope may see; else NotFoundError."""
    found = session.scalar(
        select(SupervisionReport).where(SupervisionReport.id == report_id, visible_reports(scope))
    )
    if found is None:
        raise NotFoundError("安全监督报告不存在或无权查看")
    return found
