"""Supervision portraits (监督画像, issue 22 item 3): the 13 cities' supervision bodies, or one city's inspectors."""

from __future__ import annotations

from flask import abort, render_template, request
from flask.typing import ResponseReturnValue

from expert_pool.analytics.errors import AnalyticsError
from expert_pool.analytics.periods import (
    area_label,
    format_area,
    format_period,
    parse_area,
    parse_period,
    quarter_of,
)
from knowledge.accounts.models import Role
from knowledge.clock import CST
from knowledge.errors import PermissionDenied
from knowledge.regions import City
from knowledge.site import supervision_portrait as sp
from webapp import clock
from webapp.auth import current_scope, role_required
from webapp.extensions import db
from webapp.site import bp


@bp.route("/supervision-portraits")
@role_required(Role.REGULATOR, Role.ADMIN)
def supervision_portraits() -> ResponseReturnValue:
    scope = current_scope()
    today = clock.now().astimezone(CST).date()
    error, figures = "", []
    period = quarter_of(today)
    city = scope.city
    try:
        if request.args.get("period"):
            period = parse_period(request.args.get("period"))
        if "area" in request.args:
            city = parse_area(request.args.get("area"))
        figures = sp.portraits(db.session, scope, city=city, start=period.start, end=period.end)
    except PermissionDenied:
        abort(403)
    except AnalyticsError as exc:
        error = exc.message
    if city is not None:  # one city's inspectors, the busiest first
        sp.name_inspectors(db.session, figures)
        figures.sort(key=lambda f: (-f.inspections, f.label))
    kinds = sorted({k for f in figures for k in f.checklists})
    chart = {
        "categories": [f.label for f in figures],
        "series": [
            {"name": "检查次数", "values": [f.inspections for f in figures]},
            {"name": "发现隐患", "values": [f.hazards for f in figures]},
        ],
    }
    return render_template("site/supervision_portraits.html", figures=figures, total=sp.totals(figures),
                           kinds=kinds, chart=chart, error=error, period=period, city=city,
                           period_text=format_period(period), area_text=format_area(city),
                           area_name=area_label(city), may_choose_city=scope.city is None, cities=list(City))  # fmt: skip
