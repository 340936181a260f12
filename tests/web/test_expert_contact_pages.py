"""Experts' contact details on the pages (issue 18): masks in the pool's list, detail and edit form; the full
phone and e-mail on the draw page only for the draw's office, after a POST with a reason, audited once; the
expert's own profile in full."""

import re

import pytest
from sqlalchemy import func, select

from expert_pool.draws.models import SeatStatus
from expert_pool.experts.contacts import contact_fields
from knowledge.accounts.models import Role
from knowledge.audit import AuditLog
from knowledge.db import utcnow
from knowledge.identity import IdentityVault
from knowledge.regions import City
from tests.factories import login, make_account, make_expert
from tests.review_fixtures import DRAWN_AT, ready_meeting

PHONE, EMAIL = "13812345678", "zhangsan@example.com"


def vault(app):
    return IdentityVault(app.config["EXPERT_ID_KEY"].encode())


def csrf(client, path):
    match = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', client.get(path).get_data(as_text=True)
    )
    return match.group(1) if match else ""


def views(session):
    return session.scalar(select(func.count()).where(AuditLog.action == "expert_contact_view"))


def test_the_pool_pages_show_masks_only(app, client, session):
    expert = make_expert(session, name="张三", phone=PHONE, email=EMAIL, vault=vault(app))
    for role in (Role.DRAW_OFFICE, Role.REGULATOR, Role.ADMIN):
        login(client, make_account(session, role))
        for path in ("/experts/?q=张三", f"/experts/{expert.id}", f"/experts/{expert.id}/edit"):
            page = client.get(path).get_data(as_text=True)
            assert PHONE not in page and EMAIL not in page, (role, path)
        detail = client.get(f"/experts/{expert.id}").get_data(as_text=True)
        assert "138****5678" in detail and "z***@example.com" in detail
    found = client.get(f"/experts/?q={PHONE}").get_data(as_text=True)  # the admin searches by the number
    assert f"/experts/{expert.id}" in found and "138****5678" in found


def test_the_expert_sees_his_own_contact_in_full(app, client, session):
    expert = make_expert(session, phone=PHONE, email=EMAIL, vault=vault(app))
    login(client, make_account(session, Role.EXPERT, expert_id=expert.id))
    page = client.get("/experts/me").get_data(as_text=True)
    assert PHONE in page and EMAIL in page


@pytest.fixture
def m(app, session):
    meeting = ready_meeting(session, app.config["UPLOAD_DIR"])
    for n, seat in enumerate(meeting.draw.seats):
        for key, value in contact_fields(vault(app), f"1391234{n:04d}", f"expert{n}@example.com").items():
            setattr(seat.expert, key, value)
    session.commit()
    app.config["CLOCK_OFFSET_HOURS"] = (DRAWN_AT - utcnow()).total_seconds() / 3600 + 2
    return meeting


def confirmed(m):
    return next(s for s in m.draw.seats if s.status is SeatStatus.CONFIRMED)


def test_the_draws_office_views_an_invited_experts_contact_once_audited(client, session, m):
    seat = confirmed(m)
    n = m.draw.seats.index(seat)
    login(client, m.office)
    page = client.get(f"/draws/{m.draw.id}").get_data(as_text=True)
    assert "查看联系方式" in page and f"1391234{n:04d}" not in page and f"139****{n:04d}" in page
    token = csrf(client, f"/draws/{m.draw.id}")
    shown = client.post(
        f"/draws/seats/{seat.id}/contact", data={"csrf_token": token, "reason": "电话确认参会"}
    )
    body = shown.get_data(as_text=True)
    assert shown.status_code == 200 and f"1391234{n:04d}" in body and f"expert{n}@example.com" in body
    assert views(session) == 1
    row = session.scalar(select(AuditLog).where(AuditLog.action == "expert_contact_view"))
    assert (
        row.actor_id == m.office.id
        and row.after["seat_id"] == seat.id
        and row.after["reason"] == "电话确认参会"
    )
    again = client.get(f"/draws/{m.draw.id}").get_data(as_text=True)
    assert f"1391234{n:04d}" not in again  # shown once, on the response; never kept


def test_a_missing_reason_is_asked_for_in_chinese(client, session, m):
    login(client, m.office)
    token = csrf(client, f"/draws/{m.draw.id}")
    page = client.post(f"/draws/seats/{confirmed(m).id}/contact", data={"csrf_token": token, "reason": " "},
                       follow_redirects=True).get_data(as_text=True)  # fmt: skip
    assert "请填写查看联系方式的事由" in page and views(session) == 0


@pytest.mark.parametrize("who", ["regulator", "admin", "nanjing_office"])
def test_others_are_refused_with_a_chinese_message(client, session, m, who):
    account = {
        "regulator": lambda: make_account(session, Role.REGULATOR, city=City.SUZHOU),
        "admin": lambda: make_account(session, Role.ADMIN),
        "nanjing_office": lambda: make_account(session, Role.DRAW_OFFICE, city=City.NANJING),
    }[who]()
    login(client, account)
    token = csrf(client, "/auth/password")
    response = client.post(
        f"/draws/seats/{confirmed(m).id}/contact", data={"csrf_token": token, "reason": "核实"}
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 403 and ("只有抽取办公室" in body or "管辖的城市" in body)
    assert "@example.com" not in body and views(session) == 0


def test_an_expert_not_invited_in_the_draw_is_refused(client, session, m):
    standby = next(s for s in m.draw.seats if s.status is SeatStatus.STANDBY)
    login(client, m.office)
    page = client.get(f"/draws/{m.draw.id}").get_data(as_text=True)
    assert f'/draws/seats/{standby.id}/contact"' not in page  # no button on an alternate's row
    token = csrf(client, f"/draws/{m.draw.id}")
    response = client.post(f"/draws/seats/{standby.id}/contact", data={"csrf_token": token, "reason": "核实"})
    assert response.status_code == 403 and "未处于邀请中" in response.get_data(as_text=True)
    assert views(session) == 0
