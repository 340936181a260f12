"""Two-factor use cases on a database: the password alone never signs in an enrolled account, codes are single
use (also against a stale copy of the account), bad codes lock as bad passwords, secrets and recovery codes are
never stored in clear, the administrator's reset."""

from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from knowledge.accounts import signin, two_factor
from knowledge.accounts import two_factor_services as services
from knowledge.accounts.models import Account, RecoveryCode, Role
from knowledge.accounts.permissions import Scope
from knowledge.accounts.throttle import ThrottlePolicy
from knowledge.accounts.two_factor import SecretCipher
from knowledge.audit import AuditLog
from knowledge.errors import PermissionDenied
from tests.factories import PASSWORD, TEST_HASH_METHOD, make_account

CIPHER = SecretCipher(Fernet.generate_key())
POLICY = ThrottlePolicy(max_failures=5, window=timedelta(minutes=15), lock=timedelta(minutes=15))
NOW = datetime(2026, 12, 5, 9, 0, 15, tzinfo=UTC)
ADDRESS = "10.0.0.7"


def step(n: int) -> datetime:
    """NOW plus n time steps."""
    return NOW + timedelta(seconds=30 * n)


def code(secret: str, moment: datetime) -> str:
    return pyotp.TOTP(secret).at(moment)


def enrolled(session, role=Role.ADMIN, **fields):
    account = make_account(session, role, two_factor_waived=False, **fields)
    secret = services.start_enrolment(session, account, cipher=CIPHER)
    codes = services.activate(session, account, code(secret, NOW), cipher=CIPHER, now=NOW, policy=POLICY,
                              address=ADDRESS)  # fmt: skip
    return account, secret, codes


def password(session, account, now=NOW, pw=PASSWORD):
    return signin.authenticate(session, account.username, pw, now=now, policy=POLICY,
                               hash_method=TEST_HASH_METHOD, address=ADDRESS)  # fmt: skip


def check(session, account, raw, now):
    return services.check_code(session, account, raw, cipher=CIPHER, now=now, policy=POLICY, address=ADDRESS)


def actions(session, account) -> list[str]:
    rows = session.scalars(select(AuditLog.action).where(AuditLog.object_type == "account",
                                                         AuditLog.object_id == str(account.id)).order_by(AuditLog.seq))  # fmt: skip
    return list(rows)


def test_the_password_alone_never_signs_in_an_enrolled_account(session):
    account, _, _ = enrolled(session, Role.PROJECT_TEAM)
    with pytest.raises(signin.TwoFactorNeeded) as info:
        password(session, account, now=step(1))
    assert type(info.value) is signin.TwoFactorNeeded and info.value.code == "two_factor_required"
    assert info.value.account.id == account.id
    session.refresh(account)
    assert account.last_login_at is None and "login" not in actions(session, account)


def test_a_required_role_without_a_second_factor_is_sent_to_enrol_unless_waived(session):
    office = make_account(session, Role.DRAW_OFFICE, two_factor_waived=False)
    with pytest.raises(signin.TwoFactorEnrolmentNeeded) as info:
        password(session, office)
    assert info.value.status == 403 and "设置双因素认证" in info.value.message
    demo = make_account(session, Role.DRAW_OFFICE)  # the factory's default: waived, as the --demo seed does
    assert password(session, demo).id == demo.id


def test_a_totp_code_is_accepted_once(session):
    account, secret, _ = enrolled(session)
    later = code(secret, step(1))
    assert check(session, account, later, step(1)) == services.TOTP
    with pytest.raises(services.TwoFactorError, match="验证码不正确或已使用过"):
        check(session, account, later, step(1))
    with pytest.raises(services.TwoFactorError):  # the enrolment's own code: an earlier step
        check(session, account, code(secret, NOW), step(1))


def test_a_stale_copy_of_the_account_cannot_replay_an_accepted_code(session):
    account, secret, _ = enrolled(session)
    stale = Session(session.get_bind(), expire_on_commit=False)
    old_copy = stale.get(Account, account.id)  # loaded before the acceptance: only the database can refuse
    later = code(secret, step(1))
    assert check(session, account, later, step(1)) == services.TOTP
    assert old_copy.totp_last_step < account.totp_last_step
    with pytest.raises(services.TwoFactorError):
        check(stale, old_copy, later, step(1))
    stale.close()


def test_a_recovery_code_works_once_in_any_case_and_with_or_without_dashes(session):
    account, _, codes = enrolled(session)
    assert len(codes) == 10 and services.recovery_codes_left(session, account) == 10
    assert check(session, account, codes[3].lower().replace("-", ""), step(1)) == services.RECOVERY
    with pytest.raises(services.TwoFactorError):
        check(session, account, codes[3], step(2))
    assert services.recovery_codes_left(session, account) == 9
    assert "recovery_code_used" in actions(session, account)


def test_five_bad_codes_lock_like_five_bad_passwords(session):
    account, secret, _ = enrolled(session)
    with pytest.raises(signin.TwoFactorNeeded):
        password(session, account, now=step(1))
    for _ in range(4):
        with pytest.raises(services.TwoFactorError):
            check(session, account, "000000", step(1))
    with pytest.raises(signin.SignInLocked, match="15分钟后再试"):
        check(session, account, "000000", step(1))
    with pytest.raises(signin.SignInLocked):  # the right code is not even checked now
        check(session, account, code(secret, step(2)), step(2))
    with pytest.raises(signin.SignInLocked):  # nor the right password
        password(session, account, now=step(2))
    assert actions(session, account).count("two_factor_failed") == 5
    actors = session.scalars(select(AuditLog.actor_id).where(AuditLog.action == "two_factor_failed"))
    assert set(actors) == {account.id}  # the password was right: the log names whose code failed


def test_signing_in_again_with_the_password_does_not_reset_the_count_of_bad_codes(session):
    account, _, _ = enrolled(session)
    for n in range(4):
        with pytest.raises(signin.TwoFactorNeeded):
            password(session, account, now=step(1 + n))
        with pytest.raises(services.TwoFactorError):
            check(session, account, "000000", step(1 + n))
    with pytest.raises(signin.TwoFactorNeeded):
        password(session, account, now=step(5))
    with pytest.raises(signin.SignInLocked):
        check(session, account, "000000", step(5))


def test_a_right_code_forgets_the_failures(session):
    account, secret, _ = enrolled(session)
    for _ in range(4):
        with pytest.raises(services.TwoFactorError):
            check(session, account, "000000", step(1))
    assert check(session, account, code(secret, step(1)), step(1)) == services.TOTP
    for _ in range(4):
        with pytest.raises(services.TwoFactorError):
            check(session, account, "000000", step(2))


def test_neither_the_secret_nor_a_recovery_code_is_stored_in_clear(session):
    account, secret, codes = enrolled(session)
    stored = session.execute(
        text("SELECT totp_secret FROM account WHERE id = :id"), {"id": account.id}
    ).scalar()
    assert secret not in stored and CIPHER.decrypt(stored) == secret
    rows = session.execute(text("SELECT salt, code_hash FROM recovery_code WHERE account_id = :id"),
                           {"id": account.id}).all()  # fmt: skip
    assert len(rows) == 10
    plain = {c.replace("-", "") for c in codes} | set(codes)
    assert not any(p in f"{salt}{digest}" for salt, digest in rows for p in plain)


def test_activation_needs_a_right_first_code(session):
    account = make_account(session, Role.REGULATOR, two_factor_waived=False)
    secret = services.start_enrolment(session, account, cipher=CIPHER)
    with pytest.raises(services.TwoFactorError):
        services.activate(session, account, "000000", cipher=CIPHER, now=NOW, policy=POLICY)
    assert not two_factor.is_enrolled(account) and services.recovery_codes_left(session, account) == 0
    services.activate(session, account, code(secret, NOW), cipher=CIPHER, now=NOW, policy=POLICY)
    assert two_factor.is_enrolled(account) and "two_factor_enrol" in actions(session, account)


def test_new_recovery_codes_replace_the_old_ones(session):
    account, secret, old = enrolled(session)
    new = services.regenerate_recovery_codes(session, account, code(secret, step(1)), cipher=CIPHER,
                                             now=step(1), policy=POLICY)  # fmt: skip
    assert set(new).isdisjoint(old) and services.recovery_codes_left(session, account) == 10
    with pytest.raises(services.TwoFactorError):
        check(session, account, old[0], step(2))
    assert check(session, account, new[0], step(2)) == services.RECOVERY


def test_only_an_optional_role_may_switch_it_off(session):
    admin, admin_secret, _ = enrolled(session, Role.ADMIN)
    with pytest.raises(PermissionDenied):
        services.disable(
            session, admin, code(admin_secret, step(1)), cipher=CIPHER, now=step(1), policy=POLICY
        )
    team, team_secret, _ = enrolled(session, Role.PROJECT_TEAM)
    services.disable(session, team, code(team_secret, step(1)), cipher=CIPHER, now=step(1), policy=POLICY)
    assert not two_factor.needs_second_step(team) and team.totp_secret is None
    assert password(session, team, now=step(2)).id == team.id


def test_the_administrators_reset_clears_everything_ends_sessions_and_is_audited(session):
    admin = make_account(session, Role.SECURITY_ADMIN)
    account, _, _ = enrolled(session, Role.REGULATOR)
    generation = account.session_generation
    with pytest.raises(PermissionDenied):
        services.reset(session, account, scope=Scope.of(make_account(session, Role.ADMIN)))
    assert two_factor.is_enrolled(account)
    services.reset(session, account, scope=Scope.of(admin))
    assert account.totp_secret is None and account.two_factor_enabled_at is None
    assert account.session_generation == generation + 1
    assert session.scalar(select(RecoveryCode).where(RecoveryCode.account_id == account.id)) is None
    row = session.scalar(select(AuditLog).where(AuditLog.action == "two_factor_reset"))
    assert row.actor_id == admin.id and row.object_id == str(account.id)
    with pytest.raises(signin.TwoFactorEnrolmentNeeded):
        password(session, account, now=step(1))
