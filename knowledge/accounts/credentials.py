"""Changing and resetting passwords: the account's own change (old password, complexity, history), the
security administrator's reset (a temporary password to change at the next sign-in), and expiry."""

from __future__ import annotations

import secrets
import string
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge import audit
from knowledge.accounts.models import Account, PasswordHistory
from knowledge.accounts.password_policy import HISTORY_SIZE, PasswordPolicy, is_expired, password_problem
from knowledge.accounts.passwords import hash_password, verify_password
from knowledge.errors import ValidationError

TEMPORARY_LENGTH = 14


def needs_new_password(account: Account, *, now: datetime, policy: PasswordPolicy) -> bool:
    """Must this account set a new password before it does anything else?"""
    set_at = account.password_changed_at or account.created_at
    return account.must_change_password or is_expired(set_at, now, policy)


def _recent_hashes(session: Session, account: Account) -> list[str]:
    rows = session.scalars(
        select(PasswordHistory.password_hash)
        .where(PasswordHistory.account_id == account.id)
        .order_by(PasswordHistory.id.desc())
        .limit(HISTORY_SIZE - 1)
    )
    return [account.password_hash, *rows]


def _store(session: Session, account: Account, new: str, *, hash_method: str, now: datetime) -> None:
    session.add(PasswordHistory(account_id=account.id, password_hash=account.password_hash, created_at=now))
    account.password_hash = hash_password(new, hash_method)
    account.password_changed_at = now
    account.session_generation += 1  # every other session of the account ends


def change_password(
    session: Session, account: Account, old: str, new: str, *, hash_method: str, now: datetime
) -> Account:
    """The account's own change: the old password, then the rules for the new one."""
    if not verify_password(account.password_hash, old):
        raise ValidationError("原密码不正确", field="old_password")
    problem = password_problem(new, account.username)
    if problem:
        raise ValidationError(problem, field="new_password")
    if any(verify_password(h, new) for h in _recent_hashes(session, account)):
        raise ValidationError(f"新密码不能与最近{HISTORY_SIZE}次使用过的密码相同", field="new_password")
    _store(session, account, new, hash_method=hash_method, now=now)
    account.must_change_password = False
    audit.record(session, actor_id=account.id, action="password_change", obj=("account", account.id))
    session.commit()
    return account


def temporary_password() -> str:
    """A random password that meets the rules (all four classes), shown once to the administrator."""
    alphabet = string.ascii_letters + string.digits + "#%+=@"
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(TEMPORARY_LENGTH))
        if all(any(c in group for c in candidate) for group in
               (string.ascii_lowercase, string.ascii_uppercase, string.digits, "#%+=@")):  # fmt: skip
            return candidate


def reset_password(
    session: Session, account: Account, *, actor_id: int, hash_method: str, now: datetime
) -> str:
    """The security administrator's reset: a temporary password, to be changed at the next sign-in; every
    session of the account ends. Returns the temporary password (never stored in clear)."""
    temporary = temporary_password()
    _store(session, account, temporary, hash_method=hash_method, now=now)
    account.must_change_password = True
    audit.record(session, actor_id=actor_id, action="password_reset", obj=("account", account.id))
    session.commit()
    return temporary
