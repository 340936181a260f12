"""Two-factor sign-in rules: who must use it, TOTP codes (RFC 6238, through pyotp) that are never accepted twice,
single-use recovery codes, and the cipher of the stored secrets.

GB/T 22239-2019 8.1.4.1 d (level 3): users are identified by two or more kinds of authentication, at least one
of them cryptographic; the TOTP code is an HMAC (RFC 4226/6238) over a secret only the account's device holds.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime

import pyotp
from cryptography.fernet import Fernet, InvalidToken
from pyotp.exceptions import OTPVerificationError

from knowledge.accounts.models import Account, Role
from knowledge.errors import ValidationError

ISSUER = "江苏危大工程"  # shown by the authenticator app beside the code
DIGITS = 6
INTERVAL = 30  # seconds per time step (RFC 6238 4.1, the default X)
# One step either side of now: enough for a phone's clock drift and the seconds spent typing, no more
# (RFC 6238 5.2 recommends at most one step of backward delay).
VALID_WINDOW = 1
SECRET_LENGTH = 32  # base32 characters: 160 bits, the HMAC-SHA1 key length RFC 4226 4 recommends
RECOVERY_CODE_COUNT = 10
# 12 characters from a 32-character alphabet: 60 bits each, beyond guessing under the sign-in throttle and
# beyond brute force of a leaked salted hash in practice.
RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
RECOVERY_LENGTH = 12
_CODE = re.compile(r"^[0-9]{6}$")

# Administrators of every kind, regulators and the draw office must use a second factor; project teams and
# experts may (issue 18 item 9).
REQUIRED_ROLES = frozenset({Role.DRAW_OFFICE, Role.REGULATOR})


def requires_two_factor(role: Role) -> bool:
    """Is a second factor required for this role? Every administrator role (``admin``, and any role whose
    value ends in ``admin``), the regulators and the draw office."""
    return role.value.endswith("admin") or role in REQUIRED_ROLES


def is_enrolled(account: Account) -> bool:
    return account.two_factor_enabled_at is not None


def is_required(account: Account) -> bool:
    """Required for the account's role, unless a demonstration instance waived it (``seed-demo --demo``)."""
    return requires_two_factor(account.role) and not account.two_factor_waived


def must_enrol(account: Account) -> bool:
    """The account may do nothing before it has enrolled a second factor."""
    return is_required(account) and not is_enrolled(account)


def needs_second_step(account: Account) -> bool:
    """The password alone does not sign this account in: a code must follow, or an enrolment."""
    return is_enrolled(account) or must_enrol(account)


def may_disable(account: Account) -> bool:
    """Only an account whose role does not require it may switch the second factor off."""
    return is_enrolled(account) and not requires_two_factor(account.role)


def new_secret() -> str:
    return pyotp.random_base32(SECRET_LENGTH)


def grouped(secret: str) -> str:
    """The secret in groups of four characters, for typing it into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(secret: str, username: str) -> str:
    """The otpauth:// URI an authenticator app reads (from its QR code)."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL).provisioning_uri(
        name=username, issuer_name=ISSUER
    )


def normalize_totp(raw: str) -> str | None:
    """The six digits of a TOTP code as typed (spaces and full-width digits from a Chinese input method
    allowed), or None when it is not one."""
    code = re.sub(r"\s+", "", unicodedata.normalize("NFKC", raw or ""))
    return code if _CODE.match(code) else None


def matching_step(
    secret: str, code: str, *, now: datetime, last_step: int | None, digits: int = DIGITS
) -> int | None:
    """The time step whose code this is, within VALID_WINDOW steps of ``now``, and later than ``last_step``;
    None otherwise. A code accepted once is never accepted again, nor any code of an earlier step (RFC 6238
    5.2: "the verifier MUST NOT accept the second attempt of the OTP after the successful validation")."""
    totp = pyotp.TOTP(secret, digits=digits, interval=INTERVAL)
    current = totp.timecode(now)
    for offset in range(-VALID_WINDOW, VALID_WINDOW + 1):
        step = current + offset
        if last_step is not None and step <= last_step:
            continue
        try:
            return totp.verify_and_get_timecode(code, for_time=step * INTERVAL, valid_window=0)
        except OTPVerificationError:
            continue
    return None


def new_recovery_codes() -> list[str]:
    """RECOVERY_CODE_COUNT fresh codes, formatted XXXX-XXXX-XXXX; shown once and stored only hashed."""
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
        codes.append("-".join(raw[i : i + 4] for i in range(0, RECOVERY_LENGTH, 4)))
    return codes


def normalize_recovery(raw: str) -> str | None:
    """A recovery code as typed (any case, with or without dashes or spaces), or None when it is not one."""
    code = re.sub(r"[\s-]+", "", unicodedata.normalize("NFKC", raw or "")).upper()
    if len(code) != RECOVERY_LENGTH or any(c not in RECOVERY_ALPHABET for c in code):
        return None
    return code


def recovery_hash(code: str, salt: str) -> str:
    """The stored form of a normalized recovery code."""
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()


def recovery_matches(code: str, salt: str, stored: str) -> bool:
    return hmac.compare_digest(recovery_hash(code, salt), stored)


def new_salt() -> str:
    return secrets.token_hex(16)


@dataclass(frozen=True)
class SecretCipher:
    """Encrypts TOTP secrets at rest with Fernet (AES-128-CBC + HMAC-SHA256) under TOTP_KEY, a key kept in
    instance/keys apart from the database and its backups."""

    key: bytes

    def encrypt(self, secret: str) -> str:
        return Fernet(self.key).encrypt(secret.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return Fernet(self.key).decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise ValidationError("双因素认证密钥无法解密：密钥不匹配，请联系安全管理员重置") from exc
