"""Issue 22 item 3: the supervision portraits page — cities for the province, inspectors for a city, the period
chosen, bad input answered in Chinese, another city refused."""

import json
import re

import pytest

from knowledge.site.inspections import record_inspection
from tests.factories import login
from tests.inspection_factories import CATALOGUE_KEY, TODAY, answers, inspection_input
from tests.site_factories import make_site_world


@pytest.fixture
def world(app, session):
    w = make_site_world(session, app.config["UPLOAD_DIR"])
    data = answers(session, w.work, fails={CATALOGUE_KEY: "未见第三方监测单位进场"})
    record_inspection(session, w.work, inspection_input(session, w.work, answers=data), scope=w.scope("regulator"),
                      upload_dir=app.config["UPLOAD_DIR"], today=TODAY)  # fmt: skip
    return w


def test_province_sees_thirteen_cities_with_chart_and_table(client, world):
    login(client, world.accounts["province"])
    page = client.get("/site/supervision-portraits?period=2026Q2").get_data(as_text=True)
    rows = re.findall(r'<th scope="row">([^<]+)</th><td>(\d+)</td>', page)
    assert len(rows) == 14 and ("苏州市", "1") in rows and ("合计", "1") in rows
    chart = json.loads(re.search(r'id="supervision-chart-data">(.*?)</script>', page, re.S).group(1))
    assert len(chart["categories"]) == 13 and sum(chart["series"][1]["values"]) == 1


def test_city_regulator_sees_his_inspectors_and_is_refused_other_areas(client, world):
    login(client, world.accounts["regulator"])
    page = client.get("/site/supervision-portraits?period=2026Q2").get_data(as_text=True)
    assert world.accounts["regulator"].display_name in page
    assert client.get("/site/supervision-portraits?period=2026Q2&area=nanjing").status_code == 403
    assert client.get("/site/supervision-portraits?period=2026Q2&area=province").status_code == 403


def test_bad_period_and_empty_period_are_answered_in_chinese(client, world):
    login(client, world.accounts["province"])
    bad = client.get("/site/supervision-portraits?period=2026Q7")
    assert bad.status_code == 200 and "季度须为Q1至Q4" in bad.get_data(as_text=True)
    assert "统计范围" in client.get("/site/supervision-portraits?area=atlantis").get_data(as_text=True)
    empty = client.get("/site/supervision-portraits?period=2025").get_data(as_text=True)
    assert 'id="no-data"' in empty
