"""The dashboard's draws refused for lack of eligible experts (issue 22 item 2): the office's refused draw is told
and kept, a province regulator sees the refusals by city and by category, a city's regulator his city's only, and
each CSV holds the numbers of its table."""

from __future__ import annotations

import csv
import io

from sqlalchemy import func, select

from expert_pool.draws.models import Draw, DrawFailure
from knowledge.accounts.models import Role
from knowledge.regions import City
from tests.factories import login, make_account
from tests.integration.test_draw_failures import refused  # noqa: F401 - the fixture, bound here by its name
from tests.integration.test_draws import site  # noqa: F401 - the draw tests' world
from tests.web.test_dashboard_pages import Q3, signed_in, table_rows
from tests.web.test_draws_pages import DRAW_FORM

KEYS = ("failed_draws_by_city", "failed_draws_by_category")


def test_the_province_regulator_sees_the_refusals_by_city_and_category(client, session, refused):  # noqa: F811
    page = signed_in(client, session).get(Q3).get_data(as_text=True)
    assert 'data-chart="stacked-bar" data-chart-source="chart-failed_draws_by_city"' in page
    assert table_rows(page, "failed_draws_by_city") == [["南京市", "1", "0", "1"], ["苏州市", "2", "1", "2"]]
    assert table_rows(page, "failed_draws_by_category") == [
        ["基坑工程", "1", "1", "1"], ["模板工程及支撑体系", "1", "0", "1"], ["起重吊装及起重机械安装拆卸工程", "1", "0", "1"],
    ]  # fmt: skip
    assert "专家余量：已完成的抽取" in page  # the margin stays, named for what it is


def test_a_city_regulator_sees_his_citys_refusals_and_the_csv_holds_them(client, session, refused):  # noqa: F811
    signed_in(client, session, city=City.NANJING)
    page = client.get(Q3).get_data(as_text=True)
    assert table_rows(page, "failed_draws_by_city") == [["南京市", "1", "0", "1"]]
    assert table_rows(page, "failed_draws_by_category") == [["起重吊装及起重机械安装拆卸工程", "1", "0", "1"]]
    for key in KEYS:
        response = client.get(f"/dashboard/{key}.csv?period=2026Q3&area=nanjing")
        assert response.status_code == 200 and response.mimetype == "text/csv"
        lines = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
        assert lines[0][1:] == ["首次抽取", "补充抽取", "涉及工程（项）"]
        assert lines[1:] == table_rows(page, key), key
    assert client.get("/dashboard/failed_draws_by_city.csv?period=2026Q3&area=suzhou").status_code == 403


def test_an_office_draw_refused_for_lack_of_experts_is_told_kept_and_counted(client, session, site):  # noqa: F811
    for e in site["experts"][4:]:
        e.specialties.clear()
    session.commit()
    work = site["ready_work"]()
    login(client, make_account(session, Role.DRAW_OFFICE))
    page = client.post(
        f"/draws/works/{work.id}/new", data=DRAW_FORM | {"confirmed": "1"}, follow_redirects=True
    )
    assert "可用专家仅4名，需要8名" in page.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(DrawFailure)) == 1
    assert session.scalar(select(func.count()).select_from(Draw)) == 0
    client.post("/auth/logout")
    board = signed_in(client, session).get("/dashboard").get_data(as_text=True)  # this quarter
    assert table_rows(board, "failed_draws_by_city") == [["苏州市", "1", "0", "1"]]
