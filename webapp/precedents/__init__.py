"""Common problems pages (issue 23): the problems of each work category with their counts (a city reader's city
only), a provincial regulator's full recomputation as a job with progress; the pre-check panel that the plan
pages include is rendered from ``precheck_context``."""

from __future__ import annotations

from typing import Any

import click
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from expert_pool.precedents import queries, services
from expert_pool.precedents.models import PrecedentRun
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.db import utcnow
from knowledge.errors import NotFoundError, PermissionDenied
from knowledge.plans.models import PlanVersion
from knowledge.plans.sections import SECTION_TITLES
from knowledge.regions import City
from webapp import clock
from webapp.auth import current_scope, role_required
from webapp.extensions import db
from webapp.forms import Form

bp = Blueprint("precedents", __name__, url_prefix="/problems")
READERS = queries.PAGE_READERS


def enqueue_run(run_id: int) -> None:
    """Hand the full run to the job queue (the consumer runs it; tests run it at once)."""
    from webapp.precedents.tasks import run_full_grouping

    run_full_grouping(run_id)


def progress_json(run: PrecedentRun | None) -> dict[str, Any]:
    if run is None:
        return {"id": None, "done": 0, "total": 0, "finished": True, "error": ""}
    return {"id": run.id, "done": run.done, "total": run.total, "finished": run.finished_at is not None,
            "error": run.error}  # fmt: skip


def may_run(scope: Scope) -> bool:
    return scope.role is Role.ADMIN or (scope.role is Role.REGULATOR and scope.city is None)


@bp.route("")
@role_required(*READERS)
def index() -> ResponseReturnValue:
    scope = current_scope()
    return render_template("precedents/index.html", summary=queries.category_summary(db.session),
                           latest=services.last_run(db.session), may_run=may_run(scope), form=Form(),
                           city=scope.city if scope.role.has_city_scope else None,
                           min_precedents=queries.MIN_PRECEDENTS)  # fmt: skip


@bp.route("/<category>")
@role_required(*READERS)
def category(category: str) -> ResponseReturnValue:
    sub_type = request.args.get("sub_type", "").strip() or None
    try:
        view = queries.problems_view(db.session, current_scope(), category, sub_type=sub_type)
    except NotFoundError:
        abort(404)
    sub_types = [(code, label) for (c, code), label in queries.SUB_TYPE_LABELS.items() if c == category]
    return render_template("precedents/category.html", view=view, label=queries.CATEGORY_LABELS[category],
                           sub_types=sub_types, sections=SECTION_TITLES, cities=City,
                           min_precedents=queries.MIN_PRECEDENTS)  # fmt: skip


@bp.route("/run", methods=["POST"])
@role_required(*READERS)
def run() -> ResponseReturnValue:
    if not Form().validate_on_submit():
        abort(400)
    try:
        started, is_new = services.start_run(db.session, current_scope(), now=clock.now())
    except PermissionDenied:
        abort(403)
    if is_new:
        enqueue_run(started.id)
        flash("共性问题全量重算已开始，进度见本页", "success")
    else:
        flash("已有全量重算正在进行，进度见本页", "info")
    return redirect(url_for("precedents.index"))


@bp.route("/progress")
@role_required(*READERS)
def progress() -> ResponseReturnValue:
    return progress_json(services.last_run(db.session))


@bp.route("/plans/<int:version_id>")
@role_required(Role.PROJECT_TEAM, Role.DRAW_OFFICE, Role.REGULATOR, Role.ADMIN, Role.EXPERT)
def plan_precheck(version_id: int) -> ResponseReturnValue:
    """The pre-check of one plan version on its own page (the panel's experts reach it from the plan they read)."""
    try:
        version = queries.readable_version(db.session, current_scope(), version_id)
    except NotFoundError:
        abort(404)
    return render_template("precedents/plan.html", version=version, **precheck_context(version))


def precheck_context(version: PlanVersion) -> dict[str, Any]:
    """The pre-check panel's context for a plan page whose view has already checked the reader may see it."""
    return {"precheck": queries.precheck_version(db.session, version), "precheck_sections": SECTION_TITLES}


@bp.cli.command("recompute")
def recompute_command() -> None:
    """全量重算共性问题（与页面上的“全量重算”相同，在本进程中执行）。"""
    run, is_new = services.start_system_run(db.session, now=utcnow())
    if not is_new:
        raise click.ClickException(f"已有全量重算正在进行（第{run.id}次，{run.done}/{run.total}）")
    done = services.run_full(db.session, run.id)
    problems = "，".join(
        f"{queries.CATEGORY_LABELS.get(c, c)} {n}" for c, n in done.figures["problems"].items()
    )
    click.echo(
        f"已读取 {done.total} 项来源、{done.figures['statements']} 条表述，用时 {done.figures['seconds']} 秒"
    )
    click.echo(f"共性问题：{problems}")


@bp.cli.command("update")
def update_command() -> None:
    """归并新办结的论证、新的检查和隐患（与每5分钟的后台任务相同）。"""
    done = services.update_new(db.session, now=utcnow())
    click.echo(f"已归并 {done.sources} 项来源、{done.statements} 条表述，涉及 {done.problems} 个共性问题")
