"""An expert's portrait page (数据画像, issue 22 item 3): for regulators of his city, and for himself."""

from __future__ import annotations

from flask import abort, render_template
from flask.typing import ResponseReturnValue

from expert_pool.credit import rules as credit
from expert_pool.portraits import expert as portraits
from knowledge.accounts.models import Role
from knowledge.errors import PermissionDenied
from webapp import clock
from webapp.auth import current_account, current_scope, role_required
from webapp.experts import bp, expert_or_404
from webapp.extensions import db


def _show(expert_id: int) -> ResponseReturnValue:
    expert = expert_or_404(expert_id)
    try:
        found = portraits.portrait(db.session, current_scope(), expert, today=clock.now().date())
    except PermissionDenied:
        abort(403)
    years = sorted({y for y, _, _ in found.by_year_category})
    categories = sorted({c for _, c, _ in found.by_year_category})
    cells = {(y, c): n for y, c, n in found.by_year_category}
    chart = {
        "categories": [str(y) for y in years],
        "series": [{"name": c, "values": [cells.get((y, c), 0) for y in years]} for c in categories],
    }
    return render_template("experts/portrait.html", p=found, years=years, categories=categories, cells=cells,
                           chart=chart, labels=credit.EVENT_LABELS)  # fmt: skip


@bp.route("/<int:expert_id>/portrait")
@role_required(Role.REGULATOR, Role.ADMIN)
def portrait(expert_id: int) -> ResponseReturnValue:
    return _show(expert_id)


@bp.route("/me/portrait")
@role_required(Role.EXPERT)
def my_portrait() -> ResponseReturnValue:
    return _show(current_account().expert_id or 0)
