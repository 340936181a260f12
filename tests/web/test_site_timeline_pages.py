"""A work's timeline page and API (issue 20 item 9): every key step in order with who acted and links, the steps
ahead greyed, the late ones red; the panel sealed before its reveal; the pages' permissions; few queries."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import event, func, select

from knowledge.accounts.models import Role
from knowledge.audit import AuditLog
from knowledge.registry.workflow import WorkStatus
from tests.factories import login, make_account
from tests.site_factories import make_site_world
from tests.timeline_factories import busy_work
from tests.web.test_api import bearer
from webapp.extensions import db

FUTURE = datetime(2099, 1, 1, tzinfo=UTC)
PAST = datetime(2000, 1, 1, tzinfo=UTC)


@pytest.fixture
def world(session, app):
    return make_site_world(session, app.config["UPLOAD_DIR"], status=WorkStatus.IN_PROGRESS)


@pytest.fixture
def busy(session, world):
    return busy_work(session, world)


def page(client, world):
    return client.get(f"/site/works/{world.work.id}/timeline")


def test_timeline_shows_every_recorded_step_in_order(client, world, busy):
    login(client, world.accounts["gc"])
    response = page(client, world)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    expected = ["登记危大工程", "第1版方案：施工单位技术负责人签字", "方案交底", "安全技术交底", "第三方监测进场",
                "监测橙色预警", "监测报警处置", "监督检查", "验收：验收合格", "验收签字：总监理工程师",
                "抽取论证专家", "专家确认参加论证", "专家论证会（已安排）"]  # fmt: skip
    for label in expected:
        assert label in html, label
    assert "发现重大事故隐患（监督检查发现）" in html and "办理：" in html
    kinds = ["hazard", "monitoring", "briefing", "alarm", "inspection", "acceptance", "draw", "meeting"]
    at = [html.index(f'data-kind="{k}"') for k in kinds]
    assert at == sorted(at)
    assert f'href="/works/{world.work.id}"' in html  # the registration links to the work


def test_late_hazards_are_red_and_steps_ahead_greyed(client, world, busy):
    login(client, world.accounts["regulator"])
    html = page(client, world).get_data(as_text=True)
    assert html.count("step-late") == 3  # the three hazards, found in January, never closed
    assert "已逾期（期限 2025-01-08）" in html
    ahead = html[html.index('data-kind="acceptance"', html.index("step-ahead") - 200) :]
    assert "step-ahead" in html and "关闭" in ahead and 'id="late-count"' in html


def test_project_team_does_not_see_the_panel_before_the_reveal(client, session, world, busy):
    busy["draw"].reveal_at = FUTURE
    session.commit()
    login(client, world.accounts["gc"])
    html = page(client, world).get_data(as_text=True)
    assert "钱论证" not in html and "名单揭晓前不公开" in html
    busy["draw"].reveal_at = PAST
    session.commit()
    assert "钱论证" in page(client, world).get_data(as_text=True)


def test_a_regulator_sees_the_names_and_each_view_is_logged(client, session, world, busy):
    busy["draw"].reveal_at = FUTURE
    session.commit()
    login(client, world.accounts["regulator"])
    assert "钱论证" in page(client, world).get_data(as_text=True)
    views = select(func.count()).select_from(AuditLog).where(AuditLog.action == "draw_view_names")
    assert session.scalar(views) == 1


@pytest.mark.parametrize("name, status", [("gc", 200), ("supervisor", 200), ("regulator", 200), ("province", 200),
                                          ("office", 200), ("admin", 200), ("outsider", 404), ("other_city", 404),
                                          ("expert", 403)])  # fmt: skip
def test_who_may_see_the_timeline(client, world, name, status):
    login(client, world.accounts[name])
    assert page(client, world).status_code == status


def test_an_office_of_another_city_gets_404(client, session, world):
    from knowledge.regions import City

    login(client, make_account(session, Role.DRAW_OFFICE, city=City.WUXI))
    assert page(client, world).status_code == 404


def test_the_api_gives_the_same_timeline_with_the_same_permissions(client, session, world, busy):
    login(client, world.accounts["gc"])
    html = page(client, world).get_data(as_text=True)
    response = client.get(
        f"/api/v1/works/{world.work.id}/timeline", headers=bearer(session, world.accounts["gc"])
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["late"] == 3 and body["status"] == "in_progress"
    assert [s["label"] for s in body["steps"]] and all(s["label"] in html for s in body["steps"])
    hazard = next(s for s in body["steps"] if s["kind"] == "hazard")
    assert hazard["state"] == "late" and hazard["link"]["target"] == "hazard"
    assert hazard["link"]["ids"] == {"hazard_id": busy["hazards"][0].id}
    assert [s["state"] for s in body["steps"][-2:]] == ["ahead", "ahead"]
    for name, status in (("outsider", 404), ("other_city", 404), ("expert", 403)):
        r = client.get(
            f"/api/v1/works/{world.work.id}/timeline", headers=bearer(session, world.accounts[name])
        )
        assert r.status_code == status and r.get_json()["error"]["code"], name
    missing = client.get("/api/v1/works/999999/timeline", headers=bearer(session, world.accounts["gc"]))
    assert missing.status_code == 404


def test_planned_start_passed_without_review_is_late(client, session, world):
    world.work.status = WorkStatus.SUPERVISOR_SIGNED
    world.work.planned_start = datetime(2025, 1, 1).date()
    session.commit()
    response = client.get(
        f"/api/v1/works/{world.work.id}/timeline", headers=bearer(session, world.accounts["gc"])
    )
    passed = next(s for s in response.get_json()["steps"] if s["kind"] == "review_passed")
    assert passed["state"] == "late" and passed["due"] == "2025-01-01"


def test_the_page_needs_few_queries_however_long_the_history(app, client, world, session):
    busy_work(session, world, hazards=12, inspections=10, alarms=10)
    login(client, world.accounts["province"])
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def count(*args):
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        response = page(client, world)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200
    assert response.get_data(as_text=True).count("<li") >= 50
    assert len(statements) < 35, len(statements)
