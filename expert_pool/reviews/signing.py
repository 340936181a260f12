"""The keys that make a report unforgeable from the database alone (issue 18 item 5).

REPORT_KEY keys the report's hash and the report chain (HMAC-SHA256, ``knowledge.keyed_chain``); each expert's
Ed25519 key signs what he agrees to, its private half stored as a Fernet token under SIGNING_KEY_WRAP_KEY. Both
keys come from the application's configuration (instance/keys or the environment), never from the database:
whoever can only write the database can neither recompute a report's hash nor sign in an expert's name.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from expert_pool.errors import ReviewError
from expert_pool.reviews.signing_models import ExpertSigningKey
from knowledge import audit, keyed_chain

REPORT_KEY = keyed_chain.KeySlot("REPORT_KEY")
WRAP_KEY = keyed_chain.KeySlot("SIGNING_KEY_WRAP_KEY")
ALGORITHM = "Ed25519"


def use_keys(report_key: str | bytes, wrap_key: str | bytes) -> None:
    """Set once by the application from its configuration (never from the database)."""
    REPORT_KEY.set(report_key)
    WRAP_KEY.set(wrap_key)


def keyed_hash(content: Mapping[str, Any]) -> str:
    """A report's stored hash: HMAC-SHA256 under REPORT_KEY of its canonical content."""
    return keyed_chain.mac_of(REPORT_KEY.get(), dict(content))


def utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def payload(
    *, report_id: int, version: int, body_hash: str, expert_id: int, signed_at: datetime, reservation: str,
    key_id: int,
) -> bytes:  # fmt: skip
    """What an expert's Ed25519 signature covers: the report version, the keyed hash of what he agrees to
    (``verification.signed_body``), himself, the moment, his reservation (保留意见) and the key he signs with."""
    return keyed_chain.canonical({"report": report_id, "version": version, "hash": body_hash, "expert": expert_id,
                                  "signed_at": utc(signed_at), "reservation": reservation, "key": key_id})  # fmt: skip


# -- each expert's key ----------------------------------------------------------------------------------------


def wrap(expert_id: int, private: Ed25519PrivateKey) -> str:
    """The stored form of a private key: a Fernet token binding it to its expert."""
    raw = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()).hex()
    return (
        Fernet(WRAP_KEY.get()).encrypt(keyed_chain.canonical({"expert": expert_id, "private": raw})).decode()
    )


def public_hex(private: Ed25519PrivateKey) -> str:
    return private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def new_key_row(expert_id: int, now: datetime, private: Ed25519PrivateKey | None = None) -> dict[str, Any]:
    """The columns of a new key (the bulk demo seed writes these; ``key_in_use`` stores one)."""
    private = private or Ed25519PrivateKey.generate()
    return {"expert_id": expert_id, "public_key": public_hex(private), "private_key": wrap(expert_id, private),
            "created_at": now, "retired_at": None}  # fmt: skip


@lru_cache(maxsize=4096)
def _unwrap(wrap_key: bytes, expert_id: int, public_key: str, token: str) -> Ed25519PrivateKey | None:
    try:
        opened = Fernet(wrap_key).decrypt(token.encode())
    except (InvalidToken, ValueError):
        return None
    try:
        data = json.loads(opened)
        private = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(data["private"]))
    except (ValueError, KeyError, TypeError):
        return None
    if data.get("expert") != expert_id or public_hex(private) != public_key:
        return None  # a key moved to another expert, or a public key swapped in the database
    return private


def private_key(key: ExpertSigningKey) -> Ed25519PrivateKey | None:
    """The key's private half, if the row is genuine: the token opens under our wrap key, names this expert,
    and derives the stored public key. ``None`` otherwise."""
    return _unwrap(WRAP_KEY.get(), key.expert_id, key.public_key, key.private_key)


def key_in_use(session: Session, expert_id: int, *, now: datetime) -> ExpertSigningKey:
    """The expert's key, made (and committed, with its audit row) on his first signature. Two first signatures
    at once make one key: the second insert fails on the one-key-in-use index and reads the first's."""
    query = select(ExpertSigningKey).where(
        ExpertSigningKey.expert_id == expert_id, ExpertSigningKey.retired_at.is_(None)
    )
    found = session.scalar(query)
    if found is not None:
        return found
    key = ExpertSigningKey(**new_key_row(expert_id, now))
    session.add(key)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        made = session.scalar(query)
        assert made is not None
        return made
    audit.record(session, actor_id=None, action="signing_key_created", obj=("expert", expert_id),
                 after={"key": key.id, "algorithm": ALGORITHM, "public_key": key.public_key})  # fmt: skip
    session.commit()
    return key


def sign(key: ExpertSigningKey, message: bytes) -> str:
    private = private_key(key)
    if private is None:
        raise ReviewError("您的签名密钥无法使用（密钥配置与创建时不同），请联系系统管理员")
    return private.sign(message).hex()


def is_valid(key: ExpertSigningKey | None, expert_id: int, message: bytes, signature: str | None) -> bool:
    """The signature is the expert's own: made by a genuine key of his over exactly ``message``."""
    if key is None or signature is None or key.expert_id != expert_id or private_key(key) is None:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(key.public_key)).verify(
            bytes.fromhex(signature), message
        )
    except (InvalidSignature, ValueError):
        return False
    return True
