"""An expert's independent opinion: the confirmation step before it is written once and for all, and the
review page given back with every tick and word when the opinion is refused. The rules are in expert_pool."""

from __future__ import annotations

from typing import Any

from flask import flash, g, make_response, redirect, request, url_for
from flask.typing import ResponseReturnValue

from expert_pool.reviews import meetings as reviews
from expert_pool.reviews.models import Conclusion, Review
from expert_pool.reviews.rules import (
    PASS_DESPITE_FAILED,
    REVIEW_POINTS,
    check_opinion,
    needs_pass_acknowledgement,
    tally_checks,
)
from knowledge.accounts.models import Role
from knowledge.errors import DomainError, ValidationError
from webapp import clock
from webapp.auth import current_account, current_scope, role_required
from webapp.confirmation import confirm_page, is_confirmed
from webapp.extensions import db
from webapp.reviews import bp, detail, require_form, review_or_404
from webapp.reviews.parse import checks_from, conclusion_from

ACKNOWLEDGE_FIELD = "pass_despite_failed"


@bp.context_processor
def opinion_form_values() -> dict[str, Any]:
    """What the opinion form shows: empty, or what was submitted when the opinion was refused."""
    return {"opinion_values": g.get("opinion_values") or {}, "opinion_error": g.get("opinion_error", "")}


@bp.route("/<int:review_id>/opinion", methods=["POST"])
@role_required(Role.EXPERT)
def opinion(review_id: int) -> ResponseReturnValue:
    review, acc = review_or_404(review_id)
    require_form()
    checks = checks_from(request.form)
    findings = {p: request.form.get(f"findings-{p}", "") for p in REVIEW_POINTS}
    try:
        proposed = conclusion_from(request.form.get("proposed", ""), field="proposed")
        if not is_confirmed():
            problem = check_opinion(checks, findings)
            if problem:
                raise ValidationError(problem, field="checks")
            return _confirm(review, checks, findings, proposed)
        reviews.submit_opinion(
            db.session, review, current_scope().expert_id or 0, checks=checks, findings=findings,
            proposed=proposed, now=clock.now(), pass_despite_failed=request.form.get(ACKNOWLEDGE_FIELD) == "1",
            actor_id=current_account().id,
        )  # fmt: skip
    except ValidationError as exc:
        return _refused(review, exc)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for("reviews.detail", review_id=review.id) + "#opinions")
    flash("您的独立意见已提交，现在可以查看其他专家已提交的意见", "success")
    return redirect(url_for("reviews.detail", review_id=review.id) + "#opinions")


def _refused(review: Review, exc: ValidationError) -> ResponseReturnValue:
    """The review page again, status 422, its opinion form filled with what was submitted."""
    db.session.rollback()
    g.opinion_values, g.opinion_error = request.form, str(exc)
    response = make_response(detail(review.id))
    response.status_code = 422
    return response


def _confirm(
    review: Review, checks: dict[str, dict[str, bool]], findings: dict[str, str], proposed: Conclusion
) -> ResponseReturnValue:
    tallies = tally_checks(checks)
    lines = [f"本人建议结论：{proposed.label}"]
    for point, (title, _) in REVIEW_POINTS.items():
        tally, finding = tallies[point], findings[point].strip()
        failed = f"（不符合：{'、'.join(tally.failed)}）" if tally.failed else ""
        lines.append(f"{point}. {title}：符合{tally.met}项，不符合{len(tally.failed)}项{failed}；"
                     + (f"意见：{finding}" if finding else "未填写意见"))  # fmt: skip
    lines.append(
        "个人意见一经提交即写入论证记录，只能提交一次，此后不能修改或撤回；提交后您将看到其他专家已提交的意见。"
    )
    acknowledge = needs_pass_acknowledgement(proposed, checks)
    failed_count = sum(len(t.failed) for t in tallies.values())
    return confirm_page(
        title="确认提交个人意见", consequences=lines, button="确认提交个人意见",
        back_url=url_for("reviews.detail", review_id=review.id) + "#opinion",
        warning=(f"您建议“{proposed.label}”，但有{failed_count}项检查项为“不符合”。如确属有意，请勾选下方确认框后提交；"
                 "否则请返回修改检查项或建议结论。") if acknowledge else "",
        acknowledge=(ACKNOWLEDGE_FIELD, PASS_DESPITE_FAILED) if acknowledge else None,
    )  # fmt: skip
