"""Dashboard pages: GET /dashboard (period, area, comparison measure and the common problems' category as a GET
form), GET /dashboard/<chart>.csv with the same filters, and POST /dashboard/problem-sweeps (开展专项排查 for a top
problem of the period and area). A city's regulator is held to his city (403 with the reason); bad input gets its
message."""

from __future__ import annotations

from datetime import date, datetime

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from expert_pool.analytics import dashboard as figures
from expert_pool.analytics import problem_sweeps
from expert_pool.analytics.access import READERS
from expert_pool.analytics.cache import FigureCache
from expert_pool.analytics.cities import MEASURES
from expert_pool.analytics.errors import AnalyticsError
from expert_pool.analytics.periods import format_area, parse_area, parse_period, quarter_of
from expert_pool.analytics.tables import to_csv
from knowledge.accounts.models import Role
from knowledge.clock import CST
from knowledge.errors import PermissionDenied, ValidationError
from knowledge.regions import City
from webapp import clock
from webapp.auth import current_scope, role_required
from webapp.dashboard import bp
from webapp.extensions import db, kept_values

TARGETS = {"work": "works.detail", "review": "reviews.detail", "hazard": "site.hazard_detail"}
TARGET_ARGS = {"work": "work_id", "review": "review_id", "hazard": "hazard_id"}


def _kept() -> FigureCache[figures.Dashboard]:
    """This app's kept dashboards (``DASHBOARD_FRESH_SECONDS``, 0: computed on every view)."""
    return kept_values("dashboard_figures", current_app.config["DASHBOARD_FRESH_SECONDS"])


def _today() -> date:
    return clock.now().astimezone(CST).date()


def _query() -> figures.Query:
    """The checked request. :raises AnalyticsError: bad input; :raises PermissionDenied: an area not his."""
    today = _today()
    raw_period = request.args.get("period", "").strip()
    period = parse_period(raw_period) if raw_period else quarter_of(today)
    area = request.args.get("area")
    return figures.make_query(current_scope(), period, parse_area(area), asked=area is not None,
                              measure=request.args.get("measure", ""), today=today,
                              category=request.args.get("category", ""))  # fmt: skip


def _form_values() -> dict[str, str]:
    return {k: request.args.get(k, "")[:40] for k in ("period", "area", "measure", "category")}


def _refused(exc: PermissionDenied) -> ResponseReturnValue:
    db.session.rollback()
    return render_template("errors/error.html", status=403, title="无权访问", message=str(exc)), 403


def _page(**context: object) -> str:
    scope = current_scope()
    return render_template("dashboard/index.html", cities=list(City), measures=MEASURES, targets=TARGETS,
                           target_args=TARGET_ARGS, scope=scope, may_open_sweep=scope.role is Role.REGULATOR,
                           sweep_days=problem_sweeps.SWEEP_DAYS, **context)  # fmt: skip


@bp.route("", endpoint="index")
@role_required(*READERS)
def index() -> ResponseReturnValue:
    try:
        query = _query()
    except PermissionDenied as exc:
        return _refused(exc)
    except AnalyticsError as exc:
        return _page(board=None, error=str(exc), error_field=exc.field or "", values=_form_values()), 400
    board, computed_at = figures.kept_dashboard(db.session, query, _kept())
    values = {"period": query.period.label, "area": format_area(query.city), "measure": query.measure,
              "category": board.problems.category if board.problems else ""}  # fmt: skip
    computed = datetime.fromtimestamp(computed_at, CST)
    return _page(board=board, error=None, error_field="", values=values, computed=computed)


@bp.route("/<chart>.csv", endpoint="csv")
@role_required(*READERS)
def chart_csv(chart: str) -> ResponseReturnValue:
    try:
        query = _query()
        table = figures.table(db.session, query, chart)
    except PermissionDenied as exc:
        return _refused(exc)
    except AnalyticsError as exc:
        return Response(str(exc), status=400, mimetype="text/plain")
    name = f"dashboard-{table.key}-{query.period.label}-{format_area(query.city)}.csv"
    return Response(to_csv(table), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename={name}"})  # fmt: skip


@bp.route("/problem-sweeps", methods=["POST"], endpoint="problem_sweep")
@role_required(Role.REGULATOR)
def problem_sweep() -> ResponseReturnValue:
    """开展专项排查: the special sweep of a top problem's works for the period and area of the form, then its page."""
    form = request.form
    try:
        raw_period = form.get("period", "").strip()
        period = parse_period(raw_period) if raw_period else quarter_of(_today())
        sweep, opened = problem_sweeps.open_problem_sweep(
            db.session, current_scope(), problem_id=problem_sweeps.parse_problem_id(form.get("problem")),
            period=period, city=parse_area(form.get("area")), today=_today(),
        )  # fmt: skip
    except PermissionDenied as exc:
        return _refused(exc)
    except ValidationError as exc:
        db.session.rollback()
        return render_template("errors/error.html", status=400, title="无法开展专项排查", message=str(exc),
                               back=True), 400  # fmt: skip
    flash(
        "专项排查已开展" if opened else "该问题本期的专项排查已开展，以下为已有的排查轮次",
        "success" if opened else "info",
    )
    return redirect(url_for("site.sweep_detail", sweep_id=sweep.id))
