"""The review report's pages: the leader's draft or correction, signing (with a reservation) after a
confirmation step that says what will happen, refusing to sign with a reason, and the draw office's answer to a
refusal. The rules are in expert_pool.reviews (reports, dissent)."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue

from expert_pool.reviews import dissent
from expert_pool.reviews import meetings as reviews
from expert_pool.reviews import reports as review_reports
from expert_pool.reviews.models import Review
from knowledge.accounts.models import Role
from knowledge.errors import DomainError
from webapp import clock
from webapp.auth import current_account, current_scope, role_required
from webapp.confirmation import confirm_page, is_confirmed
from webapp.extensions import db
from webapp.reviews import bp, require_form, review_or_404
from webapp.reviews.parse import changes_from, conclusion_from


def back_to(review: Review, anchor: str) -> ResponseReturnValue:
    return redirect(url_for("reviews.detail", review_id=review.id) + f"#{anchor}")


def failed(exc: DomainError, review: Review, anchor: str) -> ResponseReturnValue:
    db.session.rollback()
    flash(str(exc), "danger")
    return back_to(review, anchor)


@bp.route("/<int:review_id>/draft", methods=["POST"])
@role_required(Role.EXPERT)
def draft(review_id: int) -> ResponseReturnValue:
    review, _ = review_or_404(review_id)
    require_form()
    expert_id, now = current_scope().expert_id or 0, clock.now()
    summary, changes = request.form.get("summary", ""), changes_from(request.form)
    try:
        if reviews.current_report(review) is not None:
            review_reports.correct_report(db.session, review, expert_id, reason=request.form.get("reason", ""),
                                          summary=summary, changes=changes, now=now)  # fmt: skip
        else:
            review_reports.draft_report(db.session, review, expert_id, summary=summary, changes=changes, now=now,
                                        conclusion=conclusion_from(request.form.get("conclusion", "")))  # fmt: skip
    except DomainError as exc:
        return failed(exc, review, "draft")
    flash("论证报告草稿已生成，请全体专家逐一签署", "success")
    return back_to(review, "report")


@bp.route("/<int:review_id>/reports/<int:report_id>/sign", methods=["POST"])
@role_required(Role.EXPERT)
def sign(review_id: int, report_id: int) -> ResponseReturnValue:
    """Signing asks once more (the confirmation step, no JavaScript): the version, its conclusion, whether this
    signature makes it final, the reservation that will be recorded."""
    review, _ = review_or_404(review_id)
    require_form()
    expert_id = current_scope().expert_id or 0
    raw = request.form.get("reservation", "")
    # Ticked, or a reason typed without the tick: either way he means a reservation (the next page shows it).
    reservation = raw if request.form.get("reserve") == "1" or raw.strip() else None
    try:
        report = review_reports.get_report(db.session, review, report_id)
        if not is_confirmed():
            lines = review_reports.signing_preview(
                db.session, review, report, expert_id, reservation=reservation
            )
            return confirm_page(title=f"签署论证报告第{report.version}版", consequences=lines,
                                back_url=url_for("reviews.detail", review_id=review.id) + "#report",
                                button="确认签署（附保留意见）" if reservation is not None else "确认签署")  # fmt: skip
        final = review_reports.sign_report(db.session, review, report, expert_id, now=clock.now(),
                                           reservation=reservation, actor_id=current_account().id)  # fmt: skip
    except DomainError as exc:
        return failed(exc, review, "report")
    done = "全体专家已签署，论证报告生效" if final else "您已签署论证报告"
    flash(done + ("，保留意见已记录" if reservation is not None else ""), "success")
    return back_to(review, "report")


@bp.route("/<int:review_id>/reports/<int:report_id>/refuse", methods=["POST"])
@role_required(Role.EXPERT)
def refuse(review_id: int, report_id: int) -> ResponseReturnValue:
    review, _ = review_or_404(review_id)
    require_form()
    try:
        report = review_reports.get_report(db.session, review, report_id)
        expert_id, reason = current_scope().expert_id or 0, request.form.get("reason", "")
        if not is_confirmed():
            lines = dissent.refusal_preview(db.session, review, report, expert_id, reason=reason)
            return confirm_page(title=f"拒签论证报告第{report.version}版", consequences=lines, button="确认拒签",
                                back_url=url_for("reviews.detail", review_id=review.id) + "#report")  # fmt: skip
        dissent.refuse_report(db.session, review, report, expert_id, reason=reason, now=clock.now(),
                              actor_id=current_account().id)  # fmt: skip
    except DomainError as exc:
        return failed(exc, review, "report")
    flash("已拒签并送抽取办公室答复；答复前本稿不能定稿", "success")
    return back_to(review, "refusals")


@bp.route("/<int:review_id>/refusals/<int:refusal_id>/answer", methods=["POST"])
@role_required(Role.DRAW_OFFICE)
def answer_refusal(review_id: int, refusal_id: int) -> ResponseReturnValue:
    review, _ = review_or_404(review_id)
    require_form()
    try:
        refusal = dissent.get_refusal(db.session, review, refusal_id)
        dissent.answer_refusal(db.session, review, refusal, scope=current_scope(),
                               answer=request.form.get("answer", ""), now=clock.now())  # fmt: skip
    except DomainError as exc:
        return failed(exc, review, "refusals")
    flash("已答复拒签；拒签专家签署后该稿方可定稿", "success")
    return back_to(review, "refusals")
