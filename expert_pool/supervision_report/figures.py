"""Everything one supervision report shows, gathered for a period and an area: the regulators' dashboard as the
page builds it (``expert_pool.analytics.dashboard``, so the report and the page show the same numbers), the 13
cities side by side on several measures (province reports only, as on the page), and the figures the dashboard
lacks (``extra_figures``), and the open findings of the latest integrity analysis (``expert_pool.integrity``).

The dashboard's "today" (overdue hazards, machines' states, the warning lists) is the period's last day, never
the clock: the same period, area and data give the same report, whenever it is built.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from expert_pool.analytics import cities, dashboard
from expert_pool.analytics.periods import Period
from expert_pool.analytics.tables import ChartKind, Table
from expert_pool.integrity.models import FindingKind, IntegrityRun
from expert_pool.integrity.services import open_counts
from expert_pool.supervision_report import extra_figures
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.regions import City

# The 13-city comparisons a province report draws (the dashboard's measures, one chart each).
CITY_MEASURES = ("works", "over_scale", "reviews", "hazards")
STEPS = ("dashboard", "cities", "failed_works", "hazard_closure", "sanctions", "integrity")
NO_INTEGRITY_NOTE = "系统尚未完成专家诚信分析，没有诚信分析发现的记录。"
INTEGRITY_NOTE = "取自最近一次完成的专家诚信分析，计未经监管人员核查的发现，不按报告期间划分。"
Step = Callable[[str], None]


@dataclass(frozen=True)
class ReportFigures:
    period: Period
    city: City | None
    as_of: date  # the day "current" figures are taken on: the period's last day
    board: dashboard.Dashboard
    city_tables: tuple[Table, ...]  # empty for a city's report
    failed_works: Table
    hazard_closure: Table
    sanctions: Table
    integrity: Table | None  # None: no integrity analysis has finished, so no findings are recorded

    @property
    def is_empty(self) -> bool:
        own = (self.failed_works, self.hazard_closure, self.sanctions)
        return self.board.is_empty and not any(has_data(t) for t in own)


def has_data(table: Table) -> bool:
    """A list has data when it has rows; a figure when some number in it is not zero."""
    return bool(table.rows) if table.chart is ChartKind.NONE else not table.is_empty


def reader_scope(city: City | None) -> Scope:
    """The reader the figures are counted for: a regulator of the report's area (a city's report then has no
    13-city comparison, as a city's regulator has none on the dashboard). Not an account: ``account_id`` 0."""
    return Scope(0, Role.REGULATOR, city)


def gather(session: Session, period: Period, city: City | None, step: Step | None = None) -> ReportFigures:
    """Every figure of the report; ``step`` is told each step's name (``STEPS``) once it is counted."""

    def done(name: str) -> None:
        if step is not None:
            step(name)

    as_of = period.end
    query = dashboard.make_query(reader_scope(city), period, city, asked=True, measure="", today=as_of)
    board = dashboard.dashboard(session, query)
    done("dashboard")
    compared = (
        ()
        if city is not None
        else tuple(cities.city_table(session, key, period, None, today=as_of) for key in CITY_MEASURES)
    )
    done("cities")
    failed = extra_figures.failed_works(session, period, city)
    done("failed_works")
    closure = extra_figures.hazard_closure(session, period, city)
    done("hazard_closure")
    sanctioned = extra_figures.sanctions(session, period, city)
    done("sanctions")
    integrity = integrity_findings(session, city)
    done("integrity")
    return ReportFigures(period, city, as_of, board, compared, failed, closure, sanctioned, integrity)


def integrity_findings(session: Session, city: City | None) -> Table | None:
    """Open (unexamined) findings of the latest finished integrity analysis per kind, every kind shown; None when
    no analysis has finished."""
    finished = IntegrityRun.finished_at.is_not(None) & (IntegrityRun.error == "")
    if session.scalar(select(IntegrityRun.id).where(finished).limit(1)) is None:
        return None
    counts = open_counts(session, reader_scope(city))
    rows = tuple((kind.label, counts.get(kind, 0)) for kind in FindingKind)
    return Table("integrity", "专家诚信分析：未核查的发现（按类型）", ("类型", "未核查的发现"), rows, ChartKind.NONE,
                 unit="项", note=INTEGRITY_NOTE)  # fmt: skip
