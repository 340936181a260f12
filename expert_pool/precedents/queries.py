"""The read side of common problems: the page per category (counts within the reader's city), the pre-check of
a plan version for those who may read the plan, and two plain functions for the dashboard and the sweeps
(``top_problems``, ``unaddressed_problems``), which take no scope: their caller applies it."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from expert_pool.precedents.models import CommonProblem, PrecedentSource, ProblemOccurrence, SourceKind
from expert_pool.precedents.precheck import (
    Check,
    KnownProblem,
    PlanText,
    Verdict,
    check_plan,
    is_checkable,
    is_readable,
)
from expert_pool.reviews.meetings import panel_ids
from expert_pool.reviews.models import Review
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.errors import NotFoundError, PermissionDenied
from knowledge.plans.models import PlanVersion
from knowledge.regions import City
from knowledge.registry.queries import get_work_for
from knowledge.registry.rules import catalogue

# The pre-check shows the problems most often raised for the category: enough to be worth reading before a
# review, few enough to read (no regulation sets these; policy of this feature).
TOP_PROBLEMS = 10
# Below this many concluded reviews of a category, "most often raised" rests on too few precedents to advise.
MIN_PRECEDENTS = 10
PAGE_READERS = (Role.REGULATOR, Role.DRAW_OFFICE, Role.ADMIN, Role.EXPERT)
LINKED_REVIEWS = 12
RECENT_QUARTERS = 8  # the page's trend: two years by quarter
CATEGORY_LABELS = {c.code: c.label for c in catalogue()}
SUB_TYPE_LABELS = {(c.code, s.code): s.label for c in catalogue() for s in c.sub_types}


def precedent_count(session: Session, category: str) -> int:
    """Concluded reviews of the category already grouped."""
    return session.scalar(select(func.count()).select_from(PrecedentSource).where(
        PrecedentSource.kind == SourceKind.REVIEW, PrecedentSource.category == category)) or 0  # fmt: skip


def ranked_problems(session: Session, category: str, sub_type: str, limit: int = TOP_PROBLEMS) -> list[KnownProblem]:  # fmt: skip
    """The checkable problems most often raised by reviews of the sub-type, then of the category."""
    problems = session.scalars(
        select(CommonProblem).where(CommonProblem.category == category, CommonProblem.review_count > 0)
    ).all()
    ranked = sorted(
        problems, key=lambda p: (-(p.sub_type_reviews or {}).get(sub_type, 0), -p.review_count, p.id)
    )
    known = (KnownProblem(p.id, p.label, p.section, tuple(p.key_terms), p.review_count) for p in ranked)
    return [k for k in known if is_checkable(k)][:limit]


@dataclass(frozen=True)
class Precheck:
    version_id: int
    category: str
    sub_type: str
    status: str  # "checked", "unreadable", "too_few"
    message: str
    precedents: int
    checks: tuple[Check, ...] = ()

    @property
    def not_found(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.verdict is Verdict.NOT_FOUND)


def readable_version(session: Session, scope: Scope, version_id: int) -> PlanVersion:
    """The plan version if the scope may read the plan: those who see its work (a team its own projects'), and
    the experts seated on a review of it. Anyone else is told it does not exist."""
    version = session.get(PlanVersion, version_id)
    if version is None:
        raise NotFoundError("方案不存在或无权查看")
    if scope.role is Role.EXPERT:
        reviews = session.scalars(select(Review).where(Review.plan_version_id == version.id)).all()
        if scope.expert_id is None or not any(scope.expert_id in panel_ids(session, r) for r in reviews):
            raise NotFoundError("方案不存在或无权查看")
        return version
    get_work_for(session, scope, version.work_id)  # NotFoundError outside the scope
    return version


def plan_precheck(session: Session, scope: Scope, version_id: int) -> Precheck:
    """The pre-check of a plan version, or why there is none (its text was not extracted; too few precedents)."""
    return precheck_version(session, readable_version(session, scope, version_id))


def precheck_version(session: Session, version: PlanVersion) -> Precheck:
    work = version.work
    category, sub_type = work.category, work.sub_type
    label = CATEGORY_LABELS.get(category, category)
    precedents = precedent_count(session, category)

    def result(status: str, message: str, checks: Sequence[Check] = ()) -> Precheck:
        return Precheck(version.id, category, sub_type, status, message, precedents, tuple(checks))

    if not is_readable(version.text or ""):
        return result("unreadable", "未能提取该方案的文字（可能是扫描件或图片），无法对照常见问题检查；"
                      "请上传可复制文字的文件。")  # fmt: skip
    if precedents < MIN_PRECEDENTS:
        return result("too_few", f"{label}已办结的专家论证仅{precedents}次（少于{MIN_PRECEDENTS}次），"
                      "先例太少，暂不提示常见问题。")  # fmt: skip
    checks = check_plan(PlanText.of(version.text), ranked_problems(session, category, sub_type))
    missing = sum(1 for c in checks if c.verdict is Verdict.NOT_FOUND)
    return result("checked", f"对照{label}最常被提出的{len(checks)}个问题，{missing}个在方案相应章节中未找到"
                  "关键词。仅供参考，不作为论证结论。", checks)  # fmt: skip


def unaddressed_problems(session: Session, version_id: int) -> list[Check]:
    """For the sweeps: the top problems of a plan version's category that it did not address (no scope: the
    caller applies it); empty when the text is unreadable or the category has too few precedents."""
    version = session.get(PlanVersion, version_id)
    if version is None:
        raise NotFoundError("方案不存在")
    return list(precheck_version(session, version).not_found)


# -- counts per city and month ------------------------------------------------------------------------


@dataclass
class ProblemCounts:
    """One problem's occasions within a filter: a review that raised it (by its change and its experts alike)
    counts once, each failed item and hazard once."""

    problem: CommonProblem
    total: int = 0
    reviews: int = 0
    site: int = 0
    by_city: Counter[str] = field(default_factory=Counter)
    by_month: Counter[str] = field(default_factory=Counter)  # YYYY-MM
    by_quarter: Counter[str] = field(default_factory=Counter)  # YYYYQn
    by_year: Counter[int] = field(default_factory=Counter)
    review_ids: list[int] = field(default_factory=list)  # newest first


def _occasions(
    session: Session, category: str, *, city: City | None, start: date | None, end: date | None,
    sub_type: str | None = None,
) -> dict[int, ProblemCounts]:  # fmt: skip
    occ = ProblemOccurrence
    stmt = select(occ.problem_id, occ.city, occ.on, occ.review_id, occ.source, occ.source_id).where(
        occ.category == category
    )
    if city is not None:
        stmt = stmt.where(occ.city == city)
    if start is not None:
        stmt = stmt.where(occ.on >= start)
    if end is not None:
        stmt = stmt.where(occ.on <= end)
    if sub_type:
        stmt = stmt.where(occ.sub_type == sub_type)
    seen: dict[int, set[tuple[str, int]]] = defaultdict(set)
    rows: dict[int, list[tuple[City, date, int | None]]] = defaultdict(list)
    for pid, c, on, review_id, source, source_id in session.execute(stmt):
        key = ("review", review_id) if review_id is not None else (str(source), source_id)
        if key not in seen[pid]:
            seen[pid].add(key)
            rows[pid].append((c, on, review_id))
    problems = {
        p.id: p for p in session.scalars(select(CommonProblem).where(CommonProblem.id.in_(list(rows))))
    }
    counts: dict[int, ProblemCounts] = {}
    for pid, occasions in rows.items():
        pc = counts[pid] = ProblemCounts(problems[pid])
        for c, on, review_id in sorted(occasions, key=lambda r: r[1], reverse=True):
            pc.total += 1
            pc.by_city[c.value] += 1
            pc.by_month[f"{on:%Y-%m}"] += 1
            pc.by_quarter[quarter_of(on)] += 1
            pc.by_year[on.year] += 1
            if review_id is None:
                pc.site += 1
            else:
                pc.reviews += 1
                if len(pc.review_ids) < LINKED_REVIEWS:
                    pc.review_ids.append(review_id)
    return counts


def quarter_of(on: date) -> str:
    return f"{on.year}Q{(on.month - 1) // 3 + 1}"


def last_quarters(latest: date, count: int) -> list[str]:
    """The ``count`` quarters up to the one of ``latest``, oldest first."""
    index = latest.year * 4 + (latest.month - 1) // 3
    return [f"{i // 4}Q{i % 4 + 1}" for i in range(index - count + 1, index + 1)]


def top_problems(
    session: Session, category: str, *, city: City | None = None, start: date | None = None,
    end: date | None = None, limit: int = TOP_PROBLEMS,
) -> list[ProblemCounts]:  # fmt: skip
    """For the dashboard and the sweeps: the category's problems most often raised in the city (the province
    for None) and period, each with its counts per city and per month (no scope: the caller applies it)."""
    counts = _occasions(session, category, city=city, start=start, end=end)
    return sorted(counts.values(), key=lambda c: (-c.total, c.problem.id))[:limit]


# -- the page -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProblemsView:
    category: str
    sub_type: str | None
    city: City | None  # the reader's city when confined to it
    rows: list[ProblemCounts]
    precedents: int
    years: list[int]
    quarters: list[str]  # the last RECENT_QUARTERS quarters with any occurrence in the view, oldest first
    may_open_reviews: bool

    def peak(self, row: ProblemCounts) -> int:
        """The row's largest quarter of the trend (its bars are drawn against it)."""
        return max((row.by_quarter[q] for q in self.quarters), default=0)


def check_page_reader(scope: Scope) -> None:
    if scope.role not in PAGE_READERS:
        raise PermissionDenied("共性问题供监管人员、抽取办公室和专家查看")


def problems_view(
    session: Session, scope: Scope, category: str, *, sub_type: str | None = None
) -> ProblemsView:
    """A category's problems as the reader may count them: a city regulator or office its city's occurrences
    only (and only the problems that occur there); an expert or a provincial reader the province's."""
    check_page_reader(scope)
    if category not in CATEGORY_LABELS:
        raise NotFoundError("未知的工程类别")
    if sub_type and (category, sub_type) not in SUB_TYPE_LABELS:
        raise NotFoundError("未知的工程子类")
    city = scope.city if scope.role.has_city_scope else None
    counts = _occasions(session, category, city=city, start=None, end=None, sub_type=sub_type)
    rows = sorted(counts.values(), key=lambda c: (-c.total, c.problem.id))
    years = sorted({y for r in rows for y in r.by_year})
    latest = max((r.problem.last_on for r in rows if r.problem.last_on), default=None)
    quarters = last_quarters(latest, RECENT_QUARTERS) if latest else []
    return ProblemsView(category, sub_type or None, city, rows, precedent_count(session, category), years,
                        quarters, scope.role is not Role.EXPERT)  # fmt: skip


def category_summary(session: Session) -> list[tuple[str, str, int, int]]:
    """(code, label, problems, concluded reviews grouped) per category, in the catalogue's order."""
    problems = {c: n for c, n in session.execute(
        select(CommonProblem.category, func.count()).group_by(CommonProblem.category))}  # fmt: skip
    reviews = {c: n for c, n in session.execute(
        select(PrecedentSource.category, func.count()).where(PrecedentSource.kind == SourceKind.REVIEW)
        .group_by(PrecedentSource.category))}  # fmt: skip
    return [
        (code, label, problems.get(code, 0), reviews.get(code, 0)) for code, label in CATEGORY_LABELS.items()
    ]
