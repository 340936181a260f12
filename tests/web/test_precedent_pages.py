"""Issue 23: the common-problems pages (a provincial regulator's full run with progress, a city reader's city,
the roles refused), the pre-check on the plan page and for the panel, and the same pre-check over the API."""

import importlib
import re

import pytest

from expert_pool.precedents import services
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.db import utcnow
from knowledge.regions import City
from tests.factories import login, make_account, make_enterprise, make_plan_version
from tests.precedent_factories import make_precedent_world
from tests.web.test_api import assert_error, bearer


@pytest.fixture
def world(app, session, monkeypatch):
    # The queue's consumer, played in the test: the job runs on its own session as soon as it is handed over.
    monkeypatch.setattr("webapp.precedents.enqueue_run", lambda run_id: services.run_full(session, run_id))
    return make_precedent_world(session, app.config["UPLOAD_DIR"])


@pytest.fixture
def grouped(app, session, world):
    province = app.test_client()
    login(province, make_account(session, Role.REGULATOR))
    assert "全量重算已开始" in province.post("/problems/run", follow_redirects=True).get_data(as_text=True)
    return world


def test_a_provincial_regulator_recomputes_and_reads_the_problems_with_links(app, client, session, world):
    login(client, make_account(session, Role.REGULATOR))
    assert "尚未进行全量重算" in client.get("/problems").get_data(as_text=True)
    page = client.post("/problems/run", follow_redirects=True).get_data(as_text=True)
    assert "全量重算已开始" in page and 'id="precedents-last"' in page
    assert client.get("/problems/progress").get_json()["finished"] is True
    assert re.search(
        r'data-category="excavation">\s*<td><a[^>]*>基坑工程</a></td>\s*<td class="text-end">\d+', page
    )
    excavation = client.get("/problems/excavation").get_data(as_text=True)
    assert "抗隆起" in excavation and "9. 计算书及相关施工图纸" in excavation
    assert f"/reviews/{world.reviews[0].id}" in excavation
    assert "苏州市 5" in excavation and "南京市 3" in excavation
    assert "检查/隐患 1 次" in excavation  # the failed monitoring item joined the alarm-value problem


def test_a_city_regulator_sees_his_city_and_cannot_recompute(client, session, grouped):
    login(client, make_account(session, Role.REGULATOR, city=City.NANJING))
    assert client.post("/problems/run").status_code == 403
    page = client.get("/problems/excavation").get_data(as_text=True)
    assert "仅统计南京市" in page and "南京市 3" in page and "苏州" not in page


def test_an_expert_reads_the_problems_without_links_and_a_team_is_refused(client, session, grouped):
    login(client, make_account(session, Role.EXPERT, expert_id=grouped.experts[0].id))
    page = client.get("/problems/excavation?sub_type=foundation_pit").get_data(as_text=True)
    assert "抗隆起" in page and "/reviews/" not in page
    assert client.get("/problems/nothing").status_code == 404
    team = make_account(session, Role.PROJECT_TEAM, enterprise_id=grouped.gc.id)
    other = client.application.test_client()
    login(other, team)
    assert other.get("/problems").status_code == 403


def test_the_plan_page_shows_the_precheck_with_its_evidence(app, client, session, grouped):
    login(client, make_account(session, Role.PROJECT_TEAM, enterprise_id=grouped.gc.id))
    page = client.get(f"/works/plans/{grouped.plan.id}").get_data(as_text=True)
    assert 'id="precheck"' in page and 'data-status="checked"' in page
    items = re.findall(r'class="precheck-item[^"]*" data-verdict="(\w+)"', page)
    assert "not_found" in items and "addressed" in items
    assert "在“计算书及相关施工图纸”中未找到“抗隆起" in page
    assert "整体稳定安全系数" in page  # the words found, quoted


def test_the_plan_page_says_when_the_text_is_unreadable_or_precedents_are_too_few(
    app, client, session, grouped
):
    scanned = make_plan_version(session, grouped.plan_work, app.config["UPLOAD_DIR"], text="")
    login(client, make_account(session, Role.REGULATOR))
    page = client.get(f"/works/plans/{scanned.id}").get_data(as_text=True)
    assert (
        'data-status="unreadable"' in page and "未能提取该方案的文字" in page and "precheck-item" not in page
    )
    formwork = grouped.formwork_reviews[0].plan_version
    page = client.get(f"/works/plans/{formwork.id}").get_data(as_text=True)
    assert 'data-status="too_few"' in page and "先例太少" in page


def test_the_panel_sees_the_precheck_beside_the_plan_it_reads_and_others_do_not(
    app, client, session, grouped
):
    review = grouped.reviews[0]
    login(client, make_account(session, Role.EXPERT, expert_id=grouped.experts[1].id))
    beside = client.get(f"/reviews/{review.id}/plan").get_data(as_text=True)
    assert 'id="precheck"' in beside and 'data-status="checked"' in beside
    page = client.get(f"/problems/plans/{review.plan_version_id}").get_data(as_text=True)
    assert 'id="precheck"' in page
    assert client.get(f"/problems/plans/{grouped.plan.id}").status_code == 404  # not seated on its review
    outsider = make_account(session, Role.PROJECT_TEAM, enterprise_id=make_enterprise(session).id)
    other = app.test_client()
    login(other, outsider)
    assert other.get(f"/problems/plans/{grouped.plan.id}").status_code == 404
    assert other.get(f"/works/plans/{grouped.plan.id}").status_code == 404


def test_the_api_returns_the_same_precheck_and_keeps_the_scope(client, session, grouped):
    team = make_account(session, Role.PROJECT_TEAM, enterprise_id=grouped.gc.id)
    body = client.get(f"/api/v1/plans/{grouped.plan.id}/precheck", headers=bearer(session, team)).get_json()
    assert body["status"] == "checked" and body["precedents"] == 12
    uplift = next(p for p in body["problems"] if "抗隆起" in p["label"])
    assert (
        uplift["verdict"] == "not_found"
        and uplift["section"] == 9
        and "抗隆起" in uplift["evidence"]["missing"]
    )
    found = next(p for p in body["problems"] if p["verdict"] == "addressed")
    assert found["evidence"]["found"][0]["snippet"]
    outsider = make_account(session, Role.PROJECT_TEAM, enterprise_id=make_enterprise(session).id)
    assert_error(client.get(f"/api/v1/plans/{grouped.plan.id}/precheck", headers=bearer(session, outsider)), 404,
                 "not_found")  # fmt: skip
    assert_error(client.get("/api/v1/plans/999999/precheck", headers=bearer(session, team)), 404, "not_found")


def test_the_api_says_why_there_is_no_precheck(app, client, session, grouped):
    scanned = make_plan_version(session, grouped.plan_work, app.config["UPLOAD_DIR"], text="")
    regulator = make_account(session, Role.REGULATOR)
    body = client.get(f"/api/v1/plans/{scanned.id}/precheck", headers=bearer(session, regulator)).get_json()
    assert body["status"] == "unreadable" and body["problems"] == [] and "未能提取" in body["message"]
    formwork = grouped.formwork_reviews[0].plan_version_id
    body = client.get(f"/api/v1/plans/{formwork}/precheck", headers=bearer(session, regulator)).get_json()
    assert body["status"] == "too_few" and body["precedents"] == 3


def test_the_api_lists_a_category_within_the_readers_city(client, session, grouped):
    nanjing = make_account(session, Role.REGULATOR, city=City.NANJING)
    body = client.get("/api/v1/problems/excavation", headers=bearer(session, nanjing)).get_json()
    assert body["city"] == "nanjing" and all(set(p["by_city"]) == {"nanjing"} for p in body["problems"])
    uplift = next(p for p in body["problems"] if "抗隆起" in p["label"])
    assert uplift["reviews"] == 3 and len(uplift["review_ids"]) == 3
    team = make_account(session, Role.PROJECT_TEAM, enterprise_id=grouped.gc.id)
    assert_error(client.get("/api/v1/problems/excavation", headers=bearer(session, team)), 403, "forbidden")
    assert_error(client.get("/api/v1/problems/nothing", headers=bearer(session, nanjing)), 404, "not_found")
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "/api/v1/plans/{version_id}/precheck" in paths and "/api/v1/problems/{category}" in paths


def test_the_commands_recompute_and_update_as_the_page_and_the_job_do(app, runner, session, world):
    first = runner.invoke(args=["precedents", "update"])
    assert first.exit_code == 0 and "已归并 17 项来源" in first.output
    assert "已归并 0 项来源" in runner.invoke(args=["precedents", "update"]).output  # nothing twice
    done = runner.invoke(args=["precedents", "recompute"])
    assert done.exit_code == 0 and "已读取 17 项来源" in done.output and "基坑工程" in done.output


def test_the_jobs_run_on_the_configured_database_and_are_safe_twice(
    app, session, world, monkeypatch, tmp_path
):
    monkeypatch.setenv("INSTANCE_DIR", str(tmp_path / "jobs"))
    tasks = importlib.import_module("webapp.precedents.tasks")
    monkeypatch.setattr(tasks, "_app", lambda: app)
    assert tasks.group_new_precedents.call_local() == 17
    assert tasks.group_new_precedents.call_local() == 0
    run, _ = services.start_run(session, Scope.of(make_account(session, Role.ADMIN)), now=utcnow())
    assert tasks.run_full_grouping.call_local(run.id) == 17
    assert tasks.run_full_grouping.call_local(run.id) == 17  # a finished run is left as it is
