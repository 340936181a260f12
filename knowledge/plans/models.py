"""Special construction plans (专项施工方案): every submitted version, and its sign-offs."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from knowledge.accounts.models import Account
from knowledge.db import Base, UTCDateTime, enum_column, utcnow
from knowledge.registry.models import Work


class SignoffKind(StrEnum):
    """Who signs a plan version (Decree 37 Art. 11)."""

    CONSTRUCTOR = "constructor"  # 施工单位技术负责人 (the general contractor's)
    SUBCONTRACTOR = "subcontractor"  # 专业分包单位技术负责人, when the work is subcontracted
    SUPERVISOR = "supervisor"  # 总监理工程师

    @property
    def label(self) -> str:
        return {
            "constructor": "施工单位技术负责人",
            "subcontractor": "专业分包单位技术负责人",
            "supervisor": "总监理工程师",
        }[self.value]


class PlanVersion(Base):
    """One submission of a plan for a work; never changed after it is stored."""

    __tablename__ = "plan_version"
    __table_args__ = (UniqueConstraint("work_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("work.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(String(500), default="")
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text, default="")
    # Numbers (1-9) of the required sections found in the text (建办质〔2018〕31号 part 三).
    sections_found: Mapped[list[int]] = mapped_column(JSON, default=list)
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    work: Mapped[Work] = relationship()
    submitter: Mapped[Account | None] = relationship()
    signoffs: Mapped[list[PlanSignoff]] = relationship(back_populates="version", order_by="PlanSignoff.id")


class PlanSignoff(Base):
    __tablename__ = "plan_signoff"
    __table_args__ = (UniqueConstraint("plan_version_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_version_id: Mapped[int] = mapped_column(ForeignKey("plan_version.id"), index=True)
    kind: Mapped[SignoffKind] = mapped_column(enum_column(SignoffKind, "kind"))
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    signer_name: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    version: Mapped[PlanVersion] = relationship(back_populates="signoffs")
    account: Mapped[Account] = relationship()
