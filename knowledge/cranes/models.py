"""Crane rows: machines, their ownership registrations (产权备案) and the electronic certificates issued for them.

A registration, a certificate, its supersession and its revocation are each a new row, never an edit: a change of
owner is a new registration with the machine's number (一机一号) and a new certificate that supersedes the old one.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from knowledge.accounts.models import Account
from knowledge.cranes import machines as rules
from knowledge.cranes.machines import HoistDrive, MachineType
from knowledge.db import Base, UTCDateTime, enum_column, utcnow
from knowledge.enterprises.models import Enterprise
from knowledge.regions import City

NUMBER_MAX = 16
CODE_LENGTH = 16


class CertificateKind(StrEnum):
    OWNERSHIP = "ownership"  # 产权备案证明
    USE_SIGN = "use_sign"  # 使用登记标志 (166号令 第十七条)

    @property
    def label(self) -> str:
        return {"ownership": "建筑起重机械产权备案证明", "use_sign": "建筑起重机械使用登记标志"}[self.value]


class Machine(Base):
    """One machine and, once registered, its number for life and the city that issued it."""

    __tablename__ = "crane_machine"
    __table_args__ = (
        UniqueConstraint("maker", "serial_number", name="uq_crane_machine_maker_serial"),
        CheckConstraint(
            "(registration_number IS NULL) = (registration_city IS NULL)", name="number_with_city"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    machine_type: Mapped[MachineType] = mapped_column(enum_column(MachineType, "machine_type"), index=True)
    maker: Mapped[str] = mapped_column(String(100))
    model: Mapped[str] = mapped_column(String(64))
    serial_number: Mapped[str] = mapped_column(String(64))
    manufactured_on: Mapped[date] = mapped_column(Date)
    rated_moment_knm: Mapped[str | None] = mapped_column(
        String(16)
    )  # a decimal string: exact, on any database
    rated_load_kg: Mapped[int | None] = mapped_column(Integer)
    hoist_drive: Mapped[HoistDrive | None] = mapped_column(enum_column(HoistDrive, "hoist_drive", length=8))
    design_life_years: Mapped[int | None] = mapped_column(Integer)
    owner_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    registration_number: Mapped[str | None] = mapped_column(String(NUMBER_MAX), unique=True)
    registration_city: Mapped[City | None] = mapped_column(enum_column(City, "registration_city"), index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    owner: Mapped[Enterprise] = relationship()
    registrations: Mapped[list[OwnershipRegistration]] = relationship(
        back_populates="machine", order_by="OwnershipRegistration.seq"
    )

    @property
    def spec(self) -> rules.MachineSpec:
        moment = Decimal(self.rated_moment_knm) if self.rated_moment_knm is not None else None
        return rules.MachineSpec(self.machine_type, moment, self.rated_load_kg, self.hoist_drive)

    @property
    def capacity_label(self) -> str:
        return rules.capacity_label(self.spec)


class OwnershipRegistration(Base):
    """One owner's registration of a machine; ``seq`` counts them per machine, 1 for the first owner."""

    __tablename__ = "crane_registration"
    __table_args__ = (
        UniqueConstraint("machine_id", "seq", name="uq_crane_registration_machine_seq"),
        CheckConstraint("seq >= 1", name="seq_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    machine_id: Mapped[int] = mapped_column(ForeignKey("crane_machine.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(NUMBER_MAX), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    city: Mapped[City] = mapped_column(enum_column(City, "city"))
    registered_on: Mapped[date] = mapped_column(Date)
    registered_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    machine: Mapped[Machine] = relationship(back_populates="registrations")
    owner: Mapped[Enterprise] = relationship()
    certificates: Mapped[list[Certificate]] = relationship(
        back_populates="registration", order_by="Certificate.id"
    )


class Certificate(Base):
    """An electronic certificate: its public code, the registration it proves, and the SHA-256 of its PDF."""

    __tablename__ = "crane_certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[CertificateKind] = mapped_column(enum_column(CertificateKind, "kind", length=16))
    registration_id: Mapped[int] = mapped_column(ForeignKey("crane_registration.id"), index=True)
    verify_code: Mapped[str] = mapped_column(String(CODE_LENGTH), unique=True)
    issued_on: Mapped[date] = mapped_column(Date)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("crane_certificate.id"), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    # For a use-registration sign: the use registration it proves (``registration_id`` is then the ownership
    # registration in force when it was issued). Names the table: site_models, above this module, declares it.
    use_registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("crane_use_registration.id"), index=True
    )

    registration: Mapped[OwnershipRegistration] = relationship(back_populates="certificates")
    supersedes: Mapped[Certificate | None] = relationship(
        remote_side=[id], foreign_keys=[supersedes_id], back_populates="superseded_by"
    )
    superseded_by: Mapped[Certificate | None] = relationship(back_populates="supersedes", uselist=False)
    revocation: Mapped[CertificateRevocation | None] = relationship(
        back_populates="certificate", uselist=False
    )


class CertificateRevocation(Base):
    """The revocation of a certificate by a regulator: when, why and by whom; at most one per certificate."""

    __tablename__ = "crane_certificate_revocation"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("crane_certificate.id"), unique=True)
    revoked_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(500))
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    certificate: Mapped[Certificate] = relationship(back_populates="revocation")
    revoker: Mapped[Account | None] = relationship()
