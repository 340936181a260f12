"""Issue 18: every write on an expert checks the account's role and city; full ID numbers for the admin only."""

from datetime import date

import pytest
from sqlalchemy import func, select

from expert_pool.credit import ledger
from expert_pool.credit.rules import EventKind
from expert_pool.experts import services
from expert_pool.experts.identity import IdentityVault, check_character, mask
from expert_pool.experts.models import CreditAppeal, CreditEventRow, Expert, ExpertStatus
from expert_pool.experts.scopes import may_manage_expert
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.audit import AuditLog
from knowledge.errors import PermissionDenied, ValidationError
from knowledge.regions import City
from tests.factories import admin_scope, make_account, make_enterprise, make_expert

VAULT = IdentityVault(IdentityVault.new_key())
DAY = date(2026, 6, 1)
BODY = "32010219800101001"
ID = BODY + check_character(BODY)


def scope_of(session, role, city=None):
    return Scope.of(make_account(session, role, city=city))


def nanjing_expert(session):
    data = services.ExpertInput("张三", City.NANJING, ID, specialties=["excavation"], phone="13812345678")
    return services.create_expert(session, data, vault=VAULT, scope=admin_scope(session))


def test_the_scope_rule_is_one_predicate():
    nanjing = Expert(name="甲", city=City.NANJING)
    allowed = [Scope(1, Role.ADMIN), Scope(2, Role.DRAW_OFFICE), Scope(3, Role.REGULATOR),
               Scope(4, Role.DRAW_OFFICE, City.NANJING), Scope(5, Role.REGULATOR, City.NANJING)]  # fmt: skip
    denied = [Scope(6, Role.DRAW_OFFICE, City.SUZHOU), Scope(7, Role.REGULATOR, City.SUZHOU),
              Scope(8, Role.PROJECT_TEAM, enterprise_id=1), Scope(9, Role.EXPERT, expert_id=1)]  # fmt: skip
    assert all(may_manage_expert(s, nanjing) for s in allowed)
    assert not any(may_manage_expert(s, nanjing) for s in denied)


def test_a_city_office_cannot_edit_suspend_or_add_a_job_to_another_citys_expert(session):
    expert = nanjing_expert(session)
    suzhou = scope_of(session, Role.DRAW_OFFICE, City.SUZHOU)
    with pytest.raises(PermissionDenied, match="城市"):
        services.set_status(session, expert, ExpertStatus.SUSPENDED, until=date(2027, 1, 1), reason="越权",
                            scope=suzhou)  # fmt: skip
    with pytest.raises(PermissionDenied, match="城市"):
        services.update_expert(session, expert, services.ExpertInput("改名", City.NANJING, "", specialties=["excavation"]),
                               vault=VAULT, scope=suzhou)  # fmt: skip
    with pytest.raises(PermissionDenied, match="城市"):
        services.add_employment(session, expert, make_enterprise(session), DAY, None, "总工", scope=suzhou)
    session.rollback()
    session.expire_all()
    assert (expert.status, expert.name, expert.employments) == (ExpertStatus.ACTIVE, "张三", [])
    with pytest.raises(PermissionDenied, match="无权"):  # a regulator records credit; he does not suspend
        services.set_status(session, expert, ExpertStatus.REMOVED, until=None, reason="越权",
                            scope=scope_of(session, Role.REGULATOR))  # fmt: skip
    nanjing = scope_of(session, Role.DRAW_OFFICE, City.NANJING)
    with pytest.raises(PermissionDenied, match="以外的城市"):
        services.update_expert(session, expert, services.ExpertInput("张三", City.SUZHOU, "", specialties=["excavation"]),
                               vault=VAULT, scope=nanjing)  # fmt: skip
    session.rollback()
    services.set_status(session, expert, ExpertStatus.SUSPENDED, until=date(2027, 1, 1), reason="信用分低",
                        scope=nanjing)  # fmt: skip
    assert expert.status is ExpertStatus.SUSPENDED


def test_an_edit_with_the_number_left_empty_keeps_it_and_a_new_one_replaces_it(session):
    expert = nanjing_expert(session)
    office = scope_of(session, Role.DRAW_OFFICE, City.NANJING)
    services.update_expert(session, expert, services.ExpertInput("张三丰", City.NANJING, "", specialties=["excavation"]),
                           vault=VAULT, scope=office)  # fmt: skip
    assert expert.name == "张三丰" and VAULT.decrypt(expert.id_number_encrypted) == ID
    other = "32010219800101002"
    services.update_expert(session, expert, services.ExpertInput("张三丰", City.NANJING, other + check_character(other),
                           specialties=["excavation"]), vault=VAULT, scope=office)  # fmt: skip
    assert expert.id_number_masked == mask(other + check_character(other))
    with pytest.raises(ValidationError, match="请填写身份证号码"):  # creation still needs it
        services.create_expert(session, services.ExpertInput("李四", City.NANJING, " ", specialties=["excavation"]),
                               vault=VAULT, scope=admin_scope(session))  # fmt: skip


def test_only_the_admin_reads_the_full_number_and_each_read_is_audited(session):
    expert = nanjing_expert(session)
    with pytest.raises(PermissionDenied, match="管理员"):
        services.reveal_id_number(session, expert, scope=scope_of(session, Role.DRAW_OFFICE), vault=VAULT)
    admin = scope_of(session, Role.ADMIN)
    assert services.reveal_id_number(session, expert, scope=admin, vault=VAULT) == ID
    rows = list(session.scalars(select(AuditLog).where(AuditLog.action == "expert_id_view")))
    assert [(r.actor_id, r.object_id) for r in rows] == [(admin.account_id, str(expert.id))]


def test_a_city_regulator_cannot_record_reverse_or_decide_on_another_citys_expert(session):
    expert = make_expert(session, city=City.NANJING)
    suzhou = scope_of(session, Role.REGULATOR, City.SUZHOU)
    with pytest.raises(PermissionDenied, match="城市"):
        ledger.record_by(session, suzhou, expert.id, EventKind.MISCONDUCT, day=DAY, reason="收受财物")
    session.rollback()
    assert session.scalar(select(func.count(CreditEventRow.id))) == 0
    assert session.get(Expert, expert.id).status is ExpertStatus.ACTIVE
    with pytest.raises(PermissionDenied, match="无权"):
        ledger.record_by(session, scope_of(session, Role.DRAW_OFFICE), expert.id, EventKind.TRAINING, day=DAY,
                         reason="培训")  # fmt: skip
    with pytest.raises(PermissionDenied, match="系统自动"):
        ledger.record_by(session, scope_of(session, Role.REGULATOR), expert.id, EventKind.LATE_DECLINE, day=DAY,
                         reason="临时谢绝")  # fmt: skip
    event = ledger.record(session, expert.id, EventKind.NO_SHOW, day=DAY, reason="未到会", actor_id=None)
    assert event is not None
    with pytest.raises(PermissionDenied, match="城市"):
        ledger.appeal_upheld(session, event.id, day=DAY, reason="无申诉", scope=suzhou)
    appeal = ledger.file_appeal(
        session,
        expert.id,
        event.id,
        "当日住院",
        actor_id=make_account(session, Role.EXPERT, expert_id=expert.id).id,
    )
    with pytest.raises(PermissionDenied, match="城市"):
        ledger.decide_appeal(session, appeal.id, upheld=True, note="越权", day=DAY, scope=suzhou)
    session.rollback()
    assert session.scalar(select(func.count(CreditEventRow.id))) == 1
    assert session.get(CreditAppeal, appeal.id).status == "pending"
    ledger.decide_appeal(session, appeal.id, upheld=True, note="证明属实", day=DAY,
                         scope=scope_of(session, Role.REGULATOR, City.NANJING))  # fmt: skip
    assert [e.reversed for e in ledger.events_of(session, expert.id) if e.id == event.id] == [True]


def test_reversing_a_misconduct_removal_gives_back_the_status_held_before(session):
    regulator = scope_of(session, Role.REGULATOR, City.NANJING)
    active = make_expert(session, city=City.NANJING)
    misconduct = ledger.record_by(
        session, regulator, active.id, EventKind.MISCONDUCT, day=DAY, reason="收受财物"
    )
    assert misconduct is not None and active.status is ExpertStatus.REMOVED
    ledger.appeal_upheld(session, misconduct.id, day=DAY, reason="查无实据", scope=regulator)
    assert (active.status, active.suspended_until) == (ExpertStatus.ACTIVE, None)

    suspended = make_expert(session, city=City.NANJING)
    for _ in range(2):
        ledger.record_by(session, regulator, suspended.id, EventKind.CARELESS_REVIEW, day=DAY, reason="漏项",
                         points=-20)  # fmt: skip
    held = (suspended.status, suspended.suspended_until)
    assert held[0] is ExpertStatus.SUSPENDED and held[1] is not None
    misconduct = ledger.record_by(
        session, regulator, suspended.id, EventKind.MISCONDUCT, day=DAY, reason="收受财物"
    )
    assert misconduct is not None and suspended.status is ExpertStatus.REMOVED
    ledger.appeal_upheld(session, misconduct.id, day=DAY, reason="查无实据", scope=regulator)
    assert (suspended.status, suspended.suspended_until) == held


def test_a_removal_by_the_office_is_not_undone_by_a_credit_reversal(session):
    expert = make_expert(session, city=City.NANJING)
    services.set_status(session, expert, ExpertStatus.REMOVED, until=None, reason="本人申请退出",
                        scope=scope_of(session, Role.DRAW_OFFICE))  # fmt: skip
    regulator = scope_of(session, Role.REGULATOR)
    misconduct = ledger.record_by(
        session, regulator, expert.id, EventKind.MISCONDUCT, day=DAY, reason="收受财物"
    )
    assert misconduct is not None
    ledger.appeal_upheld(session, misconduct.id, day=DAY, reason="查无实据", scope=regulator)
    assert expert.status is ExpertStatus.REMOVED


def test_a_city_office_adds_experts_of_its_own_city_only(session):
    data = services.ExpertInput("王五", City.SUZHOU, ID, specialties=["excavation"])
    scopes = (scope_of(session, Role.DRAW_OFFICE, City.NANJING), scope_of(session, Role.REGULATOR),
              scope_of(session, Role.EXPERT))  # fmt: skip
    before = session.scalar(select(func.count(Expert.id)))  # the expert account's own expert
    for scope in scopes:
        with pytest.raises(PermissionDenied):
            services.create_expert(session, data, vault=VAULT, scope=scope)
        session.rollback()
    assert session.scalar(select(func.count(Expert.id))) == before
    assert not session.scalars(select(AuditLog).where(AuditLog.action == "expert_create")).all()
    suzhou = scope_of(session, Role.DRAW_OFFICE, City.SUZHOU)
    added = services.create_expert(session, data, vault=VAULT, scope=suzhou)
    row = session.scalar(select(AuditLog).where(AuditLog.action == "expert_create"))
    assert added.city is City.SUZHOU and row.actor_id == suzhou.account_id
    province = scope_of(session, Role.DRAW_OFFICE)  # a provincial office adds anywhere
    other = services.ExpertInput("赵六", City.WUXI, "32010219800101002" + check_character("32010219800101002"),
                                 specialties=["excavation"])  # fmt: skip
    assert services.create_expert(session, other, vault=VAULT, scope=province).city is City.WUXI


def test_a_city_offices_import_names_each_row_of_another_city_and_stores_none(session):
    from expert_pool.experts import importing
    from tests.integration.test_expert_import import row, xlsx

    nanjing = scope_of(session, Role.DRAW_OFFICE, City.NANJING)
    data = xlsx([row(1), row(2, 所在城市="苏州市")])
    report = importing.dry_run(session, data, "experts.xlsx", vault=VAULT, scope=nanjing)
    assert [(r, c) for r, c, _ in report.problems()] == [(3, "所在城市")]
    assert "苏州市" in report.problems()[0][2] and "不属于本账号管辖" in report.problems()[0][2]
    with pytest.raises(importing.ExpertImportError):
        importing.commit_import(session, data, "experts.xlsx", vault=VAULT, scope=nanjing)
    assert session.scalar(select(func.count(Expert.id))) == 0
    with pytest.raises(PermissionDenied):
        importing.commit_import(
            session, data, "experts.xlsx", vault=VAULT, scope=scope_of(session, Role.REGULATOR)
        )
    assert importing.commit_import(session, xlsx([row(1)]), "experts.xlsx", vault=VAULT, scope=nanjing) == 1
