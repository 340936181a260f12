"""The UI shell in a real browser (Debian's Chromium driven by Playwright) against a live server."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from knowledge.accounts.models import Role
from tests.factories import PASSWORD, credit_code, make_account

CHROMIUM = shutil.which("chromium") or ""
playwright = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not shutil.which("chromium"), reason="Debian chromium is not installed")
SHOTS = Path(os.environ.get("SCREENSHOT_DIR", tempfile.gettempdir()))
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run"]  # fmt: skip


@pytest.fixture
def live_url(app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def page(live_url):
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(locale="zh-CN")
        page.set_default_timeout(10_000)
        yield page
        browser.close()


def sign_in(page, live_url, username, password=PASSWORD):
    page.goto(f"{live_url}/auth/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")


def test_admin_journey_in_chromium(app, session, page, live_url, tmp_path):
    app.config["WTF_CSRF_ENABLED"] = True  # the real forms, with their tokens
    admin = make_account(session, Role.ADMIN, display_name="管理员甲")
    sign_in(page, live_url, admin.username, "wrong-password")
    assert "用户名或密码错误" in page.inner_text(".alert-danger")

    sign_in(page, live_url, admin.username)
    assert "系统管理员工作台" in page.inner_text("h1")
    nav = page.inner_text("nav")
    assert "账号管理" in nav and "政策参数" in nav and "审计日志" not in nav and "管理员甲" in nav

    page.goto(f"{live_url}/enterprises/new")
    code = credit_code("320102")
    page.fill("input[name=name]", "南京浏览器测试建设有限公司")
    page.fill("input[name=credit_code]", code[:-1] + ("0" if code[-1] != "0" else "1"))
    page.select_option("select[name=type]", "constructor")
    page.select_option("select[name=city]", "nanjing")
    page.click("main button[type=submit]")
    assert "校验位不正确" in page.inner_text(".invalid-feedback")

    page.fill("input[name=credit_code]", code)
    page.click("main button[type=submit]")
    assert "单位已登记" in page.inner_text(".alert-success")
    page.screenshot(path=str(SHOTS / "enterprise.png"), full_page=True)

    page.click("nav button:has-text('退出')")
    assert "您已退出登录" in page.inner_text(".alert")
    assert page.url.endswith("/auth/login")


def test_project_team_sees_its_own_navigation(session, page, live_url):
    team = make_account(session, Role.PROJECT_TEAM)
    sign_in(page, live_url, team.username)
    nav = page.inner_text("nav")
    assert "本单位项目" in nav and "账号管理" not in nav and "审计日志" not in nav
