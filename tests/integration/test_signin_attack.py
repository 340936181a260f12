"""Sign-in under attack: the throttle counts per name and address atomically, never checks more passwords
than the limit however many requests run in parallel, never answers 500, and a slower per-name lock keeps
an attacker out without keeping out the right password from an address that has not failed."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge.accounts import passwords, signin, throttle
from knowledge.accounts.throttle import ThrottlePolicy
from knowledge.audit import AuditLog
from tests.factories import PASSWORD, TEST_HASH_METHOD, make_account
from webapp.extensions import db

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
POLICY = ThrottlePolicy(max_failures=3, window=timedelta(minutes=15), lock=timedelta(minutes=10),
                        name_max_failures=5, name_window=timedelta(hours=1), name_lock=timedelta(hours=1))  # fmt: skip


def attempt(session, username, password, address, now=NOW):
    return signin.authenticate(session, username, password, now=now, policy=POLICY, hash_method=TEST_HASH_METHOD,
                               address=address)  # fmt: skip


def fail(session, username, address, now=NOW):
    with pytest.raises(signin.SignInError) as info:
        attempt(session, username, "wrong", address, now)
    return info.value


def test_a_lock_on_one_address_does_not_lock_out_another(session):
    account = make_account(session)
    for _ in range(3):
        fail(session, account.username, "10.0.0.66")
    assert isinstance(fail(session, account.username, "10.0.0.66"), signin.SignInLocked)
    with pytest.raises(signin.SignInLocked):
        attempt(session, account.username, PASSWORD, "10.0.0.66")
    assert attempt(session, account.username, PASSWORD, "10.0.0.7").id == account.id


def test_the_name_lock_refuses_addresses_that_failed_but_not_a_fresh_one(session):
    account = make_account(session)
    for i in range(5):  # five addresses, one failure each: the name's limit, no address's
        error = fail(session, account.username, f"198.51.100.{i}")
    assert isinstance(error, signin.SignInLocked)
    with pytest.raises(signin.SignInLocked, match="分钟后再试"):
        attempt(session, account.username, PASSWORD, "198.51.100.0")  # failed before: refused unchecked
    assert attempt(session, account.username, PASSWORD, "10.1.1.1").id == account.id  # never failed
    assert isinstance(
        fail(session, account.username, "203.0.113.9"), signin.SignInLocked
    )  # one guess, then out
    with pytest.raises(signin.SignInLocked):
        attempt(session, account.username, PASSWORD, "203.0.113.9")


def test_failed_sign_ins_are_audited_with_their_address(session):
    account = make_account(session)
    fail(session, account.username, "192.0.2.44")
    fail(session, "nobody-here", "192.0.2.45")
    rows = session.scalars(
        select(AuditLog).where(AuditLog.action.in_(["login_failed", "login_locked"]))
    ).all()
    assert {(r.object_type, r.after["address"]) for r in rows} == {("account", "192.0.2.44"),
                                                                    ("sign_in", "192.0.2.45")}  # fmt: skip


def test_the_security_administrator_sees_who_is_attacked(session):
    account = make_account(session)
    other = make_account(session)
    for i in range(4):
        fail(session, account.username, f"198.51.100.{i % 2}")
    fail(session, other.username, "198.51.100.9")
    targets = throttle.under_attack(session, now=NOW, policy=POLICY)
    assert [(t.username, t.failures, t.addresses, t.locked_addresses) for t in targets] == [
        (account.username, 4, 2, 0)
    ]


@pytest.mark.parametrize("known", [True, False], ids=["known-name", "unknown-name"])
def test_thirty_parallel_attempts_check_no_more_passwords_than_the_limit(app, session, monkeypatch, known):
    username = make_account(session).username if known else "no-such-user"
    with app.app_context():
        engine = db.engine
    checked: list[int] = []
    real_verify = passwords.verify_password

    def counting_verify(hashed: str, password: str) -> bool:
        checked.append(1)
        return real_verify(hashed, password)

    monkeypatch.setattr(signin, "verify_password", counting_verify)
    barrier = threading.Barrier(30)
    outcomes: list[object] = []

    def run() -> None:
        with Session(engine) as own:
            barrier.wait()
            try:
                attempt(own, username, "wrong", "203.0.113.5")
            except signin.SignInError as exc:
                outcomes.append(type(exc))
            except Exception as exc:  # noqa: BLE001 - any other failure is the bug under test
                outcomes.append(exc)

    threads = [threading.Thread(target=run) for _ in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(outcomes) == 30
    assert all(o in (signin.SignInError, signin.SignInLocked) for o in outcomes), outcomes
    assert len(checked) <= POLICY.max_failures
    assert outcomes.count(signin.SignInLocked) >= 30 - POLICY.max_failures
