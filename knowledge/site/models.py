"""Site records of a work in force: briefings, third-party monitoring and its alarms, acceptance and its signatures.

Every row is a record of something that happened on site, appended and never edited: a correction is a new record.
Decree 37 Art. 15 (交底), 20 (第三方监测), 21 (验收); DOMAIN.md section 8.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from knowledge.accounts.models import Account
from knowledge.db import Base, UTCDateTime, enum_column, utcnow
from knowledge.enterprises.models import Enterprise
from knowledge.plans.models import PlanVersion
from knowledge.registry.models import Work


class BriefingKind(StrEnum):
    """Decree 37 Art. 15: the plan's author or technical lead briefs the site managers, who brief the workers."""

    PLAN = "plan"  # 方案交底
    SAFETY = "safety"  # 安全技术交底

    @property
    def label(self) -> str:
        return {"plan": "方案交底", "safety": "安全技术交底"}[self.value]


class AlarmLevel(StrEnum):
    """The three grades a monitoring scheme sets its alarm values in; the scheme, not the system, gives the values."""

    YELLOW = "yellow"
    ORANGE = "orange"
    RED = "red"

    @property
    def label(self) -> str:
        return {"yellow": "黄色预警", "orange": "橙色预警", "red": "红色报警"}[self.value]


class AcceptanceResult(StrEnum):
    PASSED = "passed"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return {"passed": "验收合格", "failed": "验收不合格"}[self.value]


class AcceptanceSigner(StrEnum):
    """Decree 37 Art. 21: the project technical lead and the chief supervising engineer sign the acceptance."""

    TECHNICAL_LEAD = "technical_lead"
    CHIEF_SUPERVISOR = "chief_supervisor"

    @property
    def label(self) -> str:
        return {"technical_lead": "项目技术负责人", "chief_supervisor": "总监理工程师"}[self.value]


class StoredFile:
    """Columns of a file kept outside the web root (plans.files.store names it); mixed into the rows that hold one."""

    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))


class Briefing(Base):
    __tablename__ = "site_briefing"
    __table_args__ = (Index("ix_site_briefing_work", "work_id", "briefed_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("work.id"))
    plan_version_id: Mapped[int] = mapped_column(ForeignKey("plan_version.id"))
    kind: Mapped[BriefingKind] = mapped_column(enum_column(BriefingKind, "kind"))
    briefed_on: Mapped[date] = mapped_column(Date)
    briefer: Mapped[str] = mapped_column(String(32))
    audience: Mapped[str] = mapped_column(String(200))
    attendees: Mapped[list[str]] = mapped_column(JSON, default=list)
    content: Mapped[str] = mapped_column(String(2000), default="")
    recorded_by: Mapped[int] = mapped_column(ForeignKey("account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    work: Mapped[Work] = relationship()
    plan_version: Mapped[PlanVersion] = relationship()
    recorder: Mapped[Account] = relationship()
    attachments: Mapped[list[BriefingAttachment]] = relationship(order_by="BriefingAttachment.id")


class BriefingAttachment(StoredFile, Base):
    __tablename__ = "site_briefing_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    briefing_id: Mapped[int] = mapped_column(ForeignKey("site_briefing.id"), index=True)


class Monitoring(Base):
    """A third-party monitoring unit engaged on a work (Art. 20); it must take part in the project."""

    __tablename__ = "site_monitoring"
    __table_args__ = (UniqueConstraint("work_id", "enterprise_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("work.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    scheme: Mapped[str] = mapped_column(String(500), default="")
    recorded_by: Mapped[int] = mapped_column(ForeignKey("account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    work: Mapped[Work] = relationship()
    enterprise: Mapped[Enterprise] = relationship()
    alarms: Mapped[list[MonitoringAlarm]] = relationship(order_by="MonitoringAlarm.raised_at")


class MonitoringAlarm(Base):
    __tablename__ = "site_monitoring_alarm"

    id: Mapped[int] = mapped_column(primary_key=True)
    monitoring_id: Mapped[int] = mapped_column(ForeignKey("site_monitoring.id"), index=True)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime())
    quantity: Mapped[str] = mapped_column(String(64))  # what was measured: 围护结构水平位移, 地表沉降…
    level: Mapped[AlarmLevel] = mapped_column(enum_column(AlarmLevel, "level"))
    value: Mapped[str] = mapped_column(String(32))  # decimal string, as measured
    unit: Mapped[str] = mapped_column(String(16), default="")
    recorded_by: Mapped[int] = mapped_column(ForeignKey("account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    handling: Mapped[AlarmHandling | None] = relationship(uselist=False)


class AlarmHandling(Base):
    """How an alarm was handled: one record per alarm, added later, never an edit of the alarm."""

    __tablename__ = "site_alarm_handling"

    id: Mapped[int] = mapped_column(primary_key=True)
    alarm_id: Mapped[int] = mapped_column(ForeignKey("site_monitoring_alarm.id"), unique=True)
    handled_on: Mapped[date] = mapped_column(Date)
    measures: Mapped[str] = mapped_column(String(1000))
    recorded_by: Mapped[int] = mapped_column(ForeignKey("account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Acceptance(Base):
    __tablename__ = "site_acceptance"
    __table_args__ = (Index("ix_site_acceptance_work", "work_id", "accepted_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("work.id"))
    plan_version_id: Mapped[int] = mapped_column(ForeignKey("plan_version.id"))
    accepted_on: Mapped[date] = mapped_column(Date)
    participants: Mapped[list[str]] = mapped_column(JSON, default=list)
    result: Mapped[AcceptanceResult] = mapped_column(enum_column(AcceptanceResult, "result"))
    note: Mapped[str] = mapped_column(String(1000), default="")
    recorded_by: Mapped[int] = mapped_column(ForeignKey("account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    work: Mapped[Work] = relationship()
    signatures: Mapped[list[AcceptanceSignature]] = relationship(order_by="AcceptanceSignature.id")


class AcceptanceSignature(Base):
    """One signature per signer kind on an acceptance, held by the database."""

    __tablename__ = "site_acceptance_signature"
    __table_args__ = (
        UniqueConstraint("acceptance_id", "kind"),
        CheckConstraint("length(signer_name) > 0", name="signer_named"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    acceptance_id: Mapped[int] = mapped_column(ForeignKey("site_acceptance.id"))
    kind: Mapped[AcceptanceSigner] = mapped_column(enum_column(AcceptanceSigner, "kind"))
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    signer_name: Mapped[str] = mapped_column(String(32))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
