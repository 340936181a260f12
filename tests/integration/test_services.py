"""Enterprises, accounts and the audit log through the services, as the web, API and CLI use them."""

from datetime import date

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DatabaseError

from knowledge.accounts import services as account_services
from knowledge.accounts.models import Role
from knowledge.audit import AuditLog
from knowledge.enterprises import services
from knowledge.enterprises.models import EnterpriseType
from knowledge.errors import DuplicateError, ValidationError
from knowledge.regions import City
from tests.factories import TEST_HASH_METHOD, credit_code, make_enterprise, make_expert


def enterprise_input(**overrides):
    fields = {
        "name": "江苏测试建工集团有限公司",
        "credit_code": credit_code("320102"),
        "type": EnterpriseType.CONSTRUCTOR,
        "city": City.NANJING,
    }
    fields.update(overrides)
    return services.EnterpriseInput(**fields)


def test_create_enterprise_records_an_audit_row(session):
    data = enterprise_input()
    enterprise = services.create_enterprise(session, data, actor_id=None)
    row = session.scalar(select(AuditLog).where(AuditLog.object_type == "enterprise"))
    assert row.action == "enterprise_create"
    assert row.object_id == str(enterprise.id)
    assert row.after["credit_code"] == data.credit_code


def test_invalid_credit_code_is_refused_and_nothing_is_written(session):
    code = credit_code()
    typo = code[:-1] + ("0" if code[-1] != "0" else "1")
    with pytest.raises(ValidationError, match="校验位") as info:
        services.create_enterprise(session, enterprise_input(credit_code=typo), actor_id=None)
    assert info.value.field == "credit_code"
    session.rollback()
    assert session.scalar(select(AuditLog)) is None


def test_duplicate_credit_code_names_the_existing_enterprise(session):
    existing = make_enterprise(session)
    with pytest.raises(DuplicateError, match=existing.name):
        services.create_enterprise(
            session, enterprise_input(credit_code=existing.credit_code.lower()), actor_id=None
        )


@pytest.mark.parametrize(("name", "message"), [("", "不能为空"), ("某" * 201, "不能超过200")])
def test_enterprise_name_is_checked(session, name, message):
    with pytest.raises(ValidationError, match=message):
        services.create_enterprise(session, enterprise_input(name=name), actor_id=None)


def test_parent_is_linked_by_code_and_cycles_are_refused(session):
    group = make_enterprise(session, name="苏州测试集团有限公司")
    child = services.create_enterprise(
        session,
        enterprise_input(parent_credit_code=group.credit_code, parent_since=date(2020, 1, 1)),
        actor_id=None,
    )
    assert child.parent_id == group.id
    data = enterprise_input(
        name=group.name,
        credit_code=group.credit_code,
        city=group.city,
        parent_credit_code=child.credit_code,
        parent_since=date(2021, 1, 1),
    )
    with pytest.raises(ValidationError, match="下属单位"):
        services.update_enterprise(session, group.id, data, actor_id=None)


def test_update_records_before_and_after(session):
    enterprise = make_enterprise(session)
    data = enterprise_input(name="改名后的建设有限公司", credit_code=enterprise.credit_code, city=City.SUZHOU)
    services.update_enterprise(session, enterprise.id, data, actor_id=None)
    row = session.scalar(select(AuditLog).where(AuditLog.action == "enterprise_update"))
    assert row.before["name"] != row.after["name"] == "改名后的建设有限公司"


def test_audit_log_rows_cannot_be_changed_or_deleted(session):
    services.create_enterprise(session, enterprise_input(), actor_id=None)
    for statement in (update(AuditLog).values(action="tampered"), delete(AuditLog)):
        with pytest.raises(DatabaseError, match="append-only"):
            session.execute(statement)
            session.flush()
        session.rollback()
    assert session.scalar(select(AuditLog.action)) == "enterprise_create"


def account_input(**overrides):
    fields = {"username": "zhangsan", "display_name": "张三", "password": "Passw0rd!2026", "role": Role.ADMIN}
    fields.update(overrides)
    return account_services.AccountInput(**fields)


def create(session, **overrides):
    return account_services.create_account(
        session, account_input(**overrides), actor_id=None, hash_method=TEST_HASH_METHOD
    )


def test_account_password_is_hashed_with_scrypt(session):
    account = create(session)
    assert account.password_hash.startswith("scrypt:")
    assert "Passw0rd!2026" not in account.password_hash


def test_production_hash_is_memory_hard(tmp_path):
    from knowledge.accounts.passwords import DEFAULT_METHOD
    from webapp.config import Config

    method = Config(tmp_path).PASSWORD_HASH_METHOD
    _, n, r, _ = method.split(":")
    assert method == DEFAULT_METHOD
    assert int(n) * int(r) * 128 >= 16 * 1024 * 1024  # at least 16 MiB per guess


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"username": "ab"}, "用户名"),
        ({"username": "张三"}, "用户名"),
        ({"password": "short"}, "密码长度"),
        ({"password": "x" * 129}, "密码长度"),
        ({"display_name": " "}, "姓名"),
        ({"role": Role.PROJECT_TEAM}, "绑定一个单位"),
        ({"role": Role.EXPERT}, "绑定一条专家记录"),
        ({"role": Role.EXPERT, "expert_id": 999}, "专家记录不存在"),
        ({"role": Role.ADMIN, "city": City.SUZHOU}, "限定城市"),
    ],
)
def test_bad_account_input_is_refused(session, overrides, message):
    with pytest.raises(ValidationError, match=message):
        create(session, **overrides)


def test_duplicate_username_and_double_bound_expert_are_refused(session):
    expert = make_expert(session)
    create(session, username="lisi", role=Role.EXPERT, expert_id=expert.id)
    with pytest.raises(DuplicateError, match="已被使用"):
        create(session, username="LiSi")
    with pytest.raises(DuplicateError, match="已绑定"):
        create(session, username="wangwu", role=Role.EXPERT, expert_id=expert.id)
