"""The daily signed digest of the keyed chains' heads (issue 18): {date, head seq, head mac} of the draws' chain
and, since 0021, {report head seq, report head mac} of the report chain, signed with Ed25519.

Outsiders keep the digests; a rewrite of a chain after a digest was kept no longer holds that digest's MAC at
that position, which ``check_against`` (``flask draws verify --against FILE``) shows for the draws' chain and
``expert_pool.reviews.verification.check_digest`` for the report chain. The report chain sits above the draws,
so its head is handed in by the caller. A digest signed before it carried a report head still verifies.
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

Head = tuple[int, str]  # a chain's last position and MAC


def signing_key(hex_key: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(hex_key))


def public_key_hex(key: Ed25519PrivateKey) -> str:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def statement(day: date, head_seq: int, head_mac: str, report_head: Head | None = None) -> bytes:
    """What is signed: canonical JSON of the day and the heads (the report head only when there is one, so a
    digest signed before it was added signs, and verifies, exactly as before)."""
    body: dict[str, Any] = {"date": day.isoformat(), "head_seq": head_seq, "head_mac": head_mac}
    if report_head is not None:
        body |= {"report_head_seq": report_head[0], "report_head_mac": report_head[1]}
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def report_head_of(d: ChainDigest) -> Head | None:
    if d.report_head_seq is None or d.report_head_mac is None:
        return None
    return d.report_head_seq, d.report_head_mac


def as_document(d: ChainDigest, public_key: str) -> dict[str, Any]:
    """The digest as outsiders keep it (the downloadable JSON)."""
    document = {"date": d.day.isoformat(), "head_seq": d.head_seq, "head_mac": d.head_mac,
                "signature": d.signature, "public_key": public_key, "algorithm": "Ed25519"}  # fmt: skip
    if report_head_of(d) is not None:
        document |= {"report_head_seq": d.report_head_seq, "report_head_mac": d.report_head_mac}
    return document


def make_digest(
    session: Session, key: Ed25519PrivateKey, *, now: datetime, report_head: Head | None = None
) -> ChainDigest:
    """Sign today's (China Standard Time) chain heads, once a day: a second call the same day returns the
    first. ``report_head`` is the report chain's head (None while it is empty). Commits.

    :raises DrawError: when the draws' chain is still empty."""
    day = now.astimezone(CST).date()
    existing = session.scalar(select(ChainDigest).where(ChainDigest.day == day))
    if existing is not None:
        return existing
    top = chain.head(session)
    if top is None:
        raise DrawError("抽取链尚无记录，无需生成摘要")
    seq, mac = top
    signature = key.sign(statement(day, seq, mac, report_head)).hex()
    digest = ChainDigest(day=day, head_seq=seq, head_mac=mac, report_head_seq=report_head and report_head[0],
                         report_head_mac=report_head and report_head[1], signature=signature,
                         created_at=now)  # fmt: skip
    session.add(digest)
    session.commit()
    return digest


@dataclass(frozen=True)
class DigestCheck:
    ok: bool
    message: str


@dataclass(frozen=True)
class Signed:
    """A kept digest whose signature is ours: the day and the heads it vouches for."""

    day: date
    head: Head
    report_head: Head | None


def read_signed(document: dict[str, Any], public_key: str) -> Signed | DigestCheck:
    """The digest's day and heads if its signature is ours, else the failed check saying why."""
    try:
        day, seq, mac = (
            date.fromisoformat(document["date"]),
            int(document["head_seq"]),
            str(document["head_mac"]),
        )
        report_head = None
        if document.get("report_head_seq") is not None:
            report_head = (int(document["report_head_seq"]), str(document["report_head_mac"]))
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key))
        key.verify(bytes.fromhex(document["signature"]), statement(day, seq, mac, report_head))
    except (KeyError, TypeError, ValueError, AttributeError):
        return DigestCheck(False, "摘要文件格式不正确")
    except InvalidSignature:
        return DigestCheck(False, "摘要的签名无效：不是本系统签发的摘要，或摘要被修改")
    return Signed(day, (seq, mac), report_head)


def check_against(session: Session, document: dict[str, Any], public_key: str) -> DigestCheck:
    """A digest kept earlier: its signature must be ours, and the draws' chain entry at its position must still
    have its MAC (else the chain was rewritten since)."""
    signed = read_signed(document, public_key)
    if isinstance(signed, DigestCheck):
        return signed
    day, (seq, mac) = signed.day, signed.head
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
