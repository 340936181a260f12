"""Expert records: ID numbers encrypted with a keyed hash for duplicates, masked display, status, history."""

from datetime import date

import pytest
from sqlalchemy import select, text

from expert_pool.experts import services
from expert_pool.experts.identity import IdentityVault, check_character, mask, normalize_id_number
from expert_pool.experts.models import Expert, ExpertStatus
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.errors import DuplicateError, ValidationError
from knowledge.regions import City
from tests.factories import admin_scope, credit_code, make_account, make_enterprise

VAULT = IdentityVault(IdentityVault.new_key())


def id_number(body: str = "32010219800101001") -> str:
    return body + check_character(body)


def expert_input(**overrides):
    fields = {"name": "张三", "city": City.NANJING, "id_number": id_number(), "specialties": ["excavation"],
              "phone": "13812345678"}  # fmt: skip
    fields.update(overrides)
    return services.ExpertInput(**fields)


def test_id_number_check_character_and_mask():
    assert normalize_id_number("11010519491231002x") == "11010519491231002X"
    with pytest.raises(ValidationError, match="校验位"):
        normalize_id_number("110105194912310021")
    with pytest.raises(ValidationError, match="18位"):
        normalize_id_number("1101051949")
    assert mask("11010519491231002X") == "110***********002X"


def test_id_number_is_encrypted_at_rest_and_duplicates_are_found_by_hash(session):
    expert = services.create_expert(session, expert_input(), vault=VAULT, scope=admin_scope(session))
    raw = session.execute(
        text("SELECT id_number_encrypted, id_number_hash, id_number_masked FROM expert")
    ).one()
    assert id_number() not in " ".join(raw) and raw[2] == mask(id_number())
    assert VAULT.decrypt(expert.id_number_encrypted) == id_number()
    with pytest.raises(DuplicateError, match="张三"):
        services.create_expert(session, expert_input(name="李四", id_number=id_number().lower()), vault=VAULT,
                               scope=admin_scope(session))  # fmt: skip
    other_vault = IdentityVault(IdentityVault.new_key())
    with pytest.raises(ValidationError, match="密钥不匹配"):
        other_vault.decrypt(expert.id_number_encrypted)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [({"specialties": []}, "specialties"), ({"specialties": ["cooking"]}, "specialties"), ({"phone": "12345"}, "phone"),
     ({"email": "not-mail"}, "email"), ({"name": ""}, "name"), ({"annual_cap": 0}, "annual_cap")],
)  # fmt: skip
def test_bad_expert_input(session, overrides, field):
    with pytest.raises(ValidationError) as info:
        services.create_expert(session, expert_input(**overrides), vault=VAULT, scope=admin_scope(session))
    assert info.value.field == field
    session.rollback()
    assert session.scalar(select(Expert.id)) is None


def office(session):
    return Scope.of(make_account(session, Role.DRAW_OFFICE))


def test_suspension_needs_an_end_and_a_removal_is_restored_only_to_active_with_a_reason(session):
    expert = services.create_expert(session, expert_input(), vault=VAULT, scope=admin_scope(session))
    scope = office(session)
    with pytest.raises(ValidationError, match="截止日期"):
        services.set_status(
            session, expert, ExpertStatus.SUSPENDED, until=None, reason="信用分低", scope=scope
        )
    services.set_status(
        session, expert, ExpertStatus.SUSPENDED, until=date(2027, 5, 1), reason="信用分低", scope=scope
    )
    assert expert.suspended_until == date(2027, 5, 1)
    services.set_status(session, expert, ExpertStatus.REMOVED, until=None, reason="收受财物", scope=scope)
    with pytest.raises(ValidationError, match="只能恢复在库"):
        services.set_status(session, expert, ExpertStatus.SUSPENDED, until=date(2027, 5, 1), reason="改判",
                            scope=scope)  # fmt: skip
    with pytest.raises(ValidationError, match="原因"):
        services.set_status(session, expert, ExpertStatus.ACTIVE, until=None, reason=" ", scope=scope)
    services.set_status(
        session, expert, ExpertStatus.ACTIVE, until=None, reason="经复核查无实据", scope=scope
    )
    assert expert.status is ExpertStatus.ACTIVE and expert.suspended_until is None


def test_employment_history_and_declarations(session):
    group = make_enterprise(session, name="苏州某建设集团有限公司")
    expert = services.create_expert(session, expert_input(), vault=VAULT, scope=admin_scope(session))
    scope = office(session)
    services.add_employment(session, expert, group, date(2019, 3, 1), date(2022, 6, 30), "总工", scope=scope)
    with pytest.raises(ValidationError, match="离职日期"):
        services.add_employment(session, expert, group, date(2023, 1, 1), date(2022, 1, 1), "", scope=scope)
    with pytest.raises(ValidationError, match="未登记"):
        services.enterprise_by_code(session, credit_code("320102"))
    with pytest.raises(ValidationError, match="校验位"):
        services.enterprise_by_code(
            session, group.credit_code[:-1] + ("0" if group.credit_code[-1] != "0" else "1")
        )
    services.declare_conflict(session, expert, group, "配偶在该集团任职", actor_id=None)
    assert [j.enterprise.name for j in expert.employments] == ["苏州某建设集团有限公司"]
    assert expert.declarations[0].note == "配偶在该集团任职"
