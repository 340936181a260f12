"""Throttled password sign-in and hashed API tokens."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from knowledge.accounts import signin
from knowledge.accounts.models import ApiToken
from knowledge.accounts.throttle import ThrottlePolicy
from tests.factories import PASSWORD, TEST_HASH_METHOD, make_account

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
POLICY = ThrottlePolicy(max_failures=3, window=timedelta(minutes=15), lock=timedelta(minutes=10))


def attempt(session, username, password, now=NOW, address="10.0.0.1", policy=POLICY):
    return signin.authenticate(
        session, username, password, now=now, policy=policy, hash_method=TEST_HASH_METHOD, address=address
    )


def test_right_password_signs_in(session):
    account = make_account(session)
    assert attempt(session, account.username.upper(), PASSWORD).id == account.id


def test_lock_after_repeated_failures_even_with_the_right_password(session):
    account = make_account(session)
    for _ in range(2):
        with pytest.raises(signin.SignInError, match="用户名或密码错误"):
            attempt(session, account.username, "wrong")
    with pytest.raises(signin.SignInLocked, match="10分钟后再试"):
        attempt(session, account.username, "wrong")
    with pytest.raises(signin.SignInLocked):
        attempt(session, account.username, PASSWORD, now=NOW + timedelta(minutes=9))
    assert attempt(session, account.username, PASSWORD, now=NOW + timedelta(minutes=11)).id == account.id


def test_unknown_names_lock_the_same_way(session):
    for _ in range(2):
        with pytest.raises(signin.SignInError, match="用户名或密码错误"):
            attempt(session, "nobody", "x")
    with pytest.raises(signin.SignInLocked):
        attempt(session, "nobody", "x")


def test_failures_outside_the_window_start_over(session):
    account = make_account(session)
    for minutes in (0, 20, 40):
        with pytest.raises(signin.SignInError) as info:
            attempt(session, account.username, "wrong", now=NOW + timedelta(minutes=minutes))
        assert not isinstance(info.value, signin.SignInLocked)


def test_inactive_account_cannot_sign_in(session):
    account = make_account(session, is_active=False)
    with pytest.raises(signin.SignInError):
        attempt(session, account.username, PASSWORD)


def test_token_is_stored_hashed_and_resolves_to_its_account(session):
    account = make_account(session)
    token, secret = signin.create_token(session, account, "对接", now=NOW, valid_for=timedelta(days=1))
    stored = session.scalar(select(ApiToken))
    assert secret not in (stored.token_hash, stored.prefix) and len(stored.token_hash) == 64
    assert signin.account_for_token(session, secret, now=NOW).id == account.id
    with pytest.raises(signin.TokenError, match="过期"):
        signin.account_for_token(session, secret, now=NOW + timedelta(days=1))
    with pytest.raises(signin.TokenError, match="无效"):
        signin.account_for_token(session, secret + "x", now=NOW)


def test_revoked_token_is_refused_and_only_its_owner_revokes(session):
    owner, other = make_account(session), make_account(session)
    token, secret = signin.create_token(session, owner, "对接", now=NOW, valid_for=None)
    with pytest.raises(signin.NotFoundError):
        signin.revoke_token(session, other, token.id, now=NOW)
    signin.revoke_token(session, owner, token.id, now=NOW)
    with pytest.raises(signin.TokenError, match="撤销"):
        signin.account_for_token(session, secret, now=NOW)
