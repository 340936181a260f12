"""A crane's life on sites: installers' qualifications, installation notices (安装告知), joint acceptances (联合验收)
with one signature per party, use registrations (使用登记), dismantling notices (拆卸告知), and the maintenance and
fault records of the machine's file (安全技术档案, 建设部令第166号 第九条).

One machine is on one site at a time: an installation is open until its dismantling notice closes it
(``ended_on``), and a partial unique index holds at most one open installation per machine. Notices, signatures
and registrations are appended, never edited.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from knowledge.accounts.models import Account
from knowledge.cranes.models import Machine
from knowledge.db import Base, UTCDateTime, enum_column, utcnow
from knowledge.enterprises.models import Enterprise, Project
from knowledge.regions import City
from knowledge.registry.models import Work


class InstallerQualification(Base):
    """An installer's 起重设备安装工程专业承包资质 and 安全生产许可证 (166号令 第十条), valid until a date."""

    __tablename__ = "crane_installer_qualification"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "certificate_number", name="uq_crane_installer_cert"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    certificate_number: Mapped[str] = mapped_column(String(64))
    grade: Mapped[str] = mapped_column(String(16))  # 一级 / 二级 / 三级
    valid_until: Mapped[date] = mapped_column(Date)
    safety_licence_number: Mapped[str] = mapped_column(String(64))
    safety_licence_valid_until: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    enterprise: Mapped[Enterprise] = relationship()


class Installation(Base):
    """A machine on a site, from the installation notice to the dismantling notice (``ended_on``)."""

    __tablename__ = "crane_installation"
    __table_args__ = (
        Index(
            "uq_crane_installation_open_machine",
            "machine_id",
            unique=True,
            sqlite_where=text("ended_on IS NULL"),
            postgresql_where=text("ended_on IS NULL"),
        ),
        Index("ix_crane_installation_city", "city", "notified_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    machine_id: Mapped[int] = mapped_column(ForeignKey("crane_machine.id"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    # The registry's 危大 work for the installation (起重吊装及起重机械安装拆卸工程), with its plan and review.
    work_id: Mapped[int] = mapped_column(ForeignKey("work.id"), index=True)
    city: Mapped[City] = mapped_column(enum_column(City, "city"))
    installer_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    qualification_id: Mapped[int] = mapped_column(ForeignKey("crane_installer_qualification.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)  # 使用单位
    lessor_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)  # the owner at the notice
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    maintainer_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"))  # 维保单位, when named
    notified_on: Mapped[date] = mapped_column(Date)
    planned_install_on: Mapped[date] = mapped_column(Date)
    position: Mapped[str] = mapped_column(String(200), default="")  # where on the site (e.g. "3#楼北侧")
    ended_on: Mapped[date | None] = mapped_column(Date)
    notified_by: Mapped[int] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    machine: Mapped[Machine] = relationship()
    project: Mapped[Project] = relationship()
    work: Mapped[Work] = relationship()
    installer: Mapped[Enterprise] = relationship(foreign_keys=[installer_id])
    user: Mapped[Enterprise] = relationship(foreign_keys=[user_id])
    lessor: Mapped[Enterprise] = relationship(foreign_keys=[lessor_id])
    supervisor: Mapped[Enterprise] = relationship(foreign_keys=[supervisor_id])
    maintainer: Mapped[Enterprise | None] = relationship(foreign_keys=[maintainer_id])
    qualification: Mapped[InstallerQualification] = relationship()
    acceptances: Mapped[list[JointAcceptance]] = relationship(
        back_populates="installation", order_by="JointAcceptance.id"
    )
    use_registrations: Mapped[list[UseRegistration]] = relationship(
        back_populates="installation", order_by="UseRegistration.id"
    )
    dismantling: Mapped[DismantlingNotice | None] = relationship(back_populates="installation", uselist=False)


class AcceptanceParty(StrEnum):
    """The four parties of the joint acceptance (166号令 第十六条), each signing in its own account."""

    USER = "user"
    LESSOR = "lessor"
    INSTALLER = "installer"
    SUPERVISOR = "supervisor"

    @property
    def label(self) -> str:
        return {"user": "使用单位", "lessor": "出租单位", "installer": "安装单位", "supervisor": "监理单位"}[
            self.value
        ]


class JointAcceptance(Base):
    """A joint acceptance of an installed machine, resting on a passing inspection report; complete
    (``accepted_on`` set) when all four parties have signed."""

    __tablename__ = "crane_acceptance"

    id: Mapped[int] = mapped_column(primary_key=True)
    installation_id: Mapped[int] = mapped_column(ForeignKey("crane_installation.id"), index=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("crane_inspection_report.id"), index=True)
    opened_on: Mapped[date] = mapped_column(Date)
    accepted_on: Mapped[date | None] = mapped_column(Date)
    opened_by: Mapped[int] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    installation: Mapped[Installation] = relationship(back_populates="acceptances")
    signatures: Mapped[list[JointAcceptanceSignature]] = relationship(
        back_populates="acceptance", order_by="JointAcceptanceSignature.id"
    )


class JointAcceptanceSignature(Base):
    __tablename__ = "crane_acceptance_signature"
    __table_args__ = (UniqueConstraint("acceptance_id", "party", name="uq_crane_acceptance_party"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    acceptance_id: Mapped[int] = mapped_column(ForeignKey("crane_acceptance.id"))
    party: Mapped[AcceptanceParty] = mapped_column(enum_column(AcceptanceParty, "party", length=16))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    signer_name: Mapped[str] = mapped_column(String(32))
    opinion: Mapped[str] = mapped_column(String(500), default="")
    signed_on: Mapped[date] = mapped_column(Date)
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    acceptance: Mapped[JointAcceptance] = relationship(back_populates="signatures")
    account: Mapped[Account] = relationship()


class UseRegistration(Base):
    """A use registration (使用登记) of a machine on a site, within 30 days of the acceptance (166号令 第十七条);
    its sign (使用登记标志) is a certificate of kind ``use_sign``. ``number`` is unique."""

    __tablename__ = "crane_use_registration"
    __table_args__ = (UniqueConstraint("acceptance_id", name="uq_crane_use_registration_acceptance"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    installation_id: Mapped[int] = mapped_column(ForeignKey("crane_installation.id"), index=True)
    acceptance_id: Mapped[int] = mapped_column(ForeignKey("crane_acceptance.id"))
    number: Mapped[str] = mapped_column(String(32), unique=True)
    city: Mapped[City] = mapped_column(enum_column(City, "city"))
    registered_on: Mapped[date] = mapped_column(Date)
    registered_by: Mapped[int] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    installation: Mapped[Installation] = relationship(back_populates="use_registrations")
    acceptance: Mapped[JointAcceptance] = relationship()


class DismantlingNotice(Base):
    """The dismantling notice (拆卸告知); it ends the installation: the machine may then go to another site."""

    __tablename__ = "crane_dismantling"

    id: Mapped[int] = mapped_column(primary_key=True)
    installation_id: Mapped[int] = mapped_column(ForeignKey("crane_installation.id"), unique=True)
    installer_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    qualification_id: Mapped[int] = mapped_column(ForeignKey("crane_installer_qualification.id"))
    work_id: Mapped[int | None] = mapped_column(ForeignKey("work.id"))
    notified_on: Mapped[date] = mapped_column(Date)
    planned_on: Mapped[date] = mapped_column(Date)
    notified_by: Mapped[int] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    installation: Mapped[Installation] = relationship(back_populates="dismantling")
    installer: Mapped[Enterprise] = relationship()


class RecordKind(StrEnum):
    MAINTENANCE = "maintenance"
    FAULT = "fault"
    ACCIDENT = "accident"

    @property
    def label(self) -> str:
        return {"maintenance": "维护保养", "fault": "故障", "accident": "事故"}[self.value]


class MachineRecord(Base):
    """A maintenance, fault or accident record of the machine's file (166号令 第九条第（三）项)."""

    __tablename__ = "crane_machine_record"
    __table_args__ = (Index("ix_crane_machine_record_machine", "machine_id", "on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    machine_id: Mapped[int] = mapped_column(ForeignKey("crane_machine.id"))
    installation_id: Mapped[int | None] = mapped_column(ForeignKey("crane_installation.id"))
    kind: Mapped[RecordKind] = mapped_column(enum_column(RecordKind, "kind", length=16))
    on: Mapped[date] = mapped_column(Date)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))  # who did the work
    description: Mapped[str] = mapped_column(String(1000))
    recorded_by: Mapped[int] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    enterprise: Mapped[Enterprise] = relationship()
