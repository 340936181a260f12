"""Inspections (事中事后检查) by regulators, their checklists and photos, the sweeps they belong to, and the
system's flags of suspected major hazards.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from knowledge.accounts.models import Account
from knowledge.db import Base, UTCDateTime, enum_column, utcnow
from knowledge.regions import City
from knowledge.registry.models import Work
from knowledge.site.models import StoredFile


class ItemResult(StrEnum):
    CONFORMS = "conforms"
    FAILS = "fails"
    NOT_APPLICABLE = "not_applicable"

    @property
    def label(self) -> str:
        return {"conforms": "符合", "fails": "不符合", "not_applicable": "不适用"}[self.value]


class FlagState(StrEnum):
    OPEN = "open"  # 系统预警, waiting for a regulator
    CONFIRMED = "confirmed"  # became a hazard
    DISMISSED = "dismissed"

    @property
    def label(self) -> str:
        return {"open": "系统预警待核实", "confirmed": "已确认为隐患", "dismissed": "已排除"}[self.value]


class Sweep(Base):
    """A round of full-coverage hazard sweeps (排查轮次) over a period and an area (the province when city is NULL)."""

    __tablename__ = "site_sweep"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    city: Mapped[City | None] = mapped_column(enum_column(City, "city"), nullable=True)
    opened_by: Mapped[int] = mapped_column(ForeignKey("account.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # A special sweep (专项排查) of the works listed in ``site_sweep_work`` rather than every work under way.
    is_listed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # What opened it in one step (a common problem of a period and an area): one sweep per origin, held here.
    origin_key: Mapped[str | None] = mapped_column(String(120), unique=True)


class SweepWork(Base):
    """A work of a special sweep, fixed when the sweep is opened."""

    __tablename__ = "site_sweep_work"

    sweep_id: Mapped[int] = mapped_column(ForeignKey("site_sweep.id"), primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("work.id"), primary_key=True, index=True)


class Inspection(Base):
    __tablename__ = "site_inspection"
    __table_args__ = (
        Index("ix_site_inspection_work", "work_id", "inspected_on"),
        Index("ix_site_inspection_city_day", "city", "inspected_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("work.id"))
    # The work's place and category at inspection, copied so the sweep coverage reads one table.
    city: Mapped[City] = mapped_column(enum_column(City, "city"))
    category: Mapped[str] = mapped_column(String(32))
    inspected_on: Mapped[date] = mapped_column(Date)
    inspectors: Mapped[list[str]] = mapped_column(JSON, default=list)
    sweep_id: Mapped[int | None] = mapped_column(ForeignKey("site_sweep.id"), index=True)
    catalogue_version: Mapped[str] = mapped_column(String(16))
    plan_version_id: Mapped[int | None] = mapped_column(ForeignKey("plan_version.id"))
    note: Mapped[str] = mapped_column(String(2000), default="")
    # The inspector found the review itself careless (obvious errors approved): DOMAIN.md section 6.
    review_careless: Mapped[bool] = mapped_column(Boolean, default=False)
    careless_note: Mapped[str] = mapped_column(String(1000), default="")
    recorded_by: Mapped[int] = mapped_column(ForeignKey("account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    work: Mapped[Work] = relationship()
    recorder: Mapped[Account] = relationship()
    items: Mapped[list[InspectionItem]] = relationship(order_by="InspectionItem.id")


class InspectionItem(Base):
    __tablename__ = "site_inspection_item"
    __table_args__ = (UniqueConstraint("inspection_id", "item_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("site_inspection.id"))
    item_key: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(String(300))
    clause: Mapped[str] = mapped_column(String(100))
    hazard_key: Mapped[str | None] = mapped_column(String(32))
    result: Mapped[ItemResult] = mapped_column(enum_column(ItemResult, "result"))
    note: Mapped[str] = mapped_column(String(1000), default="")

    photos: Mapped[list[InspectionPhoto]] = relationship(order_by="InspectionPhoto.id")


class InspectionPhoto(StoredFile, Base):
    __tablename__ = "site_inspection_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("site_inspection_item.id"), index=True)
    thumb_name: Mapped[str] = mapped_column(String(80))
    width: Mapped[int] = mapped_column(default=0)
    height: Mapped[int] = mapped_column(default=0)


class SystemFlag(Base):
    """A suspected major hazard the scan found (knowledge.site.flags); one row per work, rule and set of facts, so
    a dismissed flag stays dismissed until its facts change (a new fingerprint is a new row)."""

    __tablename__ = "site_system_flag"
    __table_args__ = (
        UniqueConstraint("work_id", "rule", "fingerprint"),
        Index("ix_site_system_flag_state", "state", "city"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("work.id"))
    city: Mapped[City] = mapped_column(enum_column(City, "city"))
    rule: Mapped[str] = mapped_column(String(48))
    fingerprint: Mapped[str] = mapped_column(String(64))
    hazard_key: Mapped[str] = mapped_column(String(32))
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[FlagState] = mapped_column(enum_column(FlagState, "state"), default=FlagState.OPEN)
    # False once a later scan no longer finds these facts (the work moved on): it leaves the open list.
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(String(500), default="")

    work: Mapped[Work] = relationship()


class ScanRun(Base):
    """One run of the system-flag scan, with its progress for the page that started it."""

    __tablename__ = "site_scan_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    flagged: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(String(500), default="")
