"""A sign-in half done: the password was right and the second factor (a code, or the enrolment its role
requires) is still to come. Kept in the session cookie, never signed in: no page but the second step opens."""

from __future__ import annotations

import time

from flask import session

from knowledge.accounts.models import Account
from webapp.extensions import db

PENDING = "two_factor_pending"
PENDING_SECONDS = 600  # to type a code, or to install an app and enrol


def begin_pending(account: Account, next_url: str) -> None:
    """A fresh session (no fixation) that remembers whose password was right, and until when."""
    session.clear()
    session[PENDING] = {
        "id": account.id,
        "gen": account.session_generation,
        "at": time.time(),
        "next": next_url,
    }


def pending_account() -> Account | None:
    """The account whose second step this session awaits, if the step is still open: in time, and no session of
    the account ended since (a new password, a reset, a disabled account)."""
    data = session.get(PENDING)
    if not isinstance(data, dict) or not isinstance(data.get("id"), int):
        return None
    if time.time() - float(data.get("at", 0)) > PENDING_SECONDS:
        session.pop(PENDING, None)
        return None
    account = db.session.get(Account, data["id"])
    if account is None or not account.is_active or account.session_generation != data.get("gen"):
        return None
    return account


def pending_next() -> str:
    data = session.get(PENDING)
    return str(data.get("next") or "/") if isinstance(data, dict) else "/"


def clear_pending() -> None:
    session.pop(PENDING, None)
