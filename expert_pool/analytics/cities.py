"""The 13 cities side by side for one measure of a period (campaign task 9: statistics per city): each measure is
one query grouped by city, every city shown (zero where nothing was counted), in the official order."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import Session

from expert_pool.analytics.errors import AnalyticsError
from expert_pool.analytics.periods import Period
from expert_pool.analytics.tables import ChartKind, Table
from expert_pool.draws.models import Draw, Seat, SeatStatus
from expert_pool.reviews.models import Review
from knowledge.regions import City
from knowledge.registry.models import Work
from knowledge.registry.rules import Verdict
from knowledge.site.hazard_models import Hazard
from knowledge.site.hazard_queries import overdue

Statement = Callable[[Period, date], Select[*tuple[Any, ...]]]


def _works(period: Period, extra: ColumnElement[bool] | None = None) -> Select[*tuple[Any, ...]]:
    new = and_(Work.created_at >= period.starts_at, Work.created_at < period.ends_before)
    where = new if extra is None else and_(new, extra)
    return select(Work.city, func.count(Work.id)).where(where).group_by(Work.city)


def _reviews(period: Period, today: date) -> Select[*tuple[Any, ...]]:
    return (
        select(Work.city, func.count(Review.id))
        .join(Work, Work.id == Review.work_id)
        .where(Review.held_on.between(period.start, period.end))
        .group_by(Work.city)
    )


def _declines(period: Period, today: date) -> Select[*tuple[Any, ...]]:
    return (
        select(Work.city, func.count(Seat.id))
        .join(Draw, Draw.id == Seat.draw_id)
        .join(Work, Work.id == Draw.work_id)
        .where(Seat.status.in_([SeatStatus.DECLINED, SeatStatus.EXPIRED]),
               Draw.meeting_day.between(period.start, period.end))
        .group_by(Work.city)
    )  # fmt: skip


def _hazards_found(period: Period, today: date) -> Select[*tuple[Any, ...]]:
    return (
        select(Hazard.city, func.count(Hazard.id))
        .where(Hazard.found_on.between(period.start, period.end))
        .group_by(Hazard.city)
    )


def _hazards_overdue(period: Period, today: date) -> Select[*tuple[Any, ...]]:
    return select(Hazard.city, func.count(Hazard.id)).where(overdue(today)).group_by(Hazard.city)


@dataclass(frozen=True)
class Measure:
    label: str
    unit: str
    statement: Statement


MEASURES: dict[str, Measure] = {
    "works": Measure("本期新登记危大工程", "项", lambda p, t: _works(p)),
    "over_scale": Measure("本期新登记超过一定规模的危大工程", "项",
                          lambda p, t: _works(p, Work.verdict == Verdict.OVER_SCALE)),
    "reviews": Measure("本期召开的论证会", "次", _reviews),
    "declines": Measure("本期谢绝与逾期未复", "人次", _declines),
    "hazards": Measure("本期发现的事故隐患", "项", _hazards_found),
    "overdue": Measure("当前逾期未整改的隐患", "项", _hazards_overdue),
}  # fmt: skip
DEFAULT_MEASURE = "works"


def parse_measure(raw: str | None) -> str:
    key = (raw or "").strip() or DEFAULT_MEASURE
    if key not in MEASURES:
        raise AnalyticsError(f"对比指标“{key[:20]}”无法识别", field="measure")
    return key


def city_table(session: Session, key: str, period: Period, marked: City | None, *, today: date) -> Table:
    """Every city's value of the measure; the selected city (if any) is marked on the chart."""
    measure = MEASURES[key]
    result: Iterable[Any] = session.execute(measure.statement(period, today))
    by = {c: int(n) for c, n in result}
    rows = tuple((c.label, by.get(c, 0)) for c in City)
    return Table("cities", f"13个设区市对比：{measure.label}", ("设区市", measure.label), rows, ChartKind.CITIES,
                 unit=measure.unit, marked=marked.label if marked else None)  # fmt: skip
