"""The audit administrator's pages: the audit log with filters, its CSV export and the chain check; every one of
them is itself recorded in the log (knowledge/accounts/audit_log.py)."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from knowledge.accounts import audit_log
from knowledge.audit import ACTION_LABELS
from knowledge.db import utcnow
from knowledge.errors import PermissionDenied
from webapp.admin import bp
from webapp.auth import current_scope
from webapp.extensions import db
from webapp.forms import Form
from webapp.pages import page_arg


def _criteria() -> audit_log.AuditFilter:
    actor = request.args.get("actor_id", "").strip()
    return audit_log.AuditFilter(
        object_type=request.args.get("object_type", "").strip()[:32],
        action=request.args.get("action", "").strip()[:64],
        actor_id=int(actor) if actor.isdigit() and len(actor) < 10 else None,
    )


@bp.route("/audit")
@login_required
def audit() -> ResponseReturnValue:
    criteria = _criteria()
    actor_id = current_scope().account_id
    try:
        page = audit_log.read(db.session, criteria, actor_id=actor_id, page=page_arg())
        shown = (
            audit_log.last_verification(db.session, actor_id=actor_id)
            if request.args.get("checked")
            else None
        )
    except PermissionDenied:
        abort(403)
    return render_template("admin/audit.html", page=page, criteria=criteria, actions=ACTION_LABELS,
                           form=Form(), verification=shown)  # fmt: skip


@bp.route("/audit/export.csv")
@login_required
def export_audit() -> ResponseReturnValue:
    try:
        body = audit_log.export_csv(db.session, _criteria(), actor_id=current_scope().account_id)
    except PermissionDenied:
        abort(403)
    headers = {"Content-Disposition": 'attachment; filename="audit-log.csv"', "Cache-Control": "no-store"}
    return body, 200, {"Content-Type": "text/csv; charset=utf-8", **headers}


@bp.route("/audit/verify", methods=["POST"])
@login_required
def verify_audit() -> ResponseReturnValue:
    if not Form().validate_on_submit():
        abort(400)
    try:
        audit_log.verify_chain(db.session, actor_id=current_scope().account_id, now=utcnow())
    except PermissionDenied:
        abort(403)
    return redirect(url_for("admin.audit", checked=1))  # the result is read back from its audit row
