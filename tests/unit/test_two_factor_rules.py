"""Two-factor rules: RFC 6238 codes through our check, no replay, one step of drift, recovery codes, who must."""

import base64
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote

import pyotp
import pytest
from cryptography.fernet import Fernet

from knowledge.accounts import two_factor
from knowledge.accounts.models import Account, Role
from knowledge.accounts.two_factor import SecretCipher
from knowledge.errors import ValidationError

# RFC 6238 Appendix B: the SHA-1 seed is the ASCII string "12345678901234567890", 8 digits, X = 30 s.
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()
RFC_VECTORS = [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
]
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
NOW = datetime(2026, 12, 5, 9, 0, 15, tzinfo=UTC)


def at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def code_at(moment: datetime, secret: str = SECRET) -> str:
    return pyotp.TOTP(secret).at(moment)


@pytest.mark.parametrize(("seconds", "expected"), RFC_VECTORS)
def test_the_rfc_6238_test_vectors_pass_our_check(seconds, expected):
    step = two_factor.matching_step(RFC_SECRET, expected, now=at(seconds), last_step=None, digits=8)
    assert step == seconds // 30


@pytest.mark.parametrize(("seconds", "expected"), RFC_VECTORS)
def test_six_digit_codes_are_the_last_six_of_the_rfc_values(seconds, expected):
    assert (
        two_factor.matching_step(RFC_SECRET, expected[2:], now=at(seconds), last_step=None) == seconds // 30
    )
    wrong = f"{(int(expected[2:]) + 1) % 1_000_000:06d}"
    assert two_factor.matching_step(RFC_SECRET, wrong, now=at(seconds), last_step=None) is None


def test_a_code_once_accepted_is_never_accepted_again():
    code = code_at(NOW)
    step = two_factor.matching_step(SECRET, code, now=NOW, last_step=None)
    assert step is not None
    assert two_factor.matching_step(SECRET, code, now=NOW, last_step=step) is None
    assert two_factor.matching_step(SECRET, code, now=NOW + timedelta(seconds=20), last_step=step) is None


def test_a_code_older_than_the_last_accepted_one_is_refused():
    later = two_factor.matching_step(SECRET, code_at(NOW), now=NOW, last_step=None)
    earlier = code_at(NOW - timedelta(seconds=30))
    assert later is not None
    assert two_factor.matching_step(SECRET, earlier, now=NOW, last_step=later) is None
    assert two_factor.matching_step(SECRET, earlier, now=NOW, last_step=later - 2) == later - 1


@pytest.mark.parametrize(
    ("offset", "accepted"), [(-60, False), (-30, True), (0, True), (30, True), (60, False)]
)
def test_one_step_of_clock_drift_either_way_and_no_more(offset, accepted):
    code = code_at(NOW + timedelta(seconds=offset))
    assert (two_factor.matching_step(SECRET, code, now=NOW, last_step=None) is not None) is accepted


@pytest.mark.parametrize("raw", ["", "12345", "1234567", "12a456", "١٢٣٤٥٦"])
def test_only_six_digits_are_a_code(raw):
    assert two_factor.normalize_totp(raw) is None


@pytest.mark.parametrize("raw", [" 123 456 ", "１２３４５６", "123456"])
def test_spaces_and_full_width_digits_are_read_as_the_code(raw):
    assert two_factor.normalize_totp(raw) == "123456"


def test_administrators_regulators_and_the_draw_office_must_use_a_second_factor():
    required = {role for role in Role if two_factor.requires_two_factor(role)}
    assert required == set(Role) - {
        Role.PROJECT_TEAM,
        Role.EXPERT,
        Role.INSPECTION_BODY,
    }  # outside firms and experts
    assert {Role.ADMIN, Role.REGULATOR, Role.DRAW_OFFICE} <= required


def account(role: Role = Role.ADMIN, **fields) -> Account:
    return Account(username="wang", display_name="王", password_hash="x", role=role,
                   two_factor_waived=fields.pop("two_factor_waived", False), **fields)  # fmt: skip


def test_the_demo_waiver_lifts_the_requirement_but_an_enrolment_is_enforced():
    assert two_factor.must_enrol(account()) and two_factor.needs_second_step(account())
    waived = account(two_factor_waived=True)
    assert not two_factor.must_enrol(waived) and not two_factor.needs_second_step(waived)
    enrolled = account(two_factor_waived=True, two_factor_enabled_at=NOW)
    assert two_factor.needs_second_step(enrolled) and not two_factor.may_disable(enrolled)


def test_an_optional_role_may_enrol_and_disable():
    team = account(Role.PROJECT_TEAM)
    assert not two_factor.must_enrol(team) and not two_factor.needs_second_step(team)
    team.two_factor_enabled_at = NOW
    assert two_factor.needs_second_step(team) and two_factor.may_disable(team)


def test_ten_recovery_codes_of_sixty_bits_each_stored_only_salted():
    codes = two_factor.new_recovery_codes()
    assert len(codes) == len(set(codes)) == 10
    assert all(len(c) == 14 and c.count("-") == 2 for c in codes)
    normalized = two_factor.normalize_recovery(codes[0].lower().replace("-", " "))
    assert normalized == codes[0].replace("-", "")
    salt, other = two_factor.new_salt(), two_factor.new_salt()
    stored = two_factor.recovery_hash(normalized, salt)
    assert normalized not in stored and stored != two_factor.recovery_hash(normalized, other)
    assert two_factor.recovery_matches(normalized, salt, stored)
    assert not two_factor.recovery_matches(two_factor.normalize_recovery(codes[1]), salt, stored)
    assert two_factor.normalize_recovery("ABCD-EFGH-IJK0") is None  # 0, I: not in the alphabet


def test_the_secret_is_encrypted_and_a_wrong_key_says_so_in_chinese():
    cipher = SecretCipher(Fernet.generate_key())
    token = cipher.encrypt(SECRET)
    assert SECRET not in token and cipher.decrypt(token) == SECRET
    with pytest.raises(ValidationError, match="无法解密"):
        SecretCipher(Fernet.generate_key()).decrypt(token)


def test_the_enrolment_shows_the_secret_in_groups_and_an_otpauth_uri_with_our_issuer():
    secret = two_factor.new_secret()
    assert len(secret) == 32 and pyotp.TOTP(secret).byte_secret()
    assert two_factor.grouped(SECRET) == "JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP"
    uri = unquote(two_factor.provisioning_uri(SECRET, "wang"))
    assert uri.startswith("otpauth://totp/江苏危大工程:wang?") and f"secret={SECRET}" in uri
    assert "issuer=江苏危大工程" in uri
