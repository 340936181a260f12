"""Hazards (事故隐患) and the events of their closed loop (knowledge.site.hazard_loop).

The events are the record: appended in order, one sequence number each (held unique), never edited. The hazard
row carries what the lists filter on (state, deadline, supervision, stop) as a projection the service updates in
the same transaction as the event, so the overdue list is one indexed query.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from knowledge.accounts.models import Account
from knowledge.db import Base, UTCDateTime, enum_column, utcnow
from knowledge.enterprises.models import Enterprise
from knowledge.regions import City
from knowledge.registry.models import Work
from knowledge.site.hazard_loop import Level, Party, State, Step
from knowledge.site.models import StoredFile


class Source(StrEnum):
    INSPECTION = "inspection"  # an authority's inspection
    SELF_CHECK = "self_check"  # the constructor's own check
    SYSTEM_FLAG = "system_flag"  # a confirmed system flag

    @property
    def label(self) -> str:
        return {"inspection": "监督检查发现", "self_check": "企业自查发现", "system_flag": "系统预警确认"}[
            self.value
        ]


class Hazard(Base):
    __tablename__ = "site_hazard"
    __table_args__ = (
        Index("ix_site_hazard_list", "city", "state", "deadline"),
        Index("ix_site_hazard_work", "work_id"),
        Index("ix_site_hazard_level", "level", "state"),
        CheckConstraint("level <> 'major' OR catalogue_key IS NOT NULL", name="major_cites_clause"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("work.id"))
    # The work's place and category, copied so the regulators' lists filter on this table alone.
    city: Mapped[City] = mapped_column(enum_column(City, "city"))
    district: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(32))
    level: Mapped[Level] = mapped_column(enum_column(Level, "level"))
    catalogue_key: Mapped[str | None] = mapped_column(String(32))
    clause: Mapped[str] = mapped_column(String(120), default="")
    description: Mapped[str] = mapped_column(String(1000))
    source: Mapped[Source] = mapped_column(enum_column(Source, "source"))
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("site_inspection.id"), index=True)
    inspection_item_id: Mapped[int | None] = mapped_column(ForeignKey("site_inspection_item.id"), unique=True)
    flag_id: Mapped[int | None] = mapped_column(ForeignKey("site_system_flag.id"), unique=True)
    responsible_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    # A hazard found on a construction crane on the site (its file lists it; a use registration is refused
    # while a major one is open).
    machine_id: Mapped[int | None] = mapped_column(ForeignKey("crane_machine.id"), index=True)
    found_on: Mapped[date] = mapped_column(Date)
    deadline: Mapped[date] = mapped_column(Date)
    # 责任倒查 (DOMAIN.md section 8): whether the unit's own checks had found it, who should have, and the plan
    # version in force (its reviews are found through it), so the panel can be held to account.
    found_by_own_check: Mapped[bool] = mapped_column(Boolean, default=False)
    accountability: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    plan_version_id: Mapped[int | None] = mapped_column(ForeignKey("plan_version.id"), index=True)
    # The projection of the events (hazard_loop.replay), written with each event.
    state: Mapped[State] = mapped_column(enum_column(State, "state"), default=State.OPEN)
    is_supervised: Mapped[bool] = mapped_column(Boolean, default=False)
    is_stopped: Mapped[bool] = mapped_column(Boolean, default=False)
    closed_on: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[int] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    work: Mapped[Work] = relationship()
    responsible: Mapped[Enterprise] = relationship()
    events: Mapped[list[HazardEvent]] = relationship(order_by="HazardEvent.seq")


class HazardEvent(Base):
    __tablename__ = "site_hazard_event"
    __table_args__ = (UniqueConstraint("hazard_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hazard_id: Mapped[int] = mapped_column(ForeignKey("site_hazard.id"))
    seq: Mapped[int] = mapped_column()
    step: Mapped[Step] = mapped_column(enum_column(Step, "step"))
    party: Mapped[Party] = mapped_column(enum_column(Party, "party"))
    day: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(1000), default="")
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    account: Mapped[Account] = relationship()
    evidence: Mapped[list[HazardEvidence]] = relationship(order_by="HazardEvidence.id")


class HazardEvidence(StoredFile, Base):
    __tablename__ = "site_hazard_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("site_hazard_event.id"), index=True)
