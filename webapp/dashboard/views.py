"""Dashboard pages: GET /dashboard (period, area and comparison measure as a GET form) and GET /dashboard/<chart>.csv
with the same filters. A city's regulator is held to his city (403 with the reason); bad input gets its message."""

from __future__ import annotations

from flask import Response, render_template, request
from flask.typing import ResponseReturnValue

from expert_pool.analytics import dashboard as figures
from expert_pool.analytics.access import READERS
from expert_pool.analytics.cities import MEASURES
from expert_pool.analytics.errors import AnalyticsError
from expert_pool.analytics.periods import format_area, parse_area, parse_period, quarter_of
from expert_pool.analytics.tables import to_csv
from knowledge.clock import CST
from knowledge.errors import PermissionDenied
from knowledge.regions import City
from webapp import clock
from webapp.auth import current_scope, role_required
from webapp.dashboard import bp
from webapp.extensions import db

TARGETS = {"work": "works.detail", "review": "reviews.detail", "hazard": "site.hazard_detail"}
TARGET_ARGS = {"work": "work_id", "review": "review_id", "hazard": "hazard_id"}


def _query() -> figures.Query:
    """The checked request. :raises AnalyticsError: bad input; :raises PermissionDenied: an area not his."""
    today = clock.now().astimezone(CST).date()
    raw_period = request.args.get("period", "").strip()
    period = parse_period(raw_period) if raw_period else quarter_of(today)
    area = request.args.get("area")
    return figures.make_query(current_scope(), period, parse_area(area), asked=area is not None,
                              measure=request.args.get("measure", ""), today=today)  # fmt: skip


def _form_values() -> dict[str, str]:
    return {k: request.args.get(k, "")[:40] for k in ("period", "area", "measure")}


def _refused(exc: PermissionDenied) -> ResponseReturnValue:
    db.session.rollback()
    return render_template("errors/error.html", status=403, title="无权访问", message=str(exc)), 403


def _page(**context: object) -> str:
    return render_template("dashboard/index.html", cities=list(City), measures=MEASURES, targets=TARGETS,
                           target_args=TARGET_ARGS, scope=current_scope(), **context)  # fmt: skip


@bp.route("", endpoint="index")
@role_required(*READERS)
def index() -> ResponseReturnValue:
    try:
        query = _query()
    except PermissionDenied as exc:
        return _refused(exc)
    except AnalyticsError as exc:
        return _page(board=None, error=str(exc), error_field=exc.field or "", values=_form_values()), 400
    board = figures.dashboard(db.session, query)
    values = {"period": query.period.label, "area": format_area(query.city), "measure": query.measure}
    return _page(board=board, error=None, error_field="", values=values)


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
