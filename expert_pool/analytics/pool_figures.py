"""The expert pool in a period, by the city of the work: invitations declined or left unanswered, confirmed
absences (DOMAIN.md section 4), conflicts of interest found by the draws (section 5), and where the pool runs thin.

Where the pool runs thin shows first in the draws refused for lack of eligible experts (``DrawFailure``, kept by
the draw services), by city and by category; then, as a margin, in what the stored draws tell: top-up draws
(补抽, needed when the alternates ran out) and the eligible candidates per draw, by city and category. Each figure
is one grouped query (draws of meetings in the period; refusals made in the period).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import QueryableAttribute, Session

from expert_pool.analytics.areas import in_area
from expert_pool.analytics.periods import Period
from expert_pool.analytics.review_figures import CATEGORY_LABELS
from expert_pool.analytics.tables import Cell, ChartKind, Table
from expert_pool.draws.models import Draw, DrawFailure, FailureKind, Seat, SeatStatus
from expert_pool.reviews.models import AbsenceReport, AbsenceStatus, Review
from knowledge.regions import City
from knowledge.registry.models import Work

CONFLICT = "回避"  # the reason's prefix the funnel counts conflicts under (draws.funnel)
# The JSON text keeps the key escaped (\u56de\u907f, json.dumps' default) and SQLite's json_extract matches a key's
# raw text, so both spellings are asked; PostgreSQL reads the first.
CONFLICT_KEYS = (CONFLICT, CONFLICT.encode("unicode_escape").decode("ascii"))


FAILURE_COLUMNS = ("首次抽取", "补充抽取", "涉及工程（项）")
FAILURE_NOTE = "按发起抽取的时间统计；同一工程多次抽取失败的，每次均计入。"


def _cities(rows: dict[City, list[int]]) -> list[City]:
    return [c for c in City if c in rows]


def _failure_counts(
    session: Session, period: Period, city: City | None, by: QueryableAttribute[Any]
) -> dict[Any, tuple[int, int, int]]:
    """Refused first draws, refused top-ups and the works they were for, per value of ``by``."""
    first = DrawFailure.kind == FailureKind.DRAW
    stmt = (
        select(by, func.sum(case((first, 1), else_=0)), func.sum(case((first, 0), else_=1)),
               func.count(func.distinct(DrawFailure.work_id)))
        .where(DrawFailure.occurred_at >= period.starts_at, DrawFailure.occurred_at < period.ends_before,
               in_area(DrawFailure.city, city))
        .group_by(by)
    )  # fmt: skip
    result: Iterable[Any] = session.execute(stmt)
    return {key: (int(d or 0), int(t or 0), int(w)) for key, d, t, w in result}


def failed_draws_by_city(session: Session, period: Period, city: City | None) -> Table:
    """Draws (first or top-up) refused for lack of eligible experts in the period, by the city of the work."""
    by = _failure_counts(session, period, city, DrawFailure.city)
    rows: tuple[tuple[Cell, ...], ...] = tuple((c.label, *by[c]) for c in City if c in by)
    return Table("failed_draws_by_city", "因可抽专家不足未能完成的抽取（按工程所在市）", ("设区市", *FAILURE_COLUMNS),
                 rows, ChartKind.STACKED, unit="次", series=2, note=FAILURE_NOTE)  # fmt: skip


def failed_draws_by_category(session: Session, period: Period, city: City | None) -> Table:
    """The same refusals by the work's category (the specialty the panel needed), in the catalogue's order."""
    by = _failure_counts(session, period, city, DrawFailure.category)
    order = [k for k in CATEGORY_LABELS if k in by] + sorted(set(by) - set(CATEGORY_LABELS))
    rows: tuple[tuple[Cell, ...], ...] = tuple((CATEGORY_LABELS.get(k) or k, *by[k]) for k in order)
    return Table("failed_draws_by_category", "因可抽专家不足未能完成的抽取（按工程类别）", ("类别", *FAILURE_COLUMNS),
                 rows, ChartKind.STACKED, unit="次", series=2, note=FAILURE_NOTE)  # fmt: skip


def declines(session: Session, period: Period, city: City | None) -> Table:
    """Seats declined or left unanswered, and absences the office confirmed, of meetings in the period."""
    seats = (
        select(Work.city, func.sum(case((Seat.status == SeatStatus.DECLINED, 1), else_=0)),
               func.sum(case((Seat.status == SeatStatus.EXPIRED, 1), else_=0)))
        .select_from(Seat)
        .join(Draw, Draw.id == Seat.draw_id)
        .join(Work, Work.id == Draw.work_id)
        .where(Draw.meeting_day.between(period.start, period.end), in_area(Work.city, city))
        .group_by(Work.city)
    )  # fmt: skip
    absent = (
        select(Work.city, func.count(AbsenceReport.id))
        .select_from(AbsenceReport)
        .join(Review, Review.id == AbsenceReport.review_id)
        .join(Work, Work.id == Review.work_id)
        .where(AbsenceReport.status == AbsenceStatus.CONFIRMED, Review.meeting_day.between(period.start, period.end),
               in_area(Work.city, city))
        .group_by(Work.city)
    )  # fmt: skip
    by: dict[City, list[int]] = {}
    seat_rows: Iterable[Any] = session.execute(seats)
    for c, declined, expired in seat_rows:
        by.setdefault(c, [0, 0, 0])[:2] = [int(declined or 0), int(expired or 0)]
    absent_rows: Iterable[Any] = session.execute(absent)
    for c, n in absent_rows:
        by.setdefault(c, [0, 0, 0])[2] = int(n)
    rows: tuple[tuple[Cell, ...], ...] = tuple((c.label, *by[c]) for c in _cities(by))
    return Table("declines", "谢绝、逾期未复与缺席（按工程所在市）", ("设区市", "谢绝", "逾期未复", "缺席（已核实）"),
                 rows, ChartKind.STACKED, unit="人次")  # fmt: skip


def conflicts(session: Session, period: Period, city: City | None) -> Table:
    """Experts left out for a conflict of interest by the draws (and top-ups) of meetings in the period."""
    found = func.coalesce(
        *(Draw.funnel[("excluded_by_reason", key)].as_integer() for key in CONFLICT_KEYS), 0
    )
    stmt = (
        select(Work.city, func.count(Draw.id), func.sum(found))
        .join(Work, Work.id == Draw.work_id)
        .where(Draw.meeting_day.between(period.start, period.end), in_area(Work.city, city))
        .group_by(Work.city)
    )  # fmt: skip
    result: Iterable[Any] = session.execute(stmt)
    by = {c: [int(n), int(k or 0)] for c, n, k in result}
    rows = tuple((c.label, by[c][1], by[c][0]) for c in _cities(by))
    return Table("conflicts", "抽取中发现的利益冲突（回避）", ("设区市", "回避人次", "抽取次数"), rows,
                 unit="人次", series=1)  # fmt: skip


def thin_pool(session: Session, period: Period, city: City | None) -> Table:
    """The pool's margin, per city and category: the panels drawn, the top-ups they needed, and the fewest and
    mean eligible candidates of their first draws (a thin pool has few to draw from and many top-ups)."""
    eligible = Draw.funnel["eligible"].as_integer()
    root = Draw.top_up_of.is_(None)
    stmt = (
        select(Work.city, Work.category, func.sum(case((root, 1), else_=0)),
               func.sum(case((root, 0), else_=1)),
               func.min(case((root, eligible))), func.avg(case((root, eligible))))
        .join(Work, Work.id == Draw.work_id)
        .where(Draw.meeting_day.between(period.start, period.end), in_area(Work.city, city))
        .group_by(Work.city, Work.category)
        .order_by(Work.city, Work.category)
    )  # fmt: skip
    result: Iterable[Any] = session.execute(stmt)
    lines = sorted(result, key=lambda r: (list(City).index(r[0]), r[1]))
    rows = tuple(
        (f"{c.label}·{CATEGORY_LABELS.get(k, k)}", int(n or 0), int(t or 0), int(low or 0),
         round(float(mean or 0), 1))
        for c, k, n, t, low, mean in lines
    )  # fmt: skip
    return Table("thin_pool", "专家余量：已完成的抽取、补抽与可抽专家数（按市、类别）",
                 ("设区市·类别", "抽取次数", "补抽次数", "最少可抽专家", "平均可抽专家"), rows, ChartKind.STACKED,
                 unit="次", series=2,
                 note="按本期论证会已完成的抽取记录估计专家余量：补抽多、可抽专家少的市和类别余量小。"
                      "因可抽专家不足而未能完成的抽取不在此表，见“因可抽专家不足未能完成的抽取”。")  # fmt: skip
