"""Enterprise directory views."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from knowledge.accounts.models import Role
from knowledge.accounts.permissions import can_manage_enterprises
from knowledge.enterprises import groups, queries, services
from knowledge.errors import DomainError, NotFoundError
from knowledge.regions import City, city_choices
from knowledge.registry import projects
from webapp.auth import current_scope, role_required
from webapp.enterprises import bp
from webapp.enterprises.forms import EnterpriseForm
from webapp.extensions import db
from webapp.forms import attach_error, enum_or_none
from webapp.pages import page_arg


@bp.route("/")
@login_required
def index() -> ResponseReturnValue:
    q = request.args.get("q", "").strip()[:100]
    city = enum_or_none(City, request.args.get("city"))
    page = queries.enterprises(db.session, q=q, city=city, page=page_arg())
    return render_template(
        "enterprises/index.html",
        page=page,
        q=q,
        city=city,
        cities=city_choices(),
        can_manage=can_manage_enterprises(current_scope()),
    )


@bp.route("/<int:enterprise_id>")
@login_required
def detail(enterprise_id: int) -> ResponseReturnValue:
    try:
        enterprise = queries.get_enterprise(db.session, enterprise_id)
    except NotFoundError:
        abort(404)
    scope = current_scope()
    return render_template(
        "enterprises/detail.html",
        enterprise=enterprise,
        projects=projects.projects_of_enterprise(db.session, scope, enterprise.id),
        group_history=groups.history(db.session, enterprise.id),
        can_manage=can_manage_enterprises(scope),
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def create() -> ResponseReturnValue:
    form = EnterpriseForm()
    if form.validate_on_submit():
        try:
            enterprise = services.create_enterprise(
                db.session, form.to_input(), actor_id=current_scope().account_id
            )
        except DomainError as exc:
            db.session.rollback()
            attach_error(form, exc)
        else:
            flash("单位已登记", "success")
            return redirect(url_for("enterprises.detail", enterprise_id=enterprise.id))
    return render_template("enterprises/form.html", form=form, enterprise=None)


@bp.route("/<int:enterprise_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit(enterprise_id: int) -> ResponseReturnValue:
    try:
        enterprise = queries.get_enterprise(db.session, enterprise_id)
    except NotFoundError:
        abort(404)
    form = EnterpriseForm(
        data={
            "name": enterprise.name,
            "credit_code": enterprise.credit_code,
            "type": enterprise.type.value,
            "city": enterprise.city.value,
            "parent_credit_code": enterprise.parent.credit_code if enterprise.parent else "",
        }
        if request.method == "GET"
        else None
    )
    if form.validate_on_submit():
        try:
            services.update_enterprise(
                db.session, enterprise.id, form.to_input(), actor_id=current_scope().account_id
            )
        except DomainError as exc:
            db.session.rollback()
            attach_error(form, exc)
        else:
            flash("单位信息已更新", "success")
            return redirect(url_for("enterprises.detail", enterprise_id=enterprise.id))
    return render_template("enterprises/form.html", form=form, enterprise=enterprise)
