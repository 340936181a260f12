"""Registry pages: the list (filters, sort, pages, CSV/XLSX), register, detail, parameters, moves."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from expert_pool.draws.decisions import can_check_conflicts, can_request_draw
from expert_pool.draws.services import draws_of_work
from expert_pool.reviews.meetings import current_report, reviews_of_work
from knowledge import audit
from knowledge.accounts import queries as account_queries
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import can_record_site_move, can_register_work
from knowledge.enterprises import queries
from knowledge.errors import DomainError, NotFoundError, PermissionDenied
from knowledge.plans import services as plan_services
from knowledge.regions import city_choices
from knowledge.registry import export as work_export
from knowledge.registry import projects
from knowledge.registry import queries as work_queries
from knowledge.registry import services as work_services
from knowledge.registry.decisions import can_reclassify, can_request_review, manual_move
from knowledge.registry.models import Work
from knowledge.registry.rules import Verdict
from knowledge.registry.workflow import IN_FORCE_STATUSES, MANUAL_MOVE_LABELS, STATUS_LABELS, WorkStatus
from webapp.auth import current_scope, role_required
from webapp.confirmation import confirm_page, is_confirmed
from webapp.extensions import db
from webapp.forms import attach_error
from webapp.pages import page_arg
from webapp.works import bp
from webapp.works.filters import FILTER_KEYS, parse_filter
from webapp.works.forms import ActionForm, WorkForm
from webapp.works.params import (
    CATALOGUE,
    CATEGORY_LABELS,
    PARAMETER_LABELS,
    PARAMETER_UNITS,
    SUB_TYPE_LABELS,
    find_kind,
    raw_parameters,
    stored_as_form,
)

READERS = (Role.PROJECT_TEAM, Role.DRAW_OFFICE, Role.REGULATOR, Role.ADMIN)


def _work_or_404(work_id: int) -> Work:
    try:
        return work_queries.get_work_for(db.session, current_scope(), work_id)
    except NotFoundError:
        abort(404)


@bp.route("/")
@role_required(*READERS)
def index() -> ResponseReturnValue:
    scope = current_scope()
    found, errors = parse_filter(request.args, lambda code: queries.enterprise_id_by_code(db.session, code))
    if scope.city is not None:
        found = work_queries.WorkFilter(**{**found.__dict__, "city": scope.city})
    page = work_queries.works(db.session, scope, found, page=page_arg())
    export_args = {k: v for k, v in request.args.items() if k in FILTER_KEYS}
    return render_template(
        "works/index.html", page=page, f=found, errors=errors, scope=scope, cities=city_choices(),
        categories=CATALOGUE, verdicts=list(Verdict), statuses=list(WorkStatus), sorts=work_queries.SORTS,
        export_args=export_args, category_labels=CATEGORY_LABELS,
    )  # fmt: skip


@bp.route("/export.<fmt>")
@role_required(*READERS)
def export(fmt: str) -> ResponseReturnValue:
    if fmt not in ("csv", "xlsx"):
        abort(404)
    scope = current_scope()
    found, _ = parse_filter(request.args, lambda code: queries.enterprise_id_by_code(db.session, code))
    filters = {k: v for k, v in request.args.items() if k in FILTER_KEYS}
    audit.record_read(db.session, actor_id=scope.account_id, action="works_export", obj=("works", fmt),
                      after={"format": fmt, "filters": filters})  # fmt: skip
    rows = work_queries.iter_works(db.session, scope, found)
    if fmt == "csv":
        body, mimetype = work_export.to_csv(rows), "text/csv; charset=utf-8"
    else:
        body = work_export.to_xlsx(rows)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename=weida-works.{fmt}"
    return response


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.PROJECT_TEAM, Role.ADMIN)
def create() -> ResponseReturnValue:
    scope = current_scope()
    project_id = request.args.get("project_id", "")
    try:
        project = projects.get_project_for(db.session, scope, int(project_id) if project_id.isdigit() else 0)
    except NotFoundError:
        abort(404)
    if not can_register_work(scope, work_services.participants_of(project)):
        abort(403)
    kind = request.values.get("kind", "")
    chosen = find_kind(kind)
    form = WorkForm()
    values: dict[str, str] = {}
    param_errors: dict[str, str] = {}
    if chosen and request.method == "POST":
        category, sub_type = chosen
        values = raw_parameters(request.form, sub_type)
        if form.validate_on_submit():
            data = form.to_input(project.id, category.code, sub_type.code, values)
            try:
                work = work_services.register_work(db.session, data, scope=scope)
            except DomainError as exc:
                db.session.rollback()
                _attach(form, exc, param_errors)
            else:
                flash(f"已登记：{work.verdict.label}", "success")
                return redirect(url_for("works.detail", work_id=work.id))
    return render_template(
        "works/form.html", form=form, project=project, catalogue=CATALOGUE, kind=kind, chosen=chosen,
        values=values, param_errors=param_errors,
    )  # fmt: skip


def _attach(form: WorkForm, exc: DomainError, param_errors: dict[str, str]) -> None:
    """A parameter's error goes beside that parameter; others beside their field or above the form."""
    if exc.field and exc.field not in form._fields:
        param_errors[exc.field] = str(exc)
        if exc.field in ("category", "sub_type", "parameters"):
            form.form_errors.append(str(exc))
    else:
        attach_error(form, exc)


@bp.route("/<int:work_id>")
@role_required(*READERS)
def detail(work_id: int) -> ResponseReturnValue:
    work = _work_or_404(work_id)
    scope = current_scope()
    participants = work_services.participants_of(work.project)
    versions = plan_services.versions_of(db.session, work.id)
    latest = versions[0] if versions else None
    pending = plan_services.pending_signoffs(work, latest)
    signable = [k for k in pending if plan_services.may_sign(scope, work, k)]
    is_builder = plan_services.is_builder(scope, work)
    return render_template(
        "works/detail.html", work=work, versions=versions, latest=latest, action_form=ActionForm(),
        category_label=CATEGORY_LABELS.get(work.category, work.category),
        sub_type_label=SUB_TYPE_LABELS.get((work.category, work.sub_type), work.sub_type),
        can_submit=is_builder, signable=signable, pending=pending,
        can_request_review=can_request_review(work.status, work.verdict, is_builder=is_builder),
        can_edit=can_reclassify(work.status, may_register=can_register_work(scope, participants)),
        manual=manual_move(work.status, may_record=can_record_site_move(scope, participants)),
        manual_labels=MANUAL_MOVE_LABELS, site_statuses={s.value for s in IN_FORCE_STATUSES},
        role_is_regulator=scope.role is Role.REGULATOR,
        parameter_labels=PARAMETER_LABELS, parameter_units=PARAMETER_UNITS,
        missing_labels=[PARAMETER_LABELS.get(code, code) for code in work.missing],
        history=account_queries.history(db.session, "work", work.id), status_labels=STATUS_LABELS,
        draws=draws_of_work(db.session, work.id),
        work_reviews=reviews_of_work(db.session, work.id), current_report=current_report,
        can_draw=can_request_draw(scope.role, work.status), can_check_conflicts=can_check_conflicts(scope.role),
    )  # fmt: skip


@bp.route("/<int:work_id>/parameters", methods=["GET", "POST"])
@role_required(Role.PROJECT_TEAM, Role.ADMIN)
def edit_parameters(work_id: int) -> ResponseReturnValue:
    work = _work_or_404(work_id)
    chosen = find_kind(f"{work.category}/{request.values.get('sub_type', work.sub_type)}")
    if chosen is None:
        abort(404)
    form = ActionForm()
    values = stored_as_form(work.parameters)
    param_errors: dict[str, str] = {}
    if form.validate_on_submit():
        values = raw_parameters(request.form, chosen[1])
        try:
            work_services.reclassify_work(db.session, work, chosen[1].code, values, scope=current_scope())
        except PermissionDenied:
            abort(403)
        except DomainError as exc:
            db.session.rollback()
            param_errors[exc.field or "parameters"] = str(exc)
        else:
            flash(f"参数已更新，重新判定为：{work.verdict.label}", "success")
            return redirect(url_for("works.detail", work_id=work.id))
    return render_template(
        "works/parameters.html", work=work, form=form, chosen=chosen, values=values, param_errors=param_errors
    )


@bp.route("/<int:work_id>/move", methods=["POST"])
@role_required(Role.PROJECT_TEAM)
def record_move(work_id: int) -> ResponseReturnValue:
    work = _work_or_404(work_id)
    form = ActionForm()
    if form.validate_on_submit():
        try:
            target = WorkStatus(form.value.data)
            work_services.record_site_move(db.session, work, target, scope=current_scope())
        except ValueError:
            flash("无效的状态", "danger")
        except PermissionDenied:
            abort(403)
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            flash(f"已记录：{target.label}", "success")
    return redirect(url_for("works.detail", work_id=work.id))


@bp.route("/<int:work_id>/request-review", methods=["POST"])
@role_required(Role.PROJECT_TEAM)
def request_review(work_id: int) -> ResponseReturnValue:
    work = _work_or_404(work_id)
    if ActionForm().validate_on_submit():
        # Asked once more only when it can go ahead; otherwise the service says at once why not.
        may = can_request_review(
            work.status, work.verdict, is_builder=plan_services.is_builder(current_scope(), work)
        )
        if may and not is_confirmed():
            return _confirm_request_review(work)
        try:
            plan_services.request_review(db.session, work, scope=current_scope())
        except PermissionDenied:
            abort(403)
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            flash("已申请专家论证", "success")
    return redirect(url_for("works.detail", work_id=work.id))


def _confirm_request_review(work: Work) -> ResponseReturnValue:
    """Art. 12: once asked for, the review goes to the office's draw; the page says so before it is sent."""
    latest = plan_services.latest_version(db.session, work.id)
    plan = f"《{latest.title}》第{latest.number}版" if latest else "当前方案"
    return confirm_page(
        title="确认申请专家论证",
        consequences=[
            f"将为“{work.name}”申请专家论证，论证对象为已签字的{plan}。",
            f"工程状态将变为“{WorkStatus.REVIEW_REQUESTED.label}”，由抽取办公室从专家库随机抽取专家组织论证会。",
            "编制、审核或审批本方案的人员，以及与本工程参建单位有利害关系的专家，将被回避。",
        ],
        back_url=url_for("works.detail", work_id=work.id),
        button="确认申请",
    )
