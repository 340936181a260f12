"""The daily signed digest of the draws' chain head (issue 18): {date, head seq, head mac}, signed with Ed25519.

Outsiders keep the digests; a rewrite of the chain after a digest was kept no longer holds that digest's MAC at
that position, which ``check_against`` (``flask draws verify --against FILE``) shows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import select
from sqlalchemy.orm import Session

from expert_pool.draws import chain
from expert_pool.draws.models import ChainDigest, ChainEntry
from expert_pool.errors import DrawError
from knowledge.clock import CST


def signing_key(hex_key: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(hex_key))


def public_key_hex(key: Ed25519PrivateKey) -> str:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def statement(day: date, head_seq: int, head_mac: str) -> bytes:
    """What is signed: canonical JSON of the day and the head."""
    body = {"date": day.isoformat(), "head_seq": head_seq, "head_mac": head_mac}
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def as_document(d: ChainDigest, public_key: str) -> dict[str, Any]:
    """The digest as outsiders keep it (the downloadable JSON)."""
    return {"date": d.day.isoformat(), "head_seq": d.head_seq, "head_mac": d.head_mac, "signature": d.signature,
            "public_key": public_key, "algorithm": "Ed25519"}  # fmt: skip


def make_digest(session: Session, key: Ed25519PrivateKey, *, now: datetime) -> ChainDigest:
    """Sign today's (China Standard Time) chain head, once a day: a second call the same day returns the
    first. Commits.

    :raises DrawError: when the chain is still empty."""
    day = now.astimezone(CST).date()
    existing = session.scalar(select(ChainDigest).where(ChainDigest.day == day))
    if existing is not None:
        return existing
    top = chain.head(session)
    if top is None:
        raise DrawError("抽取链尚无记录，无需生成摘要")
    seq, mac = top
    digest = ChainDigest(day=day, head_seq=seq, head_mac=mac, signature=key.sign(statement(day, seq, mac)).hex(),
                         created_at=now)  # fmt: skip
    session.add(digest)
    session.commit()
    return digest


@dataclass(frozen=True)
class DigestCheck:
    ok: bool
    message: str


def check_against(session: Session, document: dict[str, Any], public_key: str) -> DigestCheck:
    """A digest kept earlier: its signature must be ours, and the entry at its position must still have its
    MAC (else the chain was rewritten since)."""
    try:
        day, seq, mac = (
            date.fromisoformat(document["date"]),
            int(document["head_seq"]),
            str(document["head_mac"]),
        )
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key))
        key.verify(bytes.fromhex(document["signature"]), statement(day, seq, mac))
    except (KeyError, TypeError, ValueError):
        return DigestCheck(False, "摘要文件格式不正确")
    except InvalidSignature:
        return DigestCheck(False, "摘要的签名无效：不是本系统签发的摘要，或摘要被修改")
    entry = session.scalar(select(ChainEntry).where(ChainEntry.seq == seq))
    if entry is None:
        return DigestCheck(False, f"{day.isoformat()}的摘要记下第{seq}条链记录，现已不存在：链被截断或改写")
    if entry.mac != mac:
        return DigestCheck(False, f"第{seq}条链记录与{day.isoformat()}的摘要不符：此后链被改写")
    return DigestCheck(True, f"第{seq}条链记录与{day.isoformat()}的摘要一致：此前的链未被改写")


@dataclass(frozen=True)
class Published:
    """What the public verification page and its JSON show: the head now, the recent digests, the key."""

    head_seq: int | None
    head_mac: str | None
    digests: list[ChainDigest]
    public_key: str


def published(session: Session, public_key: str, *, recent: int = 7) -> Published:
    top = chain.head(session)
    digests = list(session.scalars(select(ChainDigest).order_by(ChainDigest.day.desc()).limit(recent)))
    return Published(top[0] if top else None, top[1] if top else None, digests, public_key)


def on_day(session: Session, day: date) -> ChainDigest | None:
    return session.scalar(select(ChainDigest).where(ChainDigest.day == day))
