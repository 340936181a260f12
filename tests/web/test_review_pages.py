"""Review pages through the test client: the meeting form, blind opinions, the leader's draft, signing,
who sees what, and the revision form with its point-by-point responses."""

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from expert_pool.reviews.models import Conclusion, Revision
from expert_pool.reviews.rules import ATTENDEE_ROLES, REVIEW_POINTS
from knowledge.accounts.models import Role
from knowledge.db import utcnow
from knowledge.plans.models import PlanVersion
from knowledge.registry.workflow import WorkStatus
from tests.factories import PLAN_AUTHOR_FORM, SAMPLE_PLAN, login, make_account
from tests.review_fixtures import AT_MEETING, concluded, ready_meeting


@pytest.fixture
def m(app, session):
    meeting = ready_meeting(session, app.config["UPLOAD_DIR"])
    app.config["CLOCK_OFFSET_HOURS"] = (AT_MEETING - utcnow()).total_seconds() / 3600
    return meeting


def token(client, path):
    """The CSRF token of the page (empty when the test config switches CSRF off)."""
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    return match.group(1) if match else ""


def meeting_form(m, csrf):
    form = {
        "csrf_token": csrf,
        "place": "苏州市某会议室",
        "held_on": "2026-12-03",
    }
    for i, role in enumerate(ATTENDEE_ROLES):
        form |= {f"attendee-role-{i}": role, f"attendee-name-{i}": f"张{i}", f"attendee-unit-{i}": "某单位"}
    return form


def opinion_form(csrf, finding, proposed="pass_after_revision"):
    """The opinion as posted from its confirmation step (``confirmed=1``; see test_opinion_form.py)."""
    form = {"csrf_token": csrf, "proposed": proposed, "confirmed": "1"}
    for p, (_, items) in REVIEW_POINTS.items():
        form |= {f"check-{p}-{k}": "yes" for k in items} | {f"findings-{p}": f"{finding}{p}"}
    return form


def check_in_and_choose(client, m, leader):
    """Each expert checks in on his own account and names ``leader`` on the meeting page."""
    url = f"/reviews/{m.review.id}"
    for expert in m.panel:
        login(client, m.accounts[expert.id])
        page = client.get(url).get_data(as_text=True)
        assert "本人签到" in page
        response = client.post(
            f"{url}/check-in", data={"csrf_token": token(client, url)}, follow_redirects=True
        )
        assert "您已签到" in response.get_data(as_text=True)
        client.post(f"{url}/leader", data={"csrf_token": token(client, url), "leader": str(leader.id)})
        client.post("/auth/logout", data={"csrf_token": token(client, url)})


def test_whole_meeting_through_the_pages(app, client, session, m):
    url = f"/reviews/{m.review.id}"
    check_in_and_choose(client, m, m.panel[0])
    session.expire_all()
    assert session.get(type(m.review), m.review.id).leader_expert_id == m.panel[0].id
    login(client, m.team)
    page = client.get(url).get_data(as_text=True)
    assert "保存会议记录" in page and "方案送达与查阅记录" not in page
    assert client.post(f"{url}/meeting", data=meeting_form(m, token(client, url))).status_code == 302
    assert "苏州市某会议室" in client.get(url).get_data(as_text=True)
    client.post("/auth/logout", data={"csrf_token": token(client, url)})

    first, second = m.panel[0], m.panel[1]
    login(client, m.accounts[second.id])
    assert client.get(f"{url}/plan").status_code == 200  # his first opening is logged
    client.post("/auth/logout", data={"csrf_token": token(client, url)})
    login(client, m.accounts[first.id])
    client.post(f"{url}/opinion", data=opinion_form(token(client, url), "甲专家发现"))
    again = client.post(
        f"{url}/opinion", data=opinion_form(token(client, url), "改口"), follow_redirects=True
    )
    assert "提交后不能修改" in again.get_data(as_text=True)
    client.post("/auth/logout", data={"csrf_token": token(client, url)})

    login(client, m.accounts[second.id])
    before = client.get(url).get_data(as_text=True)
    assert "甲专家发现" not in before and "提交个人意见" in before
    client.post(f"{url}/opinion", data=opinion_form(token(client, url), "乙专家发现"))
    after = client.get(url).get_data(as_text=True)
    assert "甲专家发现1" in after and "乙专家发现1" in after
    draft = client.post(f"{url}/draft", data={"csrf_token": token(client, url), "conclusion": "pass",
                                              "change-1": "x", "change-src-1": str(second.id)},
                        follow_redirects=True)  # fmt: skip
    assert "只有专家组组长" in draft.get_data(as_text=True)
    client.post("/auth/logout", data={"csrf_token": token(client, url)})

    for expert in m.panel[2:]:
        login(client, m.accounts[expert.id])
        client.post(f"{url}/opinion", data=opinion_form(token(client, url), f"{expert.name}发现"))
        client.post("/auth/logout", data={"csrf_token": token(client, url)})

    login(client, m.accounts[first.id])
    response = client.post(f"{url}/draft", data={
        "csrf_token": token(client, url), "conclusion": "pass_after_revision", "summary": "同意修改后通过",
        "change-1": "补充坑底抗隆起验算", "change-src-1": [str(first.id), str(second.id)],
        "change-2": "加密监测点", "change-src-2": str(second.id)}, follow_redirects=True)  # fmt: skip
    assert "论证报告草稿已生成" in response.get_data(as_text=True)
    session.expire_all()
    report_id = session.get(type(m.review), m.review.id).reports[-1].id
    client.post(f"{url}/reports/{report_id}/sign", data={"csrf_token": token(client, url), "confirmed": "1"})  # fmt: skip
    twice = client.post(f"{url}/reports/{report_id}/sign", follow_redirects=True,
                        data={"csrf_token": token(client, url), "confirmed": "1"})  # fmt: skip
    assert "您已签署该论证报告" in twice.get_data(as_text=True)
    client.post("/auth/logout", data={"csrf_token": token(client, url)})

    login(client, m.team)
    assert "甲专家发现1" not in client.get(url).get_data(as_text=True)
    client.post("/auth/logout", data={"csrf_token": token(client, url)})
    for expert in m.panel[1:]:
        login(client, m.accounts[expert.id])
        client.post(f"{url}/reports/{report_id}/sign", data={"csrf_token": token(client, url), "confirmed": "1"})  # fmt: skip
        client.post("/auth/logout", data={"csrf_token": token(client, url)})
    session.expire_all()
    assert session.get(type(m.work), m.work.id).status is WorkStatus.PASSED_AFTER_REVISION

    login(client, m.team)
    final = client.get(url).get_data(as_text=True)
    assert "现行版本" in final and "按论证意见提交修改后的方案" in final
    assert "甲专家发现1" not in final  # the team gets the joint conclusion, not each expert's opinion
    client.post("/auth/logout", data={"csrf_token": token(client, url)})
    regulator = make_account(session, Role.REGULATOR, city=m.work.city)
    login(client, regulator)
    assert "方案送达与查阅记录" in client.get(url).get_data(as_text=True)


def test_other_expert_and_other_team_get_404(app, client, session, m, tmp_path):
    other = ready_meeting(session, str(tmp_path / "o"), seed="other")
    login(client, other.accounts[other.panel[0].id])
    assert client.get(f"/reviews/{m.review.id}").status_code == 404
    assert client.get(f"/reviews/{m.review.id}/plan/download").status_code == 404
    client.post("/auth/logout", data={"csrf_token": token(client, "/reviews")})
    login(client, other.team)
    assert client.get(f"/reviews/{m.review.id}").status_code == 404
    listing = client.get("/reviews").get_data(as_text=True)
    assert other.work.name in listing and m.work.name not in listing


def test_revision_form_refuses_a_skipped_change(app, client, session, m):
    concluded(session, m, Conclusion.PASS_AFTER_REVISION)
    url = f"/reviews/{m.review.id}/revision"
    login(client, m.team)
    versions = session.scalar(select(func.count()).select_from(PlanVersion))
    form = {"csrf_token": token(client, url), "title": "修改稿", "response-1": "已补充验算", "response-2": " ",
            "file": (io.BytesIO(SAMPLE_PLAN.encode()), "修改稿.txt"), **PLAN_AUTHOR_FORM}  # fmt: skip
    response = client.post(url, data=form, content_type="multipart/form-data")
    assert response.status_code == 422 and "尚未回复：第2条" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(PlanVersion)) == versions
    form |= {"response-2": "已加密监测点", "csrf_token": token(client, url),
             "file": (io.BytesIO(SAMPLE_PLAN.encode() + b"v2"), "修改稿.txt")}  # fmt: skip
    assert client.post(url, data=form, content_type="multipart/form-data").status_code == 302
    assert session.scalar(select(func.count()).select_from(Revision)) == 1


def test_meeting_cannot_be_recorded_before_it_starts(app, client, session, m):
    app.config["CLOCK_OFFSET_HOURS"] = ((AT_MEETING - timedelta(days=2)) - utcnow()).total_seconds() / 3600
    url = f"/reviews/{m.review.id}"
    login(client, m.team)
    assert "保存会议记录" not in client.get(url).get_data(as_text=True)
    response = client.post(
        f"{url}/meeting", data=meeting_form(m, token(client, "/reviews")), follow_redirects=True
    )
    assert "论证会尚未开始" in response.get_data(as_text=True)
