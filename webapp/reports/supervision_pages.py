"""Supervision report pages (issue 22 item 6): request 《江苏省房屋建筑和市政基础设施工程安全监督报告》 for a period and
an area (built by a background job), watch its progress, list the finished ones, download their PDFs, and retry a
failed one. Province regulators and the admin see every report; a city's regulators their city's."""

from __future__ import annotations

import io
from typing import Any

from flask import abort, flash, redirect, render_template, send_file, url_for
from flask.typing import ResponseReturnValue
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from expert_pool.supervision_report import job
from expert_pool.supervision_report.models import SupervisionReport
from knowledge import audit
from knowledge.accounts.models import Role
from knowledge.errors import DomainError, NotFoundError, PermissionDenied
from knowledge.regions import City
from webapp import clock
from webapp.auth import current_scope, role_required
from webapp.extensions import db
from webapp.forms import Form, attach_error
from webapp.reports import bp

READERS = (Role.REGULATOR, Role.ADMIN)


class SupervisionReportForm(Form):
    period = StringField(
        "报告期间", validators=[DataRequired("请填写报告期间，如 2026Q3、2026-09 或 2026"), Length(max=8)]
    )
    # Not checked against the choices here: the domain reads the area (a code or a Chinese name) and says why not.
    area = SelectField(
        "报告范围",
        choices=[SelectChoice("province", "全省"), *(SelectChoice(c.value, c.label) for c in City)],
        validate_choice=False,
    )


def enqueue_report(report_id: int) -> None:
    """Hand the report to the job queue (tests replace this with a direct call)."""
    from webapp.reports.tasks import build_supervision_report

    build_supervision_report(report_id)


def progress_json(r: SupervisionReport) -> dict[str, Any]:
    return {"id": r.id, "period": r.period, "area": r.city.value if r.city else "province", "state": r.state.value,
            "done": r.done, "total": r.total, "finished": r.is_finished, "error": r.error, "sha256": r.sha256}  # fmt: skip


def _render(form: SupervisionReportForm, status: int = 200) -> ResponseReturnValue:
    scope = current_scope()
    rows = job.reports(db.session, scope)
    page = render_template("reports/supervision_reports.html", form=form, rows=rows, scope_city=scope.city)
    return page, status


def _report(report_id: int) -> SupervisionReport:
    try:
        return job.get_report_for(db.session, current_scope(), report_id)
    except NotFoundError:
        abort(404)


@bp.route("/supervision-reports", endpoint="supervision_reports")
@role_required(*READERS)
def supervision_list() -> ResponseReturnValue:
    return _render(SupervisionReportForm())


@bp.route("/supervision-reports", methods=["POST"], endpoint="supervision_request")
@role_required(*READERS)
def supervision_request() -> ResponseReturnValue:
    form = SupervisionReportForm()
    if not form.validate_on_submit():
        return _render(form, 400)
    try:
        row = job.request_report(db.session, scope=current_scope(), period=form.period.data or "",
                                 area=form.area.data or "", now=clock.now())  # fmt: skip
    except PermissionDenied as exc:
        db.session.rollback()
        return render_template("errors/error.html", status=403, title="无权生成", message=str(exc)), 403
    except DomainError as exc:
        db.session.rollback()
        attach_error(form, exc)
        return _render(form, 400)
    enqueue_report(row.id)
    flash("安全监督报告生成已开始，进度见本页", "success")
    return redirect(url_for("reports.supervision_reports"))


@bp.route("/supervision-reports/<int:report_id>/progress", endpoint="supervision_progress")
@role_required(*READERS)
def supervision_progress(report_id: int) -> ResponseReturnValue:
    return progress_json(_report(report_id))


@bp.route("/supervision-reports/<int:report_id>.pdf", endpoint="supervision_file")
@role_required(*READERS)
def supervision_file(report_id: int) -> ResponseReturnValue:
    row = _report(report_id)
    if row.pdf is None:
        abort(404)
    audit.record_read(db.session, actor_id=current_scope().account_id, action="supervision_report_pdf",
                      obj=("supervision_report", row.id), after={"period": row.period})  # fmt: skip
    name = f"安全监督报告-{row.period}-{row.city.label if row.city else '全省'}.pdf"
    response = send_file(
        io.BytesIO(row.pdf), mimetype="application/pdf", as_attachment=True, download_name=name
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/supervision-reports/<int:report_id>/retry", methods=["POST"], endpoint="supervision_retry")
@role_required(*READERS)
def supervision_retry(report_id: int) -> ResponseReturnValue:
    form = Form()
    if not form.validate_on_submit():
        abort(400)
    try:
        row = job.retry_report(db.session, current_scope(), report_id)
    except NotFoundError:
        abort(404)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    else:
        enqueue_report(row.id)
        flash("已重新开始生成安全监督报告", "success")
    return redirect(url_for("reports.supervision_reports"))
