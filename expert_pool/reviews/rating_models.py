"""A regulator's rating of a review report (issue 22 item 4): one per review, anonymous to the experts."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from knowledge.db import Base, UTCDateTime, enum_column, utcnow


class Grade(StrEnum):
    EXCELLENT = "excellent"
    ADEQUATE = "adequate"
    CARELESS = "careless"

    @property
    def label(self) -> str:
        return {"excellent": "优秀", "adequate": "合格", "careless": "不认真"}[self.value]


class ReviewRating(Base):
    """The rating of a concluded review. ``review_id`` is unique: a second rating of the same review, even from
    parallel requests, is refused by the database, so its credit events are recorded once (DOMAIN 6)."""

    __tablename__ = "review_rating"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("review.id"), unique=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("review_report.id"))  # the report in force when rated
    grade: Mapped[Grade] = mapped_column(enum_column(Grade, "grade"))
    points: Mapped[int | None] = mapped_column(
        Integer
    )  # a careless rating's penalty, within the policy range
    note: Mapped[str] = mapped_column(
        String(1000), default=""
    )  # the regulator's reasons (not shown to experts)
    day: Mapped[date] = mapped_column(Date)
    rated_by: Mapped[int] = mapped_column(ForeignKey("account.id"))
    rated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
