"""Site records of a work: briefings, the start of the works, monitoring and alarms, acceptance and its signatures."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask import abort, current_app, flash, redirect, render_template, send_file, url_for
from flask.typing import ResponseReturnValue

from knowledge.accounts.models import Role
from knowledge.clock import CST
from knowledge.errors import DomainError, NotFoundError, PermissionDenied
from knowledge.registry import queries as work_queries
from knowledge.registry.models import Work
from knowledge.registry.services import participants_of
from knowledge.registry.workflow import WorkStatus
from knowledge.site import access, records
from knowledge.site import files as site_files
from knowledge.site.hazards import version_in_force
from knowledge.site.models import (
    Acceptance,
    AcceptanceSigner,
    Briefing,
    BriefingAttachment,
    Monitoring,
    MonitoringAlarm,
)
from webapp.auth import current_scope, role_required
from webapp.clock import now
from webapp.extensions import db
from webapp.forms import Form, attach_error
from webapp.site import bp
from webapp.site.forms import AcceptanceForm, AlarmForm, BriefingForm, HandlingForm, MonitoringForm, SignForm
from webapp.works.forms import ActionForm

READERS = (Role.PROJECT_TEAM, Role.DRAW_OFFICE, Role.REGULATOR, Role.ADMIN)


def site_dir() -> str:
    return str(current_app.config["UPLOAD_DIR"]) + "/site"


def today() -> date:
    return now().astimezone(CST).date()


def _work(work_id: int) -> Work:
    try:
        return work_queries.get_work_for(db.session, current_scope(), work_id)
    except NotFoundError:
        abort(404)


def _refused(exc: DomainError) -> None:
    db.session.rollback()
    if isinstance(exc, PermissionDenied):
        abort(403)


@bp.route("/works/<int:work_id>/records")
@role_required(*READERS)
def records_page(work_id: int) -> ResponseReturnValue:
    work = _work(work_id)
    scope, participants = current_scope(), participants_of(work.project)
    signable = {k: records.may_sign_acceptance(scope, work, k) for k in AcceptanceSigner}
    return render_template(
        "site/records.html", work=work, recs=records.site_records(db.session, work),
        version=version_in_force(db.session, work), action_form=ActionForm(), alarm_form=AlarmForm(),
        handling_form=HandlingForm(), sign_form=SignForm(), signable=signable,
        is_builder=access.is_builder(scope, participants),
        may_engage=access.can_engage_monitoring(scope, participants),
        may_handle=access.can_handle_alarm(scope, participants),
        may_alarm={m.id: access.can_record_alarm(scope, participants, m.enterprise_id)
                   for m in records.site_records(db.session, work).monitorings},
        can_start=work.status is WorkStatus.BRIEFED and access.is_builder(scope, participants),
    )  # fmt: skip


@bp.route("/works/<int:work_id>/briefings/new", methods=["GET", "POST"])
@role_required(Role.PROJECT_TEAM)
def new_briefing(work_id: int) -> ResponseReturnValue:
    work = _work(work_id)
    version = version_in_force(db.session, work)
    form = BriefingForm()
    if not form.is_submitted():
        form.plan_version_id.data = version.id if version else ""
        form.briefed_on.data = today()
    if form.validate_on_submit():
        try:
            records.record_briefing(db.session, work, form.to_input(), scope=current_scope(), today=today(),
                                    upload_dir=site_dir())  # fmt: skip
        except DomainError as exc:
            _refused(exc)
            attach_error(form, exc)
        else:
            flash("交底记录已保存", "success")
            return redirect(url_for("site.records_page", work_id=work.id))
    return render_template("site/briefing_form.html", form=form, work=work, version=version)


@bp.route("/works/<int:work_id>/start", methods=["POST"])
@role_required(Role.PROJECT_TEAM)
def start(work_id: int) -> ResponseReturnValue:
    work = _work(work_id)
    if ActionForm().validate_on_submit():
        try:
            records.start_works(db.session, work, scope=current_scope())
        except DomainError as exc:
            _refused(exc)
            flash(str(exc), "danger")
        else:
            flash("已记录开始施工", "success")
    return redirect(url_for("site.records_page", work_id=work.id))


@bp.route("/works/<int:work_id>/monitoring/new", methods=["GET", "POST"])
@role_required(Role.PROJECT_TEAM)
def new_monitoring(work_id: int) -> ResponseReturnValue:
    work = _work(work_id)
    form = MonitoringForm()
    if form.validate_on_submit():
        try:
            records.engage_monitoring(db.session, work, credit_code=form.credit_code.data, scope=current_scope(),
                                      starts_on=form.starts_on.data, scheme=form.scheme.data or "", today=today())  # fmt: skip
        except DomainError as exc:
            _refused(exc)
            attach_error(form, exc)
        else:
            flash("第三方监测单位已登记", "success")
            return redirect(url_for("site.records_page", work_id=work.id))
    return render_template("site/monitoring_form.html", form=form, work=work)


def _monitoring(monitoring_id: int) -> Monitoring:
    monitoring = db.session.get(Monitoring, monitoring_id)
    if monitoring is None:
        abort(404)
    _work(monitoring.work_id)
    return monitoring


@bp.route("/monitoring/<int:monitoring_id>/alarms", methods=["POST"])
@role_required(Role.PROJECT_TEAM)
def new_alarm(monitoring_id: int) -> ResponseReturnValue:
    monitoring = _monitoring(monitoring_id)
    form = AlarmForm()
    _post(form, lambda: records.record_alarm(db.session, monitoring, form.to_input(), scope=current_scope(),
                                             now=now()), "监测报警已记录")  # fmt: skip
    return redirect(url_for("site.records_page", work_id=monitoring.work_id))


@bp.route("/alarms/<int:alarm_id>/handling", methods=["POST"])
@role_required(Role.PROJECT_TEAM)
def handle_alarm(alarm_id: int) -> ResponseReturnValue:
    alarm = db.session.get(MonitoringAlarm, alarm_id)
    if alarm is None:
        abort(404)
    monitoring = _monitoring(alarm.monitoring_id)
    form = HandlingForm()
    _post(form, lambda: records.handle_alarm(db.session, alarm, measures=form.measures.data, scope=current_scope(),
                                             handled_on=form.handled_on.data, today=today()), "报警处置已记录")  # fmt: skip
    return redirect(url_for("site.records_page", work_id=monitoring.work_id))


@bp.route("/works/<int:work_id>/acceptances/new", methods=["GET", "POST"])
@role_required(Role.PROJECT_TEAM)
def new_acceptance(work_id: int) -> ResponseReturnValue:
    work = _work(work_id)
    form = AcceptanceForm()
    if not form.is_submitted():
        form.accepted_on.data = today()
    if form.validate_on_submit():
        try:
            records.record_acceptance(db.session, work, form.to_input(), scope=current_scope(), today=today())
        except DomainError as exc:
            _refused(exc)
            attach_error(form, exc)
        else:
            flash("验收记录已保存，待项目技术负责人和总监理工程师签字", "success")
            return redirect(url_for("site.records_page", work_id=work.id))
    return render_template("site/acceptance_form.html", form=form, work=work)


@bp.route("/acceptances/<int:acceptance_id>/sign", methods=["POST"])
@role_required(Role.PROJECT_TEAM)
def sign_acceptance(acceptance_id: int) -> ResponseReturnValue:
    acceptance = db.session.get(Acceptance, acceptance_id)
    if acceptance is None:
        abort(404)
    _work(acceptance.work_id)
    form = SignForm()
    _post(form, lambda: records.sign_acceptance(db.session, acceptance, AcceptanceSigner(form.kind.data),
                                                signer_name=form.signer_name.data, scope=current_scope()), "已签字")  # fmt: skip
    return redirect(url_for("site.records_page", work_id=acceptance.work_id))


@bp.route("/briefing-attachments/<int:attachment_id>")
@role_required(*READERS)
def briefing_attachment(attachment_id: int) -> ResponseReturnValue:
    attachment = db.session.get(BriefingAttachment, attachment_id)
    if attachment is None:
        abort(404)
    briefing = db.session.get(Briefing, attachment.briefing_id)
    assert briefing is not None
    _work(briefing.work_id)
    path = site_files.stored_path(site_dir(), attachment.stored_name)
    return send_file(path, mimetype=attachment.content_type, download_name=attachment.original_name,
                     as_attachment=not attachment.content_type.startswith("image/"))  # fmt: skip


def _post(form: Form, action: Callable[[], object], done: str) -> None:
    """A small POST from the records page: its message flashed, the page shown again."""
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "danger")
        return
    try:
        action()
    except DomainError as exc:
        _refused(exc)
        flash(str(exc), "danger")
    else:
        flash(done, "success")
