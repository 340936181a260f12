"""What a final report states and how anyone checks it (issue 18 item 5): the content its keyed hash covers,
what each expert signs, and the verdict of the public verification page, `flask reports verify` and the API.

A report is genuine only if its content still gives the keyed hash stored with it and chained at its
finalisation, its chain entry and both links around it hold, and every expert's Ed25519 signature checks out
over the content he agreed to. Reports finalised before signatures began (``legacy``, migration 0018) carry no
signatures: their content was sealed in the chain as found when the chain began, and the page says so.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from expert_pool.reviews import report_chain, signing
from expert_pool.reviews.meetings import current_report, present_ids
from expert_pool.reviews.models import ReportSignature, Review, ReviewReport
from expert_pool.reviews.signing_models import ReportChainEntry
from knowledge import keyed_chain
from knowledge.errors import NotFoundError, ValidationError

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed from paper
CODE_LENGTH = 12
CODE_PATTERN = re.compile(f"[{CODE_ALPHABET}]{{{CODE_LENGTH}}}")


def _utc(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment else None


def report_content(session: Session, review: Review, report: ReviewReport) -> dict[str, Any]:
    """Everything the final report states, as the hash covers it (what the PDF prints comes from here too)."""
    version = review.plan_version
    present = set(present_ids(session, review))
    return {
        "review": review.id, "work": review.work_id, "plan_version": version.id, "plan_number": version.number,
        "plan_sha256": version.sha256, "meeting_day": review.meeting_day.isoformat(),
        "held_on": review.held_on.isoformat() if review.held_on else None, "place": review.place,
        "attendees": review.attendees, "absent": review.absent_expert_ids, "leader": review.leader_expert_id,
        "report": report.id, "version": report.version, "conclusion": report.conclusion.value,
        "summary": report.summary, "supersedes": report.supersedes_id, "reason": report.correction_reason,
        "code": report.verify_code, "finalised_at": _utc(report.finalised_at),
        "changes": [{"n": c.number, "text": c.text, "from": c.source_expert_ids} for c in report.changes],
        "signatures": sorted(_signed(s) for s in report.signatures),
        "opinions": [{"expert": o.expert_id, "proposed": o.proposed.value, "checks": o.checks,
                      "findings": o.findings, "at": _utc(o.submitted_at)}
                     for o in review.opinions if o.expert_id in present],
    }  # fmt: skip


def _signed(s: ReportSignature) -> list[Any]:
    # A reservation is signed content; a signature without one hashes as before reservations existed, so the
    # reports finalised earlier still verify.
    return [s.expert_id, s.signer_name, _utc(s.signed_at), *([s.reservation] if s.reservation else [])]


def content_hash(content: Mapping[str, Any]) -> str:
    """The unkeyed SHA-256 reports carried before migration 0018 (anyone can recompute it: never proof)."""
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def signed_body(
    *, review: int, work: int, plan_version: int, plan_sha256: str, report: int, version: int, conclusion: str,
    summary: str, supersedes: int | None, reason: str, code: str, changes: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:  # fmt: skip
    """What an expert agrees to when he signs a draft: the report itself (its meeting record may still gain a
    confirmed absence while it is signed; the final hash covers that)."""
    return {"review": review, "work": work, "plan_version": plan_version, "plan_sha256": plan_sha256,
            "report": report, "version": version, "conclusion": conclusion, "summary": summary,
            "supersedes": supersedes, "reason": reason, "code": code, "changes": list(changes)}  # fmt: skip


def body_hash(review: Review, report: ReviewReport) -> str:
    """The keyed hash of ``signed_body`` for a stored report."""
    version = review.plan_version
    return signing.keyed_hash(signed_body(
        review=review.id, work=review.work_id, plan_version=version.id, plan_sha256=version.sha256,
        report=report.id, version=report.version, conclusion=report.conclusion.value, summary=report.summary,
        supersedes=report.supersedes_id, reason=report.correction_reason, code=report.verify_code,
        changes=[{"n": c.number, "text": c.text, "from": c.source_expert_ids} for c in report.changes],
    ))  # fmt: skip


def signature_payload(report: ReviewReport, body: str, s: ReportSignature) -> bytes:
    return signing.payload(report_id=report.id, version=report.version, body_hash=body, expert_id=s.expert_id,
                           signed_at=s.signed_at, reservation=s.reservation, key_id=s.key_id or 0)  # fmt: skip


# -- checking a report ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignatureCheck:
    expert_id: int
    name: str
    signed_at: datetime
    reserved: bool
    valid: bool | None  # None: signed before electronic signatures began (a legacy report)

    @property
    def label(self) -> str:
        return {True: "签名有效", False: "签名无效", None: "未含电子签名"}[self.valid]

    @property
    def masked_name(self) -> str:
        """What the public page shows: the surname, the rest masked (the paper report names him in full)."""
        return self.name[:1] + "**"  # never the length of the given name either


@dataclass(frozen=True)
class ReportCheck:
    """A final report's keyed hash, its place in the chain and each signature, checked."""

    hash_ok: bool
    place: report_chain.Place
    signatures: tuple[SignatureCheck, ...]

    @property
    def legacy(self) -> bool:
        return self.place.kind is report_chain.Kind.LEGACY

    @property
    def genuine(self) -> bool:
        return self.hash_ok and self.place.ok and all(s.valid is not False for s in self.signatures)

    @property
    def problems(self) -> list[str]:
        said = [] if self.hash_ok else ["报告内容与定稿时以密钥计算的内容摘要不一致（报告被改写）"]
        said += list(self.place.problems)
        said += [f"{s.name}的电子签名无效" for s in self.signatures if s.valid is False]
        return said


def check_report(session: Session, review: Review, report: ReviewReport) -> ReportCheck:
    content = report_content(session, review, report)
    keyed = signing.keyed_hash(content)
    place = report_chain.place_of(session, report.id)
    legacy = place.kind is report_chain.Kind.LEGACY
    # A legacy row keeps the unkeyed hash it was finalised with; its keyed hash is in its chain entry.
    stored = content_hash(content) if legacy else keyed
    hash_ok = keyed_chain.same(stored, report.content_hash) and (
        place.report_mac is None or keyed_chain.same(keyed, place.report_mac)
    )
    body = body_hash(review, report)
    checks = []
    for s in report.signatures:
        if legacy and s.signature is None:
            valid: bool | None = None
        else:
            valid = signing.is_valid(s.key, s.expert_id, signature_payload(report, body, s), s.signature)
        checks.append(SignatureCheck(s.expert_id, s.signer_name, s.signed_at, bool(s.reservation), valid))
    return ReportCheck(hash_ok, place, tuple(checks))


@dataclass(frozen=True)
class CodeVerification:
    """What the public verification page says about a code."""

    state: str  # "current" | "superseded" | "draft" | "altered"
    report: ReviewReport
    replaced_by: ReviewReport | None = None
    check: ReportCheck | None = None  # None for a draft

    @property
    def genuine(self) -> bool:
        return self.state in ("current", "superseded")

    @property
    def message(self) -> str:
        """What the public is told about the code (the page and the API say the same)."""
        if self.state == "current":
            return "真实有效且为现行版本"
        if self.state == "superseded":
            newer = self.replaced_by
            return f"真实但已被第{newer.version}版取代" if newer else "真实但已被更正版本取代"
        if self.state == "draft":
            return "草稿未生效"
        return "内容与签署时不一致（可能被篡改）"


def normalise_code(raw: str) -> str:
    """:raises ValidationError: for a code that cannot be one of ours (wrong length or characters)."""
    code = raw.strip().upper().replace("-", "").replace(" ", "")
    if not CODE_PATTERN.fullmatch(code):
        raise ValidationError(
            f"验证码格式不正确：应为{CODE_LENGTH}位字母或数字（不含0、O、1、I）", field="code"
        )
    return code


def verify_code(session: Session, raw: str) -> CodeVerification:
    """:raises ValidationError: malformed code; :raises NotFoundError: no report has this code."""
    code = normalise_code(raw)
    report = session.scalar(select(ReviewReport).where(ReviewReport.verify_code == code))
    if report is None:
        raise NotFoundError(
            "未找到该验证码对应的论证报告，请核对验证码；如仍无法查到，该文件不是本系统出具的"
        )
    if report.finalised_at is None:
        return CodeVerification("draft", report)
    review = report.review
    check = check_report(session, review, report)
    if not check.genuine:
        return CodeVerification("altered", report, check=check)
    newer = session.scalar(
        select(ReviewReport)
        .where(ReviewReport.supersedes_id == report.id, ReviewReport.finalised_at.is_not(None))
        .limit(1)
    )
    if newer is not None:
        return CodeVerification("superseded", report, current_report(review), check=check)
    return CodeVerification("current", report, check=check)


def verify_all(session: Session) -> tuple[int, list[str]]:
    """The whole report chain replayed, and every final report checked against it (hash, place, signatures).
    Returns how many reports were checked and the problems, each saying what and where."""
    entries = report_chain.all_entries(session)
    problems = report_chain.verify_links(entries)
    chained = {e.report_id for e in entries}
    reports = list(session.scalars(select(ReviewReport).where(ReviewReport.finalised_at.is_not(None))
                                   .order_by(ReviewReport.id)))  # fmt: skip
    for report in reports:
        check = check_report(session, report.review, report)
        problems += [f"论证报告 {report.id}（验证码 {report.verify_code}）：{p}" for p in check.problems]
    for gone in sorted(chained - {r.id for r in reports}):
        problems.append(f"链上的论证报告 {gone} 在表中不存在或未定稿（被删除或改写）")
    return len(reports), problems


def adopt_legacy(session: Session) -> int:
    """Migration 0018: every report final before the chain began, not on it yet, enters it as ``legacy`` in the
    order it became final, its keyed hash taken of its content as it stands (it is never signed with new keys:
    its signatures stay without one). Returns the entries appended; the caller commits."""
    chained = set(session.scalars(select(ReportChainEntry.report_id)))
    reports = session.scalars(select(ReviewReport).where(ReviewReport.finalised_at.is_not(None))
                              .order_by(ReviewReport.finalised_at, ReviewReport.id))  # fmt: skip
    links = []
    for r in reports:
        if r.id not in chained and r.finalised_at is not None:
            mac = signing.keyed_hash(report_content(session, r.review, r))
            links.append(report_chain.Link(report_chain.Kind.LEGACY, r.id, r.version, mac, r.finalised_at))
    if links:
        session.execute(insert(report_chain.ENTRY), report_chain.rows(links, report_chain.head(session)))
    return len(links)
