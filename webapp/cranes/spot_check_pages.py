"""Spot-check pages (issue 21 item 6): the list of flagged inspection bodies with the province's spread beside each
flag, the button that starts the job (never run in the request) and its progress, a flag's page with the spread as
a chart (ECharts from our static files; data in a JSON block, no inline script), its table and CSV, the order and
result forms, and a body's record. The bulletin's pages are in ``bulletin_pages``."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from wtforms import RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from knowledge.accounts.models import Role
from knowledge.cranes import spot_check_job as job
from knowledge.cranes import spot_check_services as services
from knowledge.cranes.inspection_models import InspectionBody, SpotCheckFlag, SpotCheckResult, SpotCheckRun
from knowledge.cranes.machines import MachineType
from knowledge.cranes.spot_checks import FlagKind
from knowledge.errors import DomainError, NotFoundError, PermissionDenied
from webapp import clock
from webapp.auth import current_scope, role_required
from webapp.cranes import bp
from webapp.cranes.pages import today
from webapp.extensions import db
from webapp.forms import Form, enum_or_none

LIST_READERS = (Role.REGULATOR, Role.ADMIN)


class OrderForm(Form):
    instructions = TextAreaField("抽查要求", validators=[Length(max=services.INSTRUCTIONS_MAX)])


class ResultForm(Form):
    result = RadioField("抽查结论", choices=[SelectChoice(r.value, r.label) for r in SpotCheckResult],
                        validators=[DataRequired("请选择抽查结论")])  # fmt: skip
    note = TextAreaField("抽查发现的情况", validators=[DataRequired("请写明抽查发现的情况"),
                                                Length(max=services.NOTE_MAX)])  # fmt: skip


def enqueue_run(run_id: int) -> None:
    """Hand the run to the job queue (tests replace this with a direct call)."""
    from webapp.cranes.tasks import run_spot_check

    run_spot_check(run_id)


def progress_json(run: SpotCheckRun | None) -> dict[str, Any]:
    if run is None:
        return {"id": None, "done": 0, "total": 0, "finished": True, "error": ""}
    return {"id": run.id, "on": run.on.isoformat(), "done": run.done, "total": run.total,
            "finished": run.finished_at is not None, "error": run.error}  # fmt: skip


@bp.route("/spot-checks", endpoint="spot_list")
@role_required(*LIST_READERS)
def spot_list() -> ResponseReturnValue:
    scope = current_scope()
    run = job.last_finished_run(db.session)
    machine_type = enum_or_none(MachineType, request.args.get("type"))
    kind = enum_or_none(FlagKind, request.args.get("kind"))
    rows = services.run_flags(db.session, scope, run, machine_type=machine_type, kind=kind) if run else []
    return render_template(
        "cranes/spot_list.html", run=run, rows=rows, latest=job.last_run(db.session), form=Form(),
        placement=services.placement, types=list(MachineType), kinds=list(FlagKind), machine_type=machine_type,
        kind=kind, kind_of=FlagKind, may_run=job.may_run(scope),
    )  # fmt: skip


@bp.route("/spot-checks/run", methods=["POST"], endpoint="spot_run")
@role_required(*LIST_READERS)
def spot_run() -> ResponseReturnValue:
    if not Form().validate_on_submit():
        abort(400)
    run, created = job.start_run(db.session, scope=current_scope(), now=clock.now(), on=today())
    if created:
        enqueue_run(run.id)
        flash("抽查名单计算已开始，进度见本页", "success")
    else:
        flash("已有抽查名单计算正在进行，进度见本页", "info")
    return redirect(url_for("cranes.spot_list"))


@bp.route("/spot-checks/progress", endpoint="spot_progress")
@role_required(*LIST_READERS)
def spot_progress() -> ResponseReturnValue:
    return progress_json(job.last_run(db.session))


def flag_or_404(flag_id: int) -> SpotCheckFlag:
    try:
        return services.get_flag_for(db.session, current_scope(), flag_id)
    except NotFoundError:
        abort(404)


def chart_data(flag: SpotCheckFlag) -> dict[str, Any]:
    """What charts.js draws: the sorted values, the body's bar, the threshold and the median, in shown units."""
    place = services.placement(flag.run, flag)
    scale = 100 if place.figure.unit == "%" else 1
    return {"title": f"全省{flag.machine_type.label}检验机构：{place.figure.label}", "unit": place.figure.unit,
            "values": [round(v * scale, 2) for v in place.values], "value": round(place.value * scale, 2),
            "marked": place.marked_index, "threshold": round(place.threshold * scale, 2),
            "median": round((place.at(50) or 0) * scale, 2)}  # fmt: skip


@bp.route("/spot-checks/flags/<int:spot_flag_id>", endpoint="spot_flag")
@role_required(*LIST_READERS)
def spot_flag(spot_flag_id: int) -> ResponseReturnValue:
    flag = flag_or_404(spot_flag_id)
    check = services.spot_check_of(db.session, flag)
    return render_template(
        "cranes/spot_flag.html", flag=flag, check=check, place=services.placement(flag.run, flag),
        chart=chart_data(flag), kind=FlagKind(flag.kind), order_form=OrderForm(), result_form=ResultForm(),
        may_order=services.may_order(current_scope(), flag.body),
    )  # fmt: skip


@bp.route("/spot-checks/flags/<int:spot_flag_id>.csv", endpoint="spot_flag_csv")
@role_required(*LIST_READERS)
def spot_flag_csv(spot_flag_id: int) -> ResponseReturnValue:
    flag = flag_or_404(spot_flag_id)
    place = services.placement(flag.run, flag)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["名次（由小到大）", place.figure.label, "单位", "本机构"])
    for rank, value in enumerate(place.values, start=1):
        scaled = round(value * 100, 2) if place.figure.unit == "%" else value
        writer.writerow([rank, scaled, place.figure.unit, "是" if rank - 1 == place.marked_index else ""])
    name = f"spot-check-{flag.run_id}-{flag.id}.csv"
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={name}"})  # fmt: skip


def _refuse(exc: DomainError) -> None:
    db.session.rollback()
    if isinstance(exc, PermissionDenied):
        abort(403)
    flash(str(exc), "danger")


@bp.route("/spot-checks/flags/<int:spot_flag_id>/order", methods=["POST"], endpoint="spot_order")
@role_required(Role.REGULATOR)
def spot_order(spot_flag_id: int) -> ResponseReturnValue:
    flag = flag_or_404(spot_flag_id)
    form = OrderForm()
    if not form.validate_on_submit():
        flash("；".join(e for errors in form.errors.values() for e in errors) or "请重新提交", "danger")
    else:
        try:
            services.order_spot_check(db.session, flag, scope=current_scope(), today=today(),
                                      instructions=form.instructions.data or "")  # fmt: skip
        except DomainError as exc:
            _refuse(exc)
        else:
            flash("已下达抽查", "success")
    return redirect(url_for("cranes.spot_flag", spot_flag_id=spot_flag_id))


@bp.route("/spot-checks/flags/<int:spot_flag_id>/result", methods=["POST"], endpoint="spot_result")
@role_required(Role.REGULATOR)
def spot_result(spot_flag_id: int) -> ResponseReturnValue:
    flag = flag_or_404(spot_flag_id)
    check = services.spot_check_of(db.session, flag)
    form = ResultForm()
    if check is None:
        flash("尚未下达抽查，不能记录结果", "danger")
    elif not form.validate_on_submit():
        flash("；".join(e for errors in form.errors.values() for e in errors) or "请重新提交", "danger")
    else:
        try:
            services.record_result(db.session, check, scope=current_scope(), result=SpotCheckResult(form.result.data),
                                   note=form.note.data or "", today=today())  # fmt: skip
        except DomainError as exc:
            _refuse(exc)
        else:
            flash("抽查结果已记录", "success")
    return redirect(url_for("cranes.spot_flag", spot_flag_id=spot_flag_id))


def _record_page(body: InspectionBody | None) -> ResponseReturnValue:
    checks = services.body_record(db.session, body) if body else []
    return render_template("cranes/spot_body.html", body=body, checks=checks, kinds=FlagKind)


@bp.route("/inspection-bodies/<int:spot_body_id>/spot-checks", endpoint="spot_body")
@role_required(*LIST_READERS)
def spot_body(spot_body_id: int) -> ResponseReturnValue:
    try:
        body = services.get_body_for(db.session, current_scope(), spot_body_id)
    except NotFoundError:
        abort(404)
    return _record_page(body)


@bp.route("/spot-checks/mine", endpoint="spot_mine")
@role_required(Role.INSPECTION_BODY)
def spot_mine() -> ResponseReturnValue:
    """An inspection body's own record; an account not bound to a registered body is told so."""
    return _record_page(services.own_body(db.session, current_scope()))
