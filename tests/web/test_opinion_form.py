"""The expert's opinion form (issue 17, item 6): a confirmation step that works without JavaScript, the form
given back with every tick and word after a refusal, and 通过 with a failed item confirmed on purpose."""

import re

import pytest
from sqlalchemy import func, select

from expert_pool.reviews.models import ReviewOpinion
from expert_pool.reviews.rules import PASS_DESPITE_FAILED, REVIEW_POINTS
from knowledge.db import utcnow
from tests.factories import login
from tests.review_fixtures import AT_MEETING, ready_meeting, record


@pytest.fixture
def m(app, session):
    meeting = ready_meeting(session, app.config["UPLOAD_DIR"])
    app.config["CLOCK_OFFSET_HOURS"] = (AT_MEETING - utcnow()).total_seconds() / 3600
    record(session, meeting)
    return meeting


def opinion_form(proposed="pass_after_revision", failed=(), **extra):
    """Every item ticked, ``failed`` ("point-item") ticked 不符合, a finding under each point."""
    form = {"proposed": proposed, **extra}
    for p, (_, items) in REVIEW_POINTS.items():
        form |= {f"check-{p}-{k}": "no" if f"{p}-{k}" in failed else "yes" for k in items}
        form[f"findings-{p}"] = f"第{p}点意见：监测点<布置>不足"
    return form


def opinions(session):
    return session.scalar(select(func.count()).select_from(ReviewOpinion))


def checked(page, name, value):
    return re.search(rf'name="{name}" value="{value}"[^>]*\bchecked\b', page) is not None


def test_opinion_asks_once_more_then_is_written(client, session, m):
    expert = m.panel[1]
    login(client, m.accounts[expert.id])
    url = f"/reviews/{m.review.id}/opinion"
    form = opinion_form(failed={"1-emergency"})
    asked = client.post(url, data=form)
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "确认提交个人意见" in page
    assert "本人建议结论：修改后通过" in page and "符合3项，不符合1项（不符合：应急处置措施具体可行）" in page
    assert "第1点意见：监测点&lt;布置&gt;不足" in page and "不能修改或撤回" in page
    assert '<input type="hidden" name="check-1-emergency" value="no">' in page
    assert 'name="confirmed" value="1"' in page and PASS_DESPITE_FAILED not in page
    assert opinions(session) == 0
    done = client.post(url, data=form | {"confirmed": "1"})
    assert done.status_code == 302 and done.headers["Location"].endswith("#opinions")
    stored = session.scalars(select(ReviewOpinion)).one()
    assert stored.expert_id == expert.id and stored.checks["1"]["emergency"] is False


def test_refused_opinion_comes_back_with_every_tick_and_word(client, session, m):
    login(client, m.accounts[m.panel[1].id])
    form = opinion_form(proposed="fail", failed={"2-drawings"})
    del form["check-3-site"]  # one item left unanswered
    response = client.post(f"/reviews/{m.review.id}/opinion", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "请逐项勾选“专项施工方案是否满足现场实际情况" in page
    assert checked(page, "check-2-drawings", "no") and checked(page, "check-1-sections", "yes")
    assert not checked(page, "check-3-site", "yes") and not checked(page, "check-3-site", "no")
    assert ">第2点意见：监测点&lt;布置&gt;不足</textarea>" in page
    assert '<option value="fail" selected>' in page
    assert opinions(session) == 0


def test_a_missing_conclusion_is_refused_on_the_page(client, session, m):
    login(client, m.accounts[m.panel[1].id])
    response = client.post(f"/reviews/{m.review.id}/opinion", data=opinion_form(proposed=""))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "请选择论证结论" in page and checked(page, "check-1-method", "yes")


def test_pass_with_a_failed_item_must_be_acknowledged_on_the_confirmation_page(client, session, m):
    login(client, m.accounts[m.panel[1].id])
    url = f"/reviews/{m.review.id}/opinion"
    form = opinion_form(proposed="pass", failed={"2-calculation"})
    asked = client.post(url, data=form).get_data(as_text=True)
    assert "有1项检查项为“不符合”" in asked and PASS_DESPITE_FAILED in asked
    assert re.search(r'type="checkbox"[^>]*name="pass_despite_failed" value="1" required', asked)
    refused = client.post(url, data=form | {"confirmed": "1"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and f"请勾选“{PASS_DESPITE_FAILED}”" in page
    assert checked(page, "check-2-calculation", "no") and '<option value="pass" selected>' in page
    assert opinions(session) == 0
    done = client.post(url, data=form | {"confirmed": "1", "pass_despite_failed": "1"})
    assert done.status_code == 302 and opinions(session) == 1


def test_a_second_opinion_is_refused_even_when_confirmed(client, session, m):
    login(client, m.accounts[m.panel[1].id])
    url = f"/reviews/{m.review.id}/opinion"
    assert client.post(url, data=opinion_form(confirmed="1")).status_code == 302
    again = client.post(url, data=opinion_form(proposed="fail", confirmed="1"), follow_redirects=True)
    assert "提交后不能修改" in again.get_data(as_text=True) and opinions(session) == 1
