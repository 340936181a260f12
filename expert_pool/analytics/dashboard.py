"""The regulators' dashboard of a period and an area: its figures as tables grouped in sections, the 13 cities
side by side (province-wide readers only), the early-warning lists, and the common problems of one work category
(``problem_figures``). Each table can also be built alone (its CSV). The queries are a fixed number, whatever the
number of works (about 45 for the whole page)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy.orm import Session

from expert_pool.analytics import (
    cities,
    pool_figures,
    problem_figures,
    review_figures,
    site_figures,
    warnings,
)
from expert_pool.analytics.access import area_for
from expert_pool.analytics.cache import FigureCache, data_version
from expert_pool.analytics.errors import AnalyticsError
from expert_pool.analytics.periods import Period
from expert_pool.analytics.tables import ChartKind, Table, median
from knowledge.accounts.permissions import Scope
from knowledge.regions import City


@dataclass(frozen=True)
class Query:
    """What the reader asked for, checked: ``city`` is the area (None: the province) within his scope."""

    scope: Scope
    period: Period
    city: City | None
    measure: str
    today: date
    rows: int = warnings.SHOWN  # how many rows of each early-warning list
    category: str = ""  # the work category of the common problems ("": the busiest)


def make_query(
    scope: Scope, period: Period, requested: City | None, *, asked: bool, measure: str, today: date,
    category: str = "",
) -> Query:  # fmt: skip
    """:raises PermissionDenied: for an area outside the scope; :raises AnalyticsError: for bad input."""
    return Query(scope, period, area_for(scope, requested, asked=asked), cities.parse_measure(measure), today,
                 category=problem_figures.parse_category(category))  # fmt: skip


@dataclass(frozen=True)
class Section:
    title: str
    tables: tuple[Table, ...]


@dataclass(frozen=True)
class Dashboard:
    query: Query
    summary: Table
    sections: tuple[Section, ...]
    cities: Table | None
    warnings: tuple[Table, ...]
    problems: problem_figures.ProblemsSection | None = None

    @property
    def is_empty(self) -> bool:
        """Nothing counted in the period (the lists of today are not the period's)."""
        return all(t.is_empty for s in self.sections for t in s.tables if t.is_of_period)


def _summary(
    cells: list[review_figures.WorkCell], reviews: review_figures.ReviewCounts, days: list[float]
) -> Table:
    first = reviews.first_pass_share
    middle = median(days)
    rows = (
        ("期末已登记危大工程（项）", sum(c.total for c in cells)),
        ("本期新登记（项）", sum(c.new for c in cells)),
        ("本期召开论证会（次）", reviews.held),
        ("首次论证即通过（含修改后通过）占比（%）", first if first is not None else "—"),
        ("抽取至报告定稿天数中位数（天）", middle if middle is not None else "—"),
    )
    return Table("summary", "本期概况", ("指标", "数值"), rows, ChartKind.NONE)


def _works(session: Session, q: Query) -> list[review_figures.WorkCell]:
    return review_figures.work_cells(session, q.period, q.city)


def _problems(session: Session, q: Query) -> problem_figures.ProblemsSection:
    return problem_figures.section(session, q.period, q.city, category=q.category, limit=q.rows)


def _problem_table(index: int) -> Builder:
    return lambda s, q: _problems(s, q).tables[index]


Builder = Callable[[Session, Query], Table]
BUILDERS: dict[str, Builder] = {
    "summary": lambda s, q: _summary(_works(s, q), review_figures.review_counts(s, q.period, q.city),
                                     review_figures.days_to_report(s, q.period, q.city)),
    "works_by_category": lambda s, q: review_figures.works_by_category(_works(s, q)),
    "works_by_verdict": lambda s, q: review_figures.works_by_verdict(_works(s, q)),
    "works_by_status": lambda s, q: review_figures.works_by_status(_works(s, q)),
    "reviews_by_conclusion": lambda s, q: review_figures.reviews_by_conclusion(
        review_figures.review_counts(s, q.period, q.city)),
    "declines": lambda s, q: pool_figures.declines(s, q.period, q.city),
    "conflicts": lambda s, q: pool_figures.conflicts(s, q.period, q.city),
    "failed_draws_by_city": lambda s, q: pool_figures.failed_draws_by_city(s, q.period, q.city),
    "failed_draws_by_category": lambda s, q: pool_figures.failed_draws_by_category(s, q.period, q.city),
    "thin_pool": lambda s, q: pool_figures.thin_pool(s, q.period, q.city),
    "hazards": lambda s, q: site_figures.hazards(s, q.scope, q.period, q.city, today=q.today),
    "sweeps": lambda s, q: site_figures.sweeps(s, q.period, q.city),
    "crane_states": lambda s, q: site_figures.crane_states(s, q.scope, q.city, today=q.today),
    "crane_inspections": lambda s, q: site_figures.crane_inspections(s, q.period, q.city),
    "cities": lambda s, q: _cities(s, q),
    "late_works": lambda s, q: warnings.works_without_review(s, q.city, today=q.today, limit=q.rows),
    "unsigned_reports": lambda s, q: warnings.unsigned_reports(s, q.city, today=q.today, limit=q.rows),
    "overdue_hazards": lambda s, q: warnings.overdue_hazards(s, q.scope, q.city, today=q.today, limit=q.rows),
    **{key: _problem_table(i) for i, key in enumerate(problem_figures.KEYS)},
}  # fmt: skip
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "危大工程与专家论证",
        ("works_by_category", "works_by_verdict", "works_by_status", "reviews_by_conclusion"),
    ),
    ("专家库", ("failed_draws_by_city", "failed_draws_by_category", "thin_pool", "declines", "conflicts")),
    ("现场监管", ("hazards", "sweeps")),
    ("建筑起重机械", ("crane_states", "crane_inspections")),
)
WARNINGS = ("late_works", "unsigned_reports", "overdue_hazards")


def _cities(session: Session, q: Query) -> Table:
    if not q.scope.is_province_wide:
        raise AnalyticsError("设区市对比仅对省级监管人员开放", field="measure")
    return cities.city_table(session, q.measure, q.period, q.city, today=q.today)


def table(session: Session, q: Query, key: str) -> Table:
    """One figure alone, its early-warning lists whole (its CSV).

    :raises AnalyticsError: for a name that is no figure of the dashboard.
    """
    builder = BUILDERS.get(key)
    if builder is None:
        raise AnalyticsError(f"看板中没有名为“{key[:30]}”的图表", field="chart")
    return builder(session, replace(q, rows=warnings.EXPORTED))


def dashboard(session: Session, q: Query) -> Dashboard:
    cells = _works(session, q)
    reviews = review_figures.review_counts(session, q.period, q.city)
    shared: dict[str, Table] = {
        "works_by_category": review_figures.works_by_category(cells),
        "works_by_verdict": review_figures.works_by_verdict(cells),
        "works_by_status": review_figures.works_by_status(cells),
        "reviews_by_conclusion": review_figures.reviews_by_conclusion(reviews),
    }
    sections = tuple(
        Section(title, tuple(shared[k] if k in shared else BUILDERS[k](session, q) for k in keys))
        for title, keys in SECTIONS
    )
    summary = _summary(cells, reviews, review_figures.days_to_report(session, q.period, q.city))
    city_table = _cities(session, q) if q.scope.is_province_wide else None
    return Dashboard(q, summary, sections, city_table, tuple(BUILDERS[k](session, q) for k in WARNINGS),
                     _problems(session, q))  # fmt: skip


def kept_dashboard(session: Session, q: Query, kept: FigureCache[Dashboard]) -> tuple[Dashboard, float]:
    """The dashboard as ``kept`` for this period, area and reach (``cache``: until a change passes the outbox, at
    most its freshness), with when it was computed. Readers of the same area and reach share it: the figures
    depend on the account's role and city only."""
    key = replace(q, scope=Scope(0, q.scope.role, q.scope.city))
    board, at = kept.get(key, data_version(session), lambda: dashboard(session, q))
    return replace(board, query=q), at
