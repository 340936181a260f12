"""The joint acceptance (联合验收) of an installed crane and its use registration (使用登记) with the registration
sign (使用登记标志) as an electronic certificate. One use case, one commit.

- 建设部令第166号 第十六条: after installation the user (使用单位; under general contracting, the general contractor)
  organises the acceptance with the lessor, the installer and the supervisor; the machine must first have passed
  the inspection of a qualified inspection body. Here the acceptance cites the installation's latest published
  report, which must pass (a failed report blocks it; a re-inspection is a later report). Each of the four parties
  signs in its own account; one signature per party is held by ``uq_crane_acceptance_party``. The acceptance is
  complete on the day of the fourth signature.
- 第十七条: within 30 days of the acceptance the user registers the use with the authority where the works are
  (``use_registration.check_use_registration``) and fixes the registration sign on the machine. Refused too while
  the machine has an open major hazard (事故隐患, 建质规〔2022〕2号) or its latest inspection failed (第七条（三）).

Use registration numbers: ``苏E-SY2026-00001`` — the province, the city letter of ``numbering.CITY_LETTERS`` (the
city of the works, whose authority registers), ``SY`` (使用登记) with the year of registration, and a serial per city
and year from 00001. ``crane_use_registration.number`` is unique: two parallel registrations in one city that read
the same last number collide, and the loser retries once with the next.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from knowledge import audit
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.cranes import site_queries
from knowledge.cranes.certificates import new_code
from knowledge.cranes.errors import UseRegistrationError
from knowledge.cranes.inspection_models import Conclusion, InspectionReport
from knowledge.cranes.models import Certificate, CertificateKind
from knowledge.cranes.numbering import CITY_LETTERS, PROVINCE
from knowledge.cranes.site_models import (
    AcceptanceParty,
    Installation,
    JointAcceptance,
    JointAcceptanceSignature,
    UseRegistration,
)
from knowledge.cranes.use_registration import check_use_registration
from knowledge.errors import DuplicateError, PermissionDenied, ValidationError
from knowledge.regions import City
from knowledge.site.hazard_loop import Level, State
from knowledge.site.hazard_models import Hazard

SignRenderer = Callable[[Certificate, UseRegistration], bytes]
SIGNER_MAX = 32
OPINION_MAX = 500
USE_SERIAL_DIGITS = 5


def _open(installation: Installation) -> None:
    if installation.ended_on is not None:
        raise ValidationError(f"该起重机械已于{installation.ended_on.isoformat()}拆卸告知，安装已结束")


def _passing_report(session: Session, installation: Installation) -> InspectionReport:
    report = site_queries.latest_report(session, installation_id=installation.id)
    if report is None:
        raise ValidationError(
            "该起重机械安装后尚无检验机构出具的检验报告：验收前应当经有相应资质的检验检测机构监督检验合格"
            "（建设部令第166号 第十六条）"
        )
    if report.conclusion is not Conclusion.PASS:
        raise ValidationError(
            f"最近一次检验报告（{report.number or report.id}）结论为不合格，不能验收；整改后须经复检合格"
        )
    return report


def _is_user(scope: Scope, installation: Installation) -> bool:
    return scope.role is Role.PROJECT_TEAM and scope.enterprise_id == installation.user_id


def open_acceptance(
    session: Session, installation: Installation, *, scope: Scope, today: date
) -> JointAcceptance:
    """The user opens the joint acceptance on the installation's latest published, passing report.

    :raises PermissionDenied: for anyone but the user's project team (or an administrator);
        :raises ValidationError: without a passing report; :raises DuplicateError: while one is open, or for a
        report already accepted on.
    """
    if not (_is_user(scope, installation) or scope.role is Role.ADMIN):
        raise PermissionDenied(
            "联合验收由使用单位组织（建设部令第166号 第十六条），请使用使用单位的项目团队账号"
        )
    _open(installation)
    report = _passing_report(session, installation)
    for earlier in installation.acceptances:
        if earlier.accepted_on is None:
            raise DuplicateError("该安装已有一次联合验收正在签字，不能重复发起")
        if earlier.report_id == report.id:
            raise DuplicateError("已依据该检验报告完成联合验收；须有新的检验报告方可再次验收")
    acceptance = JointAcceptance(installation=installation, report_id=report.id, opened_on=today,
                                 opened_by=scope.account_id)  # fmt: skip
    session.add(acceptance)
    session.flush()
    audit.record(session, actor_id=scope.account_id, action="crane_acceptance_open",
                 obj=("crane_installation", installation.id), after={"report_id": report.id})  # fmt: skip
    session.commit()
    return acceptance


def _signer(name: str) -> str:
    cleaned = (name or "").strip()
    if not cleaned:
        raise ValidationError("请填写签字人姓名", field="signer_name")
    if len(cleaned) > SIGNER_MAX:
        raise ValidationError(f"签字人姓名不能超过{SIGNER_MAX}个字符", field="signer_name")
    return cleaned


def sign_acceptance(
    session: Session, acceptance: JointAcceptance, party: AcceptanceParty, *, signer_name: str, opinion: str = "",
    scope: Scope, today: date,
) -> JointAcceptanceSignature:  # fmt: skip
    """One party signs in its own account; the fourth signature completes the acceptance (``accepted_on``).

    :raises PermissionDenied: for an account not of that party's enterprise; :raises DuplicateError: for a
        party that has signed already (held by the unique constraint against parallel signatures).
    """
    installation = acceptance.installation
    if party not in site_queries.parties_of_scope(scope, installation):
        raise PermissionDenied(f"只能由{party.label}的项目团队账号以“{party.label}”身份签字")
    _open(installation)
    if len((opinion or "").strip()) > OPINION_MAX:
        raise ValidationError(f"验收意见不能超过{OPINION_MAX}个字符", field="opinion")
    _passing_report(session, installation)
    # Parallel last signatures: lock the acceptance (PostgreSQL; SQLite serialises writers) before the insert,
    # so the one that commits last sees all four and completes it. Locking after the insert deadlocked: each
    # insert's foreign-key check holds a share lock on the acceptance that the other's FOR UPDATE waits on.
    session.execute(select(JointAcceptance.id).where(JointAcceptance.id == acceptance.id).with_for_update())
    signature = JointAcceptanceSignature(
        acceptance_id=acceptance.id, party=party, enterprise_id=scope.enterprise_id, account_id=scope.account_id,
        signer_name=_signer(signer_name), opinion=(opinion or "").strip(), signed_on=today,
    )  # fmt: skip
    session.add(signature)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise DuplicateError(f"该联合验收已有{party.label}签字") from None
    signed = session.scalar(
        select(func.count(func.distinct(JointAcceptanceSignature.party))).where(
            JointAcceptanceSignature.acceptance_id == acceptance.id
        )
    )
    if signed == len(AcceptanceParty):
        acceptance.accepted_on = today
    audit.record(session, actor_id=scope.account_id, action="crane_acceptance_sign",
                 obj=("crane_installation", installation.id),
                 after={"acceptance_id": acceptance.id, "party": party.value, "signer": signature.signer_name})  # fmt: skip
    session.commit()
    return signature


def complete_acceptance(installation: Installation) -> JointAcceptance | None:
    done = [a for a in installation.acceptances if a.accepted_on is not None]
    return done[-1] if done else None


def _open_major_hazard(session: Session, machine_id: int) -> Hazard | None:
    return session.scalar(
        select(Hazard)
        .where(Hazard.machine_id == machine_id, Hazard.level == Level.MAJOR, Hazard.state != State.CLOSED)
        .order_by(Hazard.found_on)
        .limit(1)
    )


def check_use_refusals(
    session: Session, installation: Installation, acceptance: JointAcceptance, today: date
) -> None:
    """Every reason the use may not be registered today (the first one found is raised)."""
    assert acceptance.accepted_on is not None
    check_use_registration(acceptance.accepted_on, today)
    hazard = _open_major_hazard(session, installation.machine_id)
    if hazard is not None:
        raise UseRegistrationError(
            f"该起重机械有未销号的重大事故隐患（{hazard.found_on.isoformat()}：{hazard.description[:60]}），"
            "隐患消除前不予使用登记"
        )
    report = site_queries.latest_report(session, machine_id=installation.machine_id)
    if report is not None and report.conclusion is Conclusion.FAIL:
        raise UseRegistrationError(
            f"该起重机械最近一次检验（报告 {report.number or report.id}）结论为不合格，"
            "经检验达不到安全技术标准的不得使用（建设部令第166号 第七条），不予使用登记"
        )


def format_use_number(city: City, year: int, serial: int) -> str:
    return f"{PROVINCE}{CITY_LETTERS[city]}-SY{year}-{serial:0{USE_SERIAL_DIGITS}d}"


def _next_use_number(session: Session, city: City, year: int) -> str:
    prefix = format_use_number(city, year, 1)[:-USE_SERIAL_DIGITS]
    last = session.scalar(
        select(UseRegistration.number)
        .where(UseRegistration.number.like(f"{prefix}%"))
        .order_by(UseRegistration.number.desc())
        .limit(1)
    )
    serial = int(last[-USE_SERIAL_DIGITS:]) + 1 if last else 1
    return format_use_number(city, year, serial)


def register_use(
    session: Session, installation: Installation, *, scope: Scope, today: date, render: SignRenderer
) -> UseRegistration:
    """The user registers the machine's use on a complete acceptance, and gets the registration sign.

    :raises PermissionDenied: for anyone but the user's project team; :raises UseRegistrationError: after the
        30 days, with an open major hazard or a failed latest inspection; :raises DuplicateError: for an
        acceptance already registered.
    """
    if not _is_user(scope, installation):
        raise PermissionDenied(
            "使用登记由使用单位办理（建设部令第166号 第十七条），请使用使用单位的项目团队账号"
        )
    _open(installation)
    acceptance = complete_acceptance(installation)
    if acceptance is None:
        raise ValidationError("联合验收尚未完成（使用、出租、安装、监理四方签字），不能办理使用登记")
    if any(r.acceptance_id == acceptance.id for r in installation.use_registrations):
        raise DuplicateError("该次验收已办理使用登记")
    check_use_refusals(session, installation, acceptance, today)
    ids = (installation.id, acceptance.id)
    for attempt in (1, 2):
        try:
            return _register_once(session, ids, scope=scope, today=today, render=render)
        except IntegrityError:
            session.rollback()
            taken = session.scalar(select(UseRegistration.id).where(UseRegistration.acceptance_id == ids[1]))
            if taken is not None:
                raise DuplicateError("该次验收已办理使用登记") from None
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _register_once(
    session: Session, ids: tuple[int, int], *, scope: Scope, today: date, render: SignRenderer
) -> UseRegistration:
    installation = session.get_one(Installation, ids[0])
    registration = UseRegistration(
        installation_id=installation.id, acceptance_id=ids[1], city=installation.city, registered_on=today,
        number=_next_use_number(session, installation.city, today.year), registered_by=scope.account_id,
    )  # fmt: skip
    session.add(registration)
    session.flush()
    ownership = installation.machine.registrations[-1]
    sign = Certificate(
        kind=CertificateKind.USE_SIGN, registration_id=ownership.id, use_registration_id=registration.id,
        verify_code=new_code(), issued_on=today, issued_by=scope.account_id, sha256="",
    )  # fmt: skip
    session.add(sign)
    session.flush()
    sign.sha256 = hashlib.sha256(render(sign, registration)).hexdigest()
    audit.record(session, actor_id=scope.account_id, action="crane_use_register",
                 obj=("crane_installation", installation.id),
                 after={"number": registration.number, "certificate": sign.verify_code})  # fmt: skip
    session.commit()
    return registration


def use_sign_of(session: Session, registration: UseRegistration) -> Certificate | None:
    return session.scalar(
        select(Certificate)
        .where(
            Certificate.use_registration_id == registration.id, Certificate.kind == CertificateKind.USE_SIGN
        )
        .order_by(Certificate.id.desc())
        .limit(1)
    )
