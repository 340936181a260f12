"""Early-warning lists (预警) as of today, in an area: over-scale works whose planned start has passed without a
passed review, reports not signed by the deadline after the meeting, and overdue hazards. Each list is its first
rows with their targets' ids, and its full length: two queries per list, whatever the province's size."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session

from expert_pool.analytics.areas import in_area
from expert_pool.analytics.tables import ChartKind, Table
from expert_pool.policy import pool_policy
from expert_pool.reviews.models import Conclusion, Review, ReviewReport
from expert_pool.reviews.rules import sign_deadline
from knowledge.accounts.permissions import Scope
from knowledge.regions import City
from knowledge.registry.models import Work
from knowledge.registry.rules import Verdict
from knowledge.site.flag_scan import PASSED_BY_STATUS
from knowledge.site.hazard_loop import State
from knowledge.site.hazard_models import Hazard
from knowledge.site.hazard_queries import overdue, visible_hazards

SHOWN = 10  # on the page; the CSV lists up to EXPORTED
EXPORTED = 10_000
PASSING = (Conclusion.PASS, Conclusion.PASS_AFTER_REVISION)


def _count(session: Session, stmt: Select[*tuple[Any, ...]]) -> int:
    return int(session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0)


def works_without_review(session: Session, city: City | None, *, today: date, limit: int = SHOWN) -> Table:
    """Over-scale works due to have started (planned start on or before today, as ``site.flags.under_way``) whose
    plan has no passed review: neither a status only a passed review reaches, nor a final passing report."""
    passed = exists().where(
        Review.work_id == Work.id, ReviewReport.review_id == Review.id,
        ReviewReport.finalised_at.is_not(None), ReviewReport.conclusion.in_(PASSING),
    )  # fmt: skip
    stmt = (
        select(Work.id, Work.name, Work.city, Work.planned_start, Work.status)
        .where(Work.verdict == Verdict.OVER_SCALE, Work.planned_start <= today,
               Work.status.not_in(PASSED_BY_STATUS), ~passed, in_area(Work.city, city))
        .order_by(Work.planned_start, Work.id)
    )  # fmt: skip
    rows: list[Any] = list(session.execute(stmt.limit(limit)))
    return Table("late_works", "超危大工程计划开工日已过但无论证通过记录", ("工程", "设区市", "计划开工", "当前状态"),
                 tuple((r.name, r.city.label, r.planned_start.isoformat(), r.status.label) for r in rows),
                 ChartKind.NONE, target="work", targets=tuple(r.id for r in rows), total=_count(session, stmt))  # fmt: skip


def unsigned_reports(session: Session, city: City | None, *, today: date, limit: int = SHOWN) -> Table:
    """Reviews held whose report is not final past the signing deadline (policy ``report_sign_days``)."""
    days = pool_policy(session).report_sign_days
    final = exists().where(ReviewReport.review_id == Review.id, ReviewReport.finalised_at.is_not(None))
    stmt = (
        select(Review.id, Review.held_on, Work.name, Work.city)
        .join(Work, Work.id == Review.work_id)
        .where(Review.held_on.is_not(None), Review.held_on < today - timedelta(days=days), ~final,
               in_area(Work.city, city))
        .order_by(Review.held_on, Review.id)
    )  # fmt: skip
    rows: Iterable[Any] = list(session.execute(stmt.limit(limit)))
    lines = [(r.name, r.city.label, r.held_on.isoformat(), sign_deadline(r.held_on, days=days).isoformat())
             for r in rows]  # fmt: skip
    return Table("unsigned_reports", "论证报告逾期未签署", ("工程", "设区市", "论证会日期", "签署期限"),
                 tuple(lines), ChartKind.NONE, target="review", targets=tuple(r.id for r in rows),
                 total=_count(session, stmt))  # fmt: skip


def overdue_hazards(
    session: Session, scope: Scope, city: City | None, *, today: date, limit: int = SHOWN
) -> Table:
    stmt = (
        select(Hazard.id, Hazard.description, Hazard.city, Hazard.level, Hazard.deadline, Hazard.is_supervised)
        .where(visible_hazards(scope), overdue(today), Hazard.state != State.CLOSED, in_area(Hazard.city, city))
        .order_by(Hazard.deadline, Hazard.id)
    )  # fmt: skip
    rows: Iterable[Any] = list(session.execute(stmt.limit(limit)))
    lines = [(r.description[:60], r.city.label, r.level.label, r.deadline.isoformat(),
              "是" if r.is_supervised else "否") for r in rows]  # fmt: skip
    return Table("overdue_hazards", "逾期未整改的事故隐患", ("隐患", "设区市", "等级", "整改期限", "挂牌督办"),
                 tuple(lines), ChartKind.NONE, target="hazard", targets=tuple(r.id for r in rows),
                 total=_count(session, stmt))  # fmt: skip
