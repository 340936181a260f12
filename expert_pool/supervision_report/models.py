"""The stored supervision reports: one row per request, built by a background job; the PDF is kept in the row."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from knowledge.db import Base, UTCDateTime, enum_column, utcnow
from knowledge.regions import City


class ReportState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


STATE_LABELS = {
    ReportState.QUEUED: "排队中",
    ReportState.RUNNING: "生成中",
    ReportState.DONE: "已生成",
    ReportState.FAILED: "生成失败",
}


class SupervisionReport(Base):
    """A report of a period (2026Q3, 2026-09, 2026) for the province (``city`` None) or one city."""

    __tablename__ = "supervision_report"
    __table_args__ = (
        CheckConstraint("done >= 0 AND done <= total", name="progress_in_range"),
        CheckConstraint("state <> 'done' OR (pdf IS NOT NULL AND sha256 <> '')", name="done_has_pdf"),
        CheckConstraint("state <> 'failed' OR error <> ''", name="failed_has_error"),
        Index("ix_supervision_report_period_city", "period", "city"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(8))
    city: Mapped[City | None] = mapped_column(enum_column(City, "city"))
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    state: Mapped[ReportState] = mapped_column(
        enum_column(ReportState, "state", 16), default=ReportState.QUEUED
    )
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(String(500), default="")
    sha256: Mapped[str] = mapped_column(String(64), default="")
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def is_finished(self) -> bool:
        return self.state in (ReportState.DONE, ReportState.FAILED)
