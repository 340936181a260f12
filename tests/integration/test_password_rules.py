"""Password rules (GB/T 22239-2019 8.1.4.1): complexity, history, expiry, the account's own change and the
administrator's reset (issue 18, item 9)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from knowledge.accounts import credentials
from knowledge.accounts.models import Role
from knowledge.accounts.password_policy import HISTORY_SIZE, PasswordPolicy, password_problem
from knowledge.accounts.passwords import verify_password
from knowledge.accounts.services import AccountInput, create_account
from knowledge.errors import ValidationError
from tests.factories import PASSWORD, TEST_HASH_METHOD, make_account

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("password", "problem"),
    [("Ab1#xyz", "长度"), ("abcdefghij1", "三类"), ("ABCDEFGH12", "三类"), ("abcdef!@#$", "三类"),
     ("P@ssw0rd123", "常见"), ("p@SSW0RD123", "常见"), ("Wang.li-2026x", "用户名"), ("x" * 129 + "A1", "长度")],
)  # fmt: skip
def test_weak_passwords_are_refused_with_the_reason(password, problem):
    assert problem in (password_problem(password, "wang.li") or "")


@pytest.mark.parametrize("password", ["Secret@123", "Hu4nghe-Qiao!", "大桥Abc12345", "jiangsu-2026-AQ"])
def test_passwords_meeting_the_rules_are_accepted(password):
    assert password_problem(password, "wang.li") is None


def test_creating_an_account_applies_the_rules(session):
    with pytest.raises(ValidationError, match="三类"):
        create_account(session, AccountInput("newbie", "新人", "abcdefghijk", Role.ADMIN), actor_id=None,
                       hash_method=TEST_HASH_METHOD)  # fmt: skip


def change(session, account, old, new, now=NOW):
    return credentials.change_password(session, account, old, new, hash_method=TEST_HASH_METHOD, now=now)


def test_a_change_needs_the_old_password_and_ends_other_sessions(session):
    account = make_account(session)
    generation = account.session_generation
    with pytest.raises(ValidationError, match="原密码不正确"):
        change(session, account, "wrong", "Jiangsu#2026a")
    change(session, account, PASSWORD, "Jiangsu#2026a")
    assert verify_password(account.password_hash, "Jiangsu#2026a")
    assert account.session_generation == generation + 1 and account.password_changed_at == NOW


def test_none_of_the_last_five_passwords_may_come_back(session):
    account = make_account(session)
    old = PASSWORD
    used = [PASSWORD] + [f"Jiangsu#20{n:02d}x" for n in range(HISTORY_SIZE - 1)]
    for new in used[1:]:
        change(session, account, old, new)
        old = new
    for earlier in used:
        with pytest.raises(ValidationError, match="最近5次"):
            change(session, account, old, earlier)
    change(session, account, old, "Brand-New#77")
    change(session, account, "Brand-New#77", PASSWORD)  # six changes later the first may return


def test_a_password_older_than_the_expiry_must_change(session):
    account = make_account(session)
    policy = PasswordPolicy(expiry=timedelta(days=90))
    account.password_changed_at = NOW - timedelta(days=90)
    assert not credentials.needs_new_password(account, now=NOW, policy=policy)
    assert credentials.needs_new_password(account, now=NOW + timedelta(days=1), policy=policy)


def test_a_reset_gives_a_temporary_password_that_must_change(session):
    account = make_account(session)
    admin = make_account(session, Role.ADMIN)
    temporary = credentials.reset_password(session, account, actor_id=admin.id, hash_method=TEST_HASH_METHOD,
                                           now=NOW)  # fmt: skip
    assert password_problem(temporary, account.username) is None
    assert verify_password(account.password_hash, temporary) and not verify_password(
        account.password_hash, PASSWORD
    )
    assert credentials.needs_new_password(account, now=NOW, policy=PasswordPolicy())
    change(session, account, temporary, "Jiangsu#2026a")
    assert not credentials.needs_new_password(account, now=NOW, policy=PasswordPolicy())
