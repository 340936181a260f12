"""Password pages: the forced change after a reset or for a demo account, the user's own change, the
administrator's reset with a confirmation step, and no API token before the change (issue 18, item 9)."""

from __future__ import annotations

import re

import pytest

from knowledge.accounts.models import Role
from tests.factories import PASSWORD, login, make_account
from webapp.cli import DEMO_ACCOUNTS, DEMO_PASSWORD


def test_an_account_with_a_given_password_must_change_it_before_anything_else(client, session):
    account = make_account(session, Role.DRAW_OFFICE, must_change_password=True)
    login(client, account)
    response = client.get("/works/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/auth/password")
    page = client.post("/auth/password", data={"old_password": PASSWORD, "new_password": "short",
                                               "confirm": "short"}).get_data(as_text=True)  # fmt: skip
    assert "密码长度须为" in page
    response = client.post("/auth/password", data={"old_password": PASSWORD, "new_password": "Jiangsu#2026a",
                                                   "confirm": "Jiangsu#2026a"})  # fmt: skip
    assert response.status_code == 302
    assert client.get("/works/").status_code == 200  # the session goes on after the change


def test_the_security_administrator_resets_a_password_after_confirming(client, session):
    target = make_account(session, Role.REGULATOR)
    other = client.application.test_client()
    login(other, target)
    login(client, make_account(session, Role.SECURITY_ADMIN))
    asked = client.post(f"/admin/accounts/{target.id}/reset-password")
    assert asked.status_code == 200 and 'name="confirmed"' in asked.get_data(as_text=True)
    page = client.post(f"/admin/accounts/{target.id}/reset-password", data={"confirmed": "1"}).get_data(
        as_text=True
    )
    temporary = re.search(r'<code id="temporary">([^<]+)</code>', page).group(1)
    assert other.get("/works/").status_code == 302  # his open session has ended
    fresh = client.application.test_client()
    assert (
        fresh.post("/auth/login", data={"username": target.username, "password": temporary}).status_code
        == 302
    )
    assert fresh.get("/works/").headers["Location"].endswith("/auth/password")


@pytest.mark.parametrize("role", [Role.DRAW_OFFICE, Role.ADMIN, Role.AUDIT_ADMIN])
def test_only_the_security_administrator_may_reset(client, session, role):
    target = make_account(session, Role.EXPERT)
    login(client, make_account(session, role))
    assert (
        client.post(f"/admin/accounts/{target.id}/reset-password", data={"confirmed": "1"}).status_code == 403
    )


def test_no_api_token_before_the_forced_change(client, session):
    account = make_account(session, Role.REGULATOR, must_change_password=True)
    response = client.post("/api/v1/auth/token", json={"username": account.username, "password": PASSWORD,
                                                       "name": "t"})  # fmt: skip
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "password_change_required"


def test_demo_accounts_change_their_password_unless_the_instance_is_a_demo(runner, client, session):
    assert runner.invoke(args=["seed-demo", "--scale", "small"]).exit_code == 0
    # A project team's account (its role needs no second factor: the administrator first enrols one,
    # tests/web/test_two_factor_pages.py)
    demo = next(d for d in DEMO_ACCOUNTS if d.role is Role.PROJECT_TEAM)
    client.post("/auth/login", data={"username": demo.username, "password": DEMO_PASSWORD})
    assert client.get("/works/").headers["Location"].endswith("/auth/password")
