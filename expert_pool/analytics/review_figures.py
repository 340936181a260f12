"""Works and reviews of a period: works by category, verdict and status; reviews held and their conclusions; the
share passed at the first review; the median days from the panel's draw to the final report. Each figure is one
grouped query (DOMAIN.md sections 3 and 10)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from expert_pool.analytics.areas import in_area
from expert_pool.analytics.periods import Period
from expert_pool.analytics.tables import ChartKind, Table, median, share
from expert_pool.draws.models import Draw
from expert_pool.reviews.models import Conclusion, Review, ReviewReport
from knowledge.regions import City
from knowledge.registry.models import Work
from knowledge.registry.rules import Verdict, catalogue
from knowledge.registry.workflow import WorkStatus

CATEGORY_LABELS = {c.code: c.label for c in catalogue()}
NO_REPORT = "尚无定稿报告"
SECONDS_A_DAY = 86400


@dataclass(frozen=True)
class WorkCell:
    category: str
    verdict: Verdict
    status: WorkStatus
    total: int  # registered by the period's end
    new: int  # registered in the period


def work_cells(session: Session, period: Period, city: City | None) -> list[WorkCell]:
    """Works registered by the period's end, counted by category, verdict and (current) status: one query."""
    new = and_(Work.created_at >= period.starts_at, Work.created_at < period.ends_before)
    stmt = (
        select(
            Work.category, Work.verdict, Work.status, func.count(Work.id), func.sum(case((new, 1), else_=0))
        )
        .where(Work.created_at < period.ends_before, in_area(Work.city, city))
        .group_by(Work.category, Work.verdict, Work.status)
    )
    rows: Iterable[Any] = session.execute(stmt)
    return [WorkCell(c, v, s, int(n), int(k or 0)) for c, v, s, n, k in rows]


def works_by_category(cells: list[WorkCell]) -> Table:
    by: dict[str, Counter[str]] = {}
    for c in cells:
        line = by.setdefault(c.category, Counter())
        line[c.verdict.value] += c.total
        line["new"] += c.new
    order = [code for code in CATEGORY_LABELS if code in by] + sorted(set(by) - set(CATEGORY_LABELS))
    rows = tuple(
        (CATEGORY_LABELS.get(code, code), by[code][Verdict.HAZARDOUS.value], by[code][Verdict.OVER_SCALE.value],
         by[code]["new"])
        for code in order
    )  # fmt: skip
    return Table("works_by_category", "危大工程（按类别）", ("类别", "危大工程", "超过一定规模", "其中本期新登记"),
                 rows, ChartKind.STACKED, unit="项", series=2)  # fmt: skip


def works_by_verdict(cells: list[WorkCell]) -> Table:
    counts = Counter({v: 0 for v in Verdict})
    for c in cells:
        counts[c.verdict] += c.total
    rows = tuple((v.label, n) for v, n in counts.items() if n)
    return Table(
        "works_by_verdict", "危大工程（按规模判定）", ("判定", "工程数"), rows, ChartKind.PIE, unit="项"
    )


def works_by_status(cells: list[WorkCell]) -> Table:
    counts: Counter[WorkStatus] = Counter()
    for c in cells:
        counts[c.status] += c.total
    rows = tuple((s.label, counts[s]) for s in WorkStatus if counts[s])
    return Table("works_by_status", "危大工程（按当前状态）", ("状态", "工程数"), rows, unit="项")


@dataclass(frozen=True)
class ReviewCounts:
    by_conclusion: dict[str, int]  # a conclusion's label (or NO_REPORT) -> reviews held in the period
    first_held: int  # first reviews of their works held in the period, with a final report
    first_passed: int  # of those, concluded 通过 or 修改后通过 (no new review needed, Decree 37 Art. 13)

    @property
    def held(self) -> int:
        return sum(self.by_conclusion.values())

    @property
    def first_pass_share(self) -> float | None:
        return share(self.first_passed, self.first_held)


def review_counts(session: Session, period: Period, city: City | None) -> ReviewCounts:
    """Reviews held in the period by the conclusion of their latest final report, and whether each was its
    work's first review: one query."""
    latest = (
        select(ReviewReport.review_id, func.max(ReviewReport.version).label("version"))
        .where(ReviewReport.finalised_at.is_not(None))
        .group_by(ReviewReport.review_id)
        .subquery()
    )
    first = select(Review.work_id, func.min(Review.id).label("first_id")).group_by(Review.work_id).subquery()
    is_first = case((Review.id == first.c.first_id, 1), else_=0)
    stmt = (
        select(ReviewReport.conclusion, is_first, func.count(Review.id))
        .select_from(Review)
        .join(Work, Work.id == Review.work_id)
        .join(first, first.c.work_id == Review.work_id)
        .outerjoin(latest, latest.c.review_id == Review.id)
        .outerjoin(ReviewReport, and_(ReviewReport.review_id == Review.id, ReviewReport.version == latest.c.version))
        .where(Review.held_on.between(period.start, period.end), in_area(Work.city, city))
        .group_by(ReviewReport.conclusion, is_first)
    )  # fmt: skip
    by: Counter[str] = Counter()
    first_held = first_passed = 0
    rows: Iterable[Any] = session.execute(stmt)
    for conclusion, was_first, n in rows:
        by[conclusion.label if conclusion else NO_REPORT] += n
        if was_first and conclusion is not None:
            first_held += n
            first_passed += n if conclusion is not Conclusion.FAIL else 0
    order = [c.label for c in Conclusion] + [NO_REPORT]
    return ReviewCounts({k: by[k] for k in order if by[k]}, first_held, first_passed)


def reviews_by_conclusion(counts: ReviewCounts) -> Table:
    rows = tuple(counts.by_conclusion.items())
    return Table("reviews_by_conclusion", "本期召开的论证会（按论证结论）", ("论证结论", "论证会数"), rows,
                 ChartKind.PIE, unit="次")  # fmt: skip


def days_to_report(session: Session, period: Period, city: City | None) -> list[float]:
    """Per review held in the period with a final report: days from the panel's draw (the first stored mark of
    the review request on the review) to the first final report. One query; the median is taken here."""
    stmt = (
        select(Draw.requested_at, func.min(ReviewReport.finalised_at))
        .select_from(Review)
        .join(Work, Work.id == Review.work_id)
        .join(Draw, Draw.id == Review.draw_id)
        .join(ReviewReport, ReviewReport.review_id == Review.id)
        .where(ReviewReport.finalised_at.is_not(None), Review.held_on.between(period.start, period.end),
               in_area(Work.city, city))
        .group_by(Review.id, Draw.requested_at)
    )  # fmt: skip
    rows: Iterable[Any] = session.execute(stmt)
    return [(done - asked).total_seconds() / SECONDS_A_DAY for asked, done in rows if asked and done]


def median_days(values: list[float]) -> float | None:
    return median(values)
