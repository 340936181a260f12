"""Use cases of the expert pool: add and edit experts, their jobs, leave and declarations; suspend; remove."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from expert_pool.errors import ExpertError
from expert_pool.experts.contacts import Contact, contact_fields, decrypt_contact
from expert_pool.experts.identity import IdentityVault, mask, normalize_id_number
from expert_pool.experts.models import (
    DeclaredConflict,
    Employment,
    Expert,
    ExpertSpecialty,
    ExpertStatus,
    Leave,
    TitleLevel,
)
from expert_pool.experts.scopes import OFFICE_ROLES, check_add, check_manage, may_view_full_id
from knowledge import audit
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.enterprises import creditcode
from knowledge.enterprises.models import Enterprise
from knowledge.errors import DuplicateError, NotFoundError, PermissionDenied
from knowledge.regions import City
from knowledge.registry.rules import catalogue

SPECIALTIES = {c.code: c.label for c in catalogue()}
PHONE = re.compile(r"^1[3-9]\d{9}$|^0\d{2,3}-?\d{7,8}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class ExpertInput:
    """What the office enters; on an update an empty id_number, phone or email keeps the stored value (none of
    them is redisplayed in full: the form shows their masks)."""

    name: str
    city: City
    id_number: str
    title: str = ""
    title_level: TitleLevel | None = None
    phone: str = ""
    email: str = ""
    specialties: Sequence[str] = ()
    annual_cap: int | None = None


def snapshot(e: Expert) -> dict[str, Any]:
    return {"name": e.name, "city": e.city.value, "title": e.title, "status": e.status.value,
            "id_number": e.id_number_masked, "specialties": e.specialty_codes, "annual_cap": e.annual_cap,
            "suspended_until": e.suspended_until.isoformat() if e.suspended_until else None}  # fmt: skip


def check_contact(phone: str, email: str) -> tuple[str, str]:
    phone, email = phone.strip(), email.strip()
    if phone and not PHONE.match(phone):
        raise ExpertError("电话号码格式不正确（手机11位，或带区号的固定电话）", field="phone")
    if email and (len(email) > 120 or not EMAIL.match(email)):
        raise ExpertError("电子邮箱格式不正确", field="email")
    return phone, email


def clean_fields(
    session: Session, data: ExpertInput, vault: IdentityVault, own_id: int | None
) -> dict[str, Any]:
    name = data.name.strip()
    if not name or len(name) > 64:
        raise ExpertError("姓名不能为空，且不超过64个字符", field="name")
    number = None
    if data.id_number.strip() or own_id is None:  # creation requires it; an update may leave it empty
        number = normalize_id_number(data.id_number)
        digest = vault.lookup_hash(number)
        clash = session.scalar(select(Expert).where(Expert.id_number_hash == digest))
        if clash is not None and clash.id != own_id:
            raise DuplicateError(
                f"该身份证号码已登记为专家“{clash.name}”（编号 {clash.id}）", field="id_number"
            )
    unknown = [s for s in data.specialties if s not in SPECIALTIES]
    if unknown:
        raise ExpertError(f"未知的专业：{'、'.join(unknown)}", field="specialties")
    if not data.specialties:
        raise ExpertError("至少选择一个专业", field="specialties")
    if data.annual_cap is not None and not 1 <= data.annual_cap <= 200:
        raise ExpertError("年度评审上限应在1至200之间", field="annual_cap")
    phone, email = check_contact(data.phone, data.email)
    fields = {"name": name, "city": data.city, "title": data.title.strip()[:64], "title_level": data.title_level,
              "annual_cap": data.annual_cap}  # fmt: skip
    contact = contact_fields(vault, phone, email)
    if own_id is not None:  # an update keeps what was left empty
        contact = {k: v for k, v in contact.items() if (phone if k.startswith("phone") else email)}
    fields |= contact
    if number is not None:
        fields |= {"id_number_encrypted": vault.encrypt(number), "id_number_hash": vault.lookup_hash(number),
                   "id_number_masked": mask(number)}  # fmt: skip
    return fields


def create_expert(session: Session, data: ExpertInput, *, vault: IdentityVault, scope: Scope) -> Expert:
    """Add an expert to the pool: an office adds experts of its own city only (the admin and a provincial
    office, any city)."""
    check_add(scope, data.city)
    actor_id = scope.account_id
    if not data.id_number.strip():
        raise ExpertError("请填写身份证号码", field="id_number")
    expert = Expert(**clean_fields(session, data, vault, None))
    expert.specialties = [ExpertSpecialty(category=c) for c in sorted(set(data.specialties))]
    session.add(expert)
    session.flush()
    audit.record(
        session, actor_id=actor_id, action="expert_create", obj=("expert", expert.id), after=snapshot(expert)
    )
    session.commit()
    return expert


def update_expert(
    session: Session, expert: Expert, data: ExpertInput, *, vault: IdentityVault, scope: Scope
) -> Expert:
    """Edit an expert within the office's scope; a city office may not move him out of its city either."""
    check_manage(scope, expert, OFFICE_ROLES, "修改该专家的信息")
    if scope.role is not Role.ADMIN and scope.city is not None and data.city is not scope.city:
        raise PermissionDenied("不能把专家改到本账号管辖以外的城市", field="city")
    actor_id = scope.account_id
    before = snapshot(expert)
    for key, value in clean_fields(session, data, vault, expert.id).items():
        setattr(expert, key, value)
    wanted = sorted(set(data.specialties))
    if wanted != expert.specialty_codes:
        expert.specialties = [ExpertSpecialty(category=c) for c in wanted]
    session.flush()
    audit.record(session, actor_id=actor_id, action="expert_update", obj=("expert", expert.id), before=before,
                 after=snapshot(expert))  # fmt: skip
    session.commit()
    return expert


def update_contact(
    session: Session, expert: Expert, phone: str, email: str, *, vault: IdentityVault, actor_id: int
) -> Expert:
    """What an expert may change himself (issue 9): phone and email (empty clears them); the audit row holds
    their masks only. Leave and declarations below."""
    before = {"phone": expert.phone_masked, "email": expert.email_masked}
    for key, value in contact_fields(vault, *check_contact(phone, email)).items():
        setattr(expert, key, value)
    audit.record(session, actor_id=actor_id, action="expert_contact", obj=("expert", expert.id), before=before,
                 after={"phone": expert.phone_masked, "email": expert.email_masked})  # fmt: skip
    session.commit()
    return expert


def own_contact(expert: Expert, *, scope: Scope, vault: IdentityVault) -> Contact:
    """An expert's own phone and e-mail in full, for his profile; nobody else's (the office's view of an invited
    expert is ``draws.contact_view.reveal_contact``, audited)."""
    if scope.role is not Role.EXPERT or scope.expert_id != expert.id:
        raise PermissionDenied("只能查看本人的完整联系方式")
    return decrypt_contact(vault, expert)


def set_status(
    session: Session,
    expert: Expert,
    status: ExpertStatus,
    *,
    until: date | None,
    reason: str,
    scope: Scope,
) -> Expert:
    """Suspend, remove or restore an expert (restoring from removed or suspended to active is audited
    with its reason like any other change); only the office of the expert's city or the province."""
    check_manage(scope, expert, OFFICE_ROLES, "变更该专家的状态")
    actor_id = scope.account_id
    if status is ExpertStatus.SUSPENDED and until is None:
        raise ExpertError("暂停须注明截止日期", field="until")
    if not reason.strip():
        raise ExpertError("请填写原因", field="reason")
    if expert.status is ExpertStatus.REMOVED and status is ExpertStatus.SUSPENDED:
        raise ExpertError("已除名的专家只能恢复在库，不能改为暂停")
    before = snapshot(expert)
    expert.status = status
    expert.suspended_until = until if status is ExpertStatus.SUSPENDED else None
    audit.record(session, actor_id=actor_id, action="expert_status", obj=("expert", expert.id), before=before,
                 after={**snapshot(expert), "reason": reason.strip()[:500]})  # fmt: skip
    session.commit()
    return expert


def enterprise_by_code(session: Session, code: str, field: str = "enterprise_credit_code") -> Enterprise:
    try:
        normalized = creditcode.validate(code)
    except creditcode.CreditCodeError as exc:
        raise ExpertError(str(exc), field=field) from exc
    enterprise = session.scalar(select(Enterprise).where(Enterprise.credit_code == normalized))
    if enterprise is None:
        raise ExpertError(f"统一社会信用代码 {normalized} 未登记", field=field)
    return enterprise


def add_employment(
    session: Session, expert: Expert, enterprise: Enterprise, start: date, end: date | None, position: str,
    *, scope: Scope,
) -> Employment:  # fmt: skip
    check_manage(scope, expert, OFFICE_ROLES, "为该专家添加任职经历")
    actor_id = scope.account_id
    if end is not None and end < start:
        raise ExpertError("离职日期不能早于入职日期", field="end_date")
    job = Employment(enterprise_id=enterprise.id, start=start, end_date=end, position=position.strip()[:64])
    expert.employments.append(job)
    session.flush()
    audit.record(session, actor_id=actor_id, action="employment_add", obj=("expert", expert.id),
                 after={"enterprise": enterprise.credit_code, "start": start.isoformat(),
                        "end": end.isoformat() if end else None})  # fmt: skip
    session.commit()
    return job


def add_leave(
    session: Session, expert: Expert, start: date, end: date, reason: str, *, actor_id: int
) -> Leave:
    if end < start:
        raise ExpertError("请假结束日期不能早于开始日期", field="end_date")
    leave = Leave(start=start, end_date=end, reason=reason.strip()[:200])
    expert.leaves.append(leave)
    session.flush()
    audit.record(session, actor_id=actor_id, action="leave_add", obj=("expert", expert.id),
                 after={"start": start.isoformat(), "end": end.isoformat()})  # fmt: skip
    session.commit()
    return leave


def declare_conflict(
    session: Session, expert: Expert, enterprise: Enterprise | None, note: str, *, actor_id: int | None,
    start: date | None = None, end: date | None = None,
) -> DeclaredConflict:  # fmt: skip
    if not note.strip():
        raise ExpertError("请说明利害关系（如亲属任职、业务往来）", field="note")
    declaration = DeclaredConflict(enterprise_id=enterprise.id if enterprise else None, note=note.strip()[:500],
                                   start=start, end_date=end)  # fmt: skip
    expert.declarations.append(declaration)
    session.flush()
    audit.record(session, actor_id=actor_id, action="conflict_declare", obj=("expert", expert.id),
                 after={"enterprise": enterprise.credit_code if enterprise else None, "note": declaration.note})  # fmt: skip
    session.commit()
    return declaration


def get_expert(session: Session, expert_id: int) -> Expert:
    expert = session.get(Expert, expert_id)
    if expert is None:
        raise NotFoundError("专家不存在")
    return expert


def reveal_id_number(session: Session, expert: Expert, *, scope: Scope, vault: IdentityVault) -> str:
    """The full ID number, for the admin only; every view is written to the audit log."""
    if not may_view_full_id(scope):
        raise PermissionDenied("只有管理员可以查看完整身份证号码")
    if not expert.id_number_encrypted:
        return ""
    number = vault.decrypt(expert.id_number_encrypted)
    audit.record(session, actor_id=scope.account_id, action="expert_id_view", obj=("expert", expert.id))
    session.commit()
    return number
