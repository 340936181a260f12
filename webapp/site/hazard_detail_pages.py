"""One hazard: its record, events and evidence, accountability, the panel of its plan; the steps of its loop and
the hazard-linked credit event, each offered only to whoever may take it (POST, then redirect)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, send_file, url_for
from flask.typing import ResponseReturnValue

from expert_pool.reviews import hazard_links
from knowledge import audit
from knowledge.errors import DomainError, NotFoundError, PermissionDenied
from knowledge.plans.models import PlanVersion
from knowledge.site import files as site_files
from knowledge.site import hazard_queries, hazards
from knowledge.site.hazard_loop import Step
from knowledge.site.hazard_models import Hazard, HazardEvent, HazardEvidence
from webapp.auth import current_scope, role_required
from webapp.extensions import db
from webapp.site import bp
from webapp.site.hazard_forms import CreditForm, StepForm, uploads
from webapp.site.hazard_pages import READERS, site_dir, today

AUTHORITY_STEPS = (Step.SEND_BACK, Step.CLOSE, Step.SUPERVISE, Step.STOP, Step.LIFT_STOP)


def hazard_or_404(hazard_id: int) -> Hazard:
    try:
        hazards.get_hazard_for(db.session, current_scope(), hazard_id)
    except NotFoundError:
        abort(404)
    hazard = hazard_queries.hazard_with_events(db.session, hazard_id)
    assert hazard is not None
    return hazard


@bp.route("/hazards/<int:hazard_id>")
@role_required(*READERS)
def hazard_detail(hazard_id: int) -> ResponseReturnValue:
    hazard = hazard_or_404(hazard_id)
    scope, day = current_scope(), today()
    version = db.session.get(PlanVersion, hazard.plan_version_id) if hazard.plan_version_id else None
    return render_template(
        "site/hazards/detail.html", hazard=hazard, work=hazard.work, project=hazard.work.project,
        today=day, is_overdue=hazard_queries.is_overdue(hazard, day), version=version,
        steps=hazards.available_steps(scope, hazard), authority_steps=AUTHORITY_STEPS, Step=Step,
        form=StepForm(), credit_form=CreditForm(), panel=hazard_links.linked_panel(db.session, hazard),
        may_record_credit=hazard_links.may_record(scope, hazard), record=hazard.accountability or {},
    )  # fmt: skip


@bp.route("/hazards/<int:hazard_id>/steps", methods=["POST"])
@role_required(*READERS)
def hazard_step(hazard_id: int) -> ResponseReturnValue:
    hazard = hazard_or_404(hazard_id)
    form = StepForm()
    back = redirect(url_for("site.hazard_detail", hazard_id=hazard.id))
    if not form.validate_on_submit():
        flash("；".join(e for errors in form.errors.values() for e in errors) or "提交的内容无效", "danger")
        return back
    try:
        step = Step(form.step.data)
    except ValueError:
        abort(400)
    try:
        hazards.take_step(db.session, hazard, step, scope=current_scope(), day=today(), note=form.note.data or "",
                          evidence=uploads(form.evidence), upload_dir=site_dir())  # fmt: skip
    except PermissionDenied:
        db.session.rollback()
        abort(403)
    except DomainError as exc:
        db.session.rollback()
        flash(f"未能{step.label}：{exc}", "danger")
    else:
        flash(f"已{step.label}", "success")
    return back


@bp.route("/hazards/<int:hazard_id>/credit", methods=["POST"])
@role_required(*READERS)
def hazard_credit(hazard_id: int) -> ResponseReturnValue:
    hazard = hazard_or_404(hazard_id)
    form = CreditForm()
    raw = form.expert_id.data or ""
    if not form.validate_on_submit() or not raw.isdigit() or len(raw) > 9:
        abort(400)
    try:
        hazard_links.record_hazard_link(db.session, hazard, int(raw), scope=current_scope(), day=today())
    except PermissionDenied:
        db.session.rollback()
        abort(403)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    else:
        flash("已登记“论证通过的方案关联重大隐患”信用记录", "success")
    return redirect(url_for("site.hazard_detail", hazard_id=hazard.id))


@bp.route("/evidence/<int:evidence_id>")
@role_required(*READERS)
def hazard_evidence(evidence_id: int) -> ResponseReturnValue:
    evidence = db.session.get(HazardEvidence, evidence_id)
    if evidence is None:
        abort(404)
    event = db.session.get(HazardEvent, evidence.event_id)
    assert event is not None
    hazard = hazard_or_404(event.hazard_id)
    try:
        path = site_files.stored_path(site_dir(), evidence.stored_name)
    except DomainError:
        abort(404)
    if not path.is_file():
        abort(404)
    audit.record_read(db.session, actor_id=current_scope().account_id, action="hazard_evidence_download",
                      obj=("hazard", hazard.id), after={"evidence_id": evidence.id})  # fmt: skip
    return send_file(path, mimetype=evidence.content_type, as_attachment=not evidence.content_type.startswith("image/"),
                     download_name=evidence.original_name)  # fmt: skip
