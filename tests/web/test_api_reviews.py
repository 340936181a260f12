"""The reviews API keeps the pages' rules: blind opinions, reading records for regulators only, 404 for others."""

import pytest

from expert_pool.reviews.models import Conclusion
from knowledge.accounts.models import Role
from knowledge.db import utcnow
from knowledge.regions import City
from tests.factories import make_account
from tests.review_fixtures import AT_MEETING, concluded, opinion, ready_meeting, record
from tests.web.test_api import assert_error, bearer


@pytest.fixture
def m(app, session):
    meeting = ready_meeting(session, app.config["UPLOAD_DIR"])
    app.config["CLOCK_OFFSET_HOURS"] = (AT_MEETING - utcnow()).total_seconds() / 3600
    return meeting


def test_blind_opinions_over_the_api(client, session, m):
    record(session, m)
    opinion(session, m, m.panel[0])
    url = f"/api/v1/reviews/{m.review.id}"
    second = client.get(url, headers=bearer(session, m.accounts[m.panel[1].id])).get_json()
    assert second["opinions"] is None and "materials" not in second
    first = client.get(url, headers=bearer(session, m.accounts[m.panel[0].id])).get_json()
    assert [o["expert_id"] for o in first["opinions"]] == [m.panel[0].id]
    team = client.get(url, headers=bearer(session, m.team)).get_json()
    assert team["opinions"] is None and "materials" not in team
    regulator = make_account(session, Role.REGULATOR, city=m.work.city)
    body = client.get(url, headers=bearer(session, regulator)).get_json()
    assert (
        len(body["opinions"]) == 1
        and len(body["materials"]) == 5
        and body["materials_lead_days"]["days"] == 9
    )


def test_final_report_and_lists(client, session, m):
    report = concluded(session, m, Conclusion.PASS)
    team = bearer(session, m.team)
    body = client.get(f"/api/v1/reviews/{m.review.id}", headers=team).get_json()
    assert body["conclusion"] == "pass" and body["reports"][0]["verify_code"] == report.verify_code
    assert body["opinions"] is None and len(body["reports"][0]["signatures"]) == 5  # the team: no opinions
    regulator = bearer(session, make_account(session, Role.REGULATOR, city=m.work.city))
    assert len(client.get(f"/api/v1/reviews/{m.review.id}", headers=regulator).get_json()["opinions"]) == 5
    listed = client.get("/api/v1/reviews?conclusion=pass", headers=team).get_json()
    assert [r["id"] for r in listed["items"]] == [m.review.id]
    assert client.get("/api/v1/reviews?conclusion=fail", headers=team).get_json()["total"] == 0
    mine = client.get("/api/v1/reviews", headers=bearer(session, m.accounts[m.panel[3].id])).get_json()
    assert mine["total"] == 1
    assert_error(client.get("/api/v1/reviews?conclusion=maybe", headers=team), 400, "invalid_value")


def test_unrelated_accounts_get_404(client, session, m, tmp_path):
    other = ready_meeting(session, str(tmp_path / "o"), seed="other")
    url = f"/api/v1/reviews/{m.review.id}"
    assert_error(client.get(url, headers=bearer(session, other.team)), 404, "not_found")
    assert_error(
        client.get(url, headers=bearer(session, other.accounts[other.panel[0].id])), 404, "not_found"
    )
    wuxi = make_account(session, Role.REGULATOR, city=City.WUXI)
    assert_error(client.get(url, headers=bearer(session, wuxi)), 404, "not_found")
