"""Draw pages and API: the office draws, the team sees a sealed panel, experts answer only their own invitation."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from expert_pool.draws.models import Draw, Notification, Seat, SeatStatus
from expert_pool.experts.models import Employment
from knowledge.accounts.models import Account, Role
from knowledge.audit import AuditLog
from tests.factories import login, make_account
from tests.integration.test_draws import site  # noqa: F401 - the same world as the service tests
from tests.web.test_api import assert_error, bearer

TOMORROW_PLUS = (datetime.now(UTC) + timedelta(days=10)).date().isoformat()


DRAW_FORM = {
    "meeting_day": TOMORROW_PLUS,
    "half_day": "pm",
    "start_time": "14:30",
    "place": "苏州市某会议中心三楼",
}


@pytest.fixture
def drawn(client, session, site):  # noqa: F811
    work = site["ready_work"]()
    office = make_account(session, Role.DRAW_OFFICE)
    login(client, office)
    response = client.post(
        f"/draws/works/{work.id}/new", data=DRAW_FORM | {"confirmed": "1"}, follow_redirects=True
    )
    assert "抽取完成" in response.get_data(as_text=True)
    client.post("/auth/logout")
    return {"work": work, "draw": session.scalar(select(Draw)), "office": office}


def test_drawing_asks_once_more_saying_what_will_happen(client, session, site):  # noqa: F811
    work = site["ready_work"]()
    login(client, make_account(session, Role.DRAW_OFFICE))
    page = client.post(f"/draws/works/{work.id}/new", data=DRAW_FORM).get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Draw)) == 0  # nothing drawn yet
    assert "确认抽取" in page and "苏州市某会议中心三楼" in page and "14:30" in page
    assert "5名论证专家和3名候补专家" in page and "哈希链" in page and "不能撤销" in page and "立即" in page
    assert 'name="confirmed" value="1"' in page and 'name="place" value="苏州市某会议中心三楼"' in page
    refused = client.post(
        f"/draws/works/{work.id}/new", data=DRAW_FORM | {"place": " "}, follow_redirects=True
    )
    assert "请填写论证会地点" in refused.get_data(as_text=True)
    early = client.post(f"/draws/works/{work.id}/new", data=DRAW_FORM | {"start_time": "12:30", "half_day": "am"},
                        follow_redirects=True)  # fmt: skip
    assert "上午的会议开始时间须在07:00至12:00之间" in early.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Draw)) == 0
    client.post(f"/draws/works/{work.id}/new", data=DRAW_FORM | {"confirmed": "1"})
    assert session.scalar(select(func.count()).select_from(Draw)) == 1
    notes = session.scalars(select(Notification).where(Notification.subject == "专家论证邀请")).all()
    assert len(notes) == 5 and all("14:30" in n.body and "苏州市某会议中心三楼" in n.body for n in notes)


def test_office_sees_names_funnel_and_verification(client, session, drawn):
    views = select(func.count()).select_from(AuditLog).where(AuditLog.action == "draw_view_names")
    before = session.scalar(views)
    session.commit()
    login(client, drawn["office"])
    page = client.get(f"/draws/{drawn['draw'].id}").get_data(as_text=True)
    assert "候选漏斗：专家库 14 名" in page and "校验通过" in page and 'id="panel"' in page
    assert session.scalar(views) == before + 1


def test_project_team_sees_a_sealed_panel_until_the_reveal(client, session, site, drawn):  # noqa: F811
    team = make_account(session, Role.PROJECT_TEAM, enterprise_id=site["gc"].id)
    login(client, team)
    page = client.get(f"/draws/{drawn['draw'].id}").get_data(as_text=True)
    assert 'id="sealed"' in page and "专家00" not in page and drawn["draw"].seed not in page
    headers = bearer(session, team)
    body = client.get(f"/api/v1/draws/{drawn['draw'].id}", headers=headers).get_json()
    assert body["sealed"] is True and "seats" not in body and "seed" not in body
    session.execute(update(Draw).values(reveal_at=datetime.now(UTC) - timedelta(minutes=1)))
    session.commit()
    assert client.get(f"/api/v1/draws/{drawn['draw'].id}", headers=headers).get_json()["sealed"] is False


def test_expert_answers_only_his_own_invitation(client, session, drawn):
    seats = session.scalars(
        select(Seat).where(Seat.draw_id == drawn["draw"].id).order_by(Seat.position)
    ).all()
    mine, other = seats[0], seats[1]
    account = make_account(session, Role.EXPERT, expert_id=mine.expert_id)
    login(client, account)
    page = client.get("/draws/invitations").get_data(as_text=True)
    assert "确认参加" in page and drawn["work"].name in page
    assert "14:30" in page and "苏州市某会议中心三楼" in page  # the meeting's place and time
    assert client.post(f"/draws/invitations/{other.id}/confirm").status_code == 404
    response = client.post(
        f"/draws/invitations/{mine.id}/decline", data={"reason": ""}, follow_redirects=True
    )
    assert "谢绝须说明理由" in response.get_data(as_text=True)
    client.post(f"/draws/invitations/{mine.id}/confirm")
    session.expire_all()
    assert session.get(Seat, mine.id).status is SeatStatus.CONFIRMED
    assert session.get(Seat, other.id).status is SeatStatus.INVITED


def test_conflict_page_and_api_show_the_path(client, session, site):  # noqa: F811
    victim = site["experts"][3]
    session.add(Employment(expert_id=victim.id, enterprise_id=site["gc"].id, start=datetime(2018, 1, 1).date(),
                           end_date=datetime(2024, 6, 30).date()))  # fmt: skip
    session.commit()
    work = site["ready_work"]()
    login(client, make_account(session, Role.REGULATOR))
    page = client.get(f"/draws/works/{work.id}/conflicts").get_data(as_text=True)
    assert victim.name in page and "苏州某建设有限公司 —(施工总承包)→ 某项目" in page
    headers = bearer(session, session.scalar(select(Account).where(Account.role == Role.REGULATOR)))
    body = client.get(f"/api/v1/works/{work.id}/conflicts?expert_id={victim.id}", headers=headers).get_json()
    assert body["experts"][str(victim.id)][0]["rule"] == "former_employment"
    team = bearer(session, make_account(session, Role.PROJECT_TEAM, enterprise_id=site["gc"].id))
    assert_error(client.get(f"/api/v1/works/{work.id}/conflicts", headers=team), 403, "forbidden")


def test_public_verify_and_tamper_detection(client, session, drawn):
    url = f"/api/v1/draws/{drawn['draw'].id}/verify"
    assert client.get(url).get_json()["ok"] is True
    session.execute(update(Draw).values(seed="tampered"))
    session.commit()
    body = client.get(url).get_json()
    assert body["ok"] is False and "校验失败" in body["message"]


def test_draw_api_refuses_a_work_not_ready(client, session, site):  # noqa: F811
    from tests.factories import make_work

    work = make_work(session, site["project"])
    headers = bearer(session, make_account(session, Role.DRAW_OFFICE))
    assert_error(client.post(f"/api/v1/works/{work.id}/draws", json={"meeting_day": TOMORROW_PLUS, "half_day": "am"},
                             headers=headers), 409, "draw_error")  # fmt: skip
    assert_error(client.post(f"/api/v1/works/{work.id}/draws", json={"meeting_day": "tomorrow", "half_day": "am"},
                             headers=headers), 400, "invalid_value")  # fmt: skip
