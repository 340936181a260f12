"""共性问题 on the dashboard (issue 23 item 3; the campaign's 研判多发隐患和共性问题，开展专项排查): per work category,
the problems most often raised in the period and area (by concluded reviews, failed inspection items and
hazards) with their counts per city and their trend, and the works under way whose current plan the pre-check
marks "not found" for one of them, read from the kept pre-check (``precedents.stored_prechecks``). A category
with too few concluded reviews says so instead of ranking noise. The counting is the precedents area's
(``queries.top_problems``); the section is a fixed number of statements (about 13), whatever the province's size.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, case, distinct, func, select
from sqlalchemy.orm import Session

from expert_pool.analytics.areas import in_area
from expert_pool.analytics.errors import AnalyticsError
from expert_pool.analytics.periods import Period, Span, area_label, format_area
from expert_pool.analytics.tables import Cell, ChartKind, Table
from expert_pool.precedents.models import CommonProblem, OccurrenceSource, ProblemOccurrence
from expert_pool.precedents.precheck import KnownProblem, is_checkable
from expert_pool.precedents.queries import (
    CATEGORY_LABELS,
    MIN_PRECEDENTS,
    TOP_PROBLEMS,
    ProblemCounts,
    category_summary,
    last_quarters,
    top_problems,
)
from expert_pool.precedents.stored_prechecks import (
    UNDER_WAY,
    PlanPrecheck,
    PlanPrecheckMiss,
    current_result,
    last_checked,
)
from knowledge.cranes.periods import add_months
from knowledge.plans.sections import section_title
from knowledge.regions import City
from knowledge.registry.models import Work
from knowledge.site.sweep_services import sweeps_by_origin

TOP = TOP_PROBLEMS  # the problems ranked and offered for a sweep: as many as the pre-check checks a plan against
TREND_LINES = 5  # more lines than this cannot be told apart
TREND_QUARTERS = 8  # two years by quarter for a quarter's or a year's figures
TREND_MONTHS = 12  # a year by month for a month's
EVERY = 10_000  # top_problems' limit meaning "all of them"
KEYS = ("problem_categories", "problem_top", "problem_trend", "problem_works")


@dataclass(frozen=True)
class Target:
    """A top problem and the works under way whose current plan did not address it (the special sweep's scope)."""

    problem_id: int
    rank: int
    label: str
    works: int
    origin: str  # the special sweep's origin key: one sweep per problem, period and area
    is_checked: bool  # the pre-check checks plans against it (raised by reviews, with key terms or a section)
    sweep_id: int | None = None  # the special sweep already opened for it
    sweep_name: str = ""


@dataclass(frozen=True)
class ProblemsSection:
    category: str
    label: str
    precedents: int
    message: str  # why nothing is ranked (too few precedents); empty when the figures stand
    categories: tuple[tuple[str, str, bool], ...]  # (code, label, has enough precedents) for the selector
    overview: Table
    top: Table
    trend: Table
    works: Table
    targets: tuple[Target, ...]
    checked_at: datetime | None  # the kept pre-check's last run

    @property
    def tables(self) -> tuple[Table, ...]:
        return self.overview, self.top, self.trend, self.works


def is_checked(problem: CommonProblem) -> bool:
    """Whether the pre-check may mark a plan "not found" for it: ``queries.ranked_problems`` offers only the
    problems reviews raised, and ``precheck.is_checkable`` only those with key terms or a section's name."""
    known = KnownProblem(problem.id, problem.label, problem.section, tuple(problem.key_terms or ()), 0)
    return problem.review_count > 0 and is_checkable(known)


def parse_category(raw: str | None) -> str:
    """A category's code, or "" (the section picks one). :raises AnalyticsError: for an unknown code."""
    text = (raw or "").strip()
    if text and text not in CATEGORY_LABELS:
        raise AnalyticsError(f"工程类别“{text[:20]}”无法识别", field="category")
    return text


def origin_key(problem_id: int, period: Period, city: City | None) -> str:
    return f"problem:{problem_id}:{period.label}:{format_area(city)}"


def too_few_message(label: str, precedents: int) -> str:
    return (f"{label}已办结的专家论证仅{precedents}次（少于{MIN_PRECEDENTS}次），先例太少，"
            "排名没有意义，暂不分析共性问题。")  # fmt: skip


# -- the categories side by side -------------------------------------------------------------------------------


def _category_counts(session: Session, period: Period, city: City | None) -> dict[str, tuple[int, int]]:
    """Per category: concluded reviews that raised a problem in the period, and failed items and hazards."""
    occ = ProblemOccurrence
    site = [func.count(distinct(case((occ.source == s, occ.source_id))))
            for s in (OccurrenceSource.FAILED_ITEM, OccurrenceSource.HAZARD)]  # fmt: skip
    stmt = (
        select(occ.category, func.count(distinct(occ.review_id)), *site)
        .where(occ.on >= period.start, occ.on <= period.end, in_area(occ.city, city))
        .group_by(occ.category)
    )
    result: Iterable[Any] = session.execute(stmt)
    return {str(c): (int(r), int(f) + int(h)) for c, r, f, h in result}


def _overview(counts: dict[str, tuple[int, int]], precedents: dict[str, int]) -> Table:
    rows = tuple((label, *counts.get(code, (0, 0)), precedents.get(code, 0))
                 for code, label in CATEGORY_LABELS.items())  # fmt: skip
    return Table("problem_categories", "各类别本期提出的问题", ("工程类别", "专家论证提出问题（次）",
                 "现场不符合项与隐患（项）", "已办结论证（先例，次）"), rows, ChartKind.HBAR, series=2,
                 note=f"已办结论证少于{MIN_PRECEDENTS}次的类别先例太少，不作排名。")  # fmt: skip


def _pick(requested: str, counts: dict[str, tuple[int, int]], enough: dict[str, bool]) -> str:
    """The category asked for, else the one with the most occasions in the period among those with enough
    precedents (the catalogue's order on a tie)."""
    if requested:
        return requested
    order = list(CATEGORY_LABELS)
    return min(order, key=lambda c: (not enough[c], -sum(counts.get(c, (0, 0))), order.index(c)))


# -- one category's figures -------------------------------------------------------------------------------------


def _top_table(label: str, rows: Sequence[ProblemCounts], city: City | None) -> Table:
    cities = list(City) if city is None else []
    columns = (
        "问题",
        "所涉方案章节",
        "本期次数",
        "其中专家论证",
        "其中现场检查与隐患",
        *(c.label for c in cities),
    )
    body: tuple[tuple[Cell, ...], ...] = tuple(
        (pc.problem.label, section_title(pc.problem.section), pc.total, pc.reviews, pc.site,
         *(pc.by_city.get(c.value, 0) for c in cities))
        for pc in rows
    )  # fmt: skip
    note = "一次论证提出同一问题（修改意见与专家意见）计一次；现场检查不符合项与隐患各计一次。"
    if city is None:
        return Table("problem_top", f"{label}：本期最常提出的问题与各设区市次数", columns, body, ChartKind.MATRIX,
                     unit="次", note=note, chart_from=5)  # fmt: skip
    return Table("problem_top", f"{label}：本期最常提出的问题", columns, body, ChartKind.HBAR, unit="次",
                 note=note, chart_from=3, series=2)  # fmt: skip


def trend_buckets(period: Period) -> tuple[bool, list[str], date]:
    """(monthly?, the buckets oldest first, the first day): a year by month up to a month's end, two years by
    quarter up to a quarter's or a year's."""
    if period.span is Span.MONTH:
        first = add_months(period.start, 1 - TREND_MONTHS)
        return True, [f"{add_months(first, i):%Y-%m}" for i in range(TREND_MONTHS)], first
    quarters = last_quarters(period.end, TREND_QUARTERS)
    year, number = quarters[0].split("Q")
    return False, quarters, date(int(year), 3 * int(number) - 2, 1)


def _trend_table(label: str, top: Sequence[ProblemCounts], wide: dict[int, ProblemCounts], period: Period) -> Table:  # fmt: skip
    monthly, buckets, _ = trend_buckets(period)
    lines = [wide[pc.problem.id] for pc in top[:TREND_LINES] if pc.problem.id in wide]
    columns = ("月份" if monthly else "季度", *(f"{i}. {pc.problem.label}" for i, pc in enumerate(lines, 1)))
    rows: tuple[tuple[Cell, ...], ...] = tuple(
        (b, *((pc.by_month if monthly else pc.by_quarter)[b] for pc in lines)) for b in buckets
    )
    span = f"近{TREND_MONTHS}个月" if monthly else f"近{TREND_QUARTERS}个季度"
    return Table("problem_trend", f"{label}：前{len(lines)}个问题的趋势（{span}）", columns, rows, ChartKind.LINE,
                 unit="次", note="编号为本期排名。")  # fmt: skip


def _missing(problem_ids: Sequence[int], city: City | None, *columns: Any) -> Select[Any]:
    """Works under way in the area whose current plan's kept pre-check did not find one of the problems."""
    miss = PlanPrecheckMiss
    return (
        select(*columns)
        .select_from(Work)
        .join(PlanPrecheck, PlanPrecheck.work_id == Work.id)
        .join(miss, miss.work_id == Work.id)
        .where(miss.problem_id.in_(list(problem_ids)), Work.status.in_(UNDER_WAY), in_area(Work.city, city),
               current_result())
    )  # fmt: skip


def works_missing(session: Session, problem_id: int, city: City | None) -> list[int]:
    """Every such work of one problem (the special sweep's list), by id."""
    return list(session.scalars(_missing([problem_id], city, Work.id).order_by(Work.id)))


def _works_table(
    session: Session, top: Sequence[ProblemCounts], city: City | None, limit: int
) -> tuple[Table, dict[int, int]]:
    """The works with the number of top problems each left unaddressed (most first), and the works per problem.
    The pairs (work, problem) are read once and counted here: at province scale about 16,000 pairs for one
    category, where three grouped queries over the same join took three times as long."""
    ids = [pc.problem.id for pc in top]
    rank = {pid: i for i, pid in enumerate(ids, 1)}
    misses: dict[int, list[int]] = defaultdict(list)
    if ids:
        pairs: Iterable[Any] = session.execute(_missing(ids, city, PlanPrecheckMiss.work_id,
                                                        PlanPrecheckMiss.problem_id))  # fmt: skip
        for work_id, problem_id in pairs:
            misses[int(work_id)].append(int(problem_id))
    per_problem = Counter(p for found in misses.values() for p in found)
    shown = sorted(misses, key=lambda w: (-len(misses[w]), w))[:limit]
    works: dict[int, Any] = {}
    if shown:
        works = {r.id: r for r in session.execute(
            select(Work.id, Work.name, Work.city, Work.status).where(Work.id.in_(shown)))}  # fmt: skip
    rows = tuple(
        (works[w].name, works[w].city.label, works[w].status.label, len(misses[w]),
         "、".join(str(r) for r in sorted(rank[p] for p in misses[w])))
        for w in shown
    )  # fmt: skip
    table = Table("problem_works", "在施工程中方案未涉及排名前列问题的工程", ("工程", "设区市", "当前状态",
                  "方案未涉及的问题（个）", "这些问题的本期排名"), rows, ChartKind.NONE, target="work",
                  targets=tuple(shown), total=len(misses), is_of_period=False,
                  note="排名即上方“本期最常提出的问题”的行序；问题以各工程当前方案的预检为准。")  # fmt: skip
    return table, dict(per_problem)


def _empty(key: str, title: str, columns: tuple[str, ...], note: str, **extra: Any) -> Table:
    return Table(key, title, columns, (), ChartKind.NONE, note=note, **extra)


def section(
    session: Session, period: Period, city: City | None, *, category: str = "", limit: int = 10
) -> ProblemsSection:
    """The section for the period and area (``city`` None: the province), ``category`` or the busiest one."""
    summary = category_summary(session)
    precedents = {code: reviews for code, _, _, reviews in summary}
    enough = {code: precedents[code] >= MIN_PRECEDENTS for code in precedents}
    counts = _category_counts(session, period, city)
    code = _pick(category, counts, enough)
    label = CATEGORY_LABELS[code]
    overview = _overview(counts, precedents)
    choices = tuple((c, lbl, enough[c]) for c, lbl in CATEGORY_LABELS.items())
    checked_at = last_checked(session)
    if not enough[code]:
        message = too_few_message(label, precedents[code])
        return ProblemsSection(code, label, precedents[code], message, choices, overview,
                               _empty("problem_top", f"{label}：本期最常提出的问题", ("问题",), message),
                               _empty("problem_trend", f"{label}：问题趋势", ("季度",), message),
                               _empty("problem_works", "在施工程中方案未涉及排名前列问题的工程", ("工程",), message,
                                      target="work", total=0, is_of_period=False), (), checked_at)  # fmt: skip
    top = top_problems(session, code, city=city, start=period.start, end=period.end, limit=TOP)
    _, _, first = trend_buckets(period)
    wide = {pc.problem.id: pc for pc in top_problems(session, code, city=city, start=first, end=period.end,
                                                      limit=EVERY)}  # fmt: skip
    works, per_problem = _works_table(session, top, city, limit)
    keys = {pc.problem.id: origin_key(pc.problem.id, period, city) for pc in top}
    opened = sweeps_by_origin(session, list(keys.values()))
    targets = tuple(
        Target(pc.problem.id, i, pc.problem.label, per_problem.get(pc.problem.id, 0), keys[pc.problem.id],
               is_checked(pc.problem),
               opened[keys[pc.problem.id]].id if keys[pc.problem.id] in opened else None,
               opened[keys[pc.problem.id]].name if keys[pc.problem.id] in opened else "")
        for i, pc in enumerate(top, 1)
    )  # fmt: skip
    return ProblemsSection(code, label, precedents[code], "", choices, overview, _top_table(label, top, city),
                           _trend_table(label, top, wide, period), works, targets, checked_at)  # fmt: skip


def area_and_period(period: Period, city: City | None) -> str:
    return f"{area_label(city)}{period.title}"
