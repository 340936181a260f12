"""Review conclusions as search documents: one per review whose report is final, the "review" kind beside the
registry's own kinds of ``knowledge.search_docs`` (``CATALOGUE`` holds them all).

A document carries the report in force (the latest final version: a signed correction replaces the text of
the one it supersedes), its numbered required changes, the present experts' findings on the three points,
the meeting day, and the work's title, category, place and units as the plan documents have them. Who may find
it: the project's units and its city (as for plans), the present panel (``expert_ids``), and, as a published
conclusion, every expert (``published``: a final report is the published conclusion; experts look for
precedents among them, issue 11). A review with no final report has no document.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from expert_pool.reviews.models import Conclusion, RequiredChange, Review, ReviewOpinion, ReviewReport
from knowledge.registry.models import Work
from knowledge.search_docs import (
    BATCH,
    CATEGORY_NAMES,
    REGISTRY,
    Catalogue,
    Document,
    ProjectFacts,
    Source,
    WorkIds,
    place_fields,
    project_facts,
)
from search_index.documents import make_doc_id

KIND = "review"


@dataclass(frozen=True)
class ReviewFacts:
    """What a review document is made of, read in bulk for a rebuild or one by one for the outbox."""

    review_id: int
    day: date
    work_name: str
    category: str
    verdict: str
    project_id: int
    conclusion: Conclusion
    summary: str
    changes: tuple[str, ...]
    findings: tuple[tuple[int, Mapping[str, str]], ...]  # (expert id, point -> text) per opinion


def review_url(review_id: int) -> str:
    return f"/reviews/{review_id}"


def build(facts: ReviewFacts, project: ProjectFacts) -> Document:
    """The search document of a concluded review.

    The present panel is read from the opinions: a report is drafted only once every present expert has given
    his (``review_reports.draft_report``), so their authors are exactly ``reviews.present_ids``."""
    label = facts.conclusion.label
    # The findings without the points' names: those would put the same words into every review document.
    findings = [
        text.strip()
        for _, by_point in facts.findings
        for _, text in sorted(by_point.items())
        if text and text.strip()
    ]
    return {
        "doc_id": make_doc_id(KIND, facts.review_id),
        "kind": KIND,
        "title": f"{facts.work_name} 专家论证（{label}）",
        "url": review_url(facts.review_id),
        **place_fields(project),
        "category": facts.category,
        "category_name": CATEGORY_NAMES.get(facts.category, facts.category),
        "verdict": facts.verdict,
        "conclusion": facts.conclusion.value,
        "project_id": facts.project_id,
        "year": facts.day.year,
        "date": facts.day.isoformat(),
        "published": True,
        "expert_ids": sorted({expert_id for expert_id, _ in facts.findings}),
        "conclusion_text": f"论证结论：{label}。{facts.summary}".strip(),
        "required_changes": [f"{number}. {text}" for number, text in enumerate(facts.changes, start=1)],
        # Experts of one panel often note the same problem in the same words: index it once.
        "expert_findings": list(dict.fromkeys(findings)),
    }


def review_document(session: Session, review: Review) -> Document | None:
    """The document of one review as the database has it now; None without a final report."""
    facts = _facts(session, [review.id]).get(review.id)
    if facts is None:
        return None
    return build(facts, project_facts(session, [facts.project_id])[facts.project_id])


def _load(session: Session, key: int) -> Document | None:
    review = session.get(Review, key)
    return None if review is None else review_document(session, review)


@dataclass(frozen=True)
class _Report:
    id: int
    conclusion: Conclusion
    summary: str


def _current_reports(session: Session, review_ids: Sequence[int]) -> dict[int, _Report]:
    """The report in force of each review: its latest final version (as ``reviews.current_report``). Columns,
    not objects: a rebuild reads 20,000 of them and the session's identity map would keep every one."""
    stmt = (
        select(ReviewReport.review_id, ReviewReport.id, ReviewReport.conclusion, ReviewReport.summary)
        .where(ReviewReport.review_id.in_(review_ids), ReviewReport.finalised_at.is_not(None))
        .order_by(ReviewReport.review_id, ReviewReport.version)
    )
    return {review_id: _Report(*rest) for review_id, *rest in session.execute(stmt)}


def _facts(session: Session, review_ids: Sequence[int]) -> dict[int, ReviewFacts]:
    """The facts of these reviews that have a final report, in four queries."""
    reports = _current_reports(session, review_ids)
    if not reports:
        return {}
    ids = sorted(reports)
    changes: dict[int, list[str]] = {}
    report_ids = [r.id for r in reports.values()]
    stmt = select(RequiredChange.report_id, RequiredChange.text).where(
        RequiredChange.report_id.in_(report_ids)
    )
    for report_id, text in session.execute(stmt.order_by(RequiredChange.report_id, RequiredChange.number)):
        changes.setdefault(report_id, []).append(text)
    findings: dict[int, list[tuple[int, Mapping[str, str]]]] = {}
    stmt2 = select(ReviewOpinion.review_id, ReviewOpinion.expert_id, ReviewOpinion.findings)
    for review_id, expert_id, by_point in session.execute(
        stmt2.where(ReviewOpinion.review_id.in_(ids)).order_by(ReviewOpinion.id)
    ):
        findings.setdefault(review_id, []).append((expert_id, dict(by_point or {})))
    rows = session.execute(
        select(
            Review.id,
            Review.held_on,
            Review.meeting_day,
            Work.name,
            Work.category,
            Work.verdict,
            Work.project_id,
        )
        .join(Work, Work.id == Review.work_id)
        .where(Review.id.in_(ids))
    )
    found = {}
    for review_id, held_on, meeting_day, name, category, verdict, project_id in rows:
        report = reports[review_id]
        found[review_id] = ReviewFacts(
            review_id=review_id, day=held_on or meeting_day, work_name=name, category=category,
            verdict=verdict.value, project_id=project_id, conclusion=report.conclusion, summary=report.summary,
            changes=tuple(changes.get(report.id, ())), findings=tuple(findings.get(review_id, ())),
        )  # fmt: skip
    return found


def _concluded() -> WorkIds:
    return select(ReviewReport.review_id).where(ReviewReport.finalised_at.is_not(None)).distinct()


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(_concluded().subquery())) or 0


def _iterate(session: Session, facts: Mapping[int, ProjectFacts]) -> Iterator[Document]:
    """Every concluded review, in batches of ids (one set of queries per batch, not per review)."""
    ids = list(session.scalars(_concluded().order_by(ReviewReport.review_id)))
    for start in range(0, len(ids), BATCH):
        batch = _facts(session, ids[start : start + BATCH])
        for review_id in sorted(batch):
            review = batch[review_id]
            yield build(review, facts[review.project_id])


def _of_works(session: Session, works: WorkIds) -> Iterable[int]:
    concluded = _concluded().where(
        ReviewReport.review_id.in_(select(Review.id).where(Review.work_id.in_(works)))
    )
    return list(session.scalars(concluded.order_by(ReviewReport.review_id)))


SOURCE = Source(KIND, _count, _iterate, _load, _of_works)
# Every kind of document the search index holds: the registry's and review conclusions.
CATALOGUE: Catalogue = REGISTRY.extended(SOURCE)
# The kinds whose documents repeat a work's facts but which the registry's own services cannot queue: the search
# writer refreshes them whenever it applies a change to a work.
BEYOND_REGISTRY = Catalogue({KIND: SOURCE})
