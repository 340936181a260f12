"""The dashboard's 共性问题 section and 开展专项排查 (issue 23 item 3): the figures and their CSVs for a province and a
city regulator (another city refused), the works list linking to the works, the sweep opened in one POST with
exactly those works and leading to its page, a double click, bad input, and a statement count that does not grow
with the works under way."""

from __future__ import annotations

import csv
import importlib
import io
import re

import pytest
from sqlalchemy import func, select

from expert_pool.precedents import stored_prechecks
from knowledge.accounts.models import Role
from knowledge.regions import City
from knowledge.registry.workflow import WorkStatus
from knowledge.site.inspection_models import Sweep, SweepWork
from tests.problem_sweep_world import NOW, PLAN_TEXT, YEAR, build, under_way
from tests.web.test_dashboard_pages import signed_in, statements, table_rows

PAGE = f"/dashboard?period={YEAR}"


@pytest.fixture
def world(app, session):
    return build(session, app.config["UPLOAD_DIR"])


def csv_rows(client, url: str) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "text/csv", url
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_the_province_regulator_sees_the_problems_by_city_their_trend_and_the_works(client, session, world):
    page = signed_in(client, session).get(PAGE).get_data(as_text=True)
    assert 'id="problems"' in page and "基坑工程（已办结论证 12 次）" in page
    assert 'data-chart="matrix" data-chart-source="chart-problem_top"' in page
    assert 'data-chart="line" data-chart-source="chart-problem_trend"' in page
    top = table_rows(page, "problem_top")
    assert "抗隆起" in top[0][0] and top[0][1:5] == ["计算书及相关施工图纸", "8", "8", "0"]
    by_city = dict(zip([c.label for c in City], top[0][5:], strict=True))
    assert by_city["南京市"] == "3" and by_city["苏州市"] == "5" and set(top[0][5:]) == {"0", "3", "5"}
    works = table_rows(page, "problem_works")
    assert {w[0] for w in works} == {"A区基坑支护工程", "B区基坑支护工程"}
    assert (
        f'href="/works/{world.lacking_suzhou.id}"' in page
        and f'href="/works/{world.registered.id}"' not in page
    )
    uplift = world.problem(session, "抗隆起")
    assert f'id="open-sweep-{uplift.id}"' in page and f'name="problem" value="{uplift.id}"' in page
    assert "先例不足" in page  # formwork's three reviews


def test_each_problem_csv_holds_its_table_and_the_works_csv_all_the_works(client, session, world):
    signed_in(client, session)
    page = client.get(PAGE + "&category=excavation").get_data(as_text=True)
    for key in ("problem_categories", "problem_top", "problem_trend", "problem_works"):
        rows = csv_rows(client, f"/dashboard/{key}.csv?period={YEAR}&category=excavation")
        assert rows[1:] == table_rows(page, key), key
    header = csv_rows(client, f"/dashboard/problem_top.csv?period={YEAR}")[0]
    assert header[:3] == ["问题", "所涉方案章节", "本期次数"] and header[-1] == "宿迁市"


def test_a_city_regulator_sees_his_city_and_is_refused_another(client, session, world):
    signed_in(client, session, city=City.NANJING)
    page = client.get(PAGE).get_data(as_text=True)
    assert 'data-chart="hbar" data-chart-source="chart-problem_top"' in page
    top = table_rows(page, "problem_top")
    assert "抗隆起" in top[0][0] and top[0][2] == "3" and len(top[0]) == 5
    assert [w[0] for w in table_rows(page, "problem_works")] == ["B区基坑支护工程"]
    assert client.get(PAGE + "&area=suzhou").status_code == 403
    assert client.get(f"/dashboard/problem_works.csv?period={YEAR}&area=province").status_code == 403
    uplift = world.problem(session, "抗隆起")
    refused = client.post(
        "/dashboard/problem-sweeps", data={"period": YEAR, "area": "suzhou", "problem": uplift.id}
    )
    assert refused.status_code == 403 and "只能查看南京市的监管数据" in refused.get_data(as_text=True)
    opened = client.post(
        "/dashboard/problem-sweeps", data={"period": YEAR, "area": "nanjing", "problem": uplift.id}
    )
    sweep = session.scalars(select(Sweep)).one()
    assert opened.status_code == 302 and opened.headers["Location"].endswith(f"/site/sweeps/{sweep.id}")
    assert sweep.city is City.NANJING
    assert set(session.scalars(select(SweepWork.work_id))) == {world.lacking_nanjing.id}


def test_one_click_opens_the_sweep_of_exactly_those_works_and_a_second_finds_it(client, session, world):
    signed_in(client, session)
    uplift = world.problem(session, "抗隆起")
    form = {"period": YEAR, "area": "province", "problem": str(uplift.id)}
    first = client.post("/dashboard/problem-sweeps", data=form, follow_redirects=True)
    text = first.get_data(as_text=True)
    assert first.status_code == 200 and "专项排查已开展" in text and "专项排查：" in text
    left = re.search(r'id="works-left".*?</table>', text, re.S).group(0)  # type: ignore[union-attr]
    assert "A区基坑支护工程" in left and "B区基坑支护工程" in left and "C区基坑支护工程" not in left
    assert 'id="listed-sweep"' in text
    assert "D区基坑支护工程" not in left
    second = client.post("/dashboard/problem-sweeps", data=form)
    sweep = session.scalars(select(Sweep)).one()
    assert second.status_code == 302 and second.headers["Location"].endswith(f"/site/sweeps/{sweep.id}")
    assert set(session.scalars(select(SweepWork.work_id))) == {
        world.lacking_suzhou.id,
        world.lacking_nanjing.id,
    }
    page = client.get(PAGE).get_data(as_text=True)
    assert f'id="sweep-of-{uplift.id}"' in page and f'id="open-sweep-{uplift.id}"' not in page


def test_the_button_posts_with_its_csrf_token(app, client, session, world):
    signed_in(client, session)
    app.config["WTF_CSRF_ENABLED"] = True  # this test's own app: TestConfig turns CSRF off for the others
    uplift = world.problem(session, "抗隆起")
    form = {"period": YEAR, "area": "province", "problem": str(uplift.id)}
    assert client.post("/dashboard/problem-sweeps", data=form).status_code == 400
    page = client.get(PAGE).get_data(as_text=True)
    block = re.search(rf'<form[^>]*id="open-sweep-{uplift.id}".*?</form>', page, re.S).group(0)  # type: ignore[union-attr]
    token = re.search(r'name="csrf_token" value="([^"]+)"', block).group(1)  # type: ignore[union-attr]
    assert client.post("/dashboard/problem-sweeps", data={**form, "csrf_token": token}).status_code == 302
    assert session.scalar(select(func.count()).select_from(Sweep)) == 1


@pytest.mark.parametrize("role", [Role.ADMIN, Role.PROJECT_TEAM, Role.DRAW_OFFICE])
def test_only_regulators_open_a_sweep(client, session, world, role):
    signed_in(client, session, role)
    uplift = world.problem(session, "抗隆起")
    response = client.post("/dashboard/problem-sweeps", data={"period": YEAR, "problem": uplift.id})
    assert response.status_code == 403
    assert session.scalar(select(func.count()).select_from(Sweep)) == 0


def test_an_admin_sees_the_section_without_the_button(client, session, world):
    page = signed_in(client, session, Role.ADMIN).get(PAGE).get_data(as_text=True)
    assert 'id="problem-targets"' in page and 'id="open-sweep-' not in page


def test_bad_input_gets_a_chinese_message(client, session, world):
    signed_in(client, session)
    response = client.get(PAGE + "&category=bridge")
    assert response.status_code == 400 and "工程类别“bridge”无法识别" in response.get_data(as_text=True)
    assert client.get(f"/dashboard/problem_top.csv?period={YEAR}&category=bridge").status_code == 400
    formwork = client.get(PAGE + "&category=formwork").get_data(as_text=True)
    assert (
        'id="problems-too-few"' in formwork
        and "先例太少" in formwork
        and 'id="figure-problem_top"' not in formwork
    )
    for problem, words in (("abc", "共性问题编号“abc”无法识别"), ("", "无法识别"), ("99999999", "不存在"),
                           ("1" * 30, "无法识别")):  # fmt: skip
        response = client.post("/dashboard/problem-sweeps", data={"period": YEAR, "area": "province",
                                                                   "problem": problem})  # fmt: skip
        assert response.status_code == 400 and words in response.get_data(as_text=True), problem
    bad_period = client.post("/dashboard/problem-sweeps", data={"period": "2025Q9", "problem": "1"})
    assert bad_period.status_code == 400 and "季度须为Q1至Q4" in bad_period.get_data(as_text=True)
    emergency = world.problem(session, "应急")
    none = client.post("/dashboard/problem-sweeps", data={"period": YEAR, "area": "province",
                                                           "problem": emergency.id})  # fmt: skip
    assert none.status_code == 400 and "没有方案未涉及该问题的在施工程" in none.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Sweep)) == 0


def test_the_page_sends_as_many_statements_for_many_works_under_way_as_for_few(app, client, session, world):
    signed_in(client, session)
    few = statements(app, client, PAGE)
    for n in range(12):
        under_way(session, world.base.projects[City.SUZHOU], PLAN_TEXT, WorkStatus.IN_PROGRESS,
                  app.config["UPLOAD_DIR"], name=f"F{n}区基坑工程")  # fmt: skip
    stored_prechecks.refresh(session, now=NOW)
    many = statements(app, client, PAGE)
    assert many <= few, (few, many)
    page = client.get(PAGE).get_data(as_text=True)
    assert len(table_rows(page, "problem_works")) == 10 and "共 14 条" in page
    assert len(csv_rows(client, f"/dashboard/problem_works.csv?period={YEAR}")) == 1 + 14


def test_the_job_and_the_command_bring_the_kept_precheck_up_to_date(
    app, session, runner, world, monkeypatch, tmp_path
):
    monkeypatch.setenv(
        "INSTANCE_DIR", str(tmp_path / "jobs")
    )  # the queue's own file, as tests/web/test_jobs.py
    tasks = importlib.import_module("webapp.dashboard.tasks")
    monkeypatch.setattr(tasks, "_app", lambda: app)
    assert tasks.refresh_prechecks.call_local() == 0  # nothing stale since the world's run
    under_way(
        session, world.base.projects[City.NANJING], PLAN_TEXT, WorkStatus.IN_FORCE, app.config["UPLOAD_DIR"]
    )
    assert tasks.refresh_prechecks.call_local() == 1
    result = runner.invoke(args=["dashboard", "prechecks", "--all"])
    assert result.exit_code == 0 and "在施工程（有方案）5 项，本次预检 5 项方案" in result.output, (
        result.output
    )
