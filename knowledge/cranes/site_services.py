"""Use cases of a crane's life on a site (建设部令第166号): installers' qualifications, the installation notice
(安装告知), the dismantling notice (拆卸告知) and the machine's maintenance, fault and accident records. One use case,
one commit. The joint acceptance and the use registration are in ``site_acceptance``.

Who files what, from the decree:
- 第十条: an installer holds the 起重设备安装工程专业承包资质 and the 安全生产许可证; an administrator or a regulator
  of the installer's city records them here, with their expiry dates.
- 第十二条（五）: the **installer** (安装单位) sends the installation plan, the crew and the dates to the general
  contractor and the supervisor, and then notifies the authority where the works are. So the notice is filed from
  the installer's own account (a project team bound to the installer, itself a participant of the project), or by
  an administrator on its behalf; the user (使用单位) does not file it. 第十三条 has the installer install by that plan;
  the plan is the registry's 危大 work of category 起重吊装及起重机械安装拆卸工程 (附件1 三（三）: 起重机械安装和拆卸
  工程), whose plan must be in force: signed off and, where over scale, reviewed (``workflow.IN_FORCE_STATUSES``).
- One machine is on one site at a time: the partial unique index ``uq_crane_installation_open_machine`` holds it
  against parallel notices; the loser's IntegrityError becomes a DuplicateError.
- 第九条 / 第十九条: the owner and the user keep maintenance, fault and accident records in the machine's file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from knowledge import audit
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import BUILDER_ROLES, Scope
from knowledge.cranes import site_queries
from knowledge.cranes.certificates import state_of
from knowledge.cranes.models import CertificateKind, Machine
from knowledge.cranes.numbering import format_number, parse_number
from knowledge.cranes.site_models import (
    DismantlingNotice,
    Installation,
    InstallerQualification,
    MachineRecord,
    RecordKind,
)
from knowledge.enterprises.models import Enterprise, ParticipantRole, Project
from knowledge.errors import DuplicateError, PermissionDenied, ValidationError
from knowledge.registry.models import Work
from knowledge.registry.scope_tables import LIFTING
from knowledge.registry.workflow import IN_FORCE_STATUSES

GRADES = ("一级", "二级", "三级", "不分等级")  # 建筑业企业资质标准 起重设备安装工程专业承包资质
POSITION_MAX = 200
DESCRIPTION_MAX = 1000
UNQUALIFIED = "安装单位不具备有效的起重设备安装工程专业承包资质和安全生产许可证"


def _text(value: str, label: str, field: str, maximum: int, *, required: bool = True) -> str:
    cleaned = (value or "").strip()
    if required and not cleaned:
        raise ValidationError(f"请填写{label}", field=field)
    if len(cleaned) > maximum:
        raise ValidationError(f"{label}不能超过{maximum}个字符", field=field)
    return cleaned


def enterprise_id_by_code(session: Session, credit_code: str, *, label: str, field: str) -> int:
    """The id of the enterprise with this credit code (forms and the API name enterprises by their codes)."""
    code = _text(credit_code, f"{label}统一社会信用代码", field, 18).upper()
    found = session.scalar(select(Enterprise.id).where(Enterprise.credit_code == code))
    if found is None:
        raise ValidationError(f"统一社会信用代码为“{code}”的{label}未登记", field=field)
    return found


# ---- installers' qualifications (第十条)


@dataclass(frozen=True)
class QualificationInput:
    credit_code: str
    certificate_number: str
    grade: str
    valid_until: date
    safety_licence_number: str
    safety_licence_valid_until: date


def may_record_qualification(scope: Scope, enterprise: Enterprise) -> bool:
    """An administrator, or a regulator of the installer's city or of the province."""
    if scope.role is Role.ADMIN:
        return True
    return scope.role is Role.REGULATOR and scope.city in (None, enterprise.city)


def record_qualification(
    session: Session, data: QualificationInput, *, scope: Scope
) -> InstallerQualification:
    """Record an installer's qualification certificate and safety licence.

    :raises PermissionDenied: for anyone but an administrator or a regulator of the installer's city;
        :raises DuplicateError: for a certificate number recorded before for the same installer.
    """
    code = _text(data.credit_code, "安装单位统一社会信用代码", "credit_code", 18).upper()
    enterprise = session.scalar(select(Enterprise).where(Enterprise.credit_code == code))
    if enterprise is None:
        raise ValidationError(f"统一社会信用代码为“{code}”的单位未登记", field="credit_code")
    if not may_record_qualification(scope, enterprise):
        raise PermissionDenied("只有系统管理员或安装单位所在市（或省级）的监管人员可以登记安装资质")
    if data.grade not in GRADES:
        raise ValidationError(f"资质等级应为{'、'.join(GRADES)}之一", field="grade")
    row = InstallerQualification(
        enterprise_id=enterprise.id, grade=data.grade, valid_until=data.valid_until,
        certificate_number=_text(data.certificate_number, "资质证书编号", "certificate_number", 64),
        safety_licence_number=_text(data.safety_licence_number, "安全生产许可证编号", "safety_licence_number", 64),
        safety_licence_valid_until=data.safety_licence_valid_until, recorded_by=scope.account_id,
    )  # fmt: skip
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise DuplicateError(
            f"该单位的资质证书“{row.certificate_number}”已经登记", field="certificate_number"
        ) from None
    audit.record(session, actor_id=scope.account_id, action="crane_qualification", obj=("enterprise", enterprise.id),
                 after={"certificate": row.certificate_number, "valid_until": row.valid_until.isoformat()})  # fmt: skip
    session.commit()
    return row


def qualification_on(session: Session, enterprise_id: int, on: date) -> InstallerQualification | None:
    """The installer's qualification whose certificate and safety licence are both valid on ``on``."""
    return session.scalar(
        select(InstallerQualification)
        .where(
            InstallerQualification.enterprise_id == enterprise_id,
            InstallerQualification.valid_until >= on,
            InstallerQualification.safety_licence_valid_until >= on,
        )
        .order_by(InstallerQualification.valid_until.desc(), InstallerQualification.id.desc())
        .limit(1)
    )


def _qualified(session: Session, enterprise: Enterprise, on: date) -> InstallerQualification:
    found = qualification_on(session, enterprise.id, on)
    if found is None:
        raise ValidationError(
            f"{UNQUALIFIED}（{enterprise.name}，{on.isoformat()}），不能办理起重机械安装、拆卸告知"
            "（建设部令第166号 第十条）",
            field="installer_id",
        )
    return found


# ---- the installation notice (第十二条（五）, 第十三条)


@dataclass(frozen=True)
class NoticeInput:
    """``installer_id`` only when an administrator files for an installer; a project team files for its own."""

    registration_number: str
    project_id: int
    work_id: int
    user_id: int
    planned_install_on: date
    position: str = ""
    maintainer_id: int | None = None
    installer_id: int | None = None


def _installer(session: Session, scope: Scope, data: NoticeInput) -> Enterprise:
    if scope.role is Role.PROJECT_TEAM and scope.enterprise_id is not None:
        enterprise_id: int | None = scope.enterprise_id
    elif scope.role is Role.ADMIN:
        enterprise_id = data.installer_id
    else:
        raise PermissionDenied("安装告知由安装单位的项目团队账号办理（建设部令第166号 第十二条）")
    enterprise = session.get(Enterprise, enterprise_id) if enterprise_id else None
    if enterprise is None:
        raise ValidationError("请选择安装单位", field="installer_id")
    return enterprise


def registered_machine(session: Session, registration_number: str) -> Machine:
    """The machine with this ownership registration number.

    :raises RegistrationNumberError: for a malformed number; :raises ValidationError: for an unknown one.
    """
    number = format_number(parse_number(registration_number))
    machine = session.scalar(select(Machine).where(Machine.registration_number == number))
    if machine is None:
        raise ValidationError(
            f"备案编号 {number} 的起重机械未办理产权备案，不能安装使用（建设部令第166号 第五条）",
            field="registration_number",
        )
    return machine


def check_ownership_certificate(machine: Machine) -> None:
    """The current registration's latest ownership certificate must not be revoked."""
    current = machine.registrations[-1]
    owned = [c for c in current.certificates if c.kind is CertificateKind.OWNERSHIP]
    if owned and state_of(owned[-1]).value == "revoked":
        raise ValidationError(
            f"该起重机械（备案编号 {machine.registration_number}）的产权备案证明已被撤销，不能安装使用",
            field="registration_number",
        )


def installation_work(project: Project, work: Work | None) -> Work:
    """The project's crane-erection 危大 work, with its plan in force."""
    if work is None or work.project_id != project.id:
        raise ValidationError("所选危大工程不属于本项目", field="work_id")
    if work.category != LIFTING.code or work.sub_type != site_queries.ERECTION_SUB_TYPE:
        raise ValidationError(
            f"所选危大工程“{work.name}”不是“{LIFTING.label}”中的起重机械安装和拆卸工程，不能作为安装告知的依据",
            field="work_id",
        )
    if work.status not in IN_FORCE_STATUSES:
        raise ValidationError(
            f"危大工程“{work.name}”的专项施工方案尚未生效（当前：{work.status.label}）：须经施工、监理签字，"
            "超过一定规模的须经专家论证通过后方可安装（建设部令第166号 第十二条、住建部令第37号）",
            field="work_id",
        )
    return work


def _participant(
    project: Project, enterprise_id: int | None, roles: frozenset[ParticipantRole] | None
) -> bool:
    return any(
        p.enterprise_id == enterprise_id and (roles is None or p.role in roles) for p in project.participants
    )


def _supervisor_of(project: Project) -> int:
    found = [p.enterprise_id for p in project.participants if p.role is ParticipantRole.SUPERVISOR]
    if not found:
        raise ValidationError("本项目尚未登记监理单位，不能办理安装告知", field="project_id")
    return found[0]


def _machine_on_site(session: Session, machine: Machine) -> None:
    open_one = site_queries.open_installation(session, machine.id)
    if open_one is not None:
        raise DuplicateError(
            f"该起重机械（备案编号 {machine.registration_number}）正在“{open_one.project.name}”安装使用"
            f"（{open_one.notified_on.isoformat()} 告知），拆卸告知前不能在其他工地安装",
            field="registration_number",
        )


def file_installation_notice(
    session: Session, data: NoticeInput, *, scope: Scope, today: date
) -> Installation:
    """File the installation notice of a registered machine on a project's site.

    :raises PermissionDenied: for a role that may not file it; :raises ValidationError: for an unqualified
        installer, an unregistered machine, a work that is not the project's crane erection in force…;
        :raises DuplicateError: for a machine still installed on a site.
    """
    installer = _installer(session, scope, data)
    project = session.get(Project, data.project_id)
    if project is None or not _participant(project, installer.id, None):
        raise ValidationError("安装单位须是该项目的参建单位（专业分包）", field="project_id")
    machine = registered_machine(session, data.registration_number)
    check_ownership_certificate(machine)
    work = installation_work(project, session.get(Work, data.work_id))
    if not _participant(project, data.user_id, BUILDER_ROLES):
        raise ValidationError("使用单位须是本项目的施工总承包或专业分包单位", field="user_id")
    if data.planned_install_on < today:
        raise ValidationError("计划安装日期不能早于告知日期：须在安装前告知", field="planned_install_on")
    qualification = _qualified(session, installer, data.planned_install_on)
    if data.maintainer_id is not None and session.get(Enterprise, data.maintainer_id) is None:
        raise ValidationError("维保单位未登记", field="maintainer_id")
    _machine_on_site(session, machine)
    installation = Installation(
        machine_id=machine.id, project_id=project.id, work_id=work.id, city=project.city, installer_id=installer.id,
        qualification_id=qualification.id, user_id=data.user_id, lessor_id=machine.owner_id,
        supervisor_id=_supervisor_of(project), maintainer_id=data.maintainer_id, notified_on=today,
        planned_install_on=data.planned_install_on, notified_by=scope.account_id,
        position=_text(data.position, "安装位置", "position", POSITION_MAX, required=False),
    )  # fmt: skip
    session.add(installation)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise DuplicateError(
            "该起重机械已在其他工地安装告知，拆卸告知前不能再次安装", field="registration_number"
        ) from None
    audit.record(session, actor_id=scope.account_id, action="crane_install_notice",
                 obj=("crane_installation", installation.id),
                 after={"machine": machine.registration_number, "project_id": project.id, "work_id": work.id})  # fmt: skip
    session.commit()
    return installation


# ---- the dismantling notice (第十二条（五）: installing and dismantling alike)


def dismantle(
    session: Session, installation: Installation, *, planned_on: date, scope: Scope, today: date
) -> DismantlingNotice:
    """A qualified installer of the project notifies the dismantling; the installation ends on ``planned_on``
    and the machine may then be notified on another site.

    :raises PermissionDenied: for an account not of a qualified installer taking part in the project;
        :raises DuplicateError: for an installation already ended.
    """
    if scope.role is not Role.PROJECT_TEAM or not (
        scope.enterprise_id == installation.installer_id
        or _participant(installation.project, scope.enterprise_id, None)
    ):
        raise PermissionDenied("拆卸告知由本项目的安装单位项目团队账号办理（建设部令第166号 第十二条）")
    if installation.ended_on is not None:
        raise DuplicateError(f"该安装已于{installation.ended_on.isoformat()}拆卸告知")
    if planned_on < today:
        raise ValidationError("计划拆卸日期不能早于告知日期：须在拆卸前告知", field="planned_on")
    installer = session.get_one(Enterprise, scope.enterprise_id)
    qualification = _qualified(session, installer, planned_on)
    notice = DismantlingNotice(
        installation_id=installation.id, installer_id=installer.id, qualification_id=qualification.id,
        work_id=installation.work_id, notified_on=today, planned_on=planned_on, notified_by=scope.account_id,
    )  # fmt: skip
    installation.ended_on = planned_on
    session.add(notice)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise DuplicateError("该安装已办理拆卸告知") from None
    audit.record(session, actor_id=scope.account_id, action="crane_dismantle_notice",
                 obj=("crane_installation", installation.id), after={"planned_on": planned_on.isoformat()})  # fmt: skip
    session.commit()
    return notice


# ---- maintenance, fault and accident records (第九条, 第十九条)


@dataclass(frozen=True)
class RecordInput:
    kind: RecordKind
    on: date
    description: str


def record_parties(session: Session, machine: Machine) -> set[int]:
    """The enterprises that may add to the machine's records: its owner, and the user and the maintainer of
    its open installation."""
    parties = {machine.owner_id}
    current = site_queries.open_installation(session, machine.id)
    if current is not None:
        parties |= {current.user_id} | ({current.maintainer_id} if current.maintainer_id else set())
    return parties


def add_record(
    session: Session, machine: Machine, data: RecordInput, *, scope: Scope, today: date
) -> MachineRecord:
    """Add a maintenance, fault or accident record to the machine's file.

    :raises PermissionDenied: for anyone but the owner's, the user's or the maintainer's project team.
    """
    if scope.role is not Role.PROJECT_TEAM or scope.enterprise_id not in record_parties(session, machine):
        raise PermissionDenied("只有产权单位、使用单位或维保单位的项目团队账号可以记录维保、故障和事故")
    if data.on > today:
        raise ValidationError("记录日期不能晚于今天", field="on")
    current = site_queries.open_installation(session, machine.id)
    record = MachineRecord(
        machine_id=machine.id, installation_id=current.id if current else None, kind=data.kind, on=data.on,
        enterprise_id=scope.enterprise_id, recorded_by=scope.account_id,
        description=_text(data.description, "记录内容", "description", DESCRIPTION_MAX),
    )  # fmt: skip
    session.add(record)
    session.flush()
    audit.record(session, actor_id=scope.account_id, action="crane_machine_record", obj=("crane_machine", machine.id),
                 after={"kind": data.kind.value, "on": data.on.isoformat()})  # fmt: skip
    session.commit()
    return record
