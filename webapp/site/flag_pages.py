"""System-flag pages (issue 20 item 7): the regulator's list with filters, the scan button (a job, never run in
the request) with the last run's progress, confirm into a major hazard, dismiss with a reason."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from knowledge.accounts.models import Role
from knowledge.clock import CST
from knowledge.errors import DomainError, NotFoundError
from knowledge.regions import City
from knowledge.site import flag_scan, flag_services
from knowledge.site.flags import RULE_LABELS
from knowledge.site.inspection_models import FlagState, SystemFlag
from webapp import clock
from webapp.auth import current_scope, role_required
from webapp.extensions import db
from webapp.forms import Form, enum_or_none
from webapp.site import bp
from webapp.site.sweep_pages import page_arg


class DismissForm(Form):
    reason = TextAreaField("排除理由", validators=[DataRequired("排除系统预警须写明理由"), Length(max=500)])


def enqueue_scan(run_id: int) -> None:
    """Hand the run to the job queue (tests replace this with a direct call)."""
    from webapp.jobs import scan_flags

    scan_flags(run_id)


def parse_filter() -> flag_services.FlagFilter:
    state_raw = request.args.get("state", FlagState.OPEN.value)
    rule = request.args.get("rule", "")
    return flag_services.FlagFilter(
        rule=rule if rule in RULE_LABELS else "", state=enum_or_none(FlagState, state_raw),
        city=enum_or_none(City, request.args.get("city", "")),
    )  # fmt: skip


@bp.route("/flags", endpoint="flags")
@role_required(Role.REGULATOR)
def flags_page() -> ResponseReturnValue:
    f = parse_filter()
    page = flag_services.list_flags(db.session, current_scope(), f, page=page_arg("page"))
    return render_template(
        "site/flags.html", page=page, f=f, rules=RULE_LABELS, states=FlagState, cities=City, form=Form(),
        dismiss_form=DismissForm(), run=flag_scan.last_run(db.session), scope_city=current_scope().city,
    )  # fmt: skip


@bp.route("/flags/scan", methods=["POST"], endpoint="start_scan")
@role_required(Role.REGULATOR)
def start_scan() -> ResponseReturnValue:
    if not Form().validate_on_submit():
        abort(400)
    run, created = flag_scan.start_scan(db.session, scope=current_scope(), now=clock.now())
    if created:
        enqueue_scan(run.id)
        flash("系统预警扫描已开始，进度见本页", "success")
    else:
        flash("已有扫描正在进行，进度见本页", "info")
    return redirect(url_for("site.flags"))


def flag_or_404(flag_id: int) -> SystemFlag:
    try:
        return flag_services.get_flag_for(db.session, current_scope(), flag_id)
    except NotFoundError:
        abort(404)


@bp.route("/flags/<int:flag_id>/confirm", methods=["POST"], endpoint="confirm_flag")
@role_required(Role.REGULATOR)
def confirm_flag(flag_id: int) -> ResponseReturnValue:
    flag = flag_or_404(flag_id)
    if not Form().validate_on_submit():
        abort(400)
    now = clock.now()
    try:
        hazard = flag_services.confirm_flag(db.session, flag, scope=current_scope(), today=now.astimezone(CST).date(),
                                            now=now)  # fmt: skip
    except DomainError as exc:
        flash(str(exc), "danger")
    else:
        flash(f"已确认为重大事故隐患（编号 {hazard.id}）", "success")
    return redirect(request.referrer or url_for("site.flags"))


@bp.route("/flags/<int:flag_id>/dismiss", methods=["POST"], endpoint="dismiss_flag")
@role_required(Role.REGULATOR)
def dismiss_flag(flag_id: int) -> ResponseReturnValue:
    flag = flag_or_404(flag_id)
    form = DismissForm()
    if not form.validate_on_submit():
        flash("；".join(e for errors in form.errors.values() for e in errors) or "请重新提交", "danger")
        return redirect(url_for("site.flags"))
    try:
        flag_services.dismiss_flag(db.session, flag, scope=current_scope(), reason=form.reason.data or "",
                                   now=clock.now())  # fmt: skip
    except DomainError as exc:
        flash(str(exc), "danger")
    else:
        flash("已排除该系统预警", "success")
    return redirect(url_for("site.flags"))
