"""Keyed hashes and keyed chains (issue 18): HMAC-SHA256 under a key kept outside the database.

Someone who can write the database but lacks the key can neither recompute a keyed hash over content he
rewrote nor re-link a chain after deleting or editing an entry. This module holds only the pure parts every
keyed chain shares: canonical JSON, the MAC, the link of an entry to the one before it, a constant-time
comparison, and a slot for the key the application sets once from its configuration.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

GENESIS_MAC = "0" * 64  # what the first entry of a chain links to
MAC_LENGTH = 64  # hex characters of an HMAC-SHA256


class KeyMissing(RuntimeError):
    """The key was never set: the application's configuration names it."""


class KeySlot:
    """One key, set by the application from its configuration (environment or instance/keys), never read
    from the database. ``get`` raises :class:`KeyMissing` naming the setting until it is set."""

    def __init__(self, setting: str) -> None:
        self.setting = setting
        self._key: bytes | None = None

    def set(self, key: bytes | str) -> None:
        raw = key.encode() if isinstance(key, str) else key
        if not raw:
            raise KeyMissing(f"{self.setting} is empty")
        self._key = raw

    def get(self) -> bytes:
        if self._key is None:
            raise KeyMissing(f"{self.setting} not configured")
        return self._key

    @property
    def is_set(self) -> bool:
        return self._key is not None


def utc_text(moment: datetime) -> str:
    """A moment as every chain writes it into what it MACs: ISO 8601 in UTC (the same instant, one text)."""
    return moment.astimezone(UTC).isoformat()


def canonical(value: Any) -> bytes:
    """The one byte form of a JSON value: keys sorted, no spaces, UTF-8 (so a MAC never depends on order)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def mac(key: bytes, payload: bytes) -> str:
    """HMAC-SHA256 of ``payload`` under ``key``, as 64 hex characters."""
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def mac_of(key: bytes, value: Any) -> str:
    """The MAC of a JSON value's canonical form."""
    return mac(key, canonical(value))


def link(key: bytes, prev_mac: str, body: Mapping[str, Any]) -> str:
    """The MAC of a chain entry: its body and the previous entry's MAC (``GENESIS_MAC`` for the first)."""
    return mac_of(key, {"body": dict(body), "prev_mac": prev_mac})


def same(expected: str, actual: str | None) -> bool:
    """Constant-time comparison of two MACs (``None``, a missing MAC, never matches)."""
    return actual is not None and hmac.compare_digest(expected.encode(), actual.encode())
