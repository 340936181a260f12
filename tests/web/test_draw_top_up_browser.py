"""The Suzhou draw office clears a short panel's task in Chromium: from the workbench to the draw record page, the
top-up form, its confirmation, the new record, and the workbench without the task."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta

import pytest

from knowledge.accounts.models import Role
from knowledge.regions import City
from tests.factories import PASSWORD, make_account
from tests.integration.test_draw_office_top_up import short_meeting
from tests.integration.test_draws import site  # noqa: F401 - the same world as the service tests
from tests.web.test_browser import ARGS, SHOTS, live_url  # noqa: F401 - the served app of the browser tests

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not shutil.which("chromium"), reason="Debian chromium is not installed")


def test_the_office_tops_up_a_short_panel_from_its_task(app, session, site, live_url):  # noqa: F811
    now = datetime.now(UTC)
    root = short_meeting(session, site, day=(now + timedelta(days=10)).date(), now=now)
    office = make_account(session, Role.DRAW_OFFICE, city=City.SUZHOU)
    app.config["WTF_CSRF_ENABLED"] = True  # the real forms, with their tokens
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
        page = browser.new_page(locale="zh-CN")
        page.set_default_timeout(10_000)
        page.goto(f"{live_url}/auth/login")
        page.fill("input[name=username]", office.username)
        page.fill("input[name=password]", PASSWORD)
        page.click("main button[type=submit]")
        page.click("tr[data-kind=panel_short] a")
        assert page.url.endswith(f"/draws/{root.id}")
        assert "在席专家 4 名，少于正选 5 名" in page.inner_text("#top-up")
        page.screenshot(path=str(SHOTS / "draw-top-up-form.png"), full_page=True)

        page.click("#top-up button")
        assert "确认补充抽取论证专家" in page.inner_text("#confirm")
        page.screenshot(path=str(SHOTS / "draw-top-up-confirm.png"), full_page=True)
        page.click("#confirm button[type=submit]")
        assert "补充抽取完成" in page.inner_text(".alert-success")
        assert "补充抽取 #" in page.inner_text("#meeting-draws") and page.locator("#top-up").count() == 0
        page.screenshot(path=str(SHOTS / "draw-top-up-done.png"), full_page=True)

        page.goto(f"{live_url}/")
        assert page.locator("tr[data-kind=panel_short]").count() == 0
        browser.close()
