"""The report's figures the dashboard lacks (DOMAIN.md sections 6, 8 and 10), as the dashboard's ``Table``: works
whose review in the period concluded 不通过, the closure of the period's hazards by the period's end, and the
experts whose credit sanction (warning, suspension, removal) was set off in the period. Each is one query; the
sanctions are derived by the credit rules from the ledgers, as the ledger page derives them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from expert_pool.analytics.areas import in_area
from expert_pool.analytics.periods import Period
from expert_pool.analytics.review_figures import CATEGORY_LABELS
from expert_pool.analytics.tables import Cell, ChartKind, Table, median, share
from expert_pool.credit import rules as credit
from expert_pool.credit.ledger import credit_policy
from expert_pool.experts.models import CreditEventRow, Expert
from expert_pool.reviews.models import Conclusion, Review, ReviewReport
from knowledge.regions import City
from knowledge.registry.models import Work
from knowledge.site.hazard_loop import Level
from knowledge.site.hazard_models import Hazard


def failed_works(session: Session, period: Period, city: City | None) -> Table:
    """Reviews held in the period whose latest final report concluded 不通过 (Decree 37 Art. 13: the plan is
    revised and reviewed again), one row per review."""
    latest = (
        select(ReviewReport.review_id, func.max(ReviewReport.version).label("version"))
        .where(ReviewReport.finalised_at.is_not(None))
        .group_by(ReviewReport.review_id)
        .subquery()
    )
    stmt = (
        select(Work.id, Work.name, Work.city, Work.category, Review.held_on)
        .select_from(Review)
        .join(Work, Work.id == Review.work_id)
        .join(latest, latest.c.review_id == Review.id)
        .join(ReviewReport, and_(ReviewReport.review_id == Review.id, ReviewReport.version == latest.c.version))
        .where(ReviewReport.conclusion == Conclusion.FAIL, Review.held_on.between(period.start, period.end),
               in_area(Work.city, city))
        .order_by(Review.held_on, Review.id)
    )  # fmt: skip
    found: list[Any] = list(session.execute(stmt))
    rows: tuple[tuple[Cell, ...], ...] = tuple(
        (name, c.label, CATEGORY_LABELS.get(k, k), held.isoformat() if held else "—")
        for _, name, c, k, held in found
    )
    return Table("failed_works", "论证结论为“不通过”的危大工程", ("工程名称", "设区市", "类别", "论证日期"), rows,
                 ChartKind.NONE, targets=tuple(r[0] for r in found), target="work")  # fmt: skip


def hazard_closure(session: Session, period: Period, city: City | None) -> Table:
    """Hazards found in the period, by city: how many were closed (销号) by the period's end, how many within
    their deadline, and the median days from finding to closing."""
    h = Hazard
    stmt = (
        select(h.city, h.level, h.found_on, h.deadline, h.closed_on)
        .where(h.found_on.between(period.start, period.end), in_area(h.city, city))
    )  # fmt: skip
    by: dict[City, list[Any]] = defaultdict(list)
    result: Iterable[Any] = session.execute(stmt)
    for c, level, found, deadline, closed in result:
        by[c].append((level, found, deadline, closed if closed and closed <= period.end else None))
    rows = tuple(_closure_row(c, by[c]) for c in City if c in by)
    return Table("hazard_closure", "本期发现隐患的整改销号（截至期末）",
                 ("设区市", "本期发现", "其中重大隐患", "期末前已销号", "销号率（%）", "其中按期销号", "销号天数中位数"),
                 rows, unit="项", series=3)  # fmt: skip


def _closure_row(c: City, lines: list[Any]) -> tuple[Cell, ...]:
    closed = [(found, deadline, done) for _, found, deadline, done in lines if done is not None]
    days = median((done - found).days for found, _, done in closed)
    rate = share(len(closed), len(lines))
    return (c.label, len(lines), sum(1 for line in lines if line[0] is Level.MAJOR), len(closed),
            rate if rate is not None else "—", sum(1 for _, deadline, done in closed if done <= deadline),
            days if days is not None else "—")  # fmt: skip


def sanctions(session: Session, period: Period, city: City | None) -> Table:
    """Experts (of the area by residence) whose ledger set off a sanction in the period (DOMAIN.md section 6:
    below 80 a warning, below 70 suspended, below 60 or misconduct removed), as of the period's end."""
    stmt = (
        select(CreditEventRow, Expert.name, Expert.city)
        .join(Expert, Expert.id == CreditEventRow.expert_id)
        .where(CreditEventRow.day <= period.end, in_area(Expert.city, city))
        .order_by(CreditEventRow.expert_id, CreditEventRow.day, CreditEventRow.id)
    )  # fmt: skip
    ledgers: dict[int, list[CreditEventRow]] = defaultdict(list)
    names: dict[int, tuple[str, City]] = {}
    for row, name, home in session.execute(stmt):
        ledgers[row.expert_id].append(row)
        names[row.expert_id] = (name, home)
    policy = credit_policy(session)
    lines: list[tuple[date, int, tuple[Cell, ...]]] = []
    for expert_id, rows in ledgers.items():
        reasons = {r.id: r.reason for r in rows}
        for change in credit.sanction_changes(_events(rows), policy=policy, today=period.end):
            if period.start <= change.day <= period.end:
                name, home = names[expert_id]
                until = change.until.isoformat() if change.until else "—"
                cells = (name, home.label, change.sanction.label, change.day.isoformat(), change.score, until,
                         reasons.get(change.event_id, ""))  # fmt: skip
                lines.append((change.day, expert_id, cells))
    lines.sort(key=lambda line: (line[0], line[1]))
    return Table("sanctions", "本期受到信用处理的专家",
                 ("专家", "所在市", "处理", "日期", "当年信用分", "暂停抽取至", "触发事由"),
                 tuple(cells for _, _, cells in lines), ChartKind.NONE)  # fmt: skip


def _events(rows: list[CreditEventRow]) -> list[credit.CreditEvent]:
    """The ledger's rows as the credit rules read them (a reversed event flagged, as the ledger page does)."""
    reversed_ids = {r.reversal_of for r in rows if r.reversal_of is not None}
    return [
        credit.CreditEvent(r.id, r.expert_id, r.day, credit.EventKind(r.kind), r.points, r.reason,
                           str(r.recorded_by or "系统"), reversed=r.id in reversed_ids, reversal_of=r.reversal_of)
        for r in rows
    ]  # fmt: skip
