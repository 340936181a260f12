"""Experts' phone and e-mail (issue 18): encrypted at rest with the ID numbers' key, masked for display, the phone
also as a keyed hash so the office can still find an expert by his number. Every write goes through
``contact_fields``; every full read through ``decrypt_contact`` (self, the audited office view, the notifier)."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Any, Protocol

from knowledge.identity import IdentityVault, mask_email, mask_phone

_NOT_DIGITS = re.compile(r"\D")


class Encrypted(Protocol):
    """An ``Expert`` or a row with its two encrypted columns."""

    @property
    def phone_encrypted(self) -> str | None: ...
    @property
    def email_encrypted(self) -> str | None: ...


@dataclass(frozen=True)
class Contact:
    phone: str
    email: str

    @property
    def address(self) -> str:
        """Where a message goes: the e-mail, else the phone; empty if the expert left neither."""
        return self.email or self.phone


def phone_lookup_hash(vault: IdentityVault, phone: str) -> str:
    """Equal numbers (ignoring spaces and dashes) give equal hashes, under a key derived apart from the ID's."""
    derived = hmac.new(vault.key, b"expert-phone-lookup", hashlib.sha256).digest()
    return hmac.new(derived, _NOT_DIGITS.sub("", phone).encode(), hashlib.sha256).hexdigest()


def contact_fields(vault: IdentityVault, phone: str, email: str) -> dict[str, Any]:
    """The stored columns for an already checked phone and e-mail (empty ones are stored as absent)."""
    return {
        "phone_encrypted": vault.encrypt(phone) if phone else None,
        "phone_masked": mask_phone(phone),
        "phone_hash": phone_lookup_hash(vault, phone) if phone else None,
        "email_encrypted": vault.encrypt(email) if email else None,
        "email_masked": mask_email(email),
    }


def decrypt_contact(vault: IdentityVault, expert: Encrypted) -> Contact:
    phone = vault.decrypt(expert.phone_encrypted, what="电话号码") if expert.phone_encrypted else ""
    email = vault.decrypt(expert.email_encrypted, what="电子邮箱") if expert.email_encrypted else ""
    return Contact(phone, email)


def masked_address(address: str) -> str:
    """A recipient as it may appear in a log or an error message (a queue name such as ``expert:12`` holds no
    personal data and stays as it is)."""
    if ":" in address and "@" not in address:
        return address
    return mask_email(address) if "@" in address else mask_phone(address)
