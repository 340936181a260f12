"""The high-risk work (危大工程) of a project: its classification, its people, its status."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from knowledge.db import Base, UTCDateTime, enum_column, utcnow
from knowledge.enterprises.models import Enterprise, Project
from knowledge.regions import City
from knowledge.registry.rules import Verdict
from knowledge.registry.workflow import WorkStatus

if TYPE_CHECKING:  # plans build on works: the versions are named for the type checker only
    from knowledge.plans.models import PlanVersion


class Work(Base):
    __tablename__ = "work"
    __table_args__ = (
        CheckConstraint("planned_end IS NULL OR planned_start IS NULL OR planned_end >= planned_start",
                        name="dates_in_order"),
        Index("ix_work_city_category", "city", "category"),
        Index("ix_work_city_status", "city", "status"),
        Index("ix_work_verdict", "verdict"),
        Index("ix_work_planned_start", "planned_start"),
        # Covers the sweeps' "under way" filter and what their coverage counts (knowledge.site.sweep_services).
        Index("ix_work_under_way", "status", "planned_start", "city", "category", "project_id"),
        # A list of reviews, hazards or sites joins work to project row by row: this index is read instead of the
        # wide rows (PostgreSQL; the count of a province's reviews 139 -> 27 ms). SQLite keeps it as a plain one.
        Index("ix_work_covering", "id", postgresql_include=["project_id", "city", "category"]),
        # The dashboard's figures of a period count works by when they were registered, city, category, verdict
        # and status: read from this index, not the wide rows (PostgreSQL; three of its aggregates 320 -> 120 ms).
        Index("ix_work_figures", "created_at",
              postgresql_include=["id", "city", "category", "verdict", "status", "planned_start"]),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # The project's place, copied at registration so the registry filters on one table.
    city: Mapped[City] = mapped_column(enum_column(City, "city"))
    district: Mapped[str] = mapped_column(String(32))
    location: Mapped[str] = mapped_column(String(200), default="")
    category: Mapped[str] = mapped_column(String(32))
    sub_type: Mapped[str] = mapped_column(String(48))
    # Parameter values as entered, numbers kept as decimal strings so a re-check is exact.
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    verdict: Mapped[Verdict] = mapped_column(enum_column(Verdict, "verdict"))
    is_decided: Mapped[bool] = mapped_column(Boolean, default=True)
    clauses: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    missing: Mapped[list[str]] = mapped_column(JSON, default=list)
    rules_version: Mapped[str] = mapped_column(String(64))
    # The unit that carries out the work when it is subcontracted (Art. 11: its technical lead signs too).
    subcontractor_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"))
    planned_start: Mapped[date | None] = mapped_column(Date)
    planned_end: Mapped[date | None] = mapped_column(Date)
    project_manager: Mapped[str] = mapped_column(String(32), default="")
    technical_lead: Mapped[str] = mapped_column(String(32), default="")
    chief_supervisor: Mapped[str] = mapped_column(String(32), default="")
    safety_officer: Mapped[str] = mapped_column(String(32), default="")
    status: Mapped[WorkStatus] = mapped_column(
        enum_column(WorkStatus, "status"), default=WorkStatus.REGISTERED
    )
    # A stop order (责令停工) on one of the work's hazards holds its workflow until lifted (knowledge.site).
    is_stopped: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    registered_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    project: Mapped[Project] = relationship()
    subcontractor: Mapped[Enterprise | None] = relationship()
    plan_versions: Mapped[list[PlanVersion]] = relationship(viewonly=True, order_by="PlanVersion.id")
