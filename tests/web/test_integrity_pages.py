"""Issue 22 item 4: the integrity page — a provincial regulator runs the scan (a job with progress), a city
regulator reads his city's findings and marks one examined; other roles are refused."""

import re

import pytest

from expert_pool.integrity import services
from knowledge.accounts.models import Role
from knowledge.regions import City
from tests.factories import login, make_account
from tests.integrity_factories import make_integrity_world


@pytest.fixture
def world(app, session, monkeypatch):
    # The queue's consumer, played in the test: the job runs on its own session as soon as it is handed over.
    monkeypatch.setattr("webapp.integrity.enqueue_scan", lambda run_id: services.run_scan(session, run_id))
    return make_integrity_world(session, app.config["UPLOAD_DIR"])


def test_province_runs_the_scan_and_sees_findings_with_links(app, client, session, world):
    login(client, make_account(session, Role.REGULATOR))
    assert "尚无分析结果" in client.get("/integrity").get_data(as_text=True)
    page = client.post("/integrity/run", follow_redirects=True).get_data(as_text=True)
    assert "诚信分析已开始" in page
    assert client.get("/integrity/progress").get_json()["finished"] is True
    assert f"/reviews/{world.reviews[0].id}" in page
    assert world.a.name in page and "专家同组次数异常" in page
    kinds = set(re.findall(r'class="finding" data-kind="(\w+)"', page))
    assert kinds == {"pair", "constructor", "pass_rate", "similar_opinions"}


def test_city_regulator_examines_a_finding_and_cannot_run(app, client, session, world):
    province = app.test_client()
    login(province, make_account(session, Role.REGULATOR))
    province.post("/integrity/run")
    login(client, make_account(session, Role.REGULATOR, city=City.SUZHOU))
    assert client.post("/integrity/run").status_code == 403
    page = client.get("/integrity?kind=pass_rate").get_data(as_text=True)
    finding_id = re.search(r"/integrity/findings/(\d+)/examine", page).group(1)
    empty = client.post(
        f"/integrity/findings/{finding_id}/examine", data={"note": " "}, follow_redirects=True
    )
    assert "请写明核查情况" in empty.get_data(as_text=True)
    done = client.post(
        f"/integrity/findings/{finding_id}/examine", data={"note": "已约谈本人"}, follow_redirects=True
    )
    assert "已记录核查情况" in done.get_data(as_text=True)
    assert "已约谈本人" in client.get("/integrity?examined=yes").get_data(as_text=True)
    nanjing = app.test_client()
    login(nanjing, make_account(session, Role.REGULATOR, city=City.NANJING))
    assert 'class="finding"' not in nanjing.get("/integrity").get_data(as_text=True)
    assert nanjing.post(f"/integrity/findings/{finding_id}/examine", data={"note": "x"}).status_code == 404
