"""Use cases that change the registry's state: one session in, one commit, an audit row each."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge import audit
from knowledge.accounts.models import Account, Role
from knowledge.accounts.passwords import MAX_LENGTH, MIN_LENGTH, hash_password
from knowledge.db import Base
from knowledge.enterprises import creditcode
from knowledge.enterprises.models import Enterprise, EnterpriseType
from knowledge.errors import DuplicateError, NotFoundError, ValidationError
from knowledge.regions import City

NAME_MAX = 200
USERNAME_PATTERN = re.compile(r"^[a-z0-9_.-]{3,32}$")


@dataclass(frozen=True)
class EnterpriseInput:
    name: str
    credit_code: str
    type: EnterpriseType
    city: City
    parent_credit_code: str = ""


def _snapshot_enterprise(e: Enterprise) -> dict[str, Any]:
    return {
        "name": e.name,
        "credit_code": e.credit_code,
        "type": e.type.value,
        "city": e.city.value,
        "parent_id": e.parent_id,
    }


def _clean_enterprise(session: Session, data: EnterpriseInput, *, own_id: int | None) -> dict[str, Any]:
    name = data.name.strip()
    if not name:
        raise ValidationError("单位名称不能为空", field="name")
    if len(name) > NAME_MAX:
        raise ValidationError(f"单位名称不能超过{NAME_MAX}个字符", field="name")
    try:
        code = creditcode.validate(data.credit_code)
    except creditcode.CreditCodeError as exc:
        raise ValidationError(str(exc), field="credit_code") from exc
    clash = session.scalar(select(Enterprise).where(Enterprise.credit_code == code))
    if clash is not None and clash.id != own_id:
        raise DuplicateError(f"统一社会信用代码 {code} 已登记为“{clash.name}”", field="credit_code")
    parent_id = None
    if data.parent_credit_code.strip():
        parent = session.scalar(
            select(Enterprise).where(Enterprise.credit_code == creditcode.normalize(data.parent_credit_code))
        )
        if parent is None:
            raise ValidationError("上级单位（母公司）的统一社会信用代码未登记", field="parent_credit_code")
        if own_id is not None and _is_in_subtree(session, parent, own_id):
            raise ValidationError("上级单位不能是本单位或其下属单位", field="parent_credit_code")
        parent_id = parent.id
    return {"name": name, "credit_code": code, "type": data.type, "city": data.city, "parent_id": parent_id}


def _is_in_subtree(session: Session, candidate: Enterprise, root_id: int) -> bool:
    """True if ``candidate`` is ``root_id`` or one of its subsidiaries at any depth (no cycles)."""
    node: Enterprise | None = candidate
    seen: set[int] = set()
    while node is not None and node.id not in seen:
        if node.id == root_id:
            return True
        seen.add(node.id)
        node = node.parent
    return False


def create_enterprise(session: Session, data: EnterpriseInput, *, actor_id: int | None) -> Enterprise:
    enterprise = Enterprise(**_clean_enterprise(session, data, own_id=None))
    session.add(enterprise)
    session.flush()
    audit.record(
        session,
        actor_id=actor_id,
        action="enterprise_create",
        obj=("enterprise", enterprise.id),
        after=_snapshot_enterprise(enterprise),
    )
    session.commit()
    return enterprise


def update_enterprise(
    session: Session, enterprise_id: int, data: EnterpriseInput, *, actor_id: int | None
) -> Enterprise:
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise NotFoundError("单位不存在")
    before = _snapshot_enterprise(enterprise)
    for key, value in _clean_enterprise(session, data, own_id=enterprise.id).items():
        setattr(enterprise, key, value)
    after = _snapshot_enterprise(enterprise)
    if after != before:
        audit.record(
            session,
            actor_id=actor_id,
            action="enterprise_update",
            obj=("enterprise", enterprise.id),
            before=before,
            after=after,
        )
    session.commit()
    return enterprise


@dataclass(frozen=True)
class AccountInput:
    username: str
    display_name: str
    password: str
    role: Role
    city: City | None = None
    enterprise_id: int | None = None
    expert_id: int | None = None


def _check_account_binding(data: AccountInput) -> None:
    """Each role is bound to what it acts for (issue 2: team → enterprise, expert → record)."""
    if data.role is Role.PROJECT_TEAM and data.enterprise_id is None:
        raise ValidationError("项目团队账号必须绑定一个单位", field="enterprise_id")
    if data.role is Role.EXPERT and data.expert_id is None:
        raise ValidationError("专家账号必须绑定一条专家记录", field="expert_id")
    if data.city is not None and not data.role.has_city_scope:
        raise ValidationError("只有抽取办公室和监管人员账号可以限定城市", field="city")


def create_account(
    session: Session, data: AccountInput, *, actor_id: int | None, hash_method: str | None = None
) -> Account:
    username = data.username.strip().lower()
    if not USERNAME_PATTERN.match(username):
        raise ValidationError("用户名须为3至32位小写字母、数字或 _ . -", field="username")
    display_name = data.display_name.strip()
    if not display_name or len(display_name) > 64:
        raise ValidationError("姓名不能为空，且不超过64个字符", field="display_name")
    if not MIN_LENGTH <= len(data.password) <= MAX_LENGTH:
        raise ValidationError(f"密码长度须为{MIN_LENGTH}至{MAX_LENGTH}位", field="password")
    _check_account_binding(data)
    if session.scalar(select(Account.id).where(Account.username == username)) is not None:
        raise DuplicateError(f"用户名 {username} 已被使用", field="username")
    if data.enterprise_id is not None and session.get(Enterprise, data.enterprise_id) is None:
        raise ValidationError("绑定的单位不存在", field="enterprise_id")
    if data.expert_id is not None:
        # The expert table belongs to expert_pool, which depends on this package, not the reverse.
        experts = Base.metadata.tables["expert"]
        if session.scalar(select(experts.c.id).where(experts.c.id == data.expert_id)) is None:
            raise ValidationError("绑定的专家记录不存在", field="expert_id")
        clash = session.scalar(select(Account.id).where(Account.expert_id == data.expert_id))
        if clash is not None:
            raise DuplicateError("该专家记录已绑定其他账号", field="expert_id")
    password_hash = hash_password(data.password, hash_method) if hash_method else hash_password(data.password)
    account = Account(
        username=username,
        display_name=display_name,
        password_hash=password_hash,
        role=data.role,
        city=data.city if data.role.has_city_scope else None,
        enterprise_id=data.enterprise_id if data.role is Role.PROJECT_TEAM else None,
        expert_id=data.expert_id if data.role is Role.EXPERT else None,
    )
    session.add(account)
    session.flush()
    audit.record(
        session,
        actor_id=actor_id,
        action="account_create",
        obj=("account", account.id),
        after={"username": username, "role": data.role.value, "city": data.city.value if data.city else None},
    )
    session.commit()
    return account
