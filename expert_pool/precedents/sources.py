"""The statements that raise problems, read from the database: the required changes of each concluded review's
report in force and the findings of its experts' opinions, the failed items of inspections and the hazards not
recorded from an inspection item (those are counted once, as the failed item). Streamed by chunks of sources so
a full run reports progress and a province is read in a fixed number of queries per chunk."""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session

from expert_pool.precedents.models import OccurrenceSource, PrecedentSource, SourceKind
from expert_pool.precedents.terms import is_problem, statements
from expert_pool.reviews.models import RequiredChange, Review, ReviewOpinion, ReviewReport
from knowledge.regions import City
from knowledge.registry.models import Work
from knowledge.site.hazard_models import Hazard
from knowledge.site.inspection_models import Inspection, InspectionItem, ItemResult
from search_index.analysis import normalize

CHUNK = 500
# A finding's part is its point × 100 + its statement's index; a change's is its statement's index.
FINDING_PART = 100
_NOT_WORD = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class Statement:
    """One statement of one source row, with the facts its occurrence keeps."""

    source: OccurrenceSource
    source_id: int
    part: int
    work_id: int
    category: str
    sub_type: str
    city: City
    on: date
    text: str
    review_id: int | None = None
    inspection_id: int | None = None
    hazard_id: int | None = None

    @property
    def key(self) -> tuple[str, int, int]:
        return (self.source.value, self.source_id, self.part)


@dataclass(frozen=True)
class Grouped:
    """A source read (a concluded review, an inspection, a hazard): marked grouped with its statements."""

    kind: SourceKind
    source_id: int
    version: int
    category: str
    on: date


@dataclass
class Batch:
    sources: list[Grouped]
    statements: list[Statement]


@functools.lru_cache(maxsize=65536)
def wording_key(text: str) -> str:
    """Texts that differ only in punctuation, spaces, width or script are one wording."""
    return hashlib.sha1(_NOT_WORD.sub("", normalize(text)).encode()).hexdigest()


# -- reviews ------------------------------------------------------------------------------------------


def reports_in_force(session: Session, review_ids: Collection[int] | None = None) -> dict[int, int]:
    """review id -> the id of its report in force (the latest final version not withdrawn)."""
    stmt = (
        select(ReviewReport.review_id, ReviewReport.id)
        .where(ReviewReport.finalised_at.is_not(None), ReviewReport.withdrawn_at.is_(None))
        .order_by(ReviewReport.review_id, ReviewReport.version)
    )
    if review_ids is not None:
        stmt = stmt.where(ReviewReport.review_id.in_(list(review_ids)))
    return {review_id: report_id for review_id, report_id in session.execute(stmt)}


def ungrouped_reviews(session: Session) -> dict[int, int]:
    """The concluded reviews not grouped yet, or grouped with a report since superseded: review -> report."""
    in_force = reports_in_force(session)
    grouped = dict(
        session.execute(
            select(PrecedentSource.source_id, PrecedentSource.version).where(
                PrecedentSource.kind == SourceKind.REVIEW
            )
        ).all()
    )
    return {r: rep for r, rep in in_force.items() if grouped.get(r) != rep}


def review_batches(session: Session, reports: dict[int, int]) -> Iterator[Batch]:
    """The statements of the given reviews (review -> report in force), CHUNK reviews at a time."""
    ids = sorted(reports)
    for start in range(0, len(ids), CHUNK):
        yield _review_batch(session, {r: reports[r] for r in ids[start : start + CHUNK]})


def _review_batch(session: Session, reports: dict[int, int]) -> Batch:
    rows = session.execute(
        select(
            Review.id, Review.held_on, Review.meeting_day, Work.id, Work.category, Work.sub_type, Work.city
        )
        .join(Work, Work.id == Review.work_id)
        .where(Review.id.in_(list(reports)))
    ).all()
    facts = {r[0]: (r[3], r[4], r[5], r[6], r[1] or r[2]) for r in rows}
    batch = Batch(
        [Grouped(SourceKind.REVIEW, rid, reports[rid], f[1], f[4]) for rid, f in sorted(facts.items())], []
    )
    by_report = {rep: rid for rid, rep in reports.items()}
    changes = session.execute(
        select(RequiredChange.id, RequiredChange.report_id, RequiredChange.text)
        .where(RequiredChange.report_id.in_(list(by_report)))
        .order_by(RequiredChange.id)
    ).all()
    for change_id, report_id, text in changes:
        rid = by_report[report_id]
        for index, said in enumerate(statements(text)):
            batch.statements.append(
                _of_review(OccurrenceSource.CHANGE, change_id, index, rid, facts[rid], said)
            )
    opinions = session.execute(
        select(ReviewOpinion.id, ReviewOpinion.review_id, ReviewOpinion.findings)
        .where(ReviewOpinion.review_id.in_(list(facts)))
        .order_by(ReviewOpinion.id)
    ).all()
    for opinion_id, rid, findings in opinions:
        for point, text in sorted((findings or {}).items()):
            for index, said in enumerate(statements(str(text))):
                if is_problem(said):
                    part = _point_number(point) * FINDING_PART + index
                    batch.statements.append(
                        _of_review(OccurrenceSource.FINDING, opinion_id, part, rid, facts[rid], said)
                    )
    return batch


def _point_number(point: str) -> int:
    return int(point) if point.isdigit() else 0


def _of_review(
    source: OccurrenceSource, source_id: int, part: int, review_id: int,
    facts: tuple[int, str, str, City, date], text: str,
) -> Statement:  # fmt: skip
    work_id, category, sub_type, city, on = facts
    return Statement(
        source, source_id, part, work_id, category, sub_type, city, on, text, review_id=review_id
    )


# -- the site -----------------------------------------------------------------------------------------


def _not_grouped(kind: SourceKind, column: object) -> object:
    return ~exists().where(and_(PrecedentSource.kind == kind, PrecedentSource.source_id == column))


def inspection_ids(session: Session, *, only_new: bool) -> list[int]:
    """Inspections with at least one failed item (only those not grouped yet when ``only_new``)."""
    failed = exists().where(
        InspectionItem.inspection_id == Inspection.id, InspectionItem.result == ItemResult.FAILS
    )
    stmt = select(Inspection.id).where(failed).order_by(Inspection.id)
    if only_new:
        stmt = stmt.where(_not_grouped(SourceKind.INSPECTION, Inspection.id))  # type: ignore[arg-type]
    return list(session.scalars(stmt))


def inspection_batches(session: Session, ids: Sequence[int]) -> Iterator[Batch]:
    for start in range(0, len(ids), CHUNK):
        chunk = list(ids[start : start + CHUNK])
        rows = session.execute(
            select(Inspection.id, Inspection.inspected_on, Inspection.city, Work.id, Work.category, Work.sub_type,
                   InspectionItem.id, InspectionItem.text, InspectionItem.note)
            .join(Work, Work.id == Inspection.work_id)
            .join(InspectionItem, InspectionItem.inspection_id == Inspection.id)
            .where(Inspection.id.in_(chunk), InspectionItem.result == ItemResult.FAILS)
            .order_by(Inspection.id, InspectionItem.id)
        ).all()  # fmt: skip
        batch = Batch([], [])
        seen: set[int] = set()
        for iid, on, city, work_id, category, sub_type, item_id, text, note in rows:
            if iid not in seen:
                seen.add(iid)
                batch.sources.append(Grouped(SourceKind.INSPECTION, iid, 0, category, on))
            # The checklist line says what is required; failed, it is the problem. The inspector's note, when it
            # says what was wrong, is a statement of its own (a note such as 已责令整改 says nothing to group).
            said = [f"{text}（不符合）", *statements(note or "")]
            for part, one in enumerate(said):
                batch.statements.append(Statement(OccurrenceSource.FAILED_ITEM, item_id, part, work_id, category,
                                                  sub_type, city, on, one[:300], inspection_id=iid))  # fmt: skip
        yield batch


def hazard_ids(session: Session, *, only_new: bool) -> list[int]:
    """Hazards not recorded from an inspection item (an item's hazard is counted once, as the failed item)."""
    stmt = select(Hazard.id).where(Hazard.inspection_item_id.is_(None)).order_by(Hazard.id)
    if only_new:
        stmt = stmt.where(_not_grouped(SourceKind.HAZARD, Hazard.id))  # type: ignore[arg-type]
    return list(session.scalars(stmt))


def hazard_batches(session: Session, ids: Sequence[int]) -> Iterator[Batch]:
    for start in range(0, len(ids), CHUNK):
        rows = session.execute(
            select(Hazard.id, Hazard.found_on, Hazard.city, Hazard.category, Hazard.description, Work.id, Work.sub_type)
            .join(Work, Work.id == Hazard.work_id)
            .where(Hazard.id.in_(list(ids[start : start + CHUNK])))
            .order_by(Hazard.id)
        ).all()  # fmt: skip
        batch = Batch([], [])
        for hid, on, city, category, description, work_id, sub_type in rows:
            batch.sources.append(Grouped(SourceKind.HAZARD, hid, 0, category, on))
            batch.statements.append(Statement(OccurrenceSource.HAZARD, hid, 0, work_id, category, sub_type, city, on,
                                              description[:300], hazard_id=hid))  # fmt: skip
        yield batch
