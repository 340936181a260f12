"""Projects: each account sees the projects its scope allows."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask.typing import ResponseReturnValue

from knowledge.accounts.models import Role
from knowledge.accounts.permissions import can_register_work
from knowledge.errors import NotFoundError
from knowledge.regions import City, city_choices
from knowledge.registry import projects
from knowledge.registry import queries as work_queries
from knowledge.registry.services import participants_of
from webapp.auth import current_scope, role_required
from webapp.extensions import db
from webapp.forms import enum_or_none
from webapp.pages import page_arg

bp = Blueprint("projects", __name__, url_prefix="/projects")
# Experts reach projects through the reviews they sit on (a later issue), not through a list.
VIEWERS = (Role.PROJECT_TEAM, Role.DRAW_OFFICE, Role.REGULATOR, Role.ADMIN)


@bp.route("/")
@role_required(*VIEWERS)
def index() -> ResponseReturnValue:
    scope = current_scope()
    q = request.args.get("q", "").strip()[:100]
    city = enum_or_none(City, request.args.get("city"))
    if scope.city is not None:
        city = scope.city
    district = request.args.get("district", "").strip()[:32]
    page = projects.projects(db.session, scope, q=q, city=city, district=district, page=page_arg())
    return render_template(
        "projects/index.html",
        page=page,
        q=q,
        city=city,
        district=district,
        cities=city_choices(),
        scope=scope,
    )


@bp.route("/<int:project_id>")
@role_required(*VIEWERS)
def detail(project_id: int) -> ResponseReturnValue:
    scope = current_scope()
    try:
        project = projects.get_project_for(db.session, scope, project_id)
    except NotFoundError:
        abort(404)
    works = work_queries.works_of_project(db.session, project.id)
    return render_template(
        "projects/detail.html",
        project=project,
        works=works,
        can_register=can_register_work(scope, participants_of(project)),
    )
