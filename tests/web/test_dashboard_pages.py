"""The regulators' dashboard pages (issue 22 item 2): who may see them and for which area, the CSV behind each
table, bad input, an empty period, and a statement count that does not grow with the works."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from sqlalchemy import event

from knowledge.accounts.models import Role
from knowledge.regions import City
from tests.factories import login, make_account, make_project, make_work
from tests.integration.dashboard_world import IN_Q3, build
from webapp.extensions import db

Q3 = "/dashboard?period=2026Q3"


@pytest.fixture
def world(app, session):
    return build(session, app.config["UPLOAD_DIR"])


def signed_in(client, session, role: Role = Role.REGULATOR, city: City | None = None):
    login(client, make_account(session, role, city=city))
    return client


def table_rows(page: str, key: str) -> list[list[str]]:
    body = re.search(rf'<table[^>]*id="table-{key}".*?<tbody>(.*?)</tbody>', page, re.S)
    assert body, key
    return [re.findall(r"<t[hd][^>]*>(?:<a [^>]*>)?(.*?)(?:</a>)?</t[hd]>", row)
            for row in re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S)]  # fmt: skip


def test_the_province_regulator_sees_every_figure_and_the_cities(client, session, world):
    page = signed_in(client, session).get(Q3 + "&measure=reviews").get_data(as_text=True)
    assert "全省 · 2026年第三季度" in page
    for key in ("works_by_category", "reviews_by_conclusion", "declines", "hazards", "cities"):
        assert f'id="figure-{key}"' in page
    assert 'data-chart="city-bar" data-chart-source="chart-cities"' in page
    assert ["苏州市", "3"] in table_rows(page, "cities")
    assert 'type="application/json" id="chart-works_by_category"' in page


def test_a_city_regulator_sees_his_city_and_is_refused_another(client, session, world):
    signed_in(client, session, city=City.NANJING)
    page = client.get(Q3).get_data(as_text=True)
    assert "南京市 · 2026年第三季度" in page and 'id="figure-cities"' not in page
    assert table_rows(page, "hazards") == [["南京市", "1", "0", "0", "0", "0"]]
    for area in ("suzhou", "province"):
        refused = client.get(f"{Q3}&area={area}")
        assert refused.status_code == 403
        assert "只能查看南京市的监管数据" in refused.get_data(as_text=True)
    assert client.get("/dashboard/hazards.csv?period=2026Q3&area=suzhou").status_code == 403


@pytest.mark.parametrize("role", [Role.PROJECT_TEAM, Role.EXPERT, Role.DRAW_OFFICE])
def test_other_roles_are_refused(client, session, role):
    signed_in(client, session, role)
    assert client.get("/dashboard").status_code == 403
    assert client.get("/dashboard/summary.csv").status_code == 403


def test_the_admin_may_pick_any_city(client, session, world):
    page = signed_in(client, session, Role.ADMIN).get(Q3 + "&area=suzhou").get_data(as_text=True)
    assert "苏州市 · 2026年第三季度" in page
    assert ["基坑工程", "1", "4", "4"] in table_rows(page, "works_by_category")


def test_each_csv_holds_the_numbers_of_its_table(client, session, world):
    signed_in(client, session, city=City.SUZHOU)
    page = client.get(Q3).get_data(as_text=True)
    for key in ("works_by_category", "reviews_by_conclusion", "declines", "hazards", "late_works"):
        response = client.get(f"/dashboard/{key}.csv?period=2026Q3&area=suzhou")
        assert response.status_code == 200 and response.mimetype == "text/csv"
        lines = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
        assert lines[1:] == table_rows(page, key), key
    assert f'href="/works/{world.late_work_id}"' in page


def test_bad_input_gets_a_chinese_message(client, session):
    signed_in(client, session)
    for url, words in (("/dashboard?period=2026Q9", "季度须为Q1至Q4"), ("/dashboard?period=去年", "无法识别"),
                       ("/dashboard?area=hangzhou", "不是江苏省的设区市"), ("/dashboard?measure=x", "对比指标")):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 400, url
        assert words in response.get_data(as_text=True)
    response = client.get("/dashboard/nonsense.csv")
    assert response.status_code == 400 and "没有名为" in response.get_data(as_text=True)


def test_a_period_without_records_says_so(client, session, world):
    page = signed_in(client, session).get("/dashboard?period=2020").get_data(as_text=True)
    assert 'id="no-data"' in page and "本期无数据" in page
    assert "data-chart=" not in page.replace('data-chart="city-bar"', "")


def statements(app, client, url: str) -> int:
    with app.app_context():
        engine = db.engine
    sent: list[str] = []

    def count(*args):
        sent.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(sent)


def test_the_page_sends_as_many_statements_for_many_works_as_for_few(app, client, session, world):
    signed_in(client, session)
    few = statements(app, client, Q3)
    project = make_project(session, city=City.WUXI, district="梁溪区")
    for _ in range(15):
        make_work(session, project, created_at=IN_Q3)
    many = statements(app, client, Q3)
    assert many <= few, (few, many)


def test_a_warning_list_shows_its_first_rows_and_its_csv_holds_them_all(client, session, world):
    project = make_project(session, city=City.SUZHOU, district="吴中区")
    for _ in range(10):
        make_work(session, project, created_at=IN_Q3, planned_start=date(2026, 9, 1))
    signed_in(client, session, city=City.SUZHOU)
    page = client.get(Q3).get_data(as_text=True)
    assert len(table_rows(page, "late_works")) == 10 and "共 11 条" in page
    text = client.get("/dashboard/late_works.csv?period=2026Q3").get_data(as_text=True)
    assert len(text.strip().splitlines()) == 1 + 11
