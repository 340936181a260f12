"""Dissent from a draft report (Decree 37 Art. 13: the experts sign and answer for it): an expert refuses to
sign with a reason that goes to the draw office, the office answers, and an expert's reservations and
refusals are counted in his integrity figures (Art. 25-27, DOMAIN 6) for regulators."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from expert_pool.draws import notify
from expert_pool.errors import ReviewError
from expert_pool.experts.models import Expert
from expert_pool.experts.scopes import may_read_integrity
from expert_pool.reviews.meetings import access, present_ids
from expert_pool.reviews.models import ReportRefusal, ReportSignature, Review, ReviewReport
from expert_pool.reviews.reports import check_reason
from knowledge import audit
from knowledge.accounts.permissions import Scope
from knowledge.errors import DuplicateError, NotFoundError, PermissionDenied

OFFICE = "draw-office"  # the notification outbox's address of the draw office (as for a failed top-up)


def check_refusable(session: Session, review: Review, report: ReviewReport, expert_id: int) -> None:
    if expert_id not in present_ids(session, review):
        raise PermissionDenied("只有出席论证会的本组专家可以拒签论证报告")
    if report.finalised_at is not None or report.withdrawn_at is not None:
        raise ReviewError("只能拒签正在签署中的草稿")
    if any(s.expert_id == expert_id for s in report.signatures):
        raise ReviewError("您已签署该稿，签署后不能再拒签")
    if any(r.expert_id == expert_id for r in report.refusals):
        raise DuplicateError("您已拒签该稿")


def refusal_preview(
    session: Session, review: Review, report: ReviewReport, expert_id: int, *, reason: str
) -> list[str]:
    """What refusing will do, said before it is done (the confirmation step); raises what refusing would."""
    check_refusable(session, review, report, expert_id)
    reason = check_reason(reason, what="拒签理由", field="reason")
    return [
        f"您将拒签第{report.version}版论证报告（结论“{report.conclusion.label}”），理由：{reason}",
        "拒签及理由送抽取办公室答复，监管部门可见；答复前本稿不能定稿。",
        "抽取办公室答复后，您可以签署本稿（可附保留意见）；组长也可以重新起草，新稿取代本稿。",
        "拒签后不能撤回。",
    ]


def refuse_report(
    session: Session, review: Review, report: ReviewReport, expert_id: int, *, reason: str, now: datetime,
    actor_id: int | None = None,
) -> ReportRefusal:  # fmt: skip
    """He does not sign this version, and says why; the office is told and answers. One refusal per expert
    and version (a database constraint); a new draft by the leader supersedes the refused one."""
    session.refresh(report, with_for_update=True)  # serialised with signatures on the same version
    check_refusable(session, review, report, expert_id)
    reason = check_reason(reason, what="拒签理由", field="reason")
    refusal = ReportRefusal(report_id=report.id, expert_id=expert_id, reason=reason, refused_at=now)
    session.add(refusal)
    try:  # the refusal and its audit row in one transaction (no savepoint: see reports.sign_report)
        session.flush()
    except IntegrityError as exc:  # the same expert twice at the same moment
        session.rollback()
        raise DuplicateError("您已拒签该稿") from exc
    expert = session.get(Expert, expert_id)
    assert expert is not None
    work = review.work
    notify.queue(session, expert_id=None, recipient=OFFICE, subject="论证报告拒签待答复",
                 body=f"{work.project.name}“{work.name}”论证报告第{report.version}版（论证记录 {review.id}）："
                      f"{expert.name}专家拒签，理由：{reason}。请登录系统答复；答复前该稿不能定稿。")  # fmt: skip
    audit.record(session, actor_id=actor_id, action="review_refuse", obj=("review_report", report.id),
                 after={"expert_id": expert_id})  # fmt: skip
    session.commit()
    session.refresh(report)
    return refusal


def get_refusal(session: Session, review: Review, refusal_id: int) -> ReportRefusal:
    refusal = session.get(ReportRefusal, refusal_id)
    if refusal is None or refusal.report.review_id != review.id:
        raise NotFoundError("拒签记录不存在")
    return refusal


def answer_refusal(
    session: Session, review: Review, refusal: ReportRefusal, *, scope: Scope, answer: str, now: datetime
) -> ReportRefusal:
    """The draw office answers a refusal once. The answer finalises nothing: the refusing expert has not
    signed, so the version becomes final only once he signs it too (or the leader drafts a new one)."""
    if not access(session, scope, review).answer_refusals:
        raise PermissionDenied("只有本工程所在地的抽取办公室可以答复拒签")
    answer = check_reason(answer, what="答复意见", field="answer")
    # Answered once, whoever answers at the same moment: the row is claimed while it is still open.
    done = session.execute(
        update(ReportRefusal)
        .where(ReportRefusal.id == refusal.id, ReportRefusal.answered_at.is_(None))
        .values(answer=answer, answered_by=scope.account_id, answered_at=now)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]  # a CursorResult for an UPDATE
        session.rollback()
        raise DuplicateError("该拒签已答复")
    expert = session.get(Expert, refusal.expert_id)
    assert expert is not None
    report = refusal.report
    notify.queue(session, expert_id=expert.id, recipient="", subject="拒签已答复",
                 body=f"{expert.name}专家：您对“{review.work.name}”论证报告第{report.version}版的拒签，"
                      f"抽取办公室答复如下：{answer}。您可以签署该稿（可附保留意见），或由组长重新起草。")  # fmt: skip
    audit.record(session, actor_id=scope.account_id, action="review_refusal_answer",
                 obj=("review_report", report.id), after={"expert_id": expert.id})  # fmt: skip
    session.commit()
    session.refresh(refusal)
    return refusal


def refusals_of(review: Review) -> list[ReportRefusal]:
    """Every refusal on every version of the review, oldest first."""
    return sorted((r for report in review.reports for r in report.refusals), key=lambda r: r.id)


@dataclass(frozen=True)
class Reserved:
    review_id: int
    version: int
    signed_at: datetime


@dataclass(frozen=True)
class Dissent:
    """An expert's integrity figures on dissent: signatures with a reservation, refusals (and still open).
    The texts stay on each review's record, where the reader's scope applies."""

    reservations: int
    refusals: int
    open_refusals: int
    recent: list[Reserved]  # his latest reservations, newest first


def dissent_of(session: Session, expert_id: int, *, scope: Scope, recent: int = 10) -> Dissent:
    """An expert's integrity figures, for the roles that keep credit (``scopes.may_read_integrity``)."""
    if not may_read_integrity(scope):
        raise PermissionDenied("当前账号无权查看专家的诚信记录")
    reserved = (ReportSignature.expert_id == expert_id) & (ReportSignature.reservation != "")
    mine = ReportRefusal.expert_id == expert_id
    still_open = mine & ReportRefusal.answered_at.is_(None)
    rows = session.execute(
        select(ReviewReport.review_id, ReviewReport.version, ReportSignature.signed_at)
        .join(ReviewReport, ReviewReport.id == ReportSignature.report_id)
        .where(reserved)
        .order_by(ReportSignature.id.desc())
        .limit(recent)
    )
    return Dissent(
        reservations=session.scalar(select(func.count()).select_from(ReportSignature).where(reserved)) or 0,
        refusals=session.scalar(select(func.count()).select_from(ReportRefusal).where(mine)) or 0,
        open_refusals=session.scalar(select(func.count()).select_from(ReportRefusal).where(still_open)) or 0,
        recent=[Reserved(*row) for row in rows],
    )
