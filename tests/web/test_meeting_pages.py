"""The meeting on the review page (issue 17, item 3): experts check in and choose their leader, the team reports
an absence that the office confirms (after the confirmation step) and the expert appeals, the organiser moves
the meeting, and the team can neither choose the leader nor record the experts' presence."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from expert_pool.draws.models import Notification
from expert_pool.experts.models import CreditAppeal, CreditEventRow
from expert_pool.reviews.models import AbsenceReport, AbsenceStatus, Review
from knowledge.accounts.models import Role
from knowledge.db import utcnow
from tests.factories import login, make_account
from tests.review_fixtures import AT_MEETING, ready_meeting
from tests.web.test_review_pages import check_in_and_choose, meeting_form, token


@pytest.fixture
def m(app, session):
    meeting = ready_meeting(session, app.config["UPLOAD_DIR"])
    at(app, AT_MEETING)
    return meeting


def at(app, moment):
    app.config["CLOCK_OFFSET_HOURS"] = (moment - utcnow()).total_seconds() / 3600


def logout(client):
    client.post("/auth/logout", data={"csrf_token": token(client, "/reviews")})


def no_shows(session, expert_id):
    stmt = select(CreditEventRow).where(
        CreditEventRow.expert_id == expert_id, CreditEventRow.kind == "no_show"
    )
    return session.scalars(stmt).all()


def test_team_reports_an_absence_the_office_confirms_it_and_the_expert_appeals(app, client, session, m):
    url, missing = f"/reviews/{m.review.id}", m.panel[4]
    login(client, m.team)
    page = client.get(url).get_data(as_text=True)
    assert "报告缺席" in page and "登记到会" not in page and "推选组长" not in page
    response = client.post(f"{url}/absences", data={"csrf_token": token(client, url), "expert_id": str(missing.id),
                                                    "note": "开会一小时未到"}, follow_redirects=True)  # fmt: skip
    assert "待抽取办公室核实后方记入专家信用" in response.get_data(as_text=True)
    assert no_shows(session, missing.id) == []  # the team's word alone costs nothing
    report = session.scalar(select(AbsenceReport))
    decide = f"{url}/absences/{report.id}"
    assert (
        client.post(decide, data={"csrf_token": token(client, url), "decision": "confirm"}).status_code == 403
    )
    logout(client)

    login(client, m.office)
    page = client.get(url).get_data(as_text=True)
    assert "开会一小时未到" in page and "核实缺席" in page
    asked = client.post(
        decide, data={"csrf_token": token(client, url), "decision": "confirm", "note": "电话核实"}
    )
    text = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "记入其信用记录" in text and 'name="confirmed" value="1"' in text
    assert no_shows(session, missing.id) == []
    done = client.post(decide, data={"csrf_token": token(client, url), "decision": "confirm", "note": "电话核实",
                                     "confirmed": "1"}, follow_redirects=True)  # fmt: skip
    assert "已核实缺席" in done.get_data(as_text=True)
    session.expire_all()
    assert session.get(AbsenceReport, report.id).status is AbsenceStatus.CONFIRMED
    event = no_shows(session, missing.id)[0]
    logout(client)

    login(client, m.accounts[missing.id])
    client.post(f"/experts/me/credit/{event.id}/appeal", data={"csrf_token": token(client, "/experts/me/credit"),
                                                              "reason": "当日突发急病，有医院证明"})  # fmt: skip
    appeal = session.scalar(select(CreditAppeal).where(CreditAppeal.event_id == event.id))
    assert appeal is not None and appeal.status == "pending"
    logout(client)
    login(client, make_account(session, Role.REGULATOR))
    client.post(f"/experts/appeals/{appeal.id}/decide", data={"csrf_token": token(client, "/experts/ranking"),
                                                             "decision": "upheld", "note": "证明属实"})  # fmt: skip
    reversal = session.scalar(select(CreditEventRow).where(CreditEventRow.reversal_of == event.id))
    assert reversal is not None


def test_team_cannot_choose_the_leader_nor_record_presence(app, client, session, m):
    url = f"/reviews/{m.review.id}"
    login(client, m.team)
    csrf = token(client, url)
    assert (
        client.post(f"{url}/leader", data={"csrf_token": csrf, "leader": str(m.panel[1].id)}).status_code
        == 403
    )
    data = {"csrf_token": csrf, "expert_id": str(m.panel[1].id)}
    assert client.post(f"{url}/attendance", data=data).status_code == 403
    assert client.post(f"{url}/check-in", data={"csrf_token": csrf}).status_code == 403
    client.post(
        f"{url}/meeting", data=meeting_form(m, csrf) | {"leader": str(m.panel[1].id)}
    )  # a stray field
    session.expire_all()
    review = session.get(Review, m.review.id)
    assert review.held_on is not None and review.leader_expert_id is None
    logout(client)

    check_in_and_choose(client, m, m.panel[2])
    session.expire_all()
    assert session.get(Review, m.review.id).leader_expert_id == m.panel[2].id
    login(client, m.office)
    page = client.get(url).get_data(as_text=True)
    assert "由到会专家推选" in page and "指定组长" not in page


def test_office_records_presence_and_experts_check_in_only_from_the_start(app, client, session, m):
    url = f"/reviews/{m.review.id}"
    at(app, datetime(2026, 12, 3, 0, 30, tzinfo=UTC))  # 08:30, the meeting starts at 09:00
    login(client, m.accounts[m.panel[0].id])
    assert "本人签到" not in client.get(url).get_data(as_text=True)
    early = client.post(f"{url}/check-in", data={"csrf_token": token(client, url)}, follow_redirects=True)
    assert "开始后方可签到" in early.get_data(as_text=True)
    logout(client)
    at(app, AT_MEETING)
    login(client, m.office)
    response = client.post(f"{url}/attendance", data={"csrf_token": token(client, url),
                                                      "expert_id": str(m.panel[0].id)}, follow_redirects=True)  # fmt: skip
    page = response.get_data(as_text=True)
    assert "已登记该专家到会" in page and "抽取办公室登记" in page


def test_organiser_moves_the_meeting_and_the_panel_is_told(app, client, session, m):
    url = f"/reviews/{m.review.id}"
    at(app, datetime(2026, 11, 30, 2, 0, tzinfo=UTC))
    login(client, m.team)
    told = session.query(Notification).count()
    bad = client.post(f"{url}/arrangement", data={"csrf_token": token(client, url), "place": "某处",
                                                  "start_time": "25:00"}, follow_redirects=True)  # fmt: skip
    assert "请填写开始时间" in bad.get_data(as_text=True)
    response = client.post(f"{url}/arrangement", data={"csrf_token": token(client, url), "place": "园区某大厦会议室",
                                                       "start_time": "09:30"}, follow_redirects=True)  # fmt: skip
    page = response.get_data(as_text=True)
    assert "已通知专家" in page and "09:30 开始；地点：园区某大厦会议室" in page
    assert session.query(Notification).count() == told + len(m.panel)
    logout(client)
    login(client, m.supervisor_team)
    refused = client.post(f"{url}/arrangement", data={"csrf_token": token(client, url), "place": "别处"},
                          follow_redirects=True)  # fmt: skip
    assert "只有抽取办公室或本工程的施工总承包单位" in refused.get_data(as_text=True)
