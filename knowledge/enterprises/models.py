"""Enterprises, projects and the units that take part in them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
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
