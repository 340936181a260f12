"""The keyed chain of final reports (issue 18 item 5), as the draws' panel changes are chained.

Each report that becomes final (a first version or a correction) appends an entry in its finalisation's
transaction: its position, the report and version, the report's keyed hash and an HMAC under REPORT_KEY over
all that and the previous entry's MAC. Deleting, inserting or editing an entry, or a report behind the
services' back, breaks the chain where it happened; without the key nobody can re-link it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, cast

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Table, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from expert_pool.draws import digest
from expert_pool.draws.models import ChainDigest
from expert_pool.errors import ReviewError
from expert_pool.reviews.signing import REPORT_KEY
from expert_pool.reviews.signing_models import ReportChainEntry
from knowledge import keyed_chain

ATTEMPTS = 5  # a parallel finalisation that took the same position is retried from the new head
ENTRY = cast(Table, ReportChainEntry.__table__)


class Kind(StrEnum):
    FINAL = "final"  # finalised with every expert's Ed25519 signature
    LEGACY = "legacy"  # finalised before signatures began: its content as found when the chain began (0018)


@dataclass(frozen=True)
class Link:
    """A report to chain: its keyed hash, and the moment it became final."""

    kind: Kind
    report_id: int
    version: int
    report_mac: str
    at: datetime


def entry_mac(key: bytes, row: Mapping[str, Any]) -> str:
    body = {k: row[k] for k in ("seq", "kind", "report_id", "version", "report_mac")}
    body["at"] = keyed_chain.utc_text(row["at"])
    return keyed_chain.link(key, row["prev_mac"], body)


def head(session: Session) -> tuple[int, str] | None:
    last = session.execute(
        select(ReportChainEntry.seq, ReportChainEntry.mac).order_by(ReportChainEntry.seq.desc()).limit(1)
    ).first()
    return (last.seq, last.mac) if last else None


def rows(links: Iterable[Link], after: tuple[int, str] | None) -> list[dict[str, Any]]:
    """The entries for ``links`` after the head ``after``, MACs computed (the seed inserts these in bulk)."""
    key = REPORT_KEY.get()
    seq, prev = after or (0, keyed_chain.GENESIS_MAC)
    made: list[dict[str, Any]] = []
    for link in links:
        seq += 1
        row = {"seq": seq, "kind": link.kind.value, "report_id": link.report_id, "version": link.version,
               "report_mac": link.report_mac, "at": link.at, "prev_mac": prev}  # fmt: skip
        row["mac"] = prev = entry_mac(key, row)
        made.append(row)
    return made


def append(session: Session, link: Link) -> None:
    """Append in the caller's transaction (in a savepoint: a parallel finalisation that took the position
    first makes this one re-read the head and try the next)."""
    for _ in range(ATTEMPTS):
        try:
            with session.begin_nested():
                session.execute(insert(ENTRY), rows([link], head(session)))
            return
        except IntegrityError:
            continue
    raise ReviewError("同时定稿的论证报告过多，请稍后重试")


@dataclass(frozen=True)
class Place:
    """Where a report stands in the chain, and whether its entry and both links around it hold."""

    seq: int | None
    kind: Kind | None
    report_mac: str | None
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.seq is not None and not self.problems


def _genuine(entry: ReportChainEntry) -> bool:
    row = {
        c: getattr(entry, c) for c in ("seq", "kind", "report_id", "version", "report_mac", "at", "prev_mac")
    }
    return keyed_chain.same(entry_mac(REPORT_KEY.get(), row), entry.mac)


def place_of(session: Session, report_id: int) -> Place:
    """The report's entry, checked with its neighbours (the whole chain is ``verify_links``'s job)."""
    found = list(session.scalars(select(ReportChainEntry).where(ReportChainEntry.report_id == report_id)))
    if len(found) != 1:
        said = "报告不在报告链上（链记录被删除，或报告在链外被插入）" if not found else "报告在链上出现多次"
        return Place(None, None, None, (said,))
    entry, problems = found[0], []
    if not _genuine(entry) or entry.kind not in tuple(Kind):
        problems.append(f"报告链第{entry.seq}条与其密钥签名不符（链记录被修改或伪造）")
    near = {e.seq: e for e in session.scalars(
        select(ReportChainEntry).where(ReportChainEntry.seq.in_([entry.seq - 1, entry.seq + 1]))
    )}  # fmt: skip
    before = near.get(entry.seq - 1)
    expected_prev = before.mac if before else (keyed_chain.GENESIS_MAC if entry.seq == 1 else None)
    if not keyed_chain.same(entry.prev_mac, expected_prev):
        problems.append(f"报告链第{entry.seq}条与前一条不衔接（链记录被删除或修改）")
    after = near.get(entry.seq + 1)
    top = head(session)
    if (after is None and top is not None and top[0] > entry.seq) or (
        after is not None and not keyed_chain.same(entry.mac, after.prev_mac)
    ):
        problems.append(f"报告链第{entry.seq}条与后一条不衔接（链记录被删除或修改）")
    kind = Kind(entry.kind) if entry.kind in tuple(Kind) else None
    return Place(entry.seq, kind, entry.report_mac, tuple(problems))


def verify_links(entries: Sequence[ReportChainEntry]) -> list[str]:
    """Every MAC recomputed in order, every link and position checked. Returns the problems."""
    problems: list[str] = []
    prev, expected = keyed_chain.GENESIS_MAC, 1
    seen: set[int] = set()
    for e in entries:
        if e.seq != expected:
            problems.append(f"报告链第{expected}条至第{e.seq - 1}条缺失（被删除）")
        if not keyed_chain.same(prev, e.prev_mac):
            problems.append(f"报告链第{e.seq}条与前一条不衔接（链记录被删除、插入或修改）")
        if not _genuine(e) or e.kind not in tuple(Kind):
            problems.append(f"报告链第{e.seq}条与其密钥签名不符（链记录被修改或伪造）")
        if e.report_id in seen:
            problems.append(f"报告链第{e.seq}条重复记录报告 {e.report_id}")
        seen.add(e.report_id)
        prev, expected = e.mac, e.seq + 1
    return problems


def all_entries(session: Session) -> list[ReportChainEntry]:
    return list(session.scalars(select(ReportChainEntry).order_by(ReportChainEntry.seq)))


def sign_digest(session: Session, key: Ed25519PrivateKey, *, now: datetime) -> ChainDigest:
    """Today's signed digest of both chains' heads, the draws' and this one (``flask draws digest``, the daily
    job). Commits.

    :raises DrawError: when the draws' chain is still empty."""
    return digest.make_digest(session, key, now=now, report_head=head(session))


def check_digest(session: Session, document: dict[str, Any], public_key: str) -> digest.DigestCheck:
    """A digest kept earlier against the report chain: its signature must be ours, and the entry at the report
    head it names must still have its MAC (else the report chain was rewritten, truncated or re-linked)."""
    signed = digest.read_signed(document, public_key)
    if isinstance(signed, digest.DigestCheck):
        return signed
    day = signed.day.isoformat()
    if signed.report_head is None:
        return digest.DigestCheck(False, f"{day}的摘要签发时尚未记入报告链链头，不能据此校验报告链")
    seq, mac = signed.report_head
    entry = session.scalar(select(ReportChainEntry).where(ReportChainEntry.seq == seq))
    if entry is None:
        return digest.DigestCheck(False, f"{day}的摘要记下报告链第{seq}条，现已不存在：报告链被截断或改写")
    if not keyed_chain.same(mac, entry.mac):
        return digest.DigestCheck(False, f"报告链第{seq}条与{day}的摘要不符：此后报告链被改写")
    return digest.DigestCheck(True, f"报告链第{seq}条与{day}的摘要一致：此前的报告链未被改写")
