"""After 修改后通过 (Decree 37 Art. 13): the constructor revises the plan by the report with a point-by-point
response to each required change, the Art. 11 sign-offs are redone, and the panel's leader (or the
office, by **policy** ``office_confirms_revision``) confirms the responses; then the plan is in force."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from expert_pool.errors import ReviewError
from expert_pool.experts.identity import IdentityVault
from expert_pool.policy import pool_policy
from expert_pool.reviews.meetings import current_report
from expert_pool.reviews.models import Conclusion, Review, ReviewReport, Revision, RevisionResponse
from expert_pool.reviews.rules import RESPONSE_MAX, unanswered
from knowledge import audit
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.errors import NotFoundError, PermissionDenied, ValidationError
from knowledge.plans.extraction import DEFAULT_LIMITS, ExtractionLimits
from knowledge.plans.models import PlanVersion
from knowledge.plans.services import PlanUpload, latest_version, submit_version
from knowledge.registry.models import Work
from knowledge.registry.services import move
from knowledge.registry.workflow import WorkStatus

# While a revision is under way the work moves through these statuses (submitted → signed → confirmed).
REVISING = (WorkStatus.PASSED_AFTER_REVISION, WorkStatus.PLAN_DRAFTED, WorkStatus.CONSTRUCTOR_SIGNED,
            WorkStatus.SUPERVISOR_SIGNED)  # fmt: skip


def latest_review(session: Session, work_id: int) -> Review | None:
    return session.scalar(select(Review).where(Review.work_id == work_id).order_by(Review.id.desc()).limit(1))


def report_to_answer(session: Session, work: Work) -> ReviewReport | None:
    """The final 修改后通过 report the work is being revised by, while the revision loop is open."""
    if work.status not in REVISING:
        return None
    review = latest_review(session, work.id)
    report = current_report(review) if review else None
    if report is None or report.conclusion is not Conclusion.PASS_AFTER_REVISION:
        return None
    confirmed = session.scalar(
        select(Revision.id).where(Revision.report_id == report.id, Revision.confirmed_at.is_not(None))
    )
    return None if confirmed else report


def submit_revision(
    session: Session, work: Work, upload: PlanUpload, responses: Mapping[int, str], *, scope: Scope,
    upload_dir: str | Path, max_bytes: int, vault: IdentityVault, limits: ExtractionLimits = DEFAULT_LIMITS,
) -> Revision:  # fmt: skip
    """A revised version with a response to every required change (by number); nothing is stored if one is
    missing. The version then goes through the sign-offs again. Its authors come with ``upload`` (hashed with
    ``vault``, the pool's key), as for any version."""
    report = report_to_answer(session, work)
    if report is None:
        raise ReviewError("该工程当前没有需要按论证报告修改回复的方案")
    missing = unanswered([c.number for c in report.changes], responses)
    if missing:
        raise ValidationError(
            "请逐条回复修改意见，尚未回复：第" + "、".join(map(str, missing)) + "条", field="responses"
        )
    if any(len(responses[c.number]) > RESPONSE_MAX for c in report.changes):
        raise ValidationError(f"每条回复不超过{RESPONSE_MAX}字", field="responses")
    made: list[Revision] = []

    def add_responses(version: PlanVersion) -> None:
        revision = Revision(report_id=report.id, plan_version_id=version.id, submitted_by=scope.account_id)
        session.add(revision)
        session.flush()
        session.add_all(RevisionResponse(revision_id=revision.id, change_id=c.id, text=responses[c.number].strip())
                        for c in report.changes)  # fmt: skip
        audit.record(session, actor_id=scope.account_id, action="revision_submit", obj=("review_report", report.id),
                     after={"plan_version": version.id, "responses": len(report.changes)})  # fmt: skip
        made.append(revision)

    submit_version(session, work, upload, scope=scope, upload_dir=upload_dir, max_bytes=max_bytes, vault=vault,
                   with_version=add_responses, limits=limits)  # fmt: skip
    return made[0]


def revision_of_version(session: Session, version_id: int) -> Revision | None:
    return session.scalar(select(Revision).where(Revision.plan_version_id == version_id))


def pending_revision(session: Session, work: Work) -> Revision | None:
    """The revision waiting for confirmation: its version is the latest, fully signed, and not confirmed."""
    if work.status is not WorkStatus.SUPERVISOR_SIGNED:
        return None
    version = latest_version(session, work.id)
    revision = revision_of_version(session, version.id) if version else None
    if revision is None or revision.confirmed_at is not None:
        return None
    return revision


def revision_of_review(session: Session, review: Review) -> Revision | None:
    """The latest revised version answering a report of this review (pending, unsigned or confirmed)."""
    return session.scalar(
        select(Revision).join(ReviewReport, ReviewReport.id == Revision.report_id)
        .where(ReviewReport.review_id == review.id).order_by(Revision.id.desc()).limit(1)
    )  # fmt: skip


def is_pending(session: Session, revision: Revision) -> bool:
    """Whether this revision is the one waiting for confirmation now (signed, latest, not confirmed)."""
    pending = pending_revision(session, revision.plan_version.work)
    return pending is not None and pending.id == revision.id


def may_confirm(session: Session, scope: Scope, revision: Revision) -> bool:
    review = revision.report.review
    if pool_policy(session).office_confirms_revision:
        return scope.role is Role.DRAW_OFFICE and (scope.city is None or scope.city == review.work.city)
    return scope.role is Role.EXPERT and scope.expert_id == review.leader_expert_id


def check_confirmable(session: Session, scope: Scope, revision: Revision) -> None:
    """Raise unless ``revision`` waits for confirmation now and ``scope`` is the one who confirms it."""
    if not is_pending(session, revision):
        raise ReviewError("没有待确认的修改回复（修改后的方案须先完成施工单位和总监签字）")
    if not may_confirm(session, scope, revision):
        who = "抽取办公室" if pool_policy(session).office_confirms_revision else "专家组组长"
        raise PermissionDenied(f"修改回复由{who}确认")


def confirm_revision(session: Session, work: Work, *, scope: Scope, now: datetime) -> Revision:
    """The leader (or the office) confirms the responses of the signed revised version: the plan is in force."""
    revision = pending_revision(session, work)
    if revision is None:
        raise ReviewError("没有待确认的修改回复（修改后的方案须先完成施工单位和总监签字）")
    check_confirmable(session, scope, revision)
    revision.confirmed_by, revision.confirmed_at = scope.account_id, now
    audit.record(session, actor_id=scope.account_id, action="revision_confirm", obj=("review_report",
                 revision.report_id), after={"plan_version": revision.plan_version_id})  # fmt: skip
    move(session, work, WorkStatus.IN_FORCE, actor_id=scope.account_id,
         reason=f"专家组确认第{revision.plan_version.number}版方案已按论证意见修改")  # fmt: skip
    session.commit()
    return revision


def get_revision(session: Session, revision_id: int) -> Revision:
    revision = session.get(Revision, revision_id)
    if revision is None:
        raise NotFoundError("修改回复不存在")
    return revision
