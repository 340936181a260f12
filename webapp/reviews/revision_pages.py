"""The revised plan in front of whoever confirms it after 修改后通过 (Decree 37 Art. 13): the revised version
and its file, each required change beside the team's response, a section-by-section comparison with the
reviewed version, and the confirmation. Regulators and the project's parties read the same page."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, send_file, url_for
from flask.typing import ResponseReturnValue

from expert_pool.reviews import revisions as review_revisions
from expert_pool.reviews.models import Review, Revision
from knowledge import audit
from knowledge.accounts.models import Role
from knowledge.errors import DomainError
from knowledge.plans import files as plan_files
from knowledge.plans.compare import compare_sections
from knowledge.registry.workflow import WorkStatus
from webapp import clock
from webapp.auth import current_scope, role_required
from webapp.confirmation import confirm_page, is_confirmed
from webapp.extensions import db
from webapp.forms import Form
from webapp.reviews import ANYONE, bp, require_form, review_or_404


def _revision(review_id: int) -> tuple[Review, Revision]:
    """The review's latest revision; of the panel, only the expert who may confirm it opens it."""
    review, _ = review_or_404(review_id)
    revision = review_revisions.revision_of_review(db.session, review)
    if revision is None:
        abort(404)
    scope = current_scope()
    if scope.role is Role.EXPERT and not review_revisions.may_confirm(db.session, scope, revision):
        abort(403)
    return review, revision


@bp.route("/<int:review_id>/revision/compare")
@role_required(*ANYONE)
def revision_compare(review_id: int) -> ResponseReturnValue:
    review, revision = _revision(review_id)
    before, after = review.plan_version, revision.plan_version
    responses = {r.change_id: r.text for r in revision.responses}
    sections = compare_sections(before.text or "", after.text or "", before_label=f"第{before.number}版",
                                after_label=f"第{after.number}版")  # fmt: skip
    return render_template(
        "reviews/revision_confirm.html", review=review, revision=revision, before=before, after=after,
        changes=[(c, responses.get(c.id, "")) for c in revision.report.changes], sections=sections,
        pending=review_revisions.is_pending(db.session, revision),
        may_confirm=review_revisions.may_confirm(db.session, current_scope(), revision), form=Form(),
    )  # fmt: skip


@bp.route("/<int:review_id>/revision/download")
@role_required(*ANYONE)
def revision_download(review_id: int) -> ResponseReturnValue:
    """The revised version's file, for the page's readers (the confirming expert has no other way to it)."""
    _, revision = _revision(review_id)
    version = revision.plan_version
    path = plan_files.stored_path(current_app.config["UPLOAD_DIR"], version.stored_name)
    if not path.is_file():
        abort(404)
    audit.record_read(db.session, actor_id=current_scope().account_id, action="revision_download",
                      obj=("plan_version", version.id), after={"review_id": review_id})  # fmt: skip
    return send_file(
        path, mimetype=version.content_type, as_attachment=True, download_name=version.original_name
    )


@bp.route("/<int:review_id>/revision/confirm", methods=["POST"])
@role_required(Role.EXPERT, Role.DRAW_OFFICE)
def confirm_revision(review_id: int) -> ResponseReturnValue:
    review, revision = _revision(review_id)
    require_form()
    compare = url_for("reviews.revision_compare", review_id=review.id)
    try:
        if not is_confirmed():
            return _confirm(revision, compare)
        review_revisions.confirm_revision(db.session, review.work, scope=current_scope(), now=clock.now())
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(compare)
    flash("已确认修改回复，方案生效", "success")
    return redirect(url_for("reviews.detail", review_id=review.id) + "#revision")


def _confirm(revision: Revision, back_url: str) -> ResponseReturnValue:
    version, report = revision.plan_version, revision.report
    review_revisions.check_confirmable(db.session, current_scope(), revision)
    return confirm_page(
        title="确认修改回复", button="确认已按论证意见修改，方案生效", back_url=back_url,
        consequences=[
            f"确认第{version.number}版方案“{version.title}”已按论证报告（第{report.version}版）的"
            f"{len(report.changes)}条修改意见逐条修改并回复",
            f"工程状态变为“{WorkStatus.IN_FORCE.label}”，按第{version.number}版方案组织交底和施工",
            "确认记入审计记录，不能撤回；此后方案如有变更须重新论证（住建部令第37号第十六条）",
        ],
    )  # fmt: skip
