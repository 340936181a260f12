"""The audit administrator's pages: the audit log with filters, its CSV/XLSX export and the chain check; every one
of them is itself recorded in the log (knowledge/accounts/audit_log.py)."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from expert_pool.credit.rules import EVENT_LABELS, SANCTION_LABELS
from expert_pool.experts.models import ExpertStatus
from knowledge.accounts import audit_log, audit_text
from knowledge.accounts.audit_text import Vocabulary
from knowledge.accounts.models import Role
from knowledge.audit_labels import ACTION_LABELS
from knowledge.db import utcnow
from knowledge.errors import PermissionDenied, ValidationError
from knowledge.regions import City
from knowledge.registry.workflow import STATUS_LABELS
from webapp.admin import bp
from webapp.auth import current_scope
from webapp.extensions import db
from webapp.forms import Form
from webapp.pages import page_arg

EXPORT_TYPES = {"csv": "text/csv; charset=utf-8",
                "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}  # fmt: skip


def vocabulary() -> Vocabulary:
    """The stored values a description translates: credit kinds and sanctions, statuses, roles, cities."""
    statuses = {**STATUS_LABELS, **{s.value: s.label for s in ExpertStatus},
                "upheld": "申诉成立", "rejected": "驳回", "pending": "待处理"}  # fmt: skip
    return {
        "kind": {k.value: v for k, v in EVENT_LABELS.items()},
        "sanction": {k.value: v for k, v in SANCTION_LABELS.items()},
        "status": statuses,
        "role": {r.value: r.label for r in Role},
        "city": {c.value: c.label for c in City},
        "action": ACTION_LABELS,
    }


def _criteria() -> tuple[audit_log.AuditFilter, str | None]:
    """The filter of the request, or none and the reason in Chinese when a value is bad."""
    try:
        return audit_log.parse_filter(request.args), None
    except ValidationError as exc:
        return audit_log.AuditFilter(), str(exc)


@bp.route("/audit")
@login_required
def audit() -> ResponseReturnValue:
    criteria, error = _criteria()
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
    texts = audit_text.describe_all(db.session, page.items, vocabulary())
    links = {k: v for k, v in request.args.items() if k in audit_log.FILTER_FIELDS} if error is None else {}
    return render_template("admin/audit.html", page=page, rows=list(zip(page.items, texts, strict=True)),
                           criteria=criteria, actions=ACTION_LABELS, object_types=audit_text.OBJECT_TYPE_LABELS, form=Form(), verification=shown, error=error,
                           links=links, raw=request.args)  # fmt: skip


@bp.route("/audit/export.csv", defaults={"fmt": "csv"})
@bp.route("/audit/export.<fmt>")
@login_required
def export_audit(fmt: str) -> ResponseReturnValue:
    if fmt not in EXPORT_TYPES:
        abort(404)
    criteria, error = _criteria()
    if error is not None:  # the page says what is wrong with the filter
        return redirect(url_for("admin.audit", **request.args.to_dict()))
    export = audit_log.export_csv if fmt == "csv" else audit_log.export_xlsx
    try:
        body = export(db.session, criteria, actor_id=current_scope().account_id, vocabulary=vocabulary())
    except PermissionDenied:
        abort(403)
    headers = {"Content-Disposition": f'attachment; filename="audit-log.{fmt}"', "Cache-Control": "no-store"}
    return body, 200, {"Content-Type": EXPORT_TYPES[fmt], **headers}


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
