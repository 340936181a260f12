"""Resident ID numbers (PIPL sensitive personal data): checked, masked for display, encrypted, and a keyed hash
that links the same person across tables (an expert of the pool, a plan's author) without storing the number."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken

from knowledge.errors import ValidationError

# GB 11643-1999: 17 digits and a check character (0-9 or X) computed with these weights, mod 11.
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_PATTERN = re.compile(r"^\d{17}[\dX]$")


def check_character(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def normalize_id_number(raw: str, *, field: str = "id_number") -> str:
    """The 18-character resident ID number, checked (GB 11643-1999), or ValidationError in Chinese."""
    number = raw.strip().replace(" ", "").upper()
    if not _PATTERN.match(number):
        raise ValidationError("身份证号码应为18位（最后一位可为X）", field=field)
    if number[17] != check_character(number[:17]):
        raise ValidationError("身份证号码校验位不正确，请核对", field=field)
    return number


def mask(number: str) -> str:
    """Shown to everyone but the admin: the region's first three digits and the last four."""
    return number[:3] + "*" * 11 + number[-4:]


def mask_phone(phone: str) -> str:
    """138****5678: the first three and last four characters of a number of eight or more; a shorter one
    keeps only its first character."""
    phone = phone.strip()
    if len(phone) >= 8:
        return phone[:3] + "****" + phone[-4:]
    return phone[:1] + "*" * (len(phone) - 1)


def mask_email(email: str) -> str:
    """z***@example.com: the first character of the mailbox and the whole domain; without an @ only the first
    character is kept."""
    email = email.strip()
    if not email:
        return ""
    local, at, domain = email.rpartition("@")
    if not at:
        return email[:1] + "***"
    return (local[:1] or "*") + "***@" + domain


@dataclass(frozen=True)
class IdentityVault:
    """Encrypts with Fernet (AES-128-CBC + HMAC-SHA256); hashes with HMAC-SHA256 under a derived key."""

    key: bytes  # a Fernet key (urlsafe base64, 32 bytes decoded)

    def encrypt(self, number: str) -> str:
        return Fernet(self.key).encrypt(number.encode()).decode()

    def decrypt(self, token: str, *, what: str = "身份证号码") -> str:
        try:
            return Fernet(self.key).decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise ValidationError(f"{what}无法解密：密钥不匹配") from exc

    def lookup_hash(self, number: str) -> str:
        """Equal numbers give equal hashes, so duplicates are found without decrypting anything."""
        derived = hmac.new(self.key, b"expert-id-lookup", hashlib.sha256).digest()
        return hmac.new(derived, number.encode(), hashlib.sha256).hexdigest()

    @staticmethod
    def new_key() -> bytes:
        return Fernet.generate_key()
