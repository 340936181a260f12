"""The dashboard's figures kept per period and area (issue 22 item 9): a second view sends none of the aggregate
queries; a change that passes the search outbox (the registry's, the reviews') makes the next view compute them
again; another area or reach is another entry."""

from __future__ import annotations

import re

from knowledge import outbox
from knowledge.accounts.models import Role
from knowledge.regions import City
from tests.factories import login, make_account, make_project, make_work
from tests.integration.dashboard_world import IN_Q3
from tests.web.test_dashboard_pages import Q3, statements, world  # noqa: F401 - the shared fixture

NEW_IN_PERIOD = re.compile(r"本期新登记（项）</div><div[^>]*>(\d+)<")


def new_works(client) -> int:
    found = NEW_IN_PERIOD.search(client.get(Q3).get_data(as_text=True))
    assert found
    return int(found.group(1))


def test_kept_until_a_change_passes_the_outbox(app, client, session, world):  # noqa: F811
    app.config["DASHBOARD_FRESH_SECONDS"] = 60
    login(client, make_account(session, Role.REGULATOR))
    first = statements(app, client, Q3)
    again = statements(app, client, Q3)
    assert again <= first - 15, (first, again)  # about 30 aggregate queries not sent again

    before = new_works(client)
    make_work(session, make_project(session, city=City.WUXI, district="梁溪区"), created_at=IN_Q3)
    assert new_works(client) == before  # kept: the factory wrote no outbox row
    outbox.record(session, "work:0")
    session.commit()
    assert new_works(client) == before + 1  # a change passed the outbox: computed again


def test_each_area_and_reach_is_kept_apart(app, client, session, world):  # noqa: F811
    app.config["DASHBOARD_FRESH_SECONDS"] = 60
    login(client, make_account(session, Role.REGULATOR))
    province = client.get(Q3).get_data(as_text=True)
    client.post("/auth/logout")
    login(client, make_account(session, Role.REGULATOR, city=City.NANJING))
    nanjing = client.get(Q3).get_data(as_text=True)
    assert "全省 · 2026年第三季度" in province and "南京市 · 2026年第三季度" in nanjing
    assert 'id="figure-cities"' in province and 'id="figure-cities"' not in nanjing


def test_opening_a_problems_sweep_shows_at_once_on_the_kept_page(app, client, session):
    from tests.problem_sweep_world import YEAR, build

    app.config["DASHBOARD_FRESH_SECONDS"] = 60
    sweeps = build(session, app.config["UPLOAD_DIR"])
    login(client, make_account(session, Role.REGULATOR))
    uplift = sweeps.problem(session, "抗隆起")
    page = f"/dashboard?period={YEAR}"
    assert f'id="open-sweep-{uplift.id}"' in client.get(page).get_data(as_text=True)
    form = {"period": YEAR, "area": "province", "problem": str(uplift.id)}
    assert client.post("/dashboard/problem-sweeps", data=form).status_code == 302
    assert f'id="sweep-of-{uplift.id}"' in client.get(page).get_data(as_text=True)  # not the kept page


def test_the_page_says_how_old_its_figures_may_be(app, client, session, world):  # noqa: F811
    app.config["DASHBOARD_FRESH_SECONDS"] = 90
    login(client, make_account(session, Role.REGULATOR))
    assert "现场与起重机械数据最迟 90 秒后更新" in client.get(Q3).get_data(as_text=True)
