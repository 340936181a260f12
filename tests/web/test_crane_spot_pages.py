"""The spot-check list's pages, API and command: a regulator starts the job and watches it, sees the flags with the
province's spread and a flag's chart, table and CSV, orders a spot check and records its result, which stays on the
body's record; city regulators see their city's bodies; inspection bodies their own record only. The bulletin is
requested from its page, the API and the command line, with clear messages for bad input. The admin sets the
spot-check policy on the policy page."""

import json
import re
from datetime import UTC, datetime

import pytest

from knowledge.accounts.models import Role
from knowledge.cranes import bulletin as bulletins
from knowledge.cranes import spot_check_job as job
from knowledge.cranes.inspection_models import Bulletin, SpotCheck, SpotCheckFlag
from knowledge.regions import City
from tests.crane_spot_factories import ON, make_population
from tests.factories import login, make_account
from tests.web.test_api import assert_error, bearer

NOW = datetime(2026, 10, 1, 2, tzinfo=UTC)


@pytest.fixture
def queued(monkeypatch, session):
    """The job queue replaced by direct runs of the jobs' code, on the fixed day of the population."""
    from expert_pool.pdf.crane_bulletin_pdf import bulletin_pdf

    for module in ("webapp.cranes.spot_check_pages", "webapp.api.crane_spot_checks"):
        monkeypatch.setattr(f"{module}.today", lambda: ON)
    monkeypatch.setattr(
        "webapp.cranes.spot_check_pages.enqueue_run", lambda i: job.run_spot_checks(session, i)
    )
    monkeypatch.setattr("webapp.cranes.bulletin_pages.enqueue_bulletin",
                        lambda i: bulletins.build_bulletin(session, i, render=bulletin_pdf))  # fmt: skip


@pytest.fixture
def pop(session):
    return make_population(session, zero=2, short=1, busy=1)


def switch(client, account):
    client.post("/auth/logout")
    login(client, account)


def flags_of(session):
    return session.query(SpotCheckFlag).order_by(SpotCheckFlag.id).all()


def test_a_regulator_runs_the_list_and_sees_the_flags_with_the_spread(client, session, pop, queued):
    login(client, make_account(session, Role.REGULATOR))
    assert "尚未计算抽查名单" in client.get("/cranes/spot-checks").get_data(as_text=True)
    response = client.post("/cranes/spot-checks/run")
    assert response.status_code == 302
    page = client.get("/cranes/spot-checks").get_data(as_text=True)
    names = {b.id: b.enterprise.name for b in pop.bodies}
    light = pop.zero | pop.short | pop.busy
    for body_id, name in names.items():
        assert (name in page) is (body_id in light), name
    assert "零不合格项报告占比异常高" in page and "P10 / 中位数 / P90" in page and "12 家机构" in page
    progress = client.get("/cranes/spot-checks/progress").get_json()
    assert progress["finished"] and progress["done"] == progress["total"] > 0
    only_short = client.get("/cranes/spot-checks?kind=short_duration").get_data(as_text=True)
    assert [n for i, n in names.items() if n in only_short] == [names[i] for i in sorted(pop.short)]


def test_a_city_regulator_sees_only_his_citys_bodies_and_flags(client, session, pop, queued):
    login(client, make_account(session, Role.REGULATOR))
    client.post("/cranes/spot-checks/run")
    switch(client, make_account(session, Role.REGULATOR, city=City.NANJING))
    page = client.get("/cranes/spot-checks").get_data(as_text=True)
    for body in pop.bodies:
        if body.id in pop.zero | pop.short | pop.busy:
            assert (body.enterprise.name in page) is (body.city is City.NANJING)
    suzhou_flag = next(f for f in flags_of(session) if f.body.city is City.SUZHOU)
    assert client.get(f"/cranes/spot-checks/flags/{suzhou_flag.id}").status_code == 404
    assert client.get(f"/cranes/inspection-bodies/{suzhou_flag.body_id}/spot-checks").status_code == 404


def test_a_flag_page_draws_the_spread_and_gives_its_table_and_csv(client, session, pop, queued):
    login(client, make_account(session, Role.REGULATOR))
    client.post("/cranes/spot-checks/run")
    flag = next(f for f in flags_of(session) if f.kind == "zero_share")
    page = client.get(f"/cranes/spot-checks/flags/{flag.id}").get_data(as_text=True)
    data = json.loads(
        re.search(r'<script type="application/json" id="spot-chart-data">(.*?)</script>', page, re.S).group(1)
    )
    spread = flag.run.distributions["tower_crane"]["zero_share"]
    assert data["values"] == [round(v * 100, 2) for v in spread] and data["unit"] == "%"
    assert data["values"][data["marked"]] == round(flag.figures["zero_share"] * 100, 2)
    assert "vendor/echarts/echarts.min.js" in page and "js/charts.js" in page and "<script>" not in page
    assert 'id="spot-table"' in page and page.count("<tr") >= len(spread)
    csv = client.get(f"/cranes/spot-checks/flags/{flag.id}.csv")
    lines = csv.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert (
        csv.mimetype == "text/csv"
        and len(lines) == len(spread) + 1
        and lines[data["marked"] + 1].endswith(",是")
    )
    assert client.get("/static/vendor/echarts/echarts.min.js").status_code == 200


def test_order_then_result_stays_on_the_record_and_bad_input_is_told(client, session, pop, queued):
    regulator = make_account(session, Role.REGULATOR)
    login(client, regulator)
    client.post("/cranes/spot-checks/run")
    flag = next(f for f in flags_of(session) if f.body_id in pop.zero)
    url = f"/cranes/spot-checks/flags/{flag.id}"
    too_long = client.post(f"{url}/order", data={"instructions": "要" * 501}, follow_redirects=True)
    assert "500" in too_long.get_data(as_text=True) and session.query(SpotCheck).count() == 0
    early = client.post(f"{url}/result", data={"result": "confirmed", "note": "x"}, follow_redirects=True)
    assert "尚未下达抽查" in early.get_data(as_text=True)
    client.post(f"{url}/order", data={"instructions": "抽取10份报告复检"})
    again = client.post(f"{url}/order", data={}, follow_redirects=True).get_data(as_text=True)
    assert "已根据该预警下达过抽查，不能重复下达" in again
    no_note = client.post(f"{url}/result", data={"result": "confirmed", "note": ""}, follow_redirects=True)
    assert "请写明抽查发现的情况" in no_note.get_data(as_text=True)
    client.post(f"{url}/result", data={"result": "confirmed", "note": "复检发现漏检吊钩防脱装置"})
    twice = client.post(
        f"{url}/result", data={"result": "not_confirmed", "note": "改"}, follow_redirects=True
    )
    assert "查实粗检、漏检" in twice.get_data(as_text=True) and 'id="result-form"' not in twice.get_data(
        as_text=True
    )
    record = client.get(f"/cranes/inspection-bodies/{flag.body_id}/spot-checks").get_data(as_text=True)
    assert "复检发现漏检吊钩防脱装置" in record and "抽取10份报告复检" in record
    inspector = make_account(session, Role.INSPECTION_BODY, enterprise_id=flag.body.enterprise_id)
    switch(client, inspector)
    mine = client.get("/cranes/spot-checks/mine").get_data(as_text=True)
    assert "复检发现漏检吊钩防脱装置" in mine
    assert client.get(f"/cranes/inspection-bodies/{flag.body_id}/spot-checks").status_code == 403
    assert client.get("/cranes/spot-checks").status_code == 403
    switch(client, make_account(session, Role.INSPECTION_BODY))
    assert "尚未登记为检验机构" in client.get("/cranes/spot-checks/mine").get_data(as_text=True)


def test_the_admin_reads_but_a_city_regulator_elsewhere_cannot_order(client, session, pop, queued):
    login(client, make_account(session, Role.ADMIN))
    client.post("/cranes/spot-checks/run")
    flag = next(f for f in flags_of(session) if f.body.city is City.SUZHOU)
    page = client.get(f"/cranes/spot-checks/flags/{flag.id}").get_data(as_text=True)
    assert "order-form" not in page
    assert client.post(f"/cranes/spot-checks/flags/{flag.id}/order", data={}).status_code == 403
    switch(client, make_account(session, Role.REGULATOR, city=City.NANJING))
    assert client.post(f"/cranes/spot-checks/flags/{flag.id}/order", data={}).status_code == 404
    assert session.query(SpotCheck).count() == 0


def test_a_bulletin_is_requested_listed_and_downloaded(client, session, queued):
    login(client, make_account(session, Role.REGULATOR))
    bad = client.post("/cranes/bulletins/new", data={"period": "2026Q5", "city": ""}).get_data(as_text=True)
    assert "季度须为Q1至Q4" in bad and session.query(Bulletin).count() == 0
    assert (
        client.post("/cranes/bulletins/new", data={"period": "2026Q3", "city": "suzhou"}).status_code == 302
    )
    row = session.query(Bulletin).one()
    listing = client.get("/cranes/bulletins").get_data(as_text=True)
    assert '<tr class="bulletin"><td>2026Q3</td><td>苏州市</td>' in listing and row.sha256 in listing
    pdf = client.get(f"/cranes/bulletins/{row.id}.pdf")
    assert (
        pdf.status_code == 200
        and pdf.data.startswith(b"%PDF")
        and pdf.headers["Cache-Control"].startswith("private")
    )
    assert client.get(f"/cranes/bulletins/{row.id}/progress").get_json()["finished"] is True
    switch(client, make_account(session, Role.REGULATOR, city=City.NANJING))
    assert 'class="bulletin"' not in client.get("/cranes/bulletins").get_data(as_text=True)
    assert client.get(f"/cranes/bulletins/{row.id}.pdf").status_code == 404
    assert client.post("/cranes/bulletins/new", data={"period": "2026", "city": "suzhou"}).status_code == 403


def test_the_api_runs_the_list_orders_records_and_builds_bulletins(client, session, pop, queued):
    headers = bearer(session, make_account(session, Role.REGULATOR))
    started = client.post("/api/v1/crane-spot-checks/runs", headers=headers)
    assert started.status_code == 202 and started.get_json()["total"] > 0
    assert client.get("/api/v1/crane-spot-checks/runs/latest", headers=headers).get_json()["finished"] is True
    items = client.get("/api/v1/crane-spot-checks/flags?kind=inspector_day", headers=headers).get_json()[
        "items"
    ]
    assert {i["body_id"] for i in items} == pop.busy and items[0]["distribution"][
        "figure"
    ] == "max_reports_per_inspector_day"
    assert_error(
        client.get("/api/v1/crane-spot-checks/flags?kind=lazy", headers=headers), 400, "invalid_parameter"
    )
    flag_id = items[0]["id"]
    detail = client.get(f"/api/v1/crane-spot-checks/flags/{flag_id}", headers=headers).get_json()
    assert detail["spot_check"] is None and detail["figures"]["max_reports_per_inspector_day"] >= 9
    assert_error(client.post(f"/api/v1/crane-spot-checks/flags/{flag_id}/result", json={"result": "confirmed", "note": "x"},
                             headers=headers), 422, "not_ordered")  # fmt: skip
    ordered = client.post(f"/api/v1/crane-spot-checks/flags/{flag_id}/order", json={}, headers=headers)
    assert ordered.status_code == 201
    assert_error(
        client.post(f"/api/v1/crane-spot-checks/flags/{flag_id}/order", json={}, headers=headers),
        409,
        "duplicate",
    )
    assert_error(client.post(f"/api/v1/crane-spot-checks/flags/{flag_id}/result", json={"result": "maybe", "note": "x"},
                             headers=headers), 400, "invalid_value")  # fmt: skip
    done = client.post(f"/api/v1/crane-spot-checks/flags/{flag_id}/result",
                       json={"result": "not_confirmed", "note": "当日为集中验收，属实"}, headers=headers)  # fmt: skip
    assert done.status_code == 200 and done.get_json()["result"] == "not_confirmed"
    assert_error(
        client.post("/api/v1/crane-bulletins", json={"period": "2026-13"}, headers=headers), 422, "crane_rule"
    )
    made = client.post("/api/v1/crane-bulletins", json={"period": "2026Q3"}, headers=headers)
    assert made.status_code == 202
    bulletin_id = made.get_json()["id"]
    assert (
        client.get(f"/api/v1/crane-bulletins/{bulletin_id}", headers=headers).get_json()["finished"] is True
    )
    assert [b["id"] for b in client.get("/api/v1/crane-bulletins", headers=headers).get_json()] == [
        bulletin_id
    ]
    assert client.get(f"/api/v1/crane-bulletins/{bulletin_id}/pdf", headers=headers).data.startswith(b"%PDF")
    team = bearer(session, make_account(session, Role.PROJECT_TEAM))
    for path in (
        "/api/v1/crane-spot-checks/flags",
        "/api/v1/crane-bulletins",
        f"/api/v1/crane-spot-checks/flags/{flag_id}",
    ):
        assert client.get(path, headers=team).status_code == 403
    spec = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert (
        "/api/v1/crane-spot-checks/flags/{flag_id}/order" in spec
        and "/api/v1/crane-bulletins/{bulletin_id}/pdf" in spec
    )


def test_the_command_line_builds_a_bulletin_and_computes_the_list(app, runner, session, pop, tmp_path):
    out = tmp_path / "b.pdf"
    result = runner.invoke(
        args=["cranes", "bulletin", "--period", "2026Q3", "--city", "suzhou", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert (
        "[1/8] 备案 完成" in result.output
        and "苏州市" in result.output
        and out.read_bytes().startswith(b"%PDF")
    )
    bad = runner.invoke(args=["cranes", "bulletin", "--period", "2026Q9"])
    assert bad.exit_code != 0 and "季度须为Q1至Q4" in bad.output
    listed = runner.invoke(args=["cranes", "spot-checks", "--on", ON.isoformat()])
    assert listed.exit_code == 0, listed.output
    assert f"检验报告 {pop.reports - 120} 份" in listed.output
    assert session.query(SpotCheckFlag).count() == len(pop.zero) * 2 + len(pop.short) + len(pop.busy)


def test_the_admin_sets_the_spot_check_policy_and_bad_values_are_refused(client, session):
    login(client, make_account(session, Role.ADMIN))
    page = client.get("/admin/policy").get_data(as_text=True)
    assert "起重机械检验机构抽查名单" in page and "每名检验员每日报告上限（份）" in page
    client.post("/admin/policy", data={"group": "cranes", "cranes.max_reports_per_inspector_day": "8",
                                       "cranes.min_minutes_tower_crane": "100"})  # fmt: skip
    session.expire_all()
    policy = job.spot_check_policy(session)
    assert (
        policy.max_reports_per_inspector_day == 8
        and policy.min_minutes[next(iter(policy.min_minutes))] == 100
    )
    for values, message in (({"cranes.min_reports": "很多"}, "取值无效"), ({"cranes.short_percentile": "0"}, "须在1到99之间"),
                            ({"cranes.low_mean_ratio": "1.5"}, "须在0.01到1之间")):  # fmt: skip
        shown = client.post("/admin/policy", data={"group": "cranes", **values}, follow_redirects=True)
        assert message in shown.get_data(as_text=True)
    session.expire_all()
    assert job.spot_check_policy(session).max_reports_per_inspector_day == 8
    run, _ = job.start_run(session, scope=None, now=NOW, on=ON)
    assert run.policy["max_reports_per_inspector_day"] == 8  # each run records the policy it used
