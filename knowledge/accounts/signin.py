"""Signing in with a password (throttled) and with API tokens (stored hashed)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from knowledge import audit
from knowledge.accounts import throttle, two_factor
from knowledge.accounts.models import Account, ApiToken, SignInCounter
from knowledge.accounts.passwords import dummy_hash, verify_password
from knowledge.accounts.throttle import ThrottlePolicy
from knowledge.errors import DomainError, NotFoundError, ValidationError

TOKEN_PREFIX = "wd_"
MAX_LIVE_TOKENS = 10  # per account: a leaked account cannot spread into countless credentials


class SignInError(DomainError):
    code = "invalid_credentials"
    status = 401


class SignInLocked(SignInError):
    code = "login_locked"
    status = 429

    def __init__(self, minutes: int) -> None:
        super().__init__(f"登录失败次数过多，账号已临时锁定，请{minutes}分钟后再试")
        self.minutes = minutes


class TwoFactorNeeded(SignInError):
    """The password was right; the account is signed in only once its second factor checks."""

    code = "two_factor_required"
    prompt = "该账号已启用双因素认证，请同时提供身份验证器上的动态验证码（或一个恢复码）"

    def __init__(self, account: Account) -> None:
        super().__init__(self.prompt)
        self.account = account


class TwoFactorEnrolmentNeeded(TwoFactorNeeded):
    """The password was right; the account's role requires a second factor it has not yet set up."""

    code = "two_factor_enrolment_required"
    status = 403
    prompt = "该账号须先设置双因素认证：请在网页上登录，按提示绑定身份验证器"


def minutes_left(until: datetime | None, now: datetime) -> int:
    return 1 if until is None else max(1, -(-int((until - now).total_seconds()) // 60))


def authenticate(
    session: Session,
    username: str,
    password: str,
    *,
    now: datetime,
    policy: ThrottlePolicy,
    hash_method: str,
    address: str = "",
) -> Account:
    """The account for these credentials, or SignInError; the attempt is counted (knowledge/accounts/
    throttle.py) before the password is checked, so parallel attempts cannot check more than the limit.

    Locks hold per user name, known or not, and a lock does not reveal whether the name exists. Every
    failure is audited with its source address.
    """
    key = username.strip().lower()[:64]
    attempt = throttle.reserve(session, key, address, now=now, policy=policy)
    blocked = attempt.blocked_until(now)
    if blocked is not None:
        raise SignInLocked(minutes_left(blocked, now))
    account = session.scalar(select(Account).where(Account.username == key))
    hashed = account.password_hash if account else dummy_hash(hash_method)
    is_valid = verify_password(hashed, password) and account is not None and account.is_active
    if is_valid and account is not None and two_factor.needs_second_step(account):
        # The password is right but does not sign in: this attempt is given back, earlier failures stay, so
        # bad codes that follow (counted on the same counters) lock as bad passwords do.
        give_back(session, key, address)
        audit.record(session, actor_id=account.id, action="login_password_ok", obj=("account", account.id),
                     after={"address": address})  # fmt: skip
        session.commit()
        raise (TwoFactorEnrolmentNeeded if two_factor.must_enrol(account) else TwoFactorNeeded)(account)
    if is_valid and account is not None:
        complete_sign_in(session, account, now=now, address=address)
        return account
    locked = attempt.locked_until(now)
    audit.record(session, actor_id=None, action="login_locked" if locked else "login_failed",
                 obj=("account", account.id) if account else ("sign_in", key),
                 after={"address": address, "failures": attempt.pair.failures},
                 outcome="denied" if locked else "failed", address=address)  # fmt: skip
    session.commit()
    if locked is not None:
        raise SignInLocked(minutes_left(locked, now))
    raise SignInError("用户名或密码错误")


def give_back(session: Session, username: str, address: str) -> None:
    """A right password that needs a second step: both counters give back this attempt (no commit)."""
    t = SignInCounter.__table__.c
    keys = (throttle.pair_key(username, address[: throttle.ADDRESS_MAX]), throttle.name_key(username))
    session.execute(
        update(SignInCounter).where(t.key.in_(keys), t.failures > 0).values(failures=t.failures - 1)
    )


def complete_sign_in(
    session: Session, account: Account, *, now: datetime, address: str, second_factor: str | None = None
) -> None:
    """Every factor checked: the sign-in is recorded, and the address's failures are forgotten (by the check of
    the second factor when there is one, knowledge/accounts/two_factor_services.py)."""
    if second_factor is None:
        throttle.forget_success(session, account.username, address)
    account.last_login_at = now
    after = {"address": address} | ({"second_factor": second_factor} if second_factor else {})
    audit.record(session, actor_id=account.id, action="login", obj=("account", account.id), after=after)
    session.commit()


def end_sessions(session: Session, account: Account, *, reason: str) -> None:
    """End every signed-in session of the account (all browsers, copied cookies too); API tokens are
    revoked separately."""
    account.session_generation += 1
    audit.record(session, actor_id=account.id, action="sessions_end", obj=("account", account.id),
                 after={"reason": reason})  # fmt: skip
    session.commit()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    session: Session, account: Account, name: str, *, now: datetime, valid_for: timedelta | None
) -> tuple[ApiToken, str]:
    """Store a new token's hash and return the token itself, which is never shown again."""
    name = name.strip()
    if not name or len(name) > 64:
        raise ValidationError("令牌名称不能为空，且不超过64个字符", field="name")
    live = session.scalar(
        select(func.count()).select_from(ApiToken).where(
            ApiToken.account_id == account.id, ApiToken.revoked_at.is_(None),
            (ApiToken.expires_at.is_(None)) | (ApiToken.expires_at > now),
        )
    )  # fmt: skip
    if (live or 0) >= MAX_LIVE_TOKENS:
        raise ValidationError(
            f"每个账号最多{MAX_LIVE_TOKENS}个有效的API令牌，请先撤销不用的令牌", field="name"
        )
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
