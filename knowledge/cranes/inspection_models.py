"""Inspection bodies, their online inspection reports, the spot-check job's runs and flags, the regulators' spot
checks, and the periodic crane bulletins.

A report is recorded item by item in the system and published from those records: the conclusion is computed
(``checklists.conclude``), the PDF is built from the rows, and a published report is never edited. A
re-inspection is a new report pointing at the one it follows (``retest_of_id``, unique: one re-inspection each).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from knowledge.accounts.models import Account
from knowledge.cranes.machines import MachineType
from knowledge.cranes.models import Machine
from knowledge.db import Base, UTCDateTime, enum_column, utcnow
from knowledge.enterprises.models import Enterprise
from knowledge.regions import City
from knowledge.site.models import StoredFile


class InspectionBody(Base):
    """An inspection body (检验检测机构): an enterprise with its qualification; its inspectors are accounts of role
    ``inspection_body`` bound to the same enterprise."""

    __tablename__ = "crane_inspection_body"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), unique=True)
    qualification_number: Mapped[str] = mapped_column(String(64))
    valid_until: Mapped[date] = mapped_column(Date)
    city: Mapped[City] = mapped_column(enum_column(City, "city"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    enterprise: Mapped[Enterprise] = relationship()


class ReportState(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"

    @property
    def label(self) -> str:
        return {"draft": "检验中", "published": "已出具"}[self.value]


class Conclusion(StrEnum):
    PASS = "pass"
    FAIL = "fail"

    @property
    def label(self) -> str:
        return {"pass": "合格", "fail": "不合格"}[self.value]


class InspectionReport(Base):
    __tablename__ = "crane_inspection_report"
    __table_args__ = (
        Index("ix_crane_report_body", "body_id", "machine_type", "published_on"),
        Index("ix_crane_report_machine", "machine_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(32), unique=True)  # set on publication
    machine_id: Mapped[int] = mapped_column(ForeignKey("crane_machine.id"))
    machine_type: Mapped[MachineType] = mapped_column(enum_column(MachineType, "machine_type"))
    installation_id: Mapped[int | None] = mapped_column(ForeignKey("crane_installation.id"), index=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("crane_inspection_body.id"))
    inspector_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    checklist_version: Mapped[str] = mapped_column(String(16))
    retest_of_id: Mapped[int | None] = mapped_column(ForeignKey("crane_inspection_report.id"), unique=True)
    state: Mapped[ReportState] = mapped_column(enum_column(ReportState, "state", length=16))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_on: Mapped[date | None] = mapped_column(Date)
    conclusion: Mapped[Conclusion | None] = mapped_column(enum_column(Conclusion, "conclusion", length=8))
    nonconformities: Mapped[int | None] = mapped_column(Integer)
    verify_code: Mapped[str | None] = mapped_column(String(16), unique=True)
    sha256: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    machine: Mapped[Machine] = relationship()
    body: Mapped[InspectionBody] = relationship()
    inspector: Mapped[Account] = relationship()
    retest_of: Mapped[InspectionReport | None] = relationship(
        remote_side=[id], foreign_keys=[retest_of_id], back_populates="retest"
    )
    retest: Mapped[InspectionReport | None] = relationship(back_populates="retest_of", uselist=False)
    items: Mapped[list[ReportItem]] = relationship(back_populates="report", order_by="ReportItem.id")
    photos: Mapped[list[ReportPhoto]] = relationship(order_by="ReportPhoto.id")


class ReportItem(Base):
    """One checklist item's result on a report: ``result`` is ``checklists``' item result value."""

    __tablename__ = "crane_inspection_item"
    __table_args__ = (UniqueConstraint("report_id", "item_key", name="uq_crane_inspection_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("crane_inspection_report.id"))
    item_key: Mapped[str] = mapped_column(String(32))
    result: Mapped[str] = mapped_column(String(16))
    measured: Mapped[str | None] = mapped_column(String(24))  # a decimal string, exact
    note: Mapped[str] = mapped_column(String(500), default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    report: Mapped[InspectionReport] = relationship(back_populates="items")


class ReportPhoto(StoredFile, Base):
    __tablename__ = "crane_inspection_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("crane_inspection_report.id"), index=True)
    item_key: Mapped[str] = mapped_column(String(32), default="")
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SpotCheckRun(Base):
    """One run of the spot-check job (``spot_checks.spot_check_list``), with progress for the page that started it."""

    __tablename__ = "crane_spot_check_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    on: Mapped[date] = mapped_column(Date)
    policy: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    started_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(String(500), default="")
    # Per machine type: the province's spreads (sorted values per figure) the flags were measured against.
    distributions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    flags: Mapped[list[SpotCheckFlag]] = relationship(back_populates="run", order_by="SpotCheckFlag.id")


class SpotCheckFlag(Base):
    __tablename__ = "crane_spot_check_flag"
    __table_args__ = (
        UniqueConstraint("run_id", "body_id", "machine_type", "kind", name="uq_crane_spot_check_flag"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("crane_spot_check_run.id"), index=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("crane_inspection_body.id"), index=True)
    machine_type: Mapped[MachineType] = mapped_column(enum_column(MachineType, "machine_type"))
    kind: Mapped[str] = mapped_column(String(24))  # spot_checks.FlagKind
    reason: Mapped[str] = mapped_column(String(500))
    threshold: Mapped[str] = mapped_column(String(24))
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    run: Mapped[SpotCheckRun] = relationship(back_populates="flags")
    body: Mapped[InspectionBody] = relationship()


class SpotCheckResult(StrEnum):
    CONFIRMED = "confirmed"
    NOT_CONFIRMED = "not_confirmed"

    @property
    def label(self) -> str:
        return {"confirmed": "查实粗检、漏检", "not_confirmed": "未发现问题"}[self.value]


class SpotCheck(Base):
    """A spot check a regulator ordered from a flag, and its result once recorded; it stays on the body's record."""

    __tablename__ = "crane_spot_check"

    id: Mapped[int] = mapped_column(primary_key=True)
    flag_id: Mapped[int] = mapped_column(ForeignKey("crane_spot_check_flag.id"), unique=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("crane_inspection_body.id"), index=True)
    ordered_on: Mapped[date] = mapped_column(Date)
    ordered_by: Mapped[int] = mapped_column(ForeignKey("account.id"))
    instructions: Mapped[str] = mapped_column(String(500), default="")
    result: Mapped[SpotCheckResult | None] = mapped_column(enum_column(SpotCheckResult, "result", length=16))
    result_note: Mapped[str] = mapped_column(String(1000), default="")
    result_on: Mapped[date | None] = mapped_column(Date)
    result_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    flag: Mapped[SpotCheckFlag] = relationship()
    body: Mapped[InspectionBody] = relationship()


class Bulletin(Base):
    """A periodic crane-safety bulletin (定期通报): built by a background job; the PDF is kept in the row."""

    __tablename__ = "crane_bulletin"

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(8))  # 2026Q3, 2026-07, 2026
    city: Mapped[City | None] = mapped_column(enum_column(City, "city"))
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(String(500), default="")
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64), default="")
