"""Issue 22 item 3: the expert portrait page shows the figures, with a table behind its chart, to the right
accounts only."""

import json
import re

import pytest

from expert_pool.reviews.models import Conclusion
from knowledge.accounts.models import Role
from knowledge.regions import City
from tests.factories import login, make_account
from tests.review_fixtures import concluded, ready_meeting


@pytest.fixture
def m(app, session):
    meeting = ready_meeting(session, app.config["UPLOAD_DIR"])
    concluded(session, meeting, Conclusion.PASS)
    return meeting


def test_regulator_of_his_city_reads_the_portrait_with_chart_data_and_table(client, session, m):
    expert = m.panel[0]
    login(client, make_account(session, Role.REGULATOR, city=expert.city))
    page = client.get(f"/experts/{expert.id}/portrait").get_data(as_text=True)
    assert re.search(r'id="fig-reviews">1<', page)
    data = json.loads(re.search(r'id="portrait-chart-data">(.*?)</script>', page, re.S).group(1))
    assert data["categories"] == ["2026"] and sum(s["values"][0] for s in data["series"]) == 1
    assert '<th scope="row">2026</th>' in page  # the same figures as a table for screen readers
    assert m.panel[1].name in page  # a companion


def test_regulator_of_another_city_gets_403_and_the_expert_reads_his_own(app, client, session, m):
    expert = m.panel[0]
    other = next(c for c in City if c != expert.city)
    login(client, make_account(session, Role.REGULATOR, city=other))
    assert client.get(f"/experts/{expert.id}/portrait").status_code == 403
    client = app.test_client()
    login(client, m.accounts[expert.id])
    assert client.get("/experts/me/portrait").status_code == 200
    assert client.get(f"/experts/{m.panel[1].id}/portrait").status_code == 403
