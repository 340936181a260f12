"""Enterprises, projects and the units that take part in them."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from knowledge.db import Base, UTCDateTime, enum_column, utcnow
from knowledge.regions import City


class EnterpriseType(StrEnum):
    OWNER = "owner"
    CONSTRUCTOR = "constructor"
    SUPERVISOR = "supervisor"
    SURVEYOR = "surveyor"
    DESIGNER = "designer"
    MONITOR = "monitor"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "owner": "建设单位",
            "constructor": "施工企业",
            "supervisor": "监理单位",
            "surveyor": "勘察单位",
            "designer": "设计单位",
            "monitor": "监测单位",
            "other": "其他",
        }[self.value]


class ParticipantRole(StrEnum):
    """The role a unit plays on a project (DOMAIN.md 2.2, attendees; 5, rule 1)."""

    OWNER = "owner"
    GENERAL_CONTRACTOR = "general_contractor"
    SUBCONTRACTOR = "subcontractor"
    SUPERVISOR = "supervisor"
    SURVEYOR = "surveyor"
    DESIGNER = "designer"
    MONITOR = "monitor"

    @property
    def label(self) -> str:
        return {
            "owner": "建设",
            "general_contractor": "施工总承包",
            "subcontractor": "专业分包",
            "supervisor": "监理",
            "surveyor": "勘察",
            "designer": "设计",
            "monitor": "监测",
        }[self.value]


class Enterprise(Base):
    __tablename__ = "enterprise"
    __table_args__ = (
        CheckConstraint("length(credit_code) = 18", name="credit_code_length"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
        Index("ix_enterprise_city_name", "city", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    type: Mapped[EnterpriseType] = mapped_column(enum_column(EnterpriseType, "type"))
    city: Mapped[City] = mapped_column(enum_column(City, "city"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    parent: Mapped[Enterprise | None] = relationship(remote_side=[id], back_populates="subsidiaries")
    subsidiaries: Mapped[list[Enterprise]] = relationship(back_populates="parent")


class EnterpriseGroupLink(Base):
    """One period in which an enterprise was a subsidiary of ``parent_id`` (DOMAIN 5, rule 3): from ``start``
    (the acquisition) to ``end_date`` (its last day in the group), both days included; ``end_date`` None while
    it still is. The history is kept; ``Enterprise.parent_id`` is the parent of the open link."""

    __tablename__ = "enterprise_group_link"
    __table_args__ = (
        CheckConstraint("end_date IS NULL OR end_date >= start", name="ends_after_start"),
        CheckConstraint("parent_id <> enterprise_id", name="not_own_parent"),
        # At most one open link per enterprise: it has one parent at a time.
        Index(
            "uq_enterprise_group_link_open",
            "enterprise_id",
            unique=True,
            sqlite_where=text("end_date IS NULL"),
            postgresql_where=text("end_date IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    parent_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    start: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    parent: Mapped[Enterprise] = relationship(foreign_keys=[parent_id])


class Project(Base):
    __tablename__ = "project"
    __table_args__ = (Index("ix_project_city_district", "city", "district"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    city: Mapped[City] = mapped_column(enum_column(City, "city"))
    district: Mapped[str] = mapped_column(String(32))
    address: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    participants: Mapped[list[ProjectParticipant]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="ProjectParticipant.id"
    )


class ProjectParticipant(Base):
    __tablename__ = "project_participant"
    __table_args__ = (UniqueConstraint("project_id", "enterprise_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    role: Mapped[ParticipantRole] = mapped_column(enum_column(ParticipantRole, "role"))

    project: Mapped[Project] = relationship(back_populates="participants")
    enterprise: Mapped[Enterprise] = relationship()
