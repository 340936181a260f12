"""Use cases of accounts: create one, bound to its scope (city, enterprise or expert), with an audit row."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge import audit
from knowledge.accounts.models import Account, Role
from knowledge.accounts.password_policy import password_problem
from knowledge.accounts.passwords import hash_password
from knowledge.db import Base
from knowledge.enterprises.models import Enterprise
from knowledge.errors import DuplicateError, ValidationError
from knowledge.regions import City

USERNAME_PATTERN = re.compile(r"^[a-z0-9_.-]{3,32}$")


@dataclass(frozen=True)
class AccountInput:
    username: str
    display_name: str
    password: str
    role: Role
    city: City | None = None
    enterprise_id: int | None = None
    expert_id: int | None = None
    must_change_password: bool = False  # a first password given by someone else (GB/T 22239-2019 8.1.4.1)


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
    problem = password_problem(data.password, username)
    if problem:
        raise ValidationError(problem, field="password")
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
        must_change_password=data.must_change_password,
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
