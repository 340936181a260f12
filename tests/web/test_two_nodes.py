"""Two application nodes (issue 24 item 2): two apps with instance folders of their own, as two machines have,
sharing only the database, the keys and the upload store. One browser's requests land on either node, as a load
balancer without sticky sessions sends them: the session and its CSRF token, the sign-in throttle, an uploaded
plan, an import waiting for its confirmation, a draw and the kept dashboard hold across the nodes."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from expert_pool.draws.models import Draw
from knowledge.accounts.models import Account, Role
from knowledge.enterprises.models import ParticipantRole
from knowledge.registry.models import Work
from tests.factories import (
    PASSWORD,
    PLAN_AUTHOR_FORM,
    SAMPLE_PLAN,
    make_account,
    make_enterprise,
    make_project,
    make_work,
)
from tests.integration.test_draws import site  # noqa: F401 - the draw tests' world
from tests.web.test_draws_pages import DRAW_FORM
from tests.web.test_work_import_pages import token_of, xlsx
from webapp import create_app
from webapp.admin.key_status import KEY_LABELS
from webapp.config import TestConfig
from webapp.extensions import db

CSRF = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')
NEW_WORKS = re.compile(r"本期新登记（项）</div><div[^>]*>(\d+)<")


@pytest.fixture
def node_b(app: Flask, tmp_path: Path) -> Iterator[Flask]:
    """The second node: its own instance folder (and so its own search index folder), the first node's database,
    keys (from the environment on real machines) and upload store."""
    b = create_app(
        TestConfig(tmp_path / "node-b"),
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        SQLALCHEMY_ENGINE_OPTIONS=app.config["SQLALCHEMY_ENGINE_OPTIONS"],
        SEARCH_INDEX_DIR=str(tmp_path / "node-b" / "search-index"),
        UPLOAD_DIR=app.config["UPLOAD_DIR"],
        **{name: app.config[name] for name in KEY_LABELS},
    )
    for node in (app, b):
        node.config["WTF_CSRF_ENABLED"] = True  # the real forms, with their tokens
    assert Path(app.instance_path) != Path(b.instance_path)
    yield b
    with b.app_context():
        db.engine.dispose()


class Browser:
    """One browser: each request goes to the node named, carrying the cookie the last node set, and each form
    posts the CSRF token of the last page seen, whichever node served it."""

    def __init__(self, a: Flask, b: Flask) -> None:
        self.clients = {"A": a.test_client(), "B": b.test_client()}
        self.last: FlaskClient | None = None
        self.token = ""

    def on(self, node: str) -> FlaskClient:
        client = self.clients[node]
        if self.last is not None and self.last is not client:
            cookie = self.last.get_cookie("session")
            if cookie is None:
                client.delete_cookie("session")
            else:
                client.set_cookie("session", cookie.value)
        self.last = client
        return client

    def get(self, node: str, url: str) -> TestResponse:
        response = self.on(node).get(url)
        found = CSRF.search(response.get_data(as_text=True))
        self.token = found.group(1) if found else self.token
        return response

    def post(self, node: str, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> TestResponse:
        return self.on(node).post(url, data={**(data or {}), "csrf_token": self.token}, **kwargs)

    def sign_in(self, node: str, account: Account) -> None:
        self.get(node, "/auth/login")
        if self.on(node).get_cookie("session") is not None:
            self.post(node, "/auth/logout")
            self.get(node, "/auth/login")
        response = self.post(node, "/auth/login", {"username": account.username, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        self.get(node, "/")  # a page of the new session, for its token


@pytest.fixture
def browser(app: Flask, node_b: Flask) -> Browser:
    return Browser(app, node_b)


@pytest.fixture
def team(session: Any) -> tuple[Account, Any]:
    gc = make_enterprise(session)
    project = make_project(session, [(gc, ParticipantRole.GENERAL_CONTRACTOR)])
    return make_account(session, Role.PROJECT_TEAM, enterprise_id=gc.id, display_name="技术负责人甲"), project


def test_a_session_begun_on_one_node_continues_on_the_other(browser, session):
    account = make_account(session, Role.ADMIN, display_name="管理员丙")
    browser.get("A", "/auth/login")
    signed = browser.post("B", "/auth/login", {"username": account.username, "password": PASSWORD})
    assert signed.status_code == 302  # A's token, checked by B
    assert "管理员丙" in browser.get("A", "/").get_data(as_text=True)
    assert browser.on("B").post("/auth/logout").status_code == 400  # no token: refused there too
    assert browser.post("B", "/auth/logout").status_code == 302  # A's page's token
    assert browser.get("A", "/").status_code == 302  # signed out on both


def test_failed_sign_ins_on_both_nodes_count_together(browser, session):
    account = make_account(session)
    for node in "ABABA":
        browser.get(node, "/auth/login")
        browser.post(node, "/auth/login", {"username": account.username, "password": "wrong"})
    browser.get("B", "/auth/login")
    page = browser.post("B", "/auth/login", {"username": account.username, "password": PASSWORD})
    assert page.status_code == 200 and "账号已临时锁定" in page.get_data(as_text=True)


def test_a_plan_uploaded_on_one_node_is_downloaded_from_the_other(app, node_b, browser, session, team):
    account, project = team
    work = make_work(session, project)
    browser.sign_in("A", account)
    data = {
        "title": "基坑专项施工方案",
        "file": (io.BytesIO(SAMPLE_PLAN.encode()), "方案.txt"),
        **PLAN_AUTHOR_FORM,
    }
    response = browser.post("A", f"/works/{work.id}/plans/new", data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    version_url = response.headers["Location"]
    assert browser.get("B", version_url + "/download").get_data() == SAMPLE_PLAN.encode()
    for node in (app, node_b):  # nothing of it on either machine's own disk
        assert not [p for p in Path(node.instance_path).rglob("*.txt")]


def test_an_import_checked_on_one_node_is_confirmed_on_the_other(app, browser, session, team):
    account, project = team
    browser.sign_in("B", account)
    rows = [[project.name, "苏州市", f"基坑{i}", "基坑工程", 6] for i in range(3)]
    page = browser.post("A", "/works/import", {"action": "dry_run", "file": (io.BytesIO(xlsx(rows)), "works.xlsx")},
                        content_type="multipart/form-data").get_data(as_text=True)  # fmt: skip
    assert "确认导入3条危大工程" in page
    assert not list(Path(app.instance_path).rglob("*.bin"))  # waiting in the shared store, not on A
    response = browser.post("B", "/works/import/commit", {"token": token_of(page)})
    assert response.headers["Location"].endswith("/works/")
    assert session.scalar(select(func.count()).select_from(Work)) == 3


def test_a_draw_on_one_node_is_read_on_the_other(browser, session, site):  # noqa: F811
    work = site["ready_work"]()
    browser.sign_in("A", make_account(session, Role.DRAW_OFFICE))
    assert browser.get("B", f"/draws/works/{work.id}/conflicts").status_code == 200  # B's caches warm first
    asked = browser.post("B", f"/draws/works/{work.id}/new", DRAW_FORM).get_data(as_text=True)
    assert "确认抽取" in asked  # B shows the confirmation while A draws
    drawn = browser.post("A", f"/draws/works/{work.id}/new", DRAW_FORM | {"confirmed": "1"})
    assert drawn.status_code == 302, drawn.get_data(as_text=True)
    draw = session.scalar(select(Draw))
    assert draw is not None and drawn.headers["Location"].endswith(f"/draws/{draw.id}")
    page = browser.get("B", f"/draws/{draw.id}").get_data(as_text=True)
    assert 'id="panel"' in page and "校验通过" in page  # the chain checked on B with the shared key
    assert browser.get("B", f"/draws/works/{work.id}/conflicts").status_code == 200


def test_a_dashboard_kept_on_one_node_shows_a_change_made_on_the_other(app, node_b, browser, session, team):
    account, project = team
    for node in (app, node_b):
        node.config["DASHBOARD_FRESH_SECONDS"] = 60
    browser.sign_in("B", make_account(session, Role.REGULATOR))

    def new_works() -> int:
        found = NEW_WORKS.search(browser.get("B", "/dashboard").get_data(as_text=True))
        assert found
        return int(found.group(1))

    before = new_works()
    make_work(session, project)  # no outbox row: the kept figures stay
    assert new_works() == before
    browser.sign_in("A", account)
    form = {"kind": "scaffolding/ground_steel_tube", "p_scaffold_height": "50", "name": "主楼落地式脚手架",
            "planned_start": "2026-03-01", "planned_end": "2026-09-30"}  # fmt: skip
    browser.get("A", f"/works/new?project_id={project.id}")
    assert browser.post("A", f"/works/new?project_id={project.id}", form).status_code == 302
    browser.sign_in("B", make_account(session, Role.REGULATOR))
    assert new_works() == before + 2  # the registration passed the outbox: B computes again
