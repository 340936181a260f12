"""The expert pool: experts, their specialties, employment history, leave, declared conflicts, credit events."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from knowledge.db import Base, UTCDateTime, enum_column, utcnow
from knowledge.enterprises.models import Enterprise
from knowledge.regions import City


class ExpertStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    REMOVED = "removed"

    @property
    def label(self) -> str:
        return {"active": "在库", "suspended": "暂停", "removed": "已除名"}[self.value]


class TitleLevel(StrEnum):
    """Notice 31 part 二: a senior professional title (高级专业技术职称) is required."""

    SENIOR = "senior"
    FULL_SENIOR = "full_senior"

    @property
    def label(self) -> str:
        return {"senior": "副高级", "full_senior": "正高级"}[self.value]


class Expert(Base):
    __tablename__ = "expert"
    __table_args__ = (
        CheckConstraint("status <> 'suspended' OR suspended_until IS NOT NULL", name="suspension_has_end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    city: Mapped[City] = mapped_column(enum_column(City, "city"))
    title: Mapped[str] = mapped_column(String(64), default="")
    title_level: Mapped[TitleLevel | None] = mapped_column(enum_column(TitleLevel, "title_level"))
    status: Mapped[ExpertStatus] = mapped_column(
        enum_column(ExpertStatus, "status"), default=ExpertStatus.ACTIVE
    )
    suspended_until: Mapped[date | None] = mapped_column(Date)
    # PIPL: the ID number is encrypted (Fernet); the keyed hash finds duplicates; the mask is for display.
    id_number_encrypted: Mapped[str | None] = mapped_column(Text)
    id_number_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    id_number_masked: Mapped[str] = mapped_column(String(18), default="")
    # Contact details (issue 18): encrypted like the ID number, masked for display, shown in full only to the
    # office acting on an invitation (``draws.contacts``); the keyed hash of the phone lets the office search by it.
    phone_encrypted: Mapped[str | None] = mapped_column(Text)
    phone_masked: Mapped[str] = mapped_column(String(20), default="")
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    email_encrypted: Mapped[str | None] = mapped_column(Text)
    email_masked: Mapped[str] = mapped_column(String(120), default="")
    annual_cap: Mapped[int | None] = mapped_column(Integer)  # None: the policy's default cap
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    specialties: Mapped[list[ExpertSpecialty]] = relationship(
        back_populates="expert", cascade="all, delete-orphan", order_by="ExpertSpecialty.category"
    )
    employments: Mapped[list[Employment]] = relationship(
        back_populates="expert", cascade="all, delete-orphan", order_by="Employment.start"
    )
    leaves: Mapped[list[Leave]] = relationship(back_populates="expert", cascade="all, delete-orphan")
    declarations: Mapped[list[DeclaredConflict]] = relationship(
        back_populates="expert", cascade="all, delete-orphan"
    )

    @property
    def specialty_codes(self) -> list[str]:
        return [s.category for s in self.specialties]

    def status_on(self, day: date) -> ExpertStatus:
        """The status in force on ``day``: a suspension is over from its ``suspended_until`` on (the first day
        the expert is drawn again, as the draw funnel reads it), whether or not the row was updated since."""
        if (
            self.status is ExpertStatus.SUSPENDED
            and self.suspended_until is not None
            and self.suspended_until <= day
        ):
            return ExpertStatus.ACTIVE
        return self.status

    def status_text(self, day: date) -> str:
        """The status in force on ``day`` for people: "暂停（至2027-03-01）" only while the suspension runs."""
        status = self.status_on(day)
        if status is ExpertStatus.SUSPENDED and self.suspended_until is not None:
            return f"{status.label}（至{self.suspended_until.isoformat()}）"
        return status.label

    @property
    def status_display(self) -> str:
        """``status_text`` of today (UTC), for templates: every page showing an expert's status uses this."""
        return self.status_text(utcnow().date())


class ExpertSpecialty(Base):
    """A specialty, named by the work category code it qualifies the expert to review."""

    __tablename__ = "expert_specialty"
    __table_args__ = (UniqueConstraint("expert_id", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(String(32), index=True)

    expert: Mapped[Expert] = relationship(back_populates="specialties")


class Employment(Base):
    """One job in the expert's full history (DOMAIN 4: not just the current employer)."""

    __tablename__ = "employment"
    __table_args__ = (CheckConstraint("end_date IS NULL OR end_date >= start", name="dates_in_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert.id", ondelete="CASCADE"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    position: Mapped[str] = mapped_column(String(64), default="")
    start: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)

    expert: Mapped[Expert] = relationship(back_populates="employments")
    enterprise: Mapped[Enterprise] = relationship()


class Leave(Base):
    __tablename__ = "expert_leave"
    __table_args__ = (CheckConstraint("end_date >= start", name="dates_in_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert.id", ondelete="CASCADE"), index=True)
    start: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200), default="")

    expert: Mapped[Expert] = relationship(back_populates="leaves")


class DeclaredConflict(Base):
    """A personal conflict the expert declares (a relative, a business tie) with a unit (DOMAIN 5, rule 5)."""

    __tablename__ = "declared_conflict"

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert.id", ondelete="CASCADE"), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"), index=True)
    note: Mapped[str] = mapped_column(String(500))
    start: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    expert: Mapped[Expert] = relationship(back_populates="declarations")
    enterprise: Mapped[Enterprise | None] = relationship()


class CreditEventRow(Base):
    """One entry of an expert's credit ledger (DOMAIN 6); the score is derived, never stored."""

    __tablename__ = "credit_event"
    # One event per cause (an invitation, an inspection's finding for an expert…): the source names it.
    __table_args__ = (
        Index("uq_credit_event_source", "source", unique=True,
              sqlite_where=text("source <> ''"), postgresql_where=text("source <> ''")),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(32))
    points: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(500))
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    reversal_of: Mapped[int | None] = mapped_column(ForeignKey("credit_event.id"), unique=True)
    source: Mapped[str] = mapped_column(
        String(64), default=""
    )  # e.g. "invitation:12" for system events, once
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CreditAppeal(Base):
    """An expert's appeal against a ledger event (DOMAIN 6); upheld, it reverses the event, both logged."""

    __tablename__ = "credit_appeal"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("credit_event.id"), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert.id"), index=True)
    reason: Mapped[str] = mapped_column(String(1000))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending / upheld / rejected
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str] = mapped_column(String(500), default="")
