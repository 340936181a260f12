"""The expert record an expert account is bound to (the pool issue extends it)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from knowledge.db import Base, UTCDateTime, enum_column, utcnow
from knowledge.regions import City


class ExpertStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    REMOVED = "removed"

    @property
    def label(self) -> str:
        return {"active": "在库", "suspended": "暂停", "removed": "已除名"}[self.value]


class Expert(Base):
    __tablename__ = "expert"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    city: Mapped[City] = mapped_column(enum_column(City, "city"))
    title: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[ExpertStatus] = mapped_column(
        enum_column(ExpertStatus, "status"), default=ExpertStatus.ACTIVE
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
