"""Inspection pages: the phone form at the site, an inspection with its photos and hazards, the regulators' list."""

from __future__ import annotations

from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue

from expert_pool.reviews import site_findings
from knowledge.accounts.models import Role
from knowledge.clock import CST
from knowledge.errors import DomainError, NotFoundError, PermissionDenied
from knowledge.regions import City, city_choices
from knowledge.registry import queries as work_queries
from knowledge.registry.models import Work
from knowledge.registry.scope_tables import CATEGORIES
from knowledge.site import files as site_files
from knowledge.site import inspection_queries as queries
from knowledge.site import inspections
from knowledge.site.access import is_authority_for
from knowledge.site.inspection_models import Inspection, ItemResult
from webapp.auth import current_scope, role_required
from webapp.clock import now
from webapp.extensions import db
from webapp.forms import attach_error, enum_or_none
from webapp.pages import page_arg
from webapp.site import bp
from webapp.site.inspection_forms import CarelessForm, InspectionForm, ItemValues, parse_day

READERS = (Role.PROJECT_TEAM, Role.DRAW_OFFICE, Role.REGULATOR, Role.ADMIN)
CATEGORY_LABELS = {c.code: c.label for c in CATEGORIES}


def today() -> date:
    return now().astimezone(CST).date()


def _work(work_id: int) -> Work:
    try:
        return work_queries.get_work_for(db.session, current_scope(), work_id)
    except NotFoundError:
        abort(404)


def _inspection(inspection_id: int) -> Inspection:
    try:
        return queries.get_inspection_for(db.session, current_scope(), inspection_id)
    except NotFoundError:
        abort(404)


def _blocked(work: Work) -> str | None:
    """Why this regulator may not inspect the work now, or None."""
    try:
        inspections.check_inspectable(current_scope(), work)
    except DomainError as exc:
        return str(exc)
    return None


@bp.route("/works/<int:work_id>/inspections/new", methods=["GET", "POST"])
@role_required(Role.REGULATOR)
def new_inspection(work_id: int) -> ResponseReturnValue:
    work = _work(work_id)
    checklist = inspections.checklist_of(db.session, work)
    form = InspectionForm(data={"inspected_on": today()} if request.method == "GET" else None)
    form.offer_sweeps(queries.sweeps_for(db.session, work, today()))
    values = ItemValues.from_request(request, checklist)
    if form.validate_on_submit():
        try:
            found = inspections.record_inspection(
                db.session, work, form.to_input(values.answers), scope=current_scope(),
                upload_dir=current_app.config["UPLOAD_DIR"], today=today())  # fmt: skip
        except DomainError as exc:
            db.session.rollback()
            attach_error(form, exc)
        else:
            flash("检查记录已保存", "success")
            return redirect(url_for("site.inspection_detail", inspection_id=found.id))
    return render_template("site/inspection_form.html", work=work, form=form, checklist=checklist,
                           values=values, results=list(ItemResult), blocked=_blocked(work))  # fmt: skip


@bp.route("/inspections/<int:inspection_id>")
@role_required(*READERS)
def inspection_detail(inspection_id: int) -> ResponseReturnValue:
    inspection = _inspection(inspection_id)
    scope = current_scope()
    is_authority = is_authority_for(scope, inspection.city)
    proposal = site_findings.proposal(db.session, inspection) if scope.role is Role.REGULATOR else None
    hazards = queries.hazards_of_inspection(db.session, inspection.id)
    return render_template("site/inspection_detail.html", inspection=inspection, hazards=hazards,
                           proposal=proposal, is_authority=is_authority, careless_form=CarelessForm(),
                           sweep=queries.sweep_of(db.session, inspection), category_labels=CATEGORY_LABELS)  # fmt: skip


@bp.route("/inspections/<int:inspection_id>/careless", methods=["POST"])
@role_required(Role.REGULATOR)
def confirm_careless(inspection_id: int) -> ResponseReturnValue:
    inspection = _inspection(inspection_id)
    form = CarelessForm()
    if not form.validate_on_submit():
        flash("；".join(e for errors in form.errors.values() for e in errors) or "请填写扣分", "danger")
        return redirect(url_for("site.inspection_detail", inspection_id=inspection.id))
    try:
        rows = site_findings.confirm_careless(db.session, current_scope(), inspection, points=form.points.data,
                                              day=today())  # fmt: skip
    except PermissionDenied:
        db.session.rollback()
        abort(403)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    else:
        flash(
            f"已为{len(rows)}名专家登记信用记录" if rows else "该组专家的信用记录均已登记，未重复登记",
            "success",
        )
    return redirect(url_for("site.inspection_detail", inspection_id=inspection_id))


def _photo_response(photo_id: int, *, thumb: bool) -> ResponseReturnValue:
    try:
        photo = queries.get_photo_for(db.session, current_scope(), photo_id)
        name = photo.thumb_name if thumb else photo.stored_name
        path = site_files.stored_path(inspections.photo_dir(current_app.config["UPLOAD_DIR"]), name)
    except DomainError:
        abort(404)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype="image/jpeg" if thumb else photo.content_type, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/photos/<int:photo_id>")
@role_required(*READERS)
def inspection_photo(photo_id: int) -> ResponseReturnValue:
    return _photo_response(photo_id, thumb=False)


@bp.route("/photos/<int:photo_id>/thumb")
@role_required(*READERS)
def inspection_thumb(photo_id: int) -> ResponseReturnValue:
    return _photo_response(photo_id, thumb=True)


@bp.route("/inspections")
@role_required(Role.REGULATOR)
def inspection_list() -> ResponseReturnValue:
    scope = current_scope()
    category = request.args.get("category", "")
    found = queries.InspectionFilter(
        city=enum_or_none(City, request.args.get("city")), category=category if category in CATEGORY_LABELS else None,
        date_from=parse_day(request.args.get("date_from")), date_to=parse_day(request.args.get("date_to")))  # fmt: skip
    page = queries.inspections_page(db.session, scope, found, page=page_arg())
    return render_template("site/inspection_list.html", page=page, f=found, scope=scope, cities=city_choices(),
                           category_labels=CATEGORY_LABELS)  # fmt: skip
