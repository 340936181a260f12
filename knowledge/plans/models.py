"""Special construction plans (专项施工方案): every submitted version, its authors and its sign-offs."""

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


class AuthorKind(StrEnum):
    """Who wrote or checked a plan, as its title page names them; each bars him from its review (DOMAIN 5, rule 4)."""

    COMPILER = "compiler"  # 编制人
    CHECKER = "checker"  # 审核人
    APPROVER = "approver"  # 审批人

    @property
    def label(self) -> str:
        return {"compiler": "编制人", "checker": "审核人", "approver": "审批人"}[self.value]


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
    # Empty for the versions stored before authors were recorded (migration 0008): they say so.
    authors: Mapped[list[PlanAuthor]] = relationship(back_populates="version", order_by="PlanAuthor.id")


class PlanAuthor(Base):
    """A person named on a version as its compiler, checker or approver; written with the version, never changed.

    The full ID number is not kept (data minimisation): ``id_hash`` is the keyed lookup hash that links him to an
    expert of the pool (``knowledge.identity.IdentityVault.lookup_hash``), ``id_masked`` shows who he is.
    """

    __tablename__ = "plan_author"
    __table_args__ = (UniqueConstraint("plan_version_id", "kind", "id_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_version_id: Mapped[int] = mapped_column(ForeignKey("plan_version.id"), index=True)
    kind: Mapped[AuthorKind] = mapped_column(enum_column(AuthorKind, "kind"))
    name: Mapped[str] = mapped_column(String(64))
    unit_name: Mapped[str] = mapped_column(String(200))
    unit_credit_code: Mapped[str] = mapped_column(String(18), default="")
    id_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    id_masked: Mapped[str] = mapped_column(String(18), default="")

    version: Mapped[PlanVersion] = relationship(back_populates="authors")


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
