"""Signing in with a password (throttled) and with API tokens (stored hashed)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge import audit
from knowledge.accounts.models import Account, ApiToken, LoginThrottle
from knowledge.accounts.passwords import dummy_hash, verify_password
from knowledge.errors import DomainError, NotFoundError, ValidationError

TOKEN_PREFIX = "wd_"


class SignInError(DomainError):
    code = "invalid_credentials"
    status = 401


class SignInLocked(SignInError):
    code = "login_locked"
    status = 429

    def __init__(self, minutes: int) -> None:
        super().__init__(f"登录失败次数过多，账号已临时锁定，请{minutes}分钟后再试")
        self.minutes = minutes


@dataclass(frozen=True)
class ThrottlePolicy:
    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)
    lock: timedelta = timedelta(minutes=15)


def _minutes_left(until: datetime, now: datetime) -> int:
    return max(1, -(-int((until - now).total_seconds()) // 60))


def authenticate(
    session: Session,
    username: str,
    password: str,
    *,
    now: datetime,
    policy: ThrottlePolicy,
    hash_method: str,
) -> Account:
    """The account for these credentials, or SignInError; commits the throttle state either way.

    The lock is per user name, known or not, and is checked before the password, so a locked
    name cannot be probed further and a lock does not reveal whether the name exists.
    """
    key = username.strip().lower()[:64]
    throttle = session.get(LoginThrottle, key)
    if throttle and throttle.locked_until and throttle.locked_until > now:
        raise SignInLocked(_minutes_left(throttle.locked_until, now))
    account = session.scalar(select(Account).where(Account.username == key))
    hashed = account.password_hash if account else dummy_hash(hash_method)
    is_valid = verify_password(hashed, password) and account is not None and account.is_active
    if is_valid and account is not None:
        if throttle:
            session.delete(throttle)
        account.last_login_at = now
        audit.record(session, actor_id=account.id, action="login", obj=("account", account.id))
        session.commit()
        return account
    throttle = _count_failure(session, throttle, key, now, policy)
    if account is not None and throttle.locked_until:
        audit.record(session, actor_id=None, action="login_locked", obj=("account", account.id))
    session.commit()
    if throttle.locked_until:
        raise SignInLocked(_minutes_left(throttle.locked_until, now))
    raise SignInError("用户名或密码错误")


def _count_failure(
    session: Session, throttle: LoginThrottle | None, key: str, now: datetime, policy: ThrottlePolicy
) -> LoginThrottle:
    if throttle is None or now - throttle.window_start > policy.window:
        if throttle is None:
            throttle = LoginThrottle(username=key)
            session.add(throttle)
        throttle.failures = 0
        throttle.window_start = now
        throttle.locked_until = None
    throttle.failures += 1
    if throttle.failures >= policy.max_failures:
        throttle.locked_until = now + policy.lock
    return throttle


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    session: Session, account: Account, name: str, *, now: datetime, valid_for: timedelta | None
) -> tuple[ApiToken, str]:
    """Store a new token's hash and return the token itself, which is never shown again."""
    name = name.strip()
    if not name or len(name) > 64:
        raise ValidationError("令牌名称不能为空，且不超过64个字符", field="name")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        account_id=account.id,
        name=name,
        prefix=secret[:10],
        token_hash=_digest(secret),
        created_at=now,
        expires_at=now + valid_for if valid_for else None,
    )
    session.add(token)
    session.flush()
    audit.record(
        session, actor_id=account.id, action="token_create", obj=("api_token", token.id), after={"name": name}
    )
    session.commit()
    return token, secret


def revoke_token(session: Session, account: Account, token_id: int, *, now: datetime) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None or token.account_id != account.id:
        raise NotFoundError("令牌不存在")
    if token.revoked_at is None:
        token.revoked_at = now
        audit.record(session, actor_id=account.id, action="token_revoke", obj=("api_token", token.id))
        session.commit()
    return token


class TokenError(DomainError):
    code = "invalid_token"
    status = 401


def account_for_token(session: Session, secret: str, *, now: datetime) -> Account:
    """The active account a bearer token belongs to; TokenError says why it is refused."""
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(secret)))
    if token is None:
        raise TokenError("API令牌无效")
    if token.revoked_at is not None:
        raise TokenError("API令牌已被撤销")
    if token.expires_at is not None and token.expires_at <= now:
        raise TokenError("API令牌已过期")
    if not token.account.is_active:
        raise TokenError("账号已停用")
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        token.last_used_at = now  # coarse, so reads do not write on every request
        session.commit()
    return token.account


def tokens_of(session: Session, account: Account) -> list[ApiToken]:
    return list(
        session.scalars(select(ApiToken).where(ApiToken.account_id == account.id).order_by(ApiToken.id))
    )
