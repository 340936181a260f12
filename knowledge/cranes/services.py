"""Use cases of the crane register: ownership registration (产权备案) with its certificate, change of owner,
revocation of a certificate. One use case, one commit.

The number (一机一号, ``numbering``) is issued per city and type and held unique by the database: two parallel
registrations that read the same last number collide on ``crane_machine.registration_number``, and the loser
retries once with the next one. The certificate's PDF is built by the caller's ``render`` (reportlab stays out of
the domain) from the stored rows, so its SHA-256 recorded here matches every later download.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from knowledge import audit
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.cranes import machines as rules
from knowledge.cranes.certificates import CertificateState, new_code, state_of
from knowledge.cranes.errors import CertificateError, RegistrationRefusedError
from knowledge.cranes.models import (
    Certificate,
    CertificateKind,
    CertificateRevocation,
    Machine,
    OwnershipRegistration,
)
from knowledge.cranes.numbering import RegistrationNumber, format_number, next_number, parse_number
from knowledge.cranes.service_age import RegistrationFacts, SafetyAssessment, registration_refusals
from knowledge.enterprises.models import Enterprise
from knowledge.errors import DuplicateError, PermissionDenied, ValidationError

Renderer = Callable[[Certificate], bytes]
REASON_MAX = 500


@dataclass(frozen=True)
class MachineInput:
    """A machine as its owner describes it; ``owner_credit_code`` only when an administrator registers it."""

    machine_type: rules.MachineType
    maker: str
    model: str
    serial_number: str
    manufactured_on: date
    rated_moment_knm: Decimal | None = None
    rated_load_kg: int | None = None
    hoist_drive: rules.HoistDrive | None = None
    design_life_years: int | None = None
    owner_credit_code: str = ""
    assessment: SafetyAssessment | None = None

    def rule_machine(self) -> rules.Machine:
        spec = rules.MachineSpec(
            self.machine_type, self.rated_moment_knm, self.rated_load_kg, self.hoist_drive
        )
        return rules.Machine(
            self.maker.strip(), self.model.strip(), self.serial_number.strip(), self.manufactured_on, spec,
            self.design_life_years,
        )  # fmt: skip


def _enterprise_by_code(session: Session, credit_code: str) -> Enterprise:
    found = session.scalar(select(Enterprise).where(Enterprise.credit_code == credit_code.strip().upper()))
    if found is None:
        raise ValidationError(
            f"统一社会信用代码为“{credit_code.strip()}”的单位未登记", field="owner_credit_code"
        )
    return found


def acting_owner(session: Session, scope: Scope, credit_code: str) -> Enterprise:
    """The owner a registration is for: the acting project team's enterprise, or the one an admin names.

    :raises PermissionDenied: for any other role, or a project team bound to no enterprise.
    """
    if scope.role is Role.PROJECT_TEAM and scope.enterprise_id is not None:
        owner = session.get(Enterprise, scope.enterprise_id)
        if owner is not None:
            return owner
    if scope.role is Role.ADMIN:
        if not credit_code.strip():
            raise ValidationError("请填写产权单位的统一社会信用代码", field="owner_credit_code")
        return _enterprise_by_code(session, credit_code)
    raise PermissionDenied("只有产权单位的项目团队账号（或系统管理员）可以办理产权备案")


def _check(data: MachineInput, today: date) -> rules.Machine:
    machine = rules.check_machine(data.rule_machine(), today=today)
    refusals = registration_refusals(RegistrationFacts(machine, data.assessment), today)
    if refusals:
        raise RegistrationRefusedError(refusals)
    return machine


def _serial_taken(session: Session, maker: str, serial_number: str) -> bool:
    stmt = select(Machine.id).where(Machine.maker == maker, Machine.serial_number == serial_number)
    return session.scalar(stmt) is not None


def _duplicate(maker: str, serial_number: str) -> DuplicateError:
    return DuplicateError(
        f"制造单位“{maker}”出厂编号“{serial_number}”的起重机械已经备案，一台机械只能备案一次",
        field="serial_number",
    )


def _next_number(session: Session, owner: Enterprise, machine_type: rules.MachineType) -> RegistrationNumber:
    prefix = format_number(RegistrationNumber(owner.city, machine_type, 1))[:-5]
    last = session.scalar(
        select(Machine.registration_number)
        .where(Machine.registration_number.like(f"{prefix}%"))
        .order_by(Machine.registration_number.desc())
        .limit(1)
    )
    return next_number(parse_number(last) if last else None, owner.city, machine_type)


def _issue(
    session: Session, registration: OwnershipRegistration, *, actor_id: int, today: date, render: Renderer,
    supersedes: Certificate | None = None,
) -> Certificate:  # fmt: skip
    certificate = Certificate(
        kind=CertificateKind.OWNERSHIP, registration=registration, verify_code=new_code(), issued_on=today,
        issued_by=actor_id, supersedes=supersedes, sha256="",
    )  # fmt: skip
    session.add(certificate)
    session.flush()
    certificate.sha256 = hashlib.sha256(render(certificate)).hexdigest()
    return certificate


def register_machine_and_ownership(
    session: Session, data: MachineInput, *, scope: Scope, today: date, render: Renderer
) -> Machine:
    """Register a machine for its owner, issue its number for life and its ownership certificate.

    :raises MachineDataError: for an incomplete description; :raises RegistrationRefusedError: with every
        reason of 第七条 found; :raises DuplicateError: for a maker's serial number registered before.
    """
    owner = acting_owner(session, scope, data.owner_credit_code)
    checked = _check(data, today)
    if _serial_taken(session, checked.maker, checked.serial_number):
        raise _duplicate(checked.maker, checked.serial_number)
    owner_id = owner.id
    for attempt in (1, 2):
        try:
            return _register_once(session, data, checked, owner, scope=scope, today=today, render=render)
        except IntegrityError:
            session.rollback()
            if _serial_taken(session, checked.maker, checked.serial_number):
                raise _duplicate(checked.maker, checked.serial_number) from None
            if attempt == 2:
                raise
            owner = session.get_one(Enterprise, owner_id)
    raise AssertionError("unreachable")


def _register_once(
    session: Session, data: MachineInput, checked: rules.Machine, owner: Enterprise, *, scope: Scope,
    today: date, render: Renderer,
) -> Machine:  # fmt: skip
    number = format_number(_next_number(session, owner, data.machine_type))
    machine = Machine(
        machine_type=data.machine_type, maker=checked.maker, model=checked.model,
        serial_number=checked.serial_number, manufactured_on=checked.manufactured,
        rated_moment_knm=f"{data.rated_moment_knm.normalize():f}" if data.rated_moment_knm is not None else None,
        rated_load_kg=data.rated_load_kg, hoist_drive=data.hoist_drive, design_life_years=data.design_life_years,
        owner_id=owner.id, registration_number=number, registration_city=owner.city, created_by=scope.account_id,
    )  # fmt: skip
    registration = OwnershipRegistration(
        machine=machine, seq=1, number=number, owner_id=owner.id, city=owner.city, registered_on=today,
        registered_by=scope.account_id,
    )  # fmt: skip
    session.add_all([machine, registration])
    session.flush()
    certificate = _issue(session, registration, actor_id=scope.account_id, today=today, render=render)
    audit.record(session, actor_id=scope.account_id, action="crane_register", obj=("crane_machine", machine.id),
                 after={"number": number, "owner": owner.credit_code, "certificate": certificate.verify_code})  # fmt: skip
    session.commit()
    return machine


def current_registration(machine: Machine) -> OwnershipRegistration:
    return machine.registrations[-1]


def current_certificate(machine: Machine) -> Certificate | None:
    """The ownership certificate of the current registration that is neither superseded nor revoked (a use sign
    hangs on the same registration but is the site's, not the owner's)."""
    found = [
        c
        for c in current_registration(machine).certificates
        if c.kind is CertificateKind.OWNERSHIP and state_of(c) is CertificateState.CURRENT
    ]
    return found[-1] if found else None


def change_owner(
    session: Session, machine: Machine, new_owner_credit_code: str, *, scope: Scope, today: date,
    render: Renderer, assessment: SafetyAssessment | None = None,
) -> OwnershipRegistration:  # fmt: skip
    """Register the machine for a new owner: the same number, a new registration, a certificate superseding the
    old one. The current owner's project team, or an administrator, names the new owner by credit code.

    :raises PermissionDenied: for anyone else; :raises RegistrationRefusedError: as for a first registration.
    """
    if not (
        scope.role is Role.ADMIN
        or (scope.role is Role.PROJECT_TEAM and scope.enterprise_id == machine.owner_id)
    ):
        raise PermissionDenied("只有现产权单位的项目团队账号（或系统管理员）可以办理产权变更")
    new_owner = _enterprise_by_code(session, new_owner_credit_code)
    if new_owner.id == machine.owner_id:
        raise ValidationError("新产权单位与现产权单位相同，无需变更", field="owner_credit_code")
    facts = RegistrationFacts(rules.Machine(machine.maker, machine.model, machine.serial_number,
                                            machine.manufactured_on, machine.spec, machine.design_life_years),
                              assessment)  # fmt: skip
    refusals = registration_refusals(facts, today)
    if refusals:
        raise RegistrationRefusedError(refusals)
    previous = current_registration(machine)
    old_certificate = current_certificate(machine)
    registration = OwnershipRegistration(
        machine=machine, seq=previous.seq + 1, number=previous.number, owner_id=new_owner.id, city=new_owner.city,
        registered_on=today, registered_by=scope.account_id,
    )  # fmt: skip
    machine.owner_id = new_owner.id
    session.add(registration)
    session.flush()
    certificate = _issue(session, registration, actor_id=scope.account_id, today=today, render=render,
                         supersedes=old_certificate)  # fmt: skip
    audit.record(session, actor_id=scope.account_id, action="crane_owner_change", obj=("crane_machine", machine.id),
                 before={"owner_id": previous.owner_id}, after={"owner": new_owner.credit_code,
                                                                "certificate": certificate.verify_code})  # fmt: skip
    session.commit()
    return registration


def may_revoke(scope: Scope, machine: Machine) -> bool:
    """Regulators of the machine's city of registration, or of the province."""
    return scope.role is Role.REGULATOR and (scope.city is None or scope.city == machine.registration_city)


def revoke_certificate(
    session: Session, certificate: Certificate, reason: str, *, scope: Scope, today: date
) -> CertificateRevocation:
    """Revoke a current certificate with a reason: a new row, the certificate itself unchanged.

    :raises PermissionDenied: for anyone but a regulator of the machine's city or the province;
        :raises CertificateError: for a certificate already revoked or superseded.
    """
    machine = certificate.registration.machine
    if not may_revoke(scope, machine):
        raise PermissionDenied("只有该机械备案地或省级的监管人员可以撤销证书")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("请填写撤销原因", field="reason")
    if len(reason) > REASON_MAX:
        raise ValidationError(f"撤销原因不能超过{REASON_MAX}个字符", field="reason")
    state = state_of(certificate)
    if state is not CertificateState.CURRENT:
        raise CertificateError(f"该证书{state.label}，不能再撤销")
    revocation = CertificateRevocation(certificate=certificate, revoked_on=today, reason=reason,
                                       revoked_by=scope.account_id)  # fmt: skip
    session.add(revocation)
    session.flush()
    audit.record(session, actor_id=scope.account_id, action="crane_certificate_revoke",
                 obj=("crane_certificate", certificate.id), after={"reason": reason, "on": today.isoformat()})  # fmt: skip
    session.commit()
    return revocation
