"""Separation of duties in the services: the system, security and audit administrators each do their own work
only; accounts are disabled, never deleted (issue 18 item 10)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, select, text
from sqlalchemy.exc import DatabaseError

from knowledge.accounts import audit_log, services, signin
from knowledge.accounts.models import Account, Role, SignInCounter
from knowledge.accounts.services import AccountInput, BindingInput
from knowledge.accounts.throttle import ThrottlePolicy
from knowledge.audit import AuditLog
from knowledge.db import utcnow
from knowledge.errors import PermissionDenied, ValidationError
from knowledge.regions import City
from tests.factories import PASSWORD, TEST_HASH_METHOD, make_account

ADMINS = (Role.ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN)


@pytest.fixture
def staff(session):
    """One of each administrator, a second of each (so nobody is the last), and a plain regulator."""
    made = {role: make_account(session, role) for role in ADMINS}
    for role in ADMINS:
        make_account(session, role)
    made[Role.REGULATOR] = make_account(session, Role.REGULATOR)
    made["target"] = make_account(session, Role.DRAW_OFFICE, city=City.NANJING)
    return made


def _actions(session, target):
    """Each duty's actions, as callables of the acting account's id."""
    now = utcnow()
    n = iter(range(1000))
    return {
        Role.ADMIN: [
            lambda a: services.create_account(
                session,
                AccountInput(f"new{next(n)}", "新人", "Abcdefgh12#x", Role.REGULATOR),
                actor_id=a,
                hash_method=TEST_HASH_METHOD,
            ),  # fmt: skip
            lambda a: services.update_account(
                session, target.id, "新名字", BindingInput(City.WUXI), actor_id=a
            ),
            lambda a: services.set_active(session, target.id, False, actor_id=a, now=now),
        ],
        Role.SECURITY_ADMIN: [
            lambda a: services.change_role(session, target.id, Role.REGULATOR, BindingInput(), actor_id=a),
            lambda a: services.reset_password(
                session, target.id, actor_id=a, hash_method=TEST_HASH_METHOD, now=now
            ),  # fmt: skip
            lambda a: services.lift_sign_in_locks(session, target.username, actor_id=a),
        ],
        Role.AUDIT_ADMIN: [
            lambda a: audit_log.read(session, audit_log.AuditFilter(), actor_id=a),
            lambda a: audit_log.export_csv(session, audit_log.AuditFilter(), actor_id=a),
            lambda a: audit_log.verify_chain(session, actor_id=a, now=now),
            lambda a: audit_log.last_verification(session, actor_id=a),
        ],
    }


@pytest.mark.parametrize("duty", ADMINS)
@pytest.mark.parametrize("actor_role", [*ADMINS, Role.REGULATOR])
def test_each_duty_is_its_own_administrators_only(session, staff, duty, actor_role):
    actor = staff[actor_role]
    for action in _actions(session, staff["target"])[duty]:
        if actor_role is duty:
            action(actor.id)
            session.refresh(staff["target"])
            if not staff["target"].is_active:
                services.set_active(session, staff["target"].id, True, actor_id=actor.id, now=utcnow())
        else:
            with pytest.raises(PermissionDenied):
                action(actor.id)
            session.rollback()


def test_the_system_administrator_creates_business_accounts_only(session, staff):
    for role in ADMINS:
        with pytest.raises(PermissionDenied, match="安全管理员授予"):
            services.create_account(session, AccountInput("would_be", "某人", "Abcdefgh12#x", role),
                                    actor_id=staff[Role.ADMIN].id, hash_method=TEST_HASH_METHOD)  # fmt: skip
    assert session.scalar(select(Account).where(Account.username == "would_be")) is None


def test_the_security_administrator_grants_an_administrator_role_and_the_change_is_audited(session, staff):
    target, actor = staff["target"], staff[Role.SECURITY_ADMIN]
    generation = target.session_generation
    services.change_role(session, target.id, Role.AUDIT_ADMIN, BindingInput(), actor_id=actor.id)
    session.refresh(target)
    assert target.role is Role.AUDIT_ADMIN and target.city is None
    assert target.session_generation == generation + 1
    row = session.scalars(select(AuditLog).where(AuditLog.action == "account_role")).one()
    assert (
        row.actor_id == actor.id
        and row.before["role"] == "draw_office"
        and row.after["role"] == "audit_admin"
    )


def test_nobody_changes_his_own_role_or_disables_himself(session, staff):
    security, system = staff[Role.SECURITY_ADMIN], staff[Role.ADMIN]
    with pytest.raises(PermissionDenied, match="不能变更自己的角色"):
        services.change_role(session, security.id, Role.ADMIN, BindingInput(), actor_id=security.id)
    with pytest.raises(PermissionDenied, match="不能停用自己的账号"):
        services.set_active(session, system.id, False, actor_id=system.id, now=utcnow())
    session.refresh(security)
    session.refresh(system)
    assert security.role is Role.SECURITY_ADMIN and system.is_active


@pytest.mark.parametrize("role", [Role.SECURITY_ADMIN, Role.AUDIT_ADMIN])
def test_the_last_active_security_or_audit_administrator_cannot_be_disabled(session, role):
    system, last = make_account(session, Role.ADMIN), make_account(session, role)
    make_account(session, role, is_active=False)  # a disabled one does not count
    with pytest.raises(ValidationError, match=f"最后一个启用的{role.label}"):
        services.set_active(session, last.id, False, actor_id=system.id, now=utcnow())
    session.rollback()
    session.refresh(last)
    assert last.is_active


@pytest.mark.parametrize("role", [Role.ADMIN, Role.AUDIT_ADMIN])
def test_the_last_system_or_audit_administrator_cannot_lose_his_role(session, role):
    security, last = make_account(session, Role.SECURITY_ADMIN), make_account(session, role)
    with pytest.raises(ValidationError, match=f"最后一个启用的{role.label}"):
        services.change_role(session, last.id, Role.REGULATOR, BindingInput(), actor_id=security.id)
    session.rollback()
    session.refresh(last)
    assert last.role is role


def test_two_system_administrators_may_disable_each_other_but_not_the_last(session):
    first, second = make_account(session, Role.ADMIN), make_account(session, Role.ADMIN)
    services.set_active(session, second.id, False, actor_id=first.id, now=utcnow())
    session.refresh(second)
    assert not second.is_active


def test_an_account_row_cannot_be_deleted_by_sql(session, staff):
    target = staff["target"]
    with pytest.raises(DatabaseError, match="never deleted"):
        session.execute(delete(Account).where(Account.id == target.id))
    session.rollback()
    with pytest.raises(DatabaseError, match="never deleted"):
        session.execute(text("DELETE FROM account"))
    session.rollback()
    assert session.get(Account, target.id) is not None


def test_disabling_revokes_tokens_and_ends_sign_in_and_enabling_restores_sign_in_only(session, staff):
    target, system = staff["target"], staff[Role.ADMIN]
    now = utcnow()
    token, secret = signin.create_token(session, target, "脚本", now=now, valid_for=timedelta(days=30))
    generation = target.session_generation
    services.set_active(session, target.id, False, actor_id=system.id, now=now)
    session.refresh(target)
    assert target.session_generation == generation + 1
    session.refresh(token)
    assert token.revoked_at is not None
    with pytest.raises(signin.TokenError):
        signin.account_for_token(session, secret, now=now)
    policy = ThrottlePolicy()
    with pytest.raises(signin.SignInError):
        signin.authenticate(
            session, target.username, PASSWORD, now=now, policy=policy, hash_method=TEST_HASH_METHOD
        )
    services.set_active(session, target.id, True, actor_id=system.id, now=now)
    assert signin.authenticate(session, target.username, PASSWORD, now=now, policy=policy,
                               hash_method=TEST_HASH_METHOD).id == target.id  # fmt: skip
    with pytest.raises(signin.TokenError):
        signin.account_for_token(session, secret, now=now)
    actions = session.scalars(select(AuditLog.action).where(AuditLog.object_id == str(target.id))).all()
    assert "account_disable" in actions and "account_enable" in actions


def test_the_audit_administrators_reads_exports_and_checks_are_audited(session, staff):
    auditor = staff[Role.AUDIT_ADMIN]
    criteria = audit_log.AuditFilter(object_type="account")
    audit_log.read(session, criteria, actor_id=auditor.id, page=2)
    csv_text = audit_log.export_csv(session, criteria, actor_id=auditor.id)
    result = audit_log.verify_chain(session, actor_id=auditor.id, now=utcnow())
    rows = session.scalars(
        select(AuditLog).where(AuditLog.actor_id == auditor.id).order_by(AuditLog.seq)
    ).all()
    assert [r.action for r in rows] == ["audit_read", "audit_export", "audit_verify"]
    assert rows[0].after == {"object_type": "account", "page": 2}
    assert rows[1].after["rows"] == csv_text.count("\n") - 1
    assert result.is_sound and rows[2].outcome == "ok"
    again = audit_log.last_verification(session, actor_id=auditor.id)
    assert again is not None and again.is_sound and again.checked == result.checked and again.found == 0


def test_a_failed_check_is_read_back_with_its_problems_and_their_count(session, staff, monkeypatch):
    auditor = staff[Role.AUDIT_ADMIN]
    assert audit_log.last_verification(session, actor_id=auditor.id) is None
    problems = [f"第{n}条记录被改动" for n in range(1, 61)]
    monkeypatch.setattr(audit_log.audit, "verify", lambda _session: (70, problems))
    audit_log.verify_chain(session, actor_id=auditor.id, now=utcnow())
    shown = audit_log.last_verification(session, actor_id=auditor.id)
    assert shown is not None and not shown.is_sound and shown.checked == 70
    assert shown.found == 60 and shown.problems == problems[: audit_log.SHOWN_PROBLEMS]


def test_a_security_administrator_lifts_the_locks_on_a_name(session, staff):
    now, policy = utcnow(), ThrottlePolicy()
    target = staff["target"]
    for _ in range(policy.max_failures):
        with pytest.raises(signin.SignInError):
            signin.authenticate(session, target.username, "wrong", now=now, policy=policy,
                                hash_method=TEST_HASH_METHOD, address="10.0.0.9")  # fmt: skip
    with pytest.raises(signin.SignInLocked):
        signin.authenticate(session, target.username, PASSWORD, now=now, policy=policy,
                            hash_method=TEST_HASH_METHOD, address="10.0.0.9")  # fmt: skip
    assert services.lift_sign_in_locks(session, target.username, actor_id=staff[Role.SECURITY_ADMIN].id) >= 1
    assert (
        session.scalar(select(SignInCounter.locked_until).where(SignInCounter.username == target.username))
        is None
    )
    assert signin.authenticate(session, target.username, PASSWORD, now=now, policy=policy,
                               hash_method=TEST_HASH_METHOD, address="10.0.0.9").id == target.id  # fmt: skip
