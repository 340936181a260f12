"""The review report (Decree 37 Art. 13): the leader's draft with numbered required changes, each expert's
signature in his own account (with a recorded reservation, 保留意见, if he has one), finalisation only when
unanimous and no refusal stands unanswered, corrections as new linked versions, the verification code, and
the signing deadline's credit event (DOMAIN 6). Each signature is the expert's Ed25519 signature (``signing``);
a final report's hash is keyed and chained (``report_chain``); what it covers and how it is checked is in
``verification``. Refusals themselves are in ``dissent``."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from expert_pool.conflicts.models import record_sittings
from expert_pool.credit import ledger
from expert_pool.credit.rules import EventKind
from expert_pool.errors import ReviewError
from expert_pool.experts.models import Expert
from expert_pool.policy import pool_policy
from expert_pool.reviews import report_chain, signing
from expert_pool.reviews.meetings import active_draft, current_report, present_ids
from expert_pool.reviews.models import Conclusion, ReportSignature, RequiredChange, Review, ReviewReport
from expert_pool.reviews.rules import check_changes, check_panel_size, sign_deadline, unsigned
from expert_pool.reviews.verification import CODE_ALPHABET as CODE_ALPHABET
from expert_pool.reviews.verification import CODE_LENGTH as CODE_LENGTH
from expert_pool.reviews.verification import CodeVerification as CodeVerification
from expert_pool.reviews.verification import body_hash, signature_payload
from expert_pool.reviews.verification import content_hash as content_hash
from expert_pool.reviews.verification import normalise_code as normalise_code
from expert_pool.reviews.verification import report_content as report_content
from expert_pool.reviews.verification import verify_code as verify_code
from knowledge import audit, outbox
from knowledge.clock import CST
from knowledge.errors import DuplicateError, NotFoundError, PermissionDenied, ValidationError
from knowledge.registry.services import move
from knowledge.registry.workflow import WorkStatus
from search_index.documents import make_doc_id

SUMMARY_MAX = 4000
REASON_MAX = 500
AFTER_CONCLUSION = {
    Conclusion.PASS: WorkStatus.PASSED,
    Conclusion.PASS_AFTER_REVISION: WorkStatus.PASSED_AFTER_REVISION,
    Conclusion.FAIL: WorkStatus.FAILED,
}


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def get_report(session: Session, review: Review, report_id: int) -> ReviewReport:
    report = session.get(ReviewReport, report_id)
    if report is None or report.review_id != review.id:
        raise NotFoundError("论证报告不存在")
    return report


def required_size(review: Review) -> int:
    """The panel size the draw was made for (the policy at the time, recorded with the draw)."""
    return int(review.draw.policy["panel"]["panel_size"])


def _check_leader(review: Review, expert_id: int) -> None:
    if review.leader_expert_id != expert_id:
        raise PermissionDenied("只有专家组组长可以起草或更正论证报告")


def _new_version(
    session: Session, review: Review, expert_id: int, conclusion: Conclusion, summary: str,
    changes: list[tuple[str, list[int]]], now: datetime, *, supersedes: ReviewReport | None, reason: str = "",
) -> ReviewReport:  # fmt: skip
    problem = check_changes(conclusion, [text for text, _ in changes])
    if problem:
        raise ValidationError(problem, field="changes")
    if len(summary) > SUMMARY_MAX:
        raise ValidationError(f"论证结论说明不超过{SUMMARY_MAX}字", field="summary")
    with_opinion = {o.expert_id for o in review.opinions}
    for number, (_, sources) in enumerate(changes, start=1):
        if not sources:
            raise ValidationError(f"第{number}条修改意见须注明来自哪位专家的意见", field="changes")
        if set(sources) - with_opinion:
            raise ValidationError(f"第{number}条修改意见所注明的专家意见不存在", field="changes")
    draft = active_draft(review)
    if draft is not None:
        draft.withdrawn_at = now  # an unsigned draft is replaced; signatures on it no longer count
        audit.record(session, actor_id=None, action="review_draft_withdrawn", obj=("review_report", draft.id))
    number = (session.scalar(select(func.max(ReviewReport.version)).where(ReviewReport.review_id == review.id))
              or 0) + 1  # fmt: skip
    report = ReviewReport(review_id=review.id, version=number, conclusion=conclusion, summary=summary.strip(),
                          drafted_by=expert_id, drafted_at=now, verify_code=new_code(),
                          supersedes_id=supersedes.id if supersedes else None, correction_reason=reason)  # fmt: skip
    session.add(report)
    session.flush()
    session.add_all(
        RequiredChange(report_id=report.id, number=i, text=text.strip(), source_expert_ids=sorted(set(src)))
        for i, (text, src) in enumerate(changes, start=1)
    )
    audit.record(session, actor_id=None, action="review_draft", obj=("review_report", report.id),
                 after={"review": review.id, "version": number, "conclusion": conclusion.value,
                        "changes": len(changes), "supersedes": report.supersedes_id})  # fmt: skip
    session.commit()
    session.refresh(review)
    return report


def draft_report(
    session: Session, review: Review, expert_id: int, *, conclusion: Conclusion, summary: str,
    changes: list[tuple[str, list[int]]], now: datetime,
) -> ReviewReport:  # fmt: skip
    """The leader drafts the conclusion once every present expert has given his own opinion."""
    _check_leader(review, expert_id)
    if current_report(review) is not None:
        raise ReviewError("论证报告已签署生效，不能修改；如需更正，请发起更正版本")
    present = present_ids(session, review)
    problem = check_panel_size(len(present), required_size(review))
    if problem:
        raise ReviewError(problem)
    missing = [i for i in present if i not in {o.expert_id for o in review.opinions}]
    if missing:
        raise ReviewError("尚有专家未提交个人意见：" + "、".join(_names(session, missing)))
    return _new_version(session, review, expert_id, conclusion, summary, changes, now, supersedes=None)


def correct_report(
    session: Session, review: Review, expert_id: int, *, reason: str, summary: str,
    changes: list[tuple[str, list[int]]], now: datetime,
) -> ReviewReport:  # fmt: skip
    """A signed report is never edited: a correction is a new version, linked, with its reason, and is
    signed again by the whole panel. The conclusion itself cannot change (that is a new review, Art. 16)."""
    _check_leader(review, expert_id)
    report = current_report(review)
    if report is None:
        raise ReviewError("论证报告尚未签署生效，请直接修改草稿")
    reason = reason.strip()
    if not reason or len(reason) > REASON_MAX:
        raise ValidationError(f"请说明更正原因（不超过{REASON_MAX}字）", field="reason")
    return _new_version(session, review, expert_id, report.conclusion, summary, changes, now,
                        supersedes=report, reason=reason)  # fmt: skip


def check_reason(raw: str, *, what: str, field: str) -> str:
    """A reservation, a refusal or the office's answer: a reason, within length."""
    reason = raw.strip()
    if not reason or len(reason) > REASON_MAX:
        raise ValidationError(f"请填写{what}（不超过{REASON_MAX}字）", field=field)
    return reason


def check_reservation(raw: str | None) -> str:
    """``None``: he signs without one; a reservation (保留意见) has its reason."""
    return "" if raw is None else check_reason(raw, what="保留意见的理由", field="reservation")


def check_signable(session: Session, review: Review, report: ReviewReport, expert_id: int) -> None:
    """Who may sign this version now. A refusing expert has not signed: once the office has answered his
    refusal he may sign (with or without a reservation); before that he cannot (the refusal stands)."""
    if expert_id not in present_ids(session, review):
        raise PermissionDenied("只有出席论证会的本组专家可以签署论证报告")
    if report.finalised_at is not None:
        raise DuplicateError("该论证报告已全体签署定稿，不能再签署")
    if report.withdrawn_at is not None:
        raise ReviewError("该稿已被组长撤回，请签署最新的草稿")
    if any(s.expert_id == expert_id for s in report.signatures):
        raise DuplicateError("您已签署该论证报告")
    if any(r.expert_id == expert_id for r in report.open_refusals):
        raise ReviewError("您已拒签该稿，抽取办公室答复后方可签署；组长也可以重新起草")


def signing_preview(
    session: Session, review: Review, report: ReviewReport, expert_id: int, *, reservation: str | None
) -> list[str]:
    """What signing will do, said before it is done (the confirmation step); raises what signing would."""
    check_signable(session, review, report, expert_id)
    reserved = check_reservation(reservation)
    rest = [i for i in unsigned(present_ids(session, review), [s.expert_id for s in report.signatures])
            if i != expert_id]  # fmt: skip
    lines = [f"您将以本人账号签署第{report.version}版论证报告：结论“{report.conclusion.label}”，"
             f"修改意见{len(report.changes)}条。签署即表示您同意本报告的结论和修改意见。"]  # fmt: skip
    if rest:
        lines.append(f"尚有{len(rest)}名专家未签署；全体专家签署后报告定稿生效并冻结，不能再修改。")
    elif report.open_refusals:
        lines.append("本稿尚有拒签未经抽取办公室答复，答复并由拒签专家签署前不能定稿。")
    else:
        lines.append("您是最后一位签署的专家：签署后报告立即定稿生效并冻结，不能再修改，更正须另出版本。")
    if reserved:
        lines.append(f"您的保留意见将随签名记录，监管部门可见，项目单位看不到：{reserved}")
    lines.append("签署后不能撤回。")
    return lines


def sign_report(
    session: Session, review: Review, report: ReviewReport, expert_id: int, *, now: datetime,
    reservation: str | None = None, actor_id: int | None = None,
) -> bool:  # fmt: skip
    """An expert signs the draft in his own account (``actor_id``, the audit's actor), with a reservation
    (保留意见, its reason required) if he has one; the last signature makes it final, unless a refusal stands
    unanswered. Returns whether final."""
    check_signable(session, review, report, expert_id)  # refused before anything is written, his key too
    reserved = check_reservation(reservation)
    key = signing.key_in_use(session, expert_id, now=now)  # his first signature makes (and commits) his key
    # Signatures on one report are serialised (a row lock on PostgreSQL; SQLite writes one at a time), so the
    # last two signing at once cannot each see the other missing and leave an unanimous report unfinalised.
    session.refresh(report, with_for_update=True)
    check_signable(session, review, report, expert_id)
    expert = session.get(Expert, expert_id)
    assert expert is not None
    # One transaction for the signature and its audit row, the row written once the unique insert succeeded
    # (no savepoint: SQLite's driver commits a savepoint opened outside a transaction when it is released, which
    # stored a parallel signature whose audit row was then rolled back with the rest).
    row = ReportSignature(report_id=report.id, expert_id=expert_id, signer_name=expert.name, signed_at=now,
                          reservation=reserved, key_id=key.id)  # fmt: skip
    # Ed25519 over the keyed hash of what he agrees to, set before the insert (the row is frozen once written).
    row.signature = signing.sign(key, signature_payload(report, body_hash(review, report), row))
    session.add(row)
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise DuplicateError("您已签署该论证报告") from exc
    audit.record(session, actor_id=actor_id, action="review_sign", obj=("review_report", report.id),
                 after={"expert_id": expert_id, "reservation": bool(reserved)})  # fmt: skip
    session.flush()
    session.refresh(report)
    signed = [s.expert_id for s in report.signatures]
    if not unsigned(present_ids(session, review), signed) and not report.open_refusals:
        finalise(session, review, report, now=now)
    session.commit()
    return report.finalised_at is not None


def finalise(session: Session, review: Review, report: ReviewReport, *, now: datetime) -> None:
    """Decree 37 Art. 13: final only when unanimous, by a panel of at least the policy's size."""
    present = present_ids(session, review)
    problem = check_panel_size(len(present), required_size(review))
    if problem:
        raise ReviewError(problem)
    if report.open_refusals:
        raise ReviewError("本稿尚有拒签未经抽取办公室答复，不能定稿")
    missing = unsigned(present, [s.expert_id for s in report.signatures])
    if missing:
        raise ReviewError(
            "全体专家一致同意并签署后方可定稿，尚未签署：" + "、".join(_names(session, missing))
        )
    if report.finalised_at is not None or report.withdrawn_at is not None:
        raise ReviewError("该稿不能定稿")
    first = report.supersedes_id is None
    with session.no_autoflush:  # both columns in one UPDATE: the row is frozen once finalised_at is set
        report.finalised_at = now
        report.content_hash = signing.keyed_hash(report_content(session, review, report))
    session.flush()
    report_chain.append(session, report_chain.Link(report_chain.Kind.FINAL, report.id, report.version,
                                                   report.content_hash, now))  # fmt: skip
    audit.record(session, actor_id=None, action="review_final", obj=("review_report", report.id),
                 after={"review": review.id, "version": report.version, "conclusion": report.conclusion.value,
                        "hash": report.content_hash})  # fmt: skip
    outbox.record(session, make_doc_id("review", review.id))
    if review.held_on is not None:
        record_sittings(session, expert_ids=[s.expert_id for s in report.signatures], work_id=review.work_id,
                        review_id=review.id, report_id=report.id, conclusion=report.conclusion.value,
                        held_on=review.held_on)  # fmt: skip
    if first:
        work = review.work
        label = report.conclusion.label
        move(
            session, work, AFTER_CONCLUSION[report.conclusion], actor_id=None, reason=f"专家论证结论：{label}"
        )
        if report.conclusion is Conclusion.PASS:
            move(session, work, WorkStatus.IN_FORCE, actor_id=None, reason="论证通过，方案生效")
    session.flush()


def _names(session: Session, ids: list[int]) -> list[str]:
    names: dict[int, str] = {
        i: n for i, n in session.execute(select(Expert.id, Expert.name).where(Expert.id.in_(ids)))
    }
    return [names.get(i, str(i)) for i in ids]


# -- the signing deadline --------------------------------------------------------------------------------


def flag_late_signatures(session: Session, *, now: datetime) -> int:
    """The job (DOMAIN 6): every present expert who has not signed the report by the policy deadline after
    the meeting gets the credit event once. Returns how many events were recorded."""
    days = pool_policy(session).report_sign_days
    today = now.astimezone(CST).date()
    final = exists().where(ReviewReport.review_id == Review.id, ReviewReport.finalised_at.is_not(None))
    late = session.scalars(
        select(Review).where(
            Review.held_on.is_not(None), Review.held_on < today - timedelta(days=days), ~final
        )
    ).all()
    count = 0
    for review in late:
        assert review.held_on is not None
        draft = active_draft(review)
        signed = [s.expert_id for s in draft.signatures] if draft else []
        # A refusal with its reason, awaiting the office's answer, is not neglect (it is not signed on purpose).
        signed += [r.expert_id for r in draft.open_refusals] if draft else []
        due = sign_deadline(review.held_on, days=days)
        for expert_id in unsigned(present_ids(session, review), signed):
            row = ledger.record(session, expert_id, EventKind.LATE_REPORT, day=today, actor_id=None,
                                reason=f"未在{due.isoformat()}前签署论证报告（论证记录 {review.id}）",
                                source=f"review:{review.id}:late_report:{expert_id}")  # fmt: skip
            count += row is not None
    session.commit()
    return count
