"""Headers every page carries (issue 18, item 15): a Content-Security-Policy the pages satisfy (no inline
script or handler anywhere in the templates), no-store on whatever a signed-in account sees, HSTS behind HTTPS."""

from __future__ import annotations

import re
from pathlib import Path

from flask import request

from knowledge.accounts.models import Role
from tests.factories import login, make_account
from webapp import create_app
from webapp.config import TestConfig

TEMPLATES = Path(__file__).resolve().parents[2] / "webapp" / "templates"
# A JSON data block (type="application/json", filled with |tojson) is never executed: charts read their numbers from it.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


def test_pages_carry_a_policy_that_forbids_inline_scripts(client):
    response = client.get("/auth/login")
    policy = response.headers["Content-Security-Policy"]
    assert (
        "script-src 'self'" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    )
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_no_template_holds_an_inline_script_or_handler():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        if INLINE_SCRIPT.search(text) or HANDLER.search(text) or "javascript:" in text:
            offenders.append(path.name)
    assert offenders == []


def test_signed_in_pages_are_never_cached_and_public_ones_may_be(client, session):
    assert "no-store" not in client.get("/auth/login").headers.get("Cache-Control", "")
    login(client, make_account(session, Role.REGULATOR))
    assert client.get("/works/").headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/static/app.css").headers.get("Cache-Control", "")


def test_api_answers_are_never_cached(client, session):
    account = make_account(session, Role.REGULATOR)
    token = client.post("/api/v1/auth/token", json={"username": account.username, "password": "Secret@123",
                                                    "name": "t"}).get_json()["token"]  # fmt: skip
    response = client.get("/api/v1/works", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"


def test_hsts_only_when_served_over_https(app, client):
    assert "Strict-Transport-Security" not in client.get("/auth/login").headers
    app.config["SESSION_COOKIE_SECURE"] = True
    assert "max-age=" in client.get("/auth/login").headers["Strict-Transport-Security"]


def _address_seen(app) -> str | None:
    seen: list[str | None] = []
    app.before_request(lambda: seen.append(request.remote_addr) and None)
    app.test_client().get("/auth/login", headers={"X-Forwarded-For": "203.0.113.9"},
                          environ_base={"REMOTE_ADDR": "10.0.0.2"})  # fmt: skip
    return seen[0]


def test_forwarded_address_is_trusted_only_behind_a_configured_proxy(app, tmp_path):
    assert _address_seen(app) == "10.0.0.2"  # direct: a client cannot forge the address the throttle counts
    behind = create_app(TestConfig(tmp_path / "proxied"), TRUSTED_PROXIES=1,
                        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])  # fmt: skip
    assert _address_seen(behind) == "203.0.113.9"
