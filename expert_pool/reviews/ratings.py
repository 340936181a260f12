"""Regulators rate a concluded review's report (issue 22 item 4, DOMAIN 6): 优秀 earns each signing expert the
policy's bonus, 不认真 costs each the penalty the regulator chooses within the policy's range, 合格 changes
nothing. Once per review (a unique constraint); the experts see "监管人员", never who rated."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from expert_pool.credit import ledger
from expert_pool.credit import rules as credit
from expert_pool.errors import ReviewError
from expert_pool.experts.scopes import CREDIT_ROLES
from expert_pool.reviews.meetings import current_report, get_review
from expert_pool.reviews.models import Review
from expert_pool.reviews.rating_models import Grade, ReviewRating
from knowledge import audit
from knowledge.accounts.permissions import Scope, can_view_project
from knowledge.errors import DuplicateError, PermissionDenied, ValidationError

EVENTS = {
    Grade.EXCELLENT: credit.EventKind.EXCELLENT_REVIEW,
    Grade.CARELESS: credit.EventKind.CARELESS_REVIEW,
}
MAX_NOTE = 1000


def may_rate(scope: Scope, review: Review) -> bool:
    """A regulator (or the admin) whose city holds the project (a provincial one, any)."""
    project = review.work.project
    return scope.role in CREDIT_ROLES and can_view_project(scope, project.city, ())


def rating_of(session: Session, review_id: int) -> ReviewRating | None:
    return session.scalar(select(ReviewRating).where(ReviewRating.review_id == review_id))


def rate_review(
    session: Session,
    scope: Scope,
    review_id: int,
    grade: Grade,
    *,
    note: str,
    points: int | None,
    today: date,
) -> ReviewRating:
    """Rate the report in force and record each signing expert's credit event (one use case, one commit).

    :raises PermissionDenied: for anyone but a regulator of the project's city or the province.
    :raises ReviewError: while no report is in force.
    :raises ValidationError: a careless rating without a penalty within the policy's range, or without reasons.
    :raises DuplicateError: when the review is rated already.
    """
    review = get_review(session, review_id)
    if not may_rate(scope, review):
        raise PermissionDenied("只有项目所在城市或省级的监管人员可以评价论证报告")
    report = current_report(review)
    if report is None:
        raise ReviewError("论证报告尚未生效（签署完成后才能评价）")
    kind = EVENTS.get(grade)
    if grade is not Grade.ADEQUATE and not note.strip():
        raise ValidationError("评为优秀或不认真时请写明理由", field="note")
    if kind is credit.EventKind.CARELESS_REVIEW:
        credit.points_for(
            kind, ledger.credit_policy(session), points
        )  # the range check, before anything is written
    if rating_of(session, review.id) is not None:
        raise DuplicateError("该论证报告已评价，每次论证只评价一次")
    rating = ReviewRating(review_id=review.id, report_id=report.id, grade=grade, note=note.strip()[:MAX_NOTE],
                          points=points if kind is credit.EventKind.CARELESS_REVIEW else None, day=today,
                          rated_by=scope.account_id)  # fmt: skip
    session.add(rating)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise DuplicateError("该论证报告已评价，每次论证只评价一次") from None
    audit.record(session, actor_id=scope.account_id, action="review_rated", obj=("review", review.id),
                 after={"grade": grade.value, "points": rating.points, "report": report.id})  # fmt: skip
    session.commit()
    if kind is not None:
        reason = f"论证报告（{review.work.project.name} · {review.work.name}）经主管部门评价为{grade.label}"
        for signature in report.signatures:
            ledger.record(session, signature.expert_id, kind, day=today, reason=reason, actor_id=scope.account_id,
                          points=rating.points, source=f"review-rating:{review.id}:{signature.expert_id}")  # fmt: skip
    return rating
