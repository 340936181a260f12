"""Two-factor use cases: enrolment, checking a code at sign-in (counted on the sign-in throttle), recovery codes,
switching it off, the security administrator's reset, and the demo waiver. Each commits once and is audited.

GB/T 22239-2019 8.1.4.1 d: two kinds of authentication, one cryptographic (the rules: two_factor.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, or_, select, update
from sqlalchemy.orm import Session

from knowledge import audit
from knowledge.accounts import throttle, two_factor
from knowledge.accounts.models import Account, RecoveryCode
from knowledge.accounts.permissions import Scope, can_manage_credentials
from knowledge.accounts.signin import SignInError, SignInLocked, minutes_left
from knowledge.accounts.throttle import ThrottlePolicy
from knowledge.accounts.two_factor import SecretCipher
from knowledge.errors import PermissionDenied, ValidationError

TOTP = "totp"
RECOVERY = "recovery"


class TwoFactorError(SignInError):
    code = "invalid_two_factor_code"


def _rowcount(result: Any) -> int:
    return cast(CursorResult[Any], result).rowcount


def pending_secret(account: Account, cipher: SecretCipher) -> str | None:
    """The secret of an enrolment under way (not yet confirmed by a first code), in clear for display."""
    if account.totp_secret is None or two_factor.is_enrolled(account):
        return None
    return cipher.decrypt(account.totp_secret)


def start_enrolment(session: Session, account: Account, *, cipher: SecretCipher) -> str:
    """A new secret for the account, replacing any unconfirmed one; it works only once a first code from it
    has been checked (``activate``)."""
    if two_factor.is_enrolled(account):
        raise ValidationError("已启用双因素认证；如需更换身份验证器，请先停用或由安全管理员重置")
    secret = two_factor.new_secret()
    account.totp_secret = cipher.encrypt(secret)
    account.totp_last_step = None
    audit.record(session, actor_id=account.id, action="two_factor_start", obj=("account", account.id))
    session.commit()
    return secret


def _accept_totp(
    session: Session, account: Account, code: str, *, cipher: SecretCipher, now: datetime
) -> bool:
    if account.totp_secret is None:
        return False
    secret = cipher.decrypt(account.totp_secret)
    step = two_factor.matching_step(secret, code, now=now, last_step=account.totp_last_step)
    if step is None:
        return False
    # One conditional UPDATE: of two requests racing with the same code, one moves the step and one fails.
    moved = session.execute(
        update(Account)
        .where(Account.id == account.id, or_(Account.totp_last_step.is_(None), Account.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if _rowcount(moved) != 1:
        return False
    account.totp_last_step = step
    return True


def _accept_recovery(session: Session, account: Account, code: str, *, now: datetime) -> bool:
    unused = session.scalars(
        select(RecoveryCode).where(RecoveryCode.account_id == account.id, RecoveryCode.used_at.is_(None))
    )
    for row in unused:
        if two_factor.recovery_matches(code, row.salt, row.code_hash):
            spent = session.execute(
                update(RecoveryCode)
                .where(RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None))
                .values(used_at=now)
                .execution_options(synchronize_session=False)
            )
            return _rowcount(spent) == 1
    return False


def check_code(
    session: Session, account: Account, raw: str, *, cipher: SecretCipher, now: datetime,
    policy: ThrottlePolicy, address: str = "", allow_recovery: bool = True,
) -> str:  # fmt: skip
    """Check a TOTP code (or, if allowed, a recovery code) of the account; returns which kind it was.

    Counted on the sign-in throttle like a password, before it is checked: bad codes lock the name as bad
    passwords do. A TOTP code is accepted once; a recovery code is spent.

    :raises SignInLocked: too many failures.
    :raises TwoFactorError: the code is wrong, already used, or not a code.
    """
    kind = _check(session, account, raw, cipher=cipher, now=now, policy=policy, address=address,
                  allow_recovery=allow_recovery)  # fmt: skip
    session.commit()
    return kind


def _check(
    session: Session, account: Account, raw: str, *, cipher: SecretCipher, now: datetime,
    policy: ThrottlePolicy, address: str, allow_recovery: bool = True,
) -> str:  # fmt: skip
    """check_code without the commit of a success (a failure is committed: its count and audit row stay)."""
    key = account.username
    attempt = throttle.reserve(session, key, address, now=now, policy=policy)
    blocked = attempt.blocked_until(now)
    if blocked is not None:
        raise SignInLocked(minutes_left(blocked, now))
    kind = None
    if (totp := two_factor.normalize_totp(raw)) is not None:
        kind = TOTP if _accept_totp(session, account, totp, cipher=cipher, now=now) else None
    elif allow_recovery and (recovery := two_factor.normalize_recovery(raw)) is not None:
        kind = RECOVERY if _accept_recovery(session, account, recovery, now=now) else None
    if kind is not None:
        throttle.forget_success(session, key, address)
        action = "recovery_code_used" if kind == RECOVERY else "two_factor_ok"
        audit.record(session, actor_id=account.id, action=action, obj=("account", account.id),
                     after={"address": address})  # fmt: skip
        return kind
    # The password was right: the failed code is this account's (or a holder of its password's), so it is the actor.
    locked = attempt.locked_until(now)
    audit.record(session, actor_id=account.id, action="two_factor_failed", obj=("account", account.id),
                 after={"address": address, "failures": attempt.pair.failures},
                 outcome="denied" if locked else "failed", address=address)  # fmt: skip
    session.commit()
    if locked is not None:
        raise SignInLocked(minutes_left(locked, now))
    raise TwoFactorError("验证码不正确或已使用过，请输入身份验证器上当前的6位数字（或一个未用过的恢复码）")


def _replace_recovery_codes(session: Session, account: Account, *, now: datetime) -> list[str]:
    session.execute(delete(RecoveryCode).where(RecoveryCode.account_id == account.id))
    codes = two_factor.new_recovery_codes()
    for code in codes:
        salt = two_factor.new_salt()
        normalized = two_factor.normalize_recovery(code) or ""
        session.add(RecoveryCode(account_id=account.id, salt=salt, created_at=now,
                                 code_hash=two_factor.recovery_hash(normalized, salt)))  # fmt: skip
    return codes


def activate(
    session: Session, account: Account, raw: str, *, cipher: SecretCipher, now: datetime,
    policy: ThrottlePolicy, address: str = "",
) -> list[str]:  # fmt: skip
    """Confirm the enrolment with a first code from the new secret: the second factor is on from now, and the
    recovery codes are returned, to be shown once."""
    if two_factor.is_enrolled(account) or account.totp_secret is None:
        raise ValidationError("没有待确认的双因素设置，请重新开始")
    _check(
        session, account, raw, cipher=cipher, now=now, policy=policy, address=address, allow_recovery=False
    )
    account.two_factor_enabled_at = now
    codes = _replace_recovery_codes(session, account, now=now)
    audit.record(session, actor_id=account.id, action="two_factor_enrol", obj=("account", account.id))
    session.commit()
    return codes


def regenerate_recovery_codes(
    session: Session, account: Account, raw: str, *, cipher: SecretCipher, now: datetime,
    policy: ThrottlePolicy, address: str = "",
) -> list[str]:  # fmt: skip
    """New recovery codes for an enrolled account that proves its second factor; the old ones stop working."""
    if not two_factor.is_enrolled(account):
        raise ValidationError("尚未启用双因素认证")
    _check(session, account, raw, cipher=cipher, now=now, policy=policy, address=address)
    codes = _replace_recovery_codes(session, account, now=now)
    audit.record(session, actor_id=account.id, action="recovery_codes_new", obj=("account", account.id))
    session.commit()
    return codes


def _clear(session: Session, account: Account) -> None:
    account.totp_secret = None
    account.two_factor_enabled_at = None
    account.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.account_id == account.id))


def disable(
    session: Session, account: Account, raw: str, *, cipher: SecretCipher, now: datetime,
    policy: ThrottlePolicy, address: str = "",
) -> None:  # fmt: skip
    """The account's own switch-off, with a current code; refused for a role that requires a second factor."""
    if not two_factor.may_disable(account):
        raise PermissionDenied("您的角色必须使用双因素认证，不能停用；更换设备请联系安全管理员重置")
    _check(session, account, raw, cipher=cipher, now=now, policy=policy, address=address)
    _clear(session, account)
    audit.record(session, actor_id=account.id, action="two_factor_disable", obj=("account", account.id))
    session.commit()


def reset(session: Session, account: Account, *, scope: Scope) -> None:
    """The security administrator's reset (a lost phone): the secret and recovery codes are gone, every session
    of the account ends; a role that requires a second factor enrols again at its next sign-in.

    :raises PermissionDenied: the acting account may not manage credentials.
    """
    if not can_manage_credentials(scope):
        raise PermissionDenied("只有安全管理员可以重置双因素认证")
    was_enrolled = two_factor.is_enrolled(account)
    _clear(session, account)
    account.session_generation += 1
    audit.record(session, actor_id=scope.account_id, action="two_factor_reset", obj=("account", account.id),
                 before={"enrolled": was_enrolled}, after={"enrolled": False})  # fmt: skip
    session.commit()


def waive_requirement(session: Session, account: Account) -> None:
    """A demonstration instance (``flask seed-demo --demo``) only: the role's requirement does not apply to this
    account, so visitors can try it without an authenticator app. Enrolling stays possible and, once done, is
    enforced."""
    account.two_factor_waived = True
    audit.record(session, actor_id=None, action="two_factor_waive", obj=("account", account.id))
    session.commit()


def recovery_codes_left(session: Session, account: Account) -> int:
    count = session.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.account_id == account.id, RecoveryCode.used_at.is_(None))
    )
    return int(count or 0)
