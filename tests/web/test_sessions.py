"""Signed-in sessions end for real: sign-out ends every session (a copied cookie too), and a session ends
after SESSION_IDLE_MINUTES idle or SESSION_HOURS in all (issue 18, item 8)."""

from __future__ import annotations

import time

import pytest

from knowledge.accounts import signin
from knowledge.accounts.models import Role
from tests.factories import login, make_account
from webapp import auth

HOME = "/works/"


def copied(app, client):
    """A second browser holding a copy of the first one's session cookie."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def signed_in(client, path=HOME) -> bool:
    return client.get(path).status_code == 200


@pytest.fixture
def office(session):
    return make_account(session, role=Role.DRAW_OFFICE)


def test_a_copied_cookie_stops_working_after_sign_out(app, client, office):
    login(client, office)
    thief = copied(app, client)
    assert signed_in(thief)
    client.post("/auth/logout")
    assert not signed_in(client)
    response = thief.get(HOME)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_ending_sessions_in_the_service_ends_every_browser(app, client, session, office):
    login(client, office)
    other = app.test_client()
    login(other, office)
    signin.end_sessions(session, office, reason="password_change")
    assert not signed_in(client) and not signed_in(other)
    login(client, office)
    assert signed_in(client)


def test_a_disabled_account_is_signed_out_at_once(client, session, office):
    login(client, office)
    office.is_active = False
    session.commit()
    assert not signed_in(client)


def test_an_idle_session_ends_and_an_active_one_does_not(app, client, office, monkeypatch):
    login(client, office)
    start = time.time()
    for minutes in (10, 20, 29, 38):  # used every few minutes: never idle for 30
        monkeypatch.setattr(auth.time, "time", lambda m=minutes: start + m * 60)
        assert signed_in(client), minutes
    monkeypatch.setattr(auth.time, "time", lambda: start + (38 + 31) * 60)
    response = client.get(HOME)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert not signed_in(client)


def test_a_session_ends_after_its_absolute_lifetime_even_when_used(app, client, office, monkeypatch):
    login(client, office)
    start, hours = time.time(), app.config["PERMANENT_SESSION_LIFETIME"] / 3600
    minute = 0
    while minute < hours * 60 - 20:
        minute += 20
        monkeypatch.setattr(auth.time, "time", lambda m=minute: start + m * 60)
        assert signed_in(client), minute
    monkeypatch.setattr(auth.time, "time", lambda: start + hours * 3600 + 60)
    assert not signed_in(client)
