"""Use cases of accounts: create one bound to its scope (city, enterprise or expert), edit, disable and re-enable
it (never delete it), change its role, reset its password, lift a sign-in lock; each checks the actor's duty
(knowledge/accounts/permissions.py) and leaves an audit row."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from knowledge import audit
from knowledge.accounts import credentials
from knowledge.accounts.models import Account, ApiToken, Role, SignInCounter
from knowledge.accounts.password_policy import password_problem
from knowledge.accounts.passwords import hash_password
from knowledge.accounts.permissions import (
    Scope,
    can_change_roles,
    can_create_with_role,
    can_manage_accounts,
    can_manage_credentials,
)
from knowledge.db import Base
from knowledge.enterprises.models import Enterprise
from knowledge.errors import DuplicateError, NotFoundError, PermissionDenied, ValidationError
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
    if data.role.binds_enterprise and data.enterprise_id is None:
        raise ValidationError(f"{data.role.label}账号必须绑定一个单位", field="enterprise_id")
    if data.role is Role.EXPERT and data.expert_id is None:
        raise ValidationError("专家账号必须绑定一条专家记录", field="expert_id")
    if data.city is not None and not data.role.has_city_scope:
        raise ValidationError("只有抽取办公室和监管人员账号可以限定城市", field="city")


def acting(session: Session, actor_id: int, allowed: Callable[[Scope], bool], refusal: str) -> Scope:
    """The acting account's scope, if it is active and ``allowed``; otherwise PermissionDenied(refusal)."""
    actor = session.get(Account, actor_id)
    if actor is None or not actor.is_active or not allowed(Scope.of(actor)):
        raise PermissionDenied(refusal)
    return Scope.of(actor)


def _target(session: Session, account_id: int) -> Account:
    account = session.get(Account, account_id)
    if account is None:
        raise NotFoundError("账号不存在")
    return account


def _check_bindings_exist(
    session: Session, enterprise_id: int | None, expert_id: int | None, *, account_id: int | None
) -> None:
    if enterprise_id is not None and session.get(Enterprise, enterprise_id) is None:
        raise ValidationError("绑定的单位不存在", field="enterprise_id")
    if expert_id is not None:
        # The expert table belongs to expert_pool, which depends on this package, not the reverse.
        experts = Base.metadata.tables["expert"]
        if session.scalar(select(experts.c.id).where(experts.c.id == expert_id)) is None:
            raise ValidationError("绑定的专家记录不存在", field="expert_id")
        clash = session.scalar(select(Account.id).where(Account.expert_id == expert_id))
        if clash is not None and clash != account_id:
            raise DuplicateError("该专家记录已绑定其他账号", field="expert_id")


def create_account(
    session: Session, data: AccountInput, *, actor_id: int | None, hash_method: str | None = None
) -> Account:
    """``actor_id`` None: the command line (`flask create-admin`, the demo seed), run by whoever runs the
    server; through the web only the system administrator creates accounts, with business roles."""
    if actor_id is not None:
        actor = acting(session, actor_id, can_manage_accounts, "只有系统管理员可以创建账号")
        if not can_create_with_role(actor, data.role):
            raise PermissionDenied(
                "管理员角色只能由安全管理员授予：请以业务角色创建账号，再由安全管理员变更角色"
            )
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
    _check_bindings_exist(session, data.enterprise_id, data.expert_id, account_id=None)
    password_hash = hash_password(data.password, hash_method) if hash_method else hash_password(data.password)
    account = Account(
        username=username,
        display_name=display_name,
        password_hash=password_hash,
        role=data.role,
        city=data.city if data.role.has_city_scope else None,
        enterprise_id=data.enterprise_id if data.role.binds_enterprise else None,
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


@dataclass(frozen=True)
class BindingInput:
    """What an account acts for under a role: its city, enterprise or expert record."""

    city: City | None = None
    enterprise_id: int | None = None
    expert_id: int | None = None


ADMIN_ROLES = (Role.ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN)


def _snapshot(account: Account) -> dict[str, object]:
    return {"role": account.role.value, "city": account.city.value if account.city else None,
            "enterprise_id": account.enterprise_id, "expert_id": account.expert_id,
            "display_name": account.display_name, "is_active": account.is_active}  # fmt: skip


def _bind(session: Session, account: Account, role: Role, binding: BindingInput) -> None:
    """Give ``account`` the role and what it acts for, checked as at creation."""
    probe = AccountInput(account.username, account.display_name, "", role, binding.city, binding.enterprise_id,
                         binding.expert_id)  # fmt: skip
    _check_account_binding(probe)
    _check_bindings_exist(session, probe.enterprise_id, probe.expert_id, account_id=account.id)
    account.role = role
    account.city = binding.city if role.has_city_scope else None
    account.enterprise_id = binding.enterprise_id if role.binds_enterprise else None
    account.expert_id = binding.expert_id if role is Role.EXPERT else None


def _keep_one_active(session: Session, account: Account) -> None:
    """The last active system, security or audit administrator stays: without him that duty is nobody's."""
    if account.role not in ADMIN_ROLES or not account.is_active:
        return
    others = session.scalar(
        select(func.count()).where(Account.role == account.role, Account.is_active, Account.id != account.id)
    )
    if not others:
        raise ValidationError(
            f"{account.username} 是最后一个启用的{account.role.label}，不能停用或改变其角色"
        )


def update_account(
    session: Session, account_id: int, display_name: str, binding: BindingInput, *, actor_id: int
) -> Account:
    """The system administrator edits an account's name and what it acts for; its role stays."""
    acting(session, actor_id, can_manage_accounts, "只有系统管理员可以修改账号")
    account = _target(session, account_id)
    before = _snapshot(account)
    display_name = display_name.strip()
    if not display_name or len(display_name) > 64:
        raise ValidationError("姓名不能为空，且不超过64个字符", field="display_name")
    account.display_name = display_name
    _bind(session, account, account.role, binding)
    audit.record(session, actor_id=actor_id, action="account_update", obj=("account", account.id),
                 before=before, after=_snapshot(account))  # fmt: skip
    session.commit()
    return account


def change_role(
    session: Session, account_id: int, role: Role, binding: BindingInput, *, actor_id: int
) -> Account:
    """The security administrator grants a role (administrator roles included), never his own."""
    acting(session, actor_id, can_change_roles, "只有安全管理员可以授予或变更角色")
    if account_id == actor_id:
        raise PermissionDenied("不能变更自己的角色")
    account = _target(session, account_id)
    before = _snapshot(account)
    if role is not account.role:
        _keep_one_active(session, account)
    _bind(session, account, role, binding)
    account.session_generation += 1  # sessions begun under the old role end
    audit.record(session, actor_id=actor_id, action="account_role", obj=("account", account.id),
                 before=before, after=_snapshot(account))  # fmt: skip
    session.commit()
    return account


def set_active(session: Session, account_id: int, active: bool, *, actor_id: int, now: datetime) -> Account:
    """The system administrator disables an account (its sessions end, its API tokens are revoked) or
    re-enables it (it may sign in again; revoked tokens stay revoked). Accounts are never deleted."""
    acting(session, actor_id, can_manage_accounts, "只有系统管理员可以停用或启用账号")
    account = _target(session, account_id)
    if account.is_active == active:
        return account
    if not active:
        if account_id == actor_id:
            raise PermissionDenied("不能停用自己的账号")
        _keep_one_active(session, account)
        account.session_generation += 1
        session.execute(
            update(ApiToken)
            .where(ApiToken.account_id == account.id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )
    account.is_active = active
    audit.record(session, actor_id=actor_id, action="account_enable" if active else "account_disable",
                 obj=("account", account.id), after={"is_active": active})  # fmt: skip
    session.commit()
    return account


def reset_password(
    session: Session, account_id: int, *, actor_id: int, hash_method: str, now: datetime
) -> str:
    """The security administrator's reset (credentials.reset_password), never of his own password."""
    acting(session, actor_id, can_manage_credentials, "只有安全管理员可以重置密码")
    if account_id == actor_id:
        raise PermissionDenied("不能重置自己的密码，请在“修改密码”中修改")
    return credentials.reset_password(
        session, _target(session, account_id), actor_id=actor_id, hash_method=hash_method, now=now
    )


def lift_sign_in_locks(session: Session, username: str, *, actor_id: int) -> int:
    """The security administrator lifts every sign-in lock on a user name; returns the counters cleared."""
    acting(session, actor_id, can_manage_credentials, "只有安全管理员可以解除登录锁定")
    name = username.strip().lower()[:64]
    if not name:
        raise ValidationError("请填写要解除锁定的用户名", field="username")
    result = session.execute(
        update(SignInCounter)
        .where(SignInCounter.username == name)
        .values(failures=0, locked_until=None)
        .execution_options(synchronize_session=False)
    )
    cleared = cast(CursorResult[Any], result).rowcount
    audit.record(session, actor_id=actor_id, action="sign_in_unlock", obj=("username", name),
                 after={"counters": cleared})  # fmt: skip
    session.commit()
    return cleared
