"""A confirmed panel member learns who sits with him at the draw's reveal time, not when he confirms (issue 18):
before it the review page and the API show him himself and the counts; from it, every member's name."""

from datetime import timedelta

import pytest

from knowledge.db import utcnow
from tests.factories import login
from tests.review_fixtures import AT_MEETING, ready_meeting
from tests.web.test_api import bearer


@pytest.fixture
def m(app, session):
    return ready_meeting(session, app.config["UPLOAD_DIR"])


def at(app, moment):
    app.config["CLOCK_OFFSET_HOURS"] = (moment - utcnow()).total_seconds() / 3600


def before_reveal(m):
    return m.draw.reveal_at - timedelta(hours=2)


def test_before_the_reveal_a_member_sees_only_himself_and_the_count(app, client, m):
    at(app, before_reveal(m))
    me, others = m.panel[0], m.panel[1:]
    login(client, m.accounts[me.id])
    page = client.get(f"/reviews/{m.review.id}").get_data(as_text=True)
    assert me.name in page and f"专家组已确认 {len(m.panel)} 名专家" in page
    assert not [e.name for e in others if e.name in page]


def test_before_the_reveal_the_api_lists_the_member_alone(app, client, session, m):
    at(app, before_reveal(m))
    me = m.panel[0]
    body = client.get(f"/api/v1/reviews/{m.review.id}", headers=bearer(session, m.accounts[me.id])).get_json()
    assert body["panel"] == [{"expert_id": me.id, "name": me.name, "absent": False}]
    assert body["confirmed"] == len(m.panel) and body["names_sealed"] is True
    assert not [e.name for e in m.panel[1:] if e.name in str(body)]


def test_from_the_reveal_a_member_sees_every_name(app, client, session, m):
    at(app, AT_MEETING)
    me = m.panel[0]
    login(client, m.accounts[me.id])
    page = client.get(f"/reviews/{m.review.id}").get_data(as_text=True)
    assert all(e.name in page for e in m.panel)
    body = client.get(f"/api/v1/reviews/{m.review.id}", headers=bearer(session, m.accounts[me.id])).get_json()
    assert {p["expert_id"] for p in body["panel"]} == {e.id for e in m.panel}
    assert body["names_sealed"] is False


def test_the_office_keeps_its_view_of_the_names_before_the_reveal(app, client, m):
    at(app, before_reveal(m))
    login(client, m.office)
    page = client.get(f"/reviews/{m.review.id}").get_data(as_text=True)
    assert all(e.name in page for e in m.panel)
