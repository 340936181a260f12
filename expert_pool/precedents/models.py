"""Common problems per work category, the occurrences they group (required changes, expert findings, failed
checklist items, hazards), what has been grouped, and the runs of the full recomputation with their progress.

An occurrence is one statement of one source row, held unique by (source, source id, part): whatever runs
twice, the same statement is never counted twice. A source (a concluded review, an inspection, a hazard) is
marked grouped in ``precedent_source`` in the same transaction as its occurrences, so the incremental update
takes exactly the sources not yet grouped.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from knowledge.db import Base, UTCDateTime, enum_column, utcnow
from knowledge.regions import City


class OccurrenceSource(StrEnum):
    CHANGE = "change"  # a required change (修改意见) of a final review report
    FINDING = "finding"  # an expert's finding in his opinion on a concluded review
    FAILED_ITEM = "failed_item"  # a checklist item an inspection found not met
    HAZARD = "hazard"  # a hazard not recorded from an inspection item (own checks, confirmed system flags)

    @property
    def label(self) -> str:
        return {"change": "论证修改意见", "finding": "专家意见", "failed_item": "检查不符合项",
                "hazard": "隐患"}[self.value]  # fmt: skip


class SourceKind(StrEnum):
    REVIEW = "review"
    INSPECTION = "inspection"
    HAZARD = "hazard"


class CommonProblem(Base):
    """One problem of a category: its label (the most typical wording), the plan section it concerns, its terms
    (how many of its distinct wordings hold each), and its counts, kept by the grouping."""

    __tablename__ = "common_problem"
    __table_args__ = (
        CheckConstraint("section BETWEEN 1 AND 9", name="section_in_notice"),
        Index("ix_common_problem_category_reviews", "category", "review_count"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(300))
    section: Mapped[int] = mapped_column(Integer)
    section_votes: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)  # occurrences per section read
    term_counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    wordings: Mapped[int] = mapped_column(Integer, default=0)  # distinct wordings
    key_terms: Mapped[list[str]] = mapped_column(JSON, default=list)
    review_count: Mapped[int] = mapped_column(Integer, default=0)  # distinct reviews that raised it
    site_count: Mapped[int] = mapped_column(Integer, default=0)  # failed items and hazards
    occurrence_count: Mapped[int] = mapped_column(Integer, default=0)
    # Reviews that raised it per sub-type of work: the pre-check ranks a plan's problems by its own sub-type.
    sub_type_reviews: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    first_on: Mapped[date | None] = mapped_column(Date)
    last_on: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ProblemOccurrence(Base):
    """One statement that raised a problem, with where and when: the review (or inspection, hazard), the work's
    city and sub-type, the day (the meeting, the inspection, the finding of the hazard)."""

    __tablename__ = "problem_occurrence"
    __table_args__ = (
        UniqueConstraint("source", "source_id", "part"),
        Index("ix_problem_occurrence_problem_on", "problem_id", "on"),
        Index("ix_problem_occurrence_category_city", "category", "city", "on"),
        Index("ix_problem_occurrence_wording", "category", "wording_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("common_problem.id", ondelete="CASCADE"))
    source: Mapped[OccurrenceSource] = mapped_column(enum_column(OccurrenceSource, "source"))
    source_id: Mapped[int] = mapped_column(Integer)
    part: Mapped[int] = mapped_column(Integer)  # which statement of the source row
    review_id: Mapped[int | None] = mapped_column(ForeignKey("review.id"), index=True)
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("site_inspection.id"))
    hazard_id: Mapped[int | None] = mapped_column(ForeignKey("site_hazard.id"))
    work_id: Mapped[int] = mapped_column(ForeignKey("work.id"))
    category: Mapped[str] = mapped_column(String(32))
    sub_type: Mapped[str] = mapped_column(String(48))
    city: Mapped[City] = mapped_column(enum_column(City, "city"))
    on: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(String(300))
    wording_key: Mapped[str] = mapped_column(String(40))


class PrecedentSource(Base):
    """A source already grouped: a concluded review (``version`` is its report in force, so a final correction
    is grouped again), an inspection, or a hazard."""

    __tablename__ = "precedent_source"
    __table_args__ = (
        UniqueConstraint("kind", "source_id"),
        Index("ix_precedent_source_category", "kind", "category"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[SourceKind] = mapped_column(enum_column(SourceKind, "kind"))
    source_id: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=0)
    category: Mapped[str] = mapped_column(String(32))
    on: Mapped[date] = mapped_column(Date)
    grouped_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PrecedentRun(Base):
    """A full recomputation; ``done``/``total`` count the sources read, for the page that polls it."""

    __tablename__ = "precedent_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str] = mapped_column(String(500), default="")
