"""A regulator rates a concluded review's report (issue 22 item 4): the form on the review page and its POST."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue

from expert_pool.credit import ledger
from expert_pool.reviews import ratings
from expert_pool.reviews.models import Review
from expert_pool.reviews.rating_models import Grade
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.clock import CST
from knowledge.errors import DomainError
from webapp import clock
from webapp.auth import current_scope, role_required
from webapp.extensions import db
from webapp.reviews import bp, require_form, review_or_404


def rating_context(review: Review, scope: Scope) -> dict[str, Any]:
    """What the review page shows of the rating: to regulators only (the experts never see who rated)."""
    if scope.role not in (Role.REGULATOR, Role.ADMIN):
        return {"rating": None, "may_rate": False}
    policy = ledger.credit_policy(db.session)
    return {"rating": ratings.rating_of(db.session, review.id), "may_rate": ratings.may_rate(scope, review),
            "grades": list(Grade), "careless_range": (policy.careless_min, policy.careless_max)}  # fmt: skip


@bp.route("/<int:review_id>/rating", methods=["POST"])
@role_required(Role.REGULATOR, Role.ADMIN)
def rate(review_id: int) -> ResponseReturnValue:
    review, _ = review_or_404(review_id)
    require_form()
    back = url_for("reviews.detail", review_id=review.id) + "#rating"
    try:
        grade = Grade(request.form.get("grade", ""))
        raw_points = request.form.get("points", "").strip()
        points = int(raw_points) if grade is Grade.CARELESS and raw_points else None
    except ValueError:
        flash("请选择评价等级；“不认真”须填写整数扣分", "danger")
        return redirect(back)
    try:
        ratings.rate_review(db.session, current_scope(), review.id, grade, note=request.form.get("note", ""),
                            points=points, today=clock.now().astimezone(CST).date())  # fmt: skip
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    else:
        flash(f"已将该论证报告评价为“{grade.label}”", "success")
    return redirect(back)
