"""The integrity scan's runs (with progress) and its findings, each marked examined by a regulator with a note."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from knowledge.db import Base, UTCDateTime, enum_column, utcnow
from knowledge.regions import City


class FindingKind(StrEnum):
    PAIR = "pair"
    CONSTRUCTOR = "constructor"
    PASS_RATE = "pass_rate"
    SIMILAR_OPINIONS = "similar_opinions"

    @property
    def label(self) -> str:
        return {"pair": "专家同组次数异常", "constructor": "专家与施工单位反复相遇", "pass_rate": "通过率偏离同类",
                "similar_opinions": "同组意见文字雷同"}[self.value]  # fmt: skip


class IntegrityRun(Base):
    """One run of the scan over the window ending ``on``; ``done``/``total`` count the steps for the page."""

    __tablename__ = "integrity_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    on: Mapped[date] = mapped_column(Date)
    policy: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    started_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(String(500), default="")


class IntegrityFinding(Base):
    """A finding, one per subject (``fingerprint``: kind and the ids it concerns): a later run refreshes its
    figures and keeps a regulator's examination. ``city`` decides which city's regulators read it."""

    __tablename__ = "integrity_finding"

    id: Mapped[int] = mapped_column(primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[FindingKind] = mapped_column(enum_column(FindingKind, "kind"))
    city: Mapped[City | None] = mapped_column(enum_column(City, "city"), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    review_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    first_run_id: Mapped[int] = mapped_column(ForeignKey("integrity_run.id"))
    last_run_id: Mapped[int] = mapped_column(ForeignKey("integrity_run.id"), index=True)
    examined_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    examined_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(String(1000), default="")
