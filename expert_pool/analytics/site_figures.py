"""On site in a period (DOMAIN.md sections 8 and 9): hazards found, closed, overdue and under supervision order by
city; the coverage of the sweeps (排查轮次) that overlap the period; cranes by state and their inspection results.
The rules are the site and crane packages' own (``hazard_queries.overdue``, ``sweep_services.coverage``,
``cranes.queries.filtered_stmt``); here they are only counted, one grouped query per figure."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from expert_pool.analytics.areas import in_area
from expert_pool.analytics.periods import Period
from expert_pool.analytics.tables import Cell, ChartKind, Table, share
from knowledge.accounts.permissions import Scope
from knowledge.cranes.inspection_models import Conclusion, InspectionReport, ReportState
from knowledge.cranes.machines import MachineType
from knowledge.cranes.models import Machine
from knowledge.cranes.queries import MachineFilter, MachineState, filtered_stmt
from knowledge.regions import City
from knowledge.site.hazard_loop import Level, State
from knowledge.site.hazard_models import Hazard
from knowledge.site.hazard_queries import overdue, visible_hazards
from knowledge.site.inspection_models import Sweep
from knowledge.site.sweep_services import coverage

SWEEPS_SHOWN = 6  # the newest sweeps overlapping the period (two province sweeps a year, and the cities' own)


def hazards(session: Session, scope: Scope, period: Period, city: City | None, *, today: date) -> Table:
    """Found and closed in the period; overdue and under supervision order today (of those found by its end)."""
    h = Hazard
    found = h.found_on.between(period.start, period.end)
    stmt = (
        select(h.city, func.sum(case((found, 1), else_=0)),
               func.sum(case((and_(found, h.level == Level.MAJOR), 1), else_=0)),
               func.sum(case((h.closed_on.between(period.start, period.end), 1), else_=0)),
               func.sum(case((overdue(today), 1), else_=0)),
               func.sum(case((and_(h.is_supervised.is_(True), h.state != State.CLOSED), 1), else_=0)))
        .where(visible_hazards(scope), h.found_on <= period.end, in_area(h.city, city))
        .group_by(h.city)
    )  # fmt: skip
    result: Iterable[Any] = session.execute(stmt)
    by = {c: tuple(int(v or 0) for v in rest) for c, *rest in result}
    rows: tuple[tuple[Cell, ...], ...] = tuple((c.label, *by[c]) for c in City if c in by)
    return Table("hazards", "事故隐患（按设区市）",
                 ("设区市", "本期发现", "其中重大隐患", "本期销号", "当前逾期未整改", "当前挂牌督办"), rows,
                 unit="项", note="逾期与督办为统计时的状态，计入期末前发现的全部隐患。")  # fmt: skip


def sweeps(session: Session, period: Period, city: City | None) -> Table:
    """The sweeps overlapping the period in the area, with the share of works and enterprises they reached."""
    area = or_(Sweep.city.is_(None), Sweep.city == city) if city is not None else Sweep.id.is_not(None)
    found = session.scalars(
        select(Sweep)
        .where(Sweep.starts_on <= period.end, Sweep.ends_on >= period.start, area)
        .order_by(Sweep.starts_on.desc(), Sweep.id.desc())
        .limit(SWEEPS_SHOWN)
    ).all()
    rows = []
    for sweep in found:
        cover = coverage(session, sweep, city=sweep.city or city)
        rows.append((sweep.name, share(cover.works.reached, cover.works.total) or 0.0,
                     share(cover.enterprises.reached, cover.enterprises.total) or 0.0,
                     f"{cover.works.reached}/{cover.works.total}", f"{cover.enterprises.reached}/{cover.enterprises.total}"))  # fmt: skip
    return Table("sweeps", "排查轮次覆盖率", ("排查轮次", "工程覆盖率", "企业覆盖率", "工程（已查/应查）",
                 "企业（已查/应查）"), tuple(rows), unit="%", series=2)  # fmt: skip


def crane_states(session: Session, scope: Scope, city: City | None, *, today: date) -> Table:
    """Registered machines by where they stand today (by registration city), one count per state."""
    rows = []
    for state in MachineState:
        stmt = filtered_stmt(scope, MachineFilter(city=city, state=state), on=today).order_by(None)
        n = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows.append((state.label, int(n)))
    return Table(
        "crane_states",
        "起重机械（按当前状态）",
        ("状态", "台数"),
        tuple(rows),
        ChartKind.PIE,
        unit="台",
        is_of_period=False,
    )


def crane_inspections(session: Session, period: Period, city: City | None) -> Table:
    """Inspection reports published in the period, by machine type and conclusion (machines of the area)."""
    r = InspectionReport
    stmt = (
        select(r.machine_type, func.sum(case((r.conclusion == Conclusion.PASS, 1), else_=0)),
               func.sum(case((r.conclusion == Conclusion.FAIL, 1), else_=0)),
               func.sum(case((r.nonconformities == 0, 1), else_=0)))
        .join(Machine, Machine.id == r.machine_id)
        .where(r.state == ReportState.PUBLISHED, r.published_on.between(period.start, period.end),
               in_area(Machine.registration_city, city))
        .group_by(r.machine_type)
    )  # fmt: skip
    result: Iterable[Any] = session.execute(stmt)
    by = {t: tuple(int(v or 0) for v in rest) for t, *rest in result}
    rows: tuple[tuple[Cell, ...], ...] = tuple((t.label, *by[t]) for t in MachineType if t in by)
    return Table("crane_inspections", "起重机械检验结果", ("机械类别", "合格", "不合格", "其中零不符合项"), rows,
                 ChartKind.STACKED, unit="份", series=2)  # fmt: skip
