"""Issue 18 through the pages: no full ID number in edit forms, and no write on another city's expert."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from expert_pool.credit import ledger
from expert_pool.credit.rules import EventKind
from expert_pool.experts import services
from expert_pool.experts.identity import IdentityVault, check_character, mask
from expert_pool.experts.models import CreditAppeal, CreditEventRow, Expert, ExpertStatus
from knowledge.accounts.models import Role
from knowledge.audit import AuditLog
from knowledge.regions import City
from tests.factories import admin_scope, login, make_account, make_expert

BODY = "32010219800101001"
ID = BODY + check_character(BODY)
TODAY = datetime.now(UTC).date()


@pytest.fixture
def expert(app, session):
    """An expert living in Nanjing, with an ID number stored the way the office stores it."""
    vault = IdentityVault(app.config["EXPERT_ID_KEY"].encode())
    data = services.ExpertInput("张三", City.NANJING, ID, specialties=["excavation"], phone="13812345678")
    return services.create_expert(session, data, vault=vault, scope=admin_scope(session))


def as_(client, session, role, city=None):
    account = make_account(session, role, city=city)
    login(client, account)
    return account


def test_the_edit_form_never_holds_the_full_number(client, session, expert):
    as_(client, session, Role.DRAW_OFFICE, City.NANJING)
    page = client.get(f"/experts/{expert.id}/edit").get_data(as_text=True)
    assert ID not in page and mask(ID) in page and "留空则不修改" in page
    form = {
        "name": "张三丰",
        "id_number": "",
        "city": "nanjing",
        "title_level": "",
        "specialties": ["excavation"],
        "phone": "13812345678",
    }
    response = client.post(f"/experts/{expert.id}/edit", data=form, follow_redirects=True)
    assert "专家信息已更新" in response.get_data(as_text=True)
    session.expire_all()
    stored = session.get(Expert, expert.id)
    assert stored.name == "张三丰" and stored.id_number_masked == mask(ID)
    client.post("/auth/logout")
    as_(client, session, Role.ADMIN)
    assert ID not in client.get(f"/experts/{expert.id}/edit").get_data(
        as_text=True
    )  # not even the admin's form


def test_a_city_office_cannot_open_or_post_another_citys_edit_form(client, session, expert):
    as_(client, session, Role.DRAW_OFFICE, City.SUZHOU)
    response = client.get(f"/experts/{expert.id}/edit")
    assert response.status_code == 403 and ID not in response.get_data(as_text=True)
    form = {"name": "改名", "id_number": "", "city": "suzhou", "specialties": ["excavation"]}
    assert client.post(f"/experts/{expert.id}/edit", data=form).status_code == 403
    session.expire_all()
    assert session.get(Expert, expert.id).name == "张三"


def test_the_admins_full_view_is_audited(client, session, expert):
    admin = as_(client, session, Role.ADMIN)
    assert ID in client.get(f"/experts/{expert.id}").get_data(as_text=True)
    rows = list(session.scalars(select(AuditLog).where(AuditLog.action == "expert_id_view")))
    assert [(r.actor_id, r.object_id) for r in rows] == [(admin.id, str(expert.id))]
    client.post("/auth/logout")
    as_(client, session, Role.REGULATOR)
    page = client.get(f"/experts/{expert.id}").get_data(as_text=True)
    assert ID not in page and mask(ID) in page
    assert session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "expert_id_view")) == 1


def test_a_city_office_cannot_suspend_another_citys_expert(client, session, expert):
    as_(client, session, Role.DRAW_OFFICE, City.SUZHOU)
    response = client.post(f"/experts/{expert.id}/status",
                           data={"status": "suspended", "until": "2027-05-24", "reason": "越权"})  # fmt: skip
    assert response.status_code == 403
    employment = client.post(f"/experts/{expert.id}/employments",
                             data={"enterprise_credit_code": "x", "start": "2020-01-01"})  # fmt: skip
    assert employment.status_code in (302, 403)
    session.expire_all()
    assert session.get(Expert, expert.id).status is ExpertStatus.ACTIVE


def test_a_city_regulator_cannot_record_misconduct_on_another_citys_expert(client, session, expert):
    as_(client, session, Role.REGULATOR, City.SUZHOU)
    page = client.get(f"/experts/{expert.id}/credit").get_data(as_text=True)
    assert 'name="kind"' not in page  # no recording form for another city's expert
    response = client.post(f"/experts/{expert.id}/credit",
                           data={"kind": "misconduct", "day": TODAY.isoformat(), "reason": "收受财物"})  # fmt: skip
    assert response.status_code == 403
    session.expire_all()
    assert session.scalar(select(func.count(CreditEventRow.id))) == 0
    assert session.get(Expert, expert.id).status is ExpertStatus.ACTIVE


def test_a_city_regulator_cannot_reverse_or_decide_on_another_citys_expert(client, session, expert):
    event = ledger.record(session, expert.id, EventKind.NO_SHOW, day=TODAY, reason="未到会", actor_id=None)
    assert event is not None
    appeal = ledger.file_appeal(
        session,
        expert.id,
        event.id,
        "当日住院",
        actor_id=make_account(session, Role.EXPERT, expert_id=expert.id).id,
    )
    as_(client, session, Role.REGULATOR, City.SUZHOU)
    assert client.post(f"/experts/credit/{event.id}/reverse", data={"reason": "无申诉"}).status_code == 403
    response = client.post(
        f"/experts/appeals/{appeal.id}/decide", data={"decision": "upheld", "note": "越权"}
    )
    assert response.status_code == 403
    session.expire_all()
    assert session.scalar(select(func.count(CreditEventRow.id))) == 1
    assert session.get(CreditAppeal, appeal.id).status == "pending"


def test_misconduct_reversed_restores_the_expert_and_the_office_can_restore_a_removal(
    client, session, expert
):
    as_(client, session, Role.REGULATOR, City.NANJING)
    client.post(f"/experts/{expert.id}/credit",
                data={"kind": "misconduct", "day": TODAY.isoformat(), "reason": "收受财物"})  # fmt: skip
    session.expire_all()
    assert session.get(Expert, expert.id).status is ExpertStatus.REMOVED
    event_id = session.scalar(select(CreditEventRow.id).where(CreditEventRow.kind == "misconduct"))
    page = client.post(
        f"/experts/credit/{event_id}/reverse", data={"reason": "查无实据"}, follow_redirects=True
    )
    assert "已撤销" in page.get_data(as_text=True)
    session.expire_all()
    assert session.get(Expert, expert.id).status is ExpertStatus.ACTIVE
    client.post("/auth/logout")
    as_(client, session, Role.DRAW_OFFICE, City.NANJING)
    client.post(f"/experts/{expert.id}/status", data={"status": "removed", "reason": "本人申请退出"})
    page = client.post(f"/experts/{expert.id}/status", data={"status": "active", "reason": "撤回退出申请"},
                       follow_redirects=True).get_data(as_text=True)  # fmt: skip
    assert "状态已改为：在库" in page or "状态已改为" in page
    session.expire_all()
    assert session.get(Expert, expert.id).status is ExpertStatus.ACTIVE
    restored = session.scalar(
        select(AuditLog).where(AuditLog.action == "expert_status").order_by(AuditLog.id.desc())
    )
    assert restored.after["reason"] == "撤回退出申请" and restored.before["status"] == "removed"


def test_a_provincial_office_and_regulator_keep_working_on_every_city(client, session):
    suzhou = make_expert(session, city=City.SUZHOU)
    as_(client, session, Role.REGULATOR)
    client.post(f"/experts/{suzhou.id}/credit",
                data={"kind": "training", "day": TODAY.isoformat(), "reason": "参加培训"})  # fmt: skip
    assert session.scalar(select(func.count(CreditEventRow.id))) == 1
    client.post("/auth/logout")
    as_(client, session, Role.DRAW_OFFICE)
    client.post(
        f"/experts/{suzhou.id}/status", data={"status": "suspended", "until": "2027-05-24", "reason": "暂停"}
    )
    session.expire_all()
    assert session.get(Expert, suzhou.id).status is ExpertStatus.SUSPENDED


def test_a_city_office_cannot_add_an_expert_of_another_city_through_the_form(client, session):
    as_(client, session, Role.DRAW_OFFICE, City.SUZHOU)
    form = {
        "name": "李四",
        "id_number": ID,
        "city": "nanjing",
        "title_level": "",
        "specialties": ["excavation"],
    }
    response = client.post("/experts/new", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "不能添加南京市的专家" in page
    assert session.scalar(select(func.count(Expert.id))) == 0
    response = client.post("/experts/new", data={**form, "city": "suzhou"}, follow_redirects=True)
    assert "专家已入库" in response.get_data(as_text=True)
    assert session.scalar(select(Expert.city)) is City.SUZHOU
