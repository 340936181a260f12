"""Hazard lists: the regulators' list (filters, counts, pages, CSV/XLSX), the national register export, a project
team's open hazards, and the constructor's own-check form. The detail page and its steps: hazard_detail_pages."""

from __future__ import annotations

from datetime import date

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from knowledge import audit
from knowledge.accounts.models import Role
from knowledge.clock import CST
from knowledge.errors import DomainError, NotFoundError, PermissionDenied
from knowledge.regions import city_choices
from knowledge.registry import queries as work_queries
from knowledge.registry.models import Work
from knowledge.site import hazard_export, hazard_queries, hazards
from knowledge.site.access import is_builder
from knowledge.site.hazard_loop import Level, State
from knowledge.site.hazard_queries import HazardFilter
from webapp.auth import current_scope, role_required
from webapp.clock import now
from webapp.extensions import db
from webapp.forms import attach_error
from webapp.pages import page_arg
from webapp.site import bp
from webapp.site.hazard_filters import FILTER_KEYS, parse_filter
from webapp.site.hazard_forms import SelfCheckForm
from webapp.works.params import CATALOGUE, CATEGORY_LABELS

READERS = (Role.PROJECT_TEAM, Role.DRAW_OFFICE, Role.REGULATOR, Role.ADMIN)
REGISTER_READERS = (Role.REGULATOR, Role.ADMIN)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def today() -> date:
    return now().astimezone(CST).date()


def site_dir() -> str:
    """Site files live under the upload folder, outside the web root (the same folder as the other site records)."""
    return str(current_app.config["UPLOAD_DIR"]) + "/site"


def _scoped(found: HazardFilter) -> HazardFilter:
    """A city regulator or office sees its city whatever the city parameter says (as the works list does)."""
    scope = current_scope()
    if scope.city is not None:
        return HazardFilter(**{**found.__dict__, "city": scope.city})
    return found


def _list_page(
    template: str, found: HazardFilter, errors: dict[str, str], **extra: object
) -> ResponseReturnValue:
    scope, day = current_scope(), today()
    found = _scoped(found)
    page = hazard_queries.hazards(db.session, scope, found, today=day, page=page_arg())
    export_args = {k: v for k, v in request.args.items() if k in FILTER_KEYS}
    return render_template(
        template, page=page, f=found, errors=errors, scope=scope, today=day, cities=city_choices(),
        categories=CATALOGUE, levels=list(Level), states=list(State), category_labels=CATEGORY_LABELS,
        counts=hazard_queries.counts(db.session, scope, found, today=day), export_args=export_args,
        is_overdue=hazard_queries.is_overdue, **extra,
    )  # fmt: skip


@bp.route("/hazards")
@role_required(*READERS)
def hazards_index() -> ResponseReturnValue:
    found, errors = parse_filter(request.args)
    return _list_page("site/hazards/index.html", found, errors, mine=False)


@bp.route("/my-hazards")
@role_required(Role.PROJECT_TEAM)
def my_hazards() -> ResponseReturnValue:
    """The hazards the team's enterprise must rectify, still open, the most urgent first."""
    found = HazardFilter(is_open=True, responsible_id=current_scope().enterprise_id)
    return _list_page("site/hazards/index.html", found, {}, mine=True)


@bp.route("/hazards/export")
@role_required(*READERS)
def hazard_export_list() -> ResponseReturnValue:
    fmt = request.args.get("fmt", "csv")
    if fmt not in ("csv", "xlsx"):
        abort(404)
    scope, day = current_scope(), today()
    found = _scoped(parse_filter(request.args)[0])
    audit.record_read(db.session, actor_id=scope.account_id, action="hazards_export", obj=("hazards", fmt),
                      after={"format": fmt, "filters": {k: v for k, v in request.args.items() if k in FILTER_KEYS}})  # fmt: skip
    rows = hazard_queries.iter_hazards(db.session, scope, found, today=day)
    if fmt == "csv":
        body, mimetype = hazard_export.list_csv(rows, day), "text/csv; charset=utf-8"
    else:
        body, mimetype = hazard_export.list_xlsx(rows, day), XLSX
    return _download(body, mimetype, f"site-hazards.{fmt}")


@bp.route("/hazards/register")
@role_required(*REGISTER_READERS)
def hazard_register() -> ResponseReturnValue:
    """Major hazards for the national register (全国重大事故隐患数据库), as XLSX (default) or JSON."""
    fmt = request.args.get("fmt", "xlsx")
    if fmt not in ("xlsx", "json"):
        abort(404)
    scope, day = current_scope(), today()
    found = _scoped(parse_filter(request.args)[0])
    audit.record_read(db.session, actor_id=scope.account_id, action="hazards_register_export",
                      obj=("hazards", fmt), after={"format": fmt})  # fmt: skip
    rows = hazard_queries.iter_register(db.session, scope, found, today=day)
    if fmt == "json":
        return hazard_export.register_json(rows)
    return _download(hazard_export.register_xlsx(rows), XLSX, "major-hazards-register.xlsx")


def _download(body: bytes, mimetype: str, name: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename={name}"
    return response


def _work(work_id: int) -> Work:
    try:
        return work_queries.get_work_for(db.session, current_scope(), work_id)
    except NotFoundError:
        abort(404)


@bp.route("/works/<int:work_id>/hazards/new", methods=["GET", "POST"])
@role_required(Role.PROJECT_TEAM)
def new_self_check_hazard(work_id: int) -> ResponseReturnValue:
    work = _work(work_id)
    scope = current_scope()
    if not is_builder(scope, [(p.enterprise_id, p.role) for p in work.project.participants]):
        abort(403)
    form = SelfCheckForm()
    form.offer_items(work.category)
    if request.method == "GET":
        form.found_on.data = today()
    if form.validate_on_submit():
        try:
            hazard = hazards.record_self_check_hazard(
                db.session, work, form.to_input(), scope=scope, today=today()
            )
        except PermissionDenied:
            db.session.rollback()
            abort(403)
        except DomainError as exc:
            db.session.rollback()
            attach_error(form, exc)
        else:
            flash(f"已登记自查隐患，整改期限：{hazard.deadline.isoformat()}", "success")
            return redirect(url_for("site.hazard_detail", hazard_id=hazard.id))
    return render_template("site/hazards/new.html", form=form, work=work)


from webapp.site import hazard_detail_pages  # noqa: E402,F401
