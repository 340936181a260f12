"""Home dashboard per role, and the health check."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from flask.typing import ResponseReturnValue
from flask_login import login_required
from sqlalchemy import text

from expert_pool.experts.models import Expert
from knowledge.accounts.models import Role
from knowledge.cranes import inspection_queries as crane_reports
from knowledge.cranes.inspection_models import ReportState
from knowledge.registry import projects
from knowledge.workbench.tasks import Board
from webapp.auth import current_account, current_scope
from webapp.extensions import db, search_index
from webapp.main.workbench import current_board, nav_counts, task_url, today

bp = Blueprint("main", __name__)
TASKS_SHOWN = (
    100  # the most urgent first; a province's regulator can have tens of thousands open (all counted)
)


@bp.route("/")
@login_required
def home() -> ResponseReturnValue:
    account = current_account()
    scope = current_scope()
    is_expert = account.role is Role.EXPERT
    is_inspector = account.role is Role.INSPECTION_BODY
    recent = [] if is_expert or is_inspector else projects.projects(db.session, scope, per_page=5).items
    expert = db.session.get(Expert, account.expert_id) if account.expert_id else None
    drafts = published = None
    if is_inspector:  # the body's inspections under way, and its latest reports
        drafts = crane_reports.reports_page(db.session, scope, state=ReportState.DRAFT, per_page=10)
        published = crane_reports.reports_page(db.session, scope, state=ReportState.PUBLISHED, per_page=5)
    found = current_board() if account.role.is_business else Board()
    on = today()
    return render_template(
        "main/home.html",
        account=account,
        tasks=found.tasks[:TASKS_SHOWN],
        total_tasks=found.open,
        task_url=task_url,
        today=on,
        late=found.late,
        counts=projects.counts(db.session, scope),
        recent_projects=recent,
        expert=expert,
        drafts=drafts,
        published=published,
    )


@bp.route("/tasks/count")
@login_required
def task_count() -> ResponseReturnValue:
    """The navigation bar's count of open and late tasks (fetched by behaviours.js after the page shows)."""
    return jsonify(nav_counts())


@bp.route("/healthz")
def healthz() -> ResponseReturnValue:
    """Liveness and readiness: the database answers a query and the search index opens and reads."""
    checks: dict[str, str] = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - report, never raise, from a health check
        db.session.rollback()
        checks["database"] = f"error: {type(exc).__name__}"
    health = search_index().health()
    checks["index"] = "ok" if health.ok else f"error: {health.detail}"
    is_ok = all(v == "ok" for v in checks.values())
    return jsonify({"status": "ok" if is_ok else "error", "checks": checks}), 200 if is_ok else 503
