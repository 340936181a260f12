"""The top-up form on the draw record page: the office in scope sees it while the panel is short and the meeting
ahead, confirms once more, and the workbench task is gone; the refusals, the infeasible message, and parallel
requests that fill the seats once."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from expert_pool.draws import services as draws
from expert_pool.draws.models import Draw, HalfDay, SeatStatus
from expert_pool.experts.models import Leave
from knowledge.accounts.models import Role
from knowledge.regions import City
from tests.factories import login, make_account
from tests.integration.test_draw_office_top_up import short_meeting
from tests.integration.test_draws import site  # noqa: F401 - the same world as the service tests

FORM = 'id="top-up"'


@pytest.fixture
def short(session, site):  # noqa: F811
    """A short panel for a meeting ten days from now (the pages run on the real clock)."""
    now = datetime.now(UTC)
    root = short_meeting(session, site, day=(now + timedelta(days=10)).date(), now=now)
    return {"root": root, "office": make_account(session, Role.DRAW_OFFICE, city=City.SUZHOU)}


def hidden_fields(page: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page))


def draw_count(session) -> int:
    return session.scalar(select(func.count()).select_from(Draw))


def test_the_office_confirms_a_top_up_and_the_workbench_task_is_gone(client, session, short):
    root = short["root"]
    login(client, short["office"])
    home = client.get("/").get_data(as_text=True)
    task = re.search(r'<tr class="task" data-kind="panel_short">(.*?)</tr>', home, re.S).group(1)
    assert f'href="/draws/{root.id}"' in task and "在席4名" in task
    page = client.get(f"/draws/{root.id}").get_data(as_text=True)
    assert FORM in page and "在席专家 4 名，少于正选 5 名" in page and "可补充抽取 1 名正选专家" in page
    assert f'action="/draws/{root.id}/top-up"' in page

    confirm = client.post(f"/draws/{root.id}/top-up").get_data(as_text=True)
    assert draw_count(session) == 1  # nothing drawn yet
    assert "确认补充抽取论证专家" in confirm and "在席专家4名，少于正选5名" in confirm
    assert "补充抽取1名正选专家，不抽候补" in confirm and "哈希链" in confirm and "不能撤销" in confirm
    assert "立即向入选专家发出邀请" in confirm and 'name="confirmed" value="1"' in confirm
    done = client.post(f"/draws/{root.id}/top-up", data=hidden_fields(confirm), follow_redirects=True)

    added = session.scalar(select(Draw).where(Draw.top_up_of == root.id))
    assert added is not None and done.request.path == f"/draws/{added.id}"
    body = done.get_data(as_text=True)
    assert "补充抽取完成" in body and "已向1名专家发出邀请" in body
    assert 'id="meeting-draws"' in body and f'href="/draws/{root.id}"' in body and FORM not in body
    assert [s.status for s in added.seats] == [SeatStatus.INVITED]
    assert added.requested_by == short["office"].id
    assert 'data-kind="panel_short"' not in client.get("/").get_data(as_text=True)
    assert FORM not in client.get(f"/draws/{root.id}").get_data(as_text=True)
    again = client.post(f"/draws/{root.id}/top-up", data={"confirmed": "1"}, follow_redirects=True)
    assert "已达正选5名，无需补充抽取" in again.get_data(as_text=True) and draw_count(session) == 2


def test_the_form_posts_with_its_csrf_token(app, client, session, short):
    root = short["root"]
    login(client, short["office"])
    app.config["WTF_CSRF_ENABLED"] = True  # this test's own app, after signing in
    page = client.get(f"/draws/{root.id}").get_data(as_text=True)
    token = re.search(r'id="top-up".*?name="csrf_token" type="hidden" value="([^"]+)"', page, re.S).group(1)
    assert client.post(f"/draws/{root.id}/top-up").status_code == 400
    confirm = client.post(f"/draws/{root.id}/top-up", data={"csrf_token": token}).get_data(as_text=True)
    fields = hidden_fields(confirm)
    assert fields["confirmed"] == "1" and fields["csrf_token"]
    client.post(f"/draws/{root.id}/top-up", data=fields)
    assert draw_count(session) == 2


def test_too_few_eligible_experts_shows_the_reason_on_the_page(client, session, site, short):  # noqa: F811
    root = short["root"]
    for e in site["experts"]:
        if e.id not in root.seated:
            session.add(Leave(expert_id=e.id, start=root.meeting_day, end_date=root.meeting_day))
    session.commit()
    login(client, short["office"])
    page = client.post(f"/draws/{root.id}/top-up", data={"confirmed": "1"}, follow_redirects=True)
    body = page.get_data(as_text=True)
    assert page.request.path == f"/draws/{root.id}"
    assert "补充抽取：可用专家仅0名，需要1名" in body and FORM in body  # still short: the form stays
    assert draw_count(session) == 1


def test_the_form_is_only_for_the_office_in_scope(client, session, site, short):  # noqa: F811
    root = short["root"]
    login(client, make_account(session, Role.DRAW_OFFICE))  # the provincial office
    assert FORM in client.get(f"/draws/{root.id}").get_data(as_text=True)
    client.post("/auth/logout")
    login(client, make_account(session, Role.DRAW_OFFICE, city=City.NANJING))
    assert client.get(f"/draws/{root.id}").status_code == 404
    assert client.post(f"/draws/{root.id}/top-up", data={"confirmed": "1"}).status_code == 404
    team = make_account(session, Role.PROJECT_TEAM, enterprise_id=site["gc"].id)
    for account in (make_account(session, Role.REGULATOR), team):
        client.post("/auth/logout")
        login(client, account)
        assert FORM not in client.get(f"/draws/{root.id}").get_data(as_text=True)
        assert client.post(f"/draws/{root.id}/top-up", data={"confirmed": "1"}).status_code == 403
    assert draw_count(session) == 1


def test_no_form_for_a_full_panel_or_a_meeting_begun(app, client, session, site, short):  # noqa: F811
    now = datetime.now(UTC)
    full = draws.request_draw(session, site["ready_work"](), (now + timedelta(days=10)).date(), HalfDay.PM,
                              actor_id=None, now=now, seed="full")  # fmt: skip
    login(client, short["office"])
    assert FORM not in client.get(f"/draws/{full.id}").get_data(as_text=True)
    refused = client.post(f"/draws/{full.id}/top-up", follow_redirects=True).get_data(as_text=True)
    assert "在席专家5名，已达正选5名，无需补充抽取" in refused and "确认补充抽取" not in refused
    root = short["root"]
    begins = draws.meeting_start(root.meeting_day, root.half_day)
    app.config["CLOCK_OFFSET_HOURS"] = (begins - now).total_seconds() / 3600  # this test's own app
    assert FORM not in client.get(f"/draws/{root.id}").get_data(as_text=True)
    begun = client.post(f"/draws/{root.id}/top-up", follow_redirects=True).get_data(as_text=True)
    assert "论证会已经开始或结束，不能再补充抽取" in begun and draw_count(session) == 2


def test_parallel_requests_fill_the_missing_seat_once(app, session, short, monkeypatch):
    """Two offices and a double click, all past the panel count before any stores its draw (a barrier inside the
    top-up holds each until all three are there)."""
    root = short["root"]
    accounts = [short["office"], make_account(session, Role.DRAW_OFFICE), short["office"]]
    clients = [app.test_client() for _ in accounts]
    for c, account in zip(clients, accounts, strict=True):
        login(c, account)
    barrier = threading.Barrier(len(clients), timeout=30)
    build_funnel, held = draws.build_funnel, []

    def in_step(*args: Any, **kwargs: Any) -> Any:
        built = build_funnel(*args, **kwargs)
        if len(held) < len(clients):
            held.append(1)
            barrier.wait()
        return built

    monkeypatch.setattr(draws, "build_funnel", in_step)
    bodies: list[str] = []

    def post(c: Any) -> None:
        response = c.post(f"/draws/{root.id}/top-up", data={"confirmed": "1"}, follow_redirects=True)
        bodies.append(response.get_data(as_text=True))

    threads = [threading.Thread(target=post, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(bodies) == 3
    assert sum("补充抽取完成" in b for b in bodies) == 1
    assert sum("已达正选5名，无需补充抽取" in b for b in bodies) == 2
    session.expire_all()
    assert len(session.scalars(select(Draw).where(Draw.top_up_of == root.id)).all()) == 1
    assert all(v.ok for v in draws.verify_all(session))
