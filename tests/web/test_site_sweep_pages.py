"""Sweep and system-flag pages and API (issue 20 items 4, 7): the regulator's list and form, a sweep's coverage
with the works not reached, the flags with the scan button (a job), confirm and dismiss, the same in JSON."""

from datetime import date

import pytest
from sqlalchemy import func, select

from knowledge.registry.workflow import WorkStatus
from knowledge.site import flag_scan
from knowledge.site.hazard_models import Hazard
from knowledge.site.inspection_models import FlagState, ScanRun, Sweep, SystemFlag
from tests.factories import login
from tests.site_factories import make_site_world
from tests.timeline_factories import add_inspection
from tests.web.test_api import bearer


@pytest.fixture
def world(session, app):
    return make_site_world(session, app.config["UPLOAD_DIR"], status=WorkStatus.IN_PROGRESS)


@pytest.fixture
def queued(monkeypatch, session):
    """The job queue replaced by a direct run of the job's code."""
    runs: list[int] = []

    def run_now(run_id):
        runs.append(run_id)
        flag_scan.run_scan(session, run_id, today=date(2025, 6, 10))

    monkeypatch.setattr("webapp.site.flag_pages.enqueue_scan", run_now)
    return runs


def csrf(client, path):
    import re

    html = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    return found.group(1) if found else ""  # TestConfig turns CSRF off


def open_form(client, **over):
    data = {"csrf_token": csrf(client, "/site/sweeps"), "name": "2025年上半年排查", "starts_on": "2025-01-01",
            "ends_on": "2025-06-30", "city": "suzhou"}  # fmt: skip
    data.update(over)
    return client.post("/site/sweeps/new", data=data)


def test_a_regulator_opens_a_sweep_and_sees_its_coverage(client, session, world):
    login(client, world.accounts["regulator"])
    response = open_form(client)
    assert response.status_code == 302
    sweep = session.scalar(select(Sweep))
    assert sweep.city.value == "suzhou" and response.headers["Location"].endswith(f"/site/sweeps/{sweep.id}")
    html = client.get(f"/site/sweeps/{sweep.id}").get_data(as_text=True)
    assert "2025年上半年排查" in html and world.work.name in html and "0 / 1" in html
    add_inspection(session, world.work, date(2025, 3, 1), world.accounts["regulator"].id)
    html = client.get(f"/site/sweeps/{sweep.id}").get_data(as_text=True)
    assert "1 / 1" in html and "全部在施工程均已检查" in html and "100.0%" in html
    assert "2025年上半年排查" in client.get("/site/sweeps").get_data(as_text=True)


def test_bad_sweep_input_is_refused_in_chinese_and_nothing_stored(client, session, world):
    login(client, world.accounts["regulator"])
    response = open_form(client, ends_on="2024-12-01")
    assert response.status_code == 422 and "结束日期不能早于开始日期" in response.get_data(as_text=True)
    response = open_form(client, city="nanjing")
    assert response.status_code == 422 and "只能开启本市" in response.get_data(as_text=True)
    assert "请填写排查轮次名称" in open_form(client, name="").get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Sweep)) == 0


def test_sweep_pages_are_for_regulators_of_the_area(client, session, world):
    login(client, world.accounts["regulator"])
    open_form(client)
    sweep_id = session.scalar(select(Sweep.id))
    for name, status in (("gc", 403), ("office", 403), ("other_city", 404), ("province", 200)):
        client.post("/auth/logout")
        login(client, world.accounts[name])
        assert client.get(f"/site/sweeps/{sweep_id}").status_code == status, name


def test_sweep_api(client, session, world):
    login(client, world.accounts["regulator"])
    open_form(client)
    sweep_id = session.scalar(select(Sweep.id))
    headers = bearer(session, world.accounts["regulator"])
    listing = client.get("/api/v1/sweeps", headers=headers).get_json()
    assert [s["id"] for s in listing["items"]] == [sweep_id]
    body = client.get(f"/api/v1/sweeps/{sweep_id}", headers=headers).get_json()
    assert body["works"] == {"reached": 0, "total": 1, "percent": 0.0}
    assert body["by_city"]["suzhou"]["total"] == 1 and body["works_left"]["items"][0]["id"] == world.work.id
    other = bearer(session, world.accounts["other_city"])
    assert client.get(f"/api/v1/sweeps/{sweep_id}", headers=other).status_code == 404
    assert client.get("/api/v1/sweeps", headers=bearer(session, world.accounts["gc"])).status_code == 403


def test_the_scan_button_queues_a_job_and_the_page_shows_flags_and_progress(client, session, world, queued):
    login(client, world.accounts["regulator"])
    assert "尚未扫描" in client.get("/site/flags").get_data(as_text=True)
    response = client.post("/site/flags/scan", data={"csrf_token": csrf(client, "/site/flags")})
    assert response.status_code == 302 and len(queued) == 1
    html = client.get("/site/flags").get_data(as_text=True)
    assert "深基坑工程已开工但无第三方监测记录" in html and "发现预警 2 条" in html and "系统预警" in html
    assert session.scalar(select(func.count()).select_from(ScanRun)) == 1


def test_confirm_and_dismiss_from_the_page(client, session, world, queued):
    flag_scan.run_scan(session, flag_scan.start_scan(session, scope=None, now=flag_scan.utcnow())[0].id,
                       today=date(2025, 6, 10))  # fmt: skip
    plan, monitoring = sorted(
        session.scalars(select(SystemFlag)).all(), key=lambda f: f.rule != "hazardous_without_signed_plan"
    )
    login(client, world.accounts["regulator"])
    token = csrf(client, "/site/flags")
    response = client.post(f"/site/flags/{monitoring.id}/dismiss", data={"csrf_token": token, "reason": ""},
                           follow_redirects=True)  # fmt: skip
    assert "排除系统预警须写明理由" in response.get_data(as_text=True)
    client.post(
        f"/site/flags/{monitoring.id}/dismiss", data={"csrf_token": token, "reason": "已补录监测记录"}
    )
    client.post(f"/site/flags/{plan.id}/confirm", data={"csrf_token": token})
    session.expire_all()
    assert session.get(SystemFlag, monitoring.id).state is FlagState.DISMISSED
    assert session.get(SystemFlag, plan.id).state is FlagState.CONFIRMED
    assert session.scalar(select(Hazard.flag_id)) == plan.id
    html = client.get("/site/flags?state=all").get_data(as_text=True)
    assert "已排除" in html and "已补录监测记录" in html and "已确认为隐患" in html
    client.post("/auth/logout")
    login(client, world.accounts["other_city"])
    assert client.post(f"/site/flags/{plan.id}/confirm", data={"csrf_token": token}).status_code in (400, 404)


def test_flag_api(client, session, world):
    run, _ = flag_scan.start_scan(session, scope=None, now=flag_scan.utcnow())
    flag_scan.run_scan(session, run.id, today=date(2025, 6, 10))
    headers = bearer(session, world.accounts["province"])
    items = client.get("/api/v1/flags?city=suzhou", headers=headers).get_json()["items"]
    assert len(items) == 2 and all(i["state"] == "open" for i in items)
    assert client.get("/api/v1/flags?rule=nonsense", headers=headers).status_code == 400
    first, second = items
    bad = client.post(f"/api/v1/flags/{first['id']}/dismiss", json={"reason": "  "}, headers=headers)
    assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "reason"
    ok = client.post(f"/api/v1/flags/{first['id']}/dismiss", json={"reason": "误报"}, headers=headers)
    assert ok.status_code == 200 and ok.get_json()["state"] == "dismissed"
    confirmed = client.post(f"/api/v1/flags/{second['id']}/confirm", headers=headers)
    assert confirmed.status_code == 201 and confirmed.get_json()["hazard_id"]
    again = client.post(f"/api/v1/flags/{second['id']}/confirm", headers=headers)
    assert again.status_code == 409
    other = bearer(session, world.accounts["other_city"])
    assert client.post(f"/api/v1/flags/{first['id']}/confirm", headers=other).status_code == 404
    assert client.get("/api/v1/flags", headers=bearer(session, world.accounts["gc"])).status_code == 403
