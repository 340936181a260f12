"""Inspection-report pages: the inspector's list, start form and phone-first item form; a report, its PDF and
photos for its readers; the public verification of a report's code; inspection bodies for administrators and
regulators."""

from __future__ import annotations

import hashlib
import io

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue

from expert_pool.pdf.crane_report_pdf import report_pdf
from knowledge import audit
from knowledge.accounts.models import Role
from knowledge.cranes import bodies, checklists, inspections
from knowledge.cranes import inspection_queries as queries
from knowledge.cranes.errors import CertificateError
from knowledge.cranes.inspection_models import InspectionReport, ReportState
from knowledge.cranes.inspection_queries import ItemOutcome
from knowledge.cranes.machines import MachineType
from knowledge.errors import DomainError, NotFoundError, PermissionDenied
from knowledge.site import files as site_files
from webapp.auth import current_scope, role_required
from webapp.clock import now
from webapp.cranes import bp
from webapp.cranes.pages import CODE_ECHO_MAX, today
from webapp.cranes.report_forms import BodyForm, ItemValues, PublishForm, StartForm
from webapp.extensions import db
from webapp.forms import attach_error, enum_or_none
from webapp.pages import page_arg

READERS = (Role.INSPECTION_BODY, Role.PROJECT_TEAM, Role.REGULATOR, Role.ADMIN)


def render_report(report: InspectionReport) -> bytes:
    return report_pdf(report, base_url=current_app.config["PUBLIC_BASE_URL"])


def _report(report_id: int) -> InspectionReport:
    try:
        return queries.get_report_for(db.session, current_scope(), report_id)
    except NotFoundError:
        abort(404)


def _fail(exc: DomainError) -> None:
    """A refusal that is about who, not what: 403 or 404; anything else is for the form."""
    db.session.rollback()
    if isinstance(exc, PermissionDenied):
        abort(403)
    if isinstance(exc, NotFoundError):
        abort(404)


@bp.route("/reports")
@role_required(*READERS)
def report_list() -> ResponseReturnValue:
    scope = current_scope()
    state = enum_or_none(ReportState, request.args.get("state"))
    machine_type = enum_or_none(MachineType, request.args.get("type"))
    page = queries.reports_page(db.session, scope, state=state, machine_type=machine_type, page=page_arg())
    body = bodies.body_of(db.session, scope)
    return render_template("cranes/report_list.html", page=page, state=state, machine_type=machine_type,
                           states=list(ReportState), types=list(MachineType), body=body,
                           is_inspector=scope.role is Role.INSPECTION_BODY)  # fmt: skip


def _blocked() -> str | None:
    try:
        bodies.acting_body(db.session, current_scope(), today())
    except DomainError as exc:
        return str(exc)
    return None


@bp.route("/reports/new", methods=["GET", "POST"])
@role_required(Role.INSPECTION_BODY)
def report_new() -> ResponseReturnValue:
    form = StartForm()
    if form.validate_on_submit():
        try:
            report = inspections.start_report(db.session, form.to_input(), scope=current_scope(), now=now())
        except DomainError as exc:
            _fail(exc)
            attach_error(form, exc)
        else:
            flash("检验报告已创建，请逐项记录检验结果", "success")
            return redirect(url_for("cranes.report_items", crane_report_id=report.id))
    return render_template("cranes/report_new.html", form=form, blocked=_blocked())


@bp.route("/reports/<int:crane_report_id>/items", methods=["GET", "POST"])
@role_required(Role.INSPECTION_BODY)
def report_items(crane_report_id: int) -> ResponseReturnValue:
    report = _report(crane_report_id)
    try:
        inspections.check_editable(current_scope(), report)
    except DomainError as exc:
        _fail(exc)
        flash(str(exc), "warning")
        return redirect(url_for("cranes.report_detail", crane_report_id=report.id))
    found = checklists.checklist(report.machine_type, report.checklist_version)
    values = ItemValues.recorded(queries.report_lines(report))
    errors: list[str] = []
    if request.method == "POST":
        values = ItemValues.from_request(request, found)
        try:
            saved = inspections.record_items(db.session, report, values.entries, scope=current_scope(),
                                             upload_dir=current_app.config["UPLOAD_DIR"], now=now())  # fmt: skip
        except DomainError as exc:
            _fail(exc)
            errors.append(str(exc))
        else:
            flash(f"已保存{len(saved)}个检验项", "success")
            return redirect(url_for("cranes.report_items", crane_report_id=report.id))
    return render_template("cranes/report_items.html", report=report, checklist=found, values=values, errors=errors,
                           lines=queries.report_lines(report), outcomes=list(ItemOutcome),
                           publish_form=PublishForm())  # fmt: skip


@bp.route("/reports/<int:crane_report_id>/publish", methods=["POST"])
@role_required(Role.INSPECTION_BODY)
def report_publish(crane_report_id: int) -> ResponseReturnValue:
    report = _report(crane_report_id)
    form = PublishForm()
    if not form.validate_on_submit():
        flash("；".join(e for errors in form.errors.values() for e in errors) or "请重新提交", "danger")
        return redirect(url_for("cranes.report_items", crane_report_id=report.id))
    try:
        inspections.publish(db.session, report, scope=current_scope(), now=now(), render=render_report,
                            stated=form.stated())  # fmt: skip
    except DomainError as exc:
        _fail(exc)
        flash(str(exc), "danger")
        return redirect(url_for("cranes.report_items", crane_report_id=report.id))
    flash(f"检验报告已出具，编号 {report.number}", "success")
    return redirect(url_for("cranes.report_detail", crane_report_id=report.id))


@bp.route("/reports/<int:crane_report_id>")
@role_required(*READERS)
def report_detail(crane_report_id: int) -> ResponseReturnValue:
    report = _report(crane_report_id)
    lines = queries.report_lines(report)
    results = [r for line in lines if (r := line.result) is not None]
    computed = None
    if report.state is ReportState.PUBLISHED:
        computed = checklists.conclusion(report.machine_type, results, report.checklist_version)
    return render_template("cranes/report_detail.html", report=report, lines=lines, computed=computed,
                           may_edit=queries.is_own_body(current_scope(), report)
                           and report.state is ReportState.DRAFT)  # fmt: skip


@bp.route("/reports/<int:crane_report_id>.pdf")
@role_required(*READERS)
def report_pdf_file(crane_report_id: int) -> ResponseReturnValue:
    report = _report(crane_report_id)
    if report.state is not ReportState.PUBLISHED:
        abort(404)
    data = render_report(report)
    if not report.sha256:  # a bulk-loaded report gets its fingerprint when its PDF is first made
        report.sha256 = hashlib.sha256(data).hexdigest()
    audit.record_read(db.session, actor_id=current_scope().account_id, action="crane_report_pdf",
                      obj=("crane_inspection_report", report.id))  # fmt: skip
    name = f"检验报告-{report.number}-{report.verify_code}.pdf"
    response = send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True, download_name=name)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _photo_response(photo_id: int, *, thumb: bool) -> ResponseReturnValue:
    try:
        photo = queries.get_photo_for(db.session, current_scope(), photo_id)
        name = photo.stored_name.split(".", 1)[0] + ".thumb.jpg" if thumb else photo.stored_name
        path = site_files.stored_path(inspections.photo_dir(current_app.config["UPLOAD_DIR"]), name)
    except DomainError:
        abort(404)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype="image/jpeg" if thumb else photo.content_type, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/reports/photos/<int:report_photo_id>")
@role_required(*READERS)
def report_photo(report_photo_id: int) -> ResponseReturnValue:
    return _photo_response(report_photo_id, thumb=False)


@bp.route("/reports/photos/<int:report_photo_id>/thumb")
@role_required(*READERS)
def report_thumb(report_photo_id: int) -> ResponseReturnValue:
    return _photo_response(report_photo_id, thumb=True)


# One public endpoint serves both the form (no code: ``?code=`` typed in it) and the verdict on a code.
@bp.route("/reports/verify", defaults={"code": ""})
@bp.route("/reports/verify/<code>")
def report_verify(code: str) -> ResponseReturnValue:
    """Public, no sign-in: was a report with this code issued by the system, and what did it conclude?"""
    if not code:
        raw = request.args.get("code", "")
        if not raw.strip():
            return render_template("cranes/report_verify.html", verdict=None, error=None, code="")
        try:
            return redirect(url_for("cranes.report_verify", code=queries.normalise_code(raw)))
        except CertificateError as exc:
            return render_template("cranes/report_verify.html", verdict=None, error=str(exc),
                                   code=raw[:CODE_ECHO_MAX]), 400  # fmt: skip
    try:
        verdict = queries.verify_report_code(db.session, code)
    except (CertificateError, NotFoundError) as exc:
        status = 400 if isinstance(exc, CertificateError) else 404
        return render_template("cranes/report_verify.html", verdict=None, error=str(exc),
                               code=code[:CODE_ECHO_MAX]), status  # fmt: skip
    return render_template(
        "cranes/report_verify.html", verdict=verdict, error=None, code=verdict.report.verify_code
    )


@bp.route("/bodies")
@role_required(Role.REGULATOR, Role.ADMIN)
def body_list() -> ResponseReturnValue:
    page = bodies.bodies_page(db.session, current_scope(), page=page_arg())
    return render_template("cranes/report_bodies.html", page=page, today=today(),
                           may_register=current_scope().role is Role.ADMIN)  # fmt: skip


@bp.route("/bodies/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def body_new() -> ResponseReturnValue:
    form = BodyForm()
    if form.validate_on_submit():
        try:
            body = bodies.register_body(db.session, form.to_input(), scope=current_scope(), today=today())
        except DomainError as exc:
            _fail(exc)
            attach_error(form, exc)
        else:
            flash(f"已登记检验机构：{body.enterprise.name}", "success")
            return redirect(url_for("cranes.body_list"))
    return render_template("cranes/report_body_new.html", form=form)
