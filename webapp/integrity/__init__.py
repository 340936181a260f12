"""Integrity analytics pages (issue 22 item 4): the findings of the latest scan for regulators, a provincial
regulator's button to run a new scan (a background job with progress), and marking a finding examined."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from expert_pool.integrity import services
from expert_pool.integrity.models import FindingKind, IntegrityRun
from knowledge.accounts.models import Role
from knowledge.clock import CST
from knowledge.errors import DomainError, NotFoundError, PermissionDenied
from webapp import clock
from webapp.auth import current_scope, role_required
from webapp.extensions import db
from webapp.forms import Form, enum_or_none
from webapp.pages import page_arg

bp = Blueprint("integrity", __name__, url_prefix="/integrity")
READERS = (Role.REGULATOR, Role.ADMIN)


def enqueue_scan(run_id: int) -> None:
    """Hand the run to the job queue (the consumer runs it; tests run the queue immediately)."""
    from webapp.integrity.tasks import run_integrity_scan

    run_integrity_scan(run_id)


def progress_json(run: IntegrityRun | None) -> dict[str, Any]:
    if run is None:
        return {"id": None, "done": 0, "total": 0, "finished": True, "error": ""}
    return {"id": run.id, "done": run.done, "total": run.total, "finished": run.finished_at is not None,
            "error": run.error}  # fmt: skip


@bp.route("")
@role_required(*READERS)
def index() -> ResponseReturnValue:
    scope = current_scope()
    kind = enum_or_none(FindingKind, request.args.get("kind"))
    examined = {"yes": True, "no": False}.get(request.args.get("examined", ""))
    page = services.findings_page(db.session, scope, kind=kind, examined=examined, page=page_arg())
    return render_template("integrity/index.html", page=page, kinds=list(FindingKind), kind=kind,
                           examined=request.args.get("examined", ""), latest=services.last_run(db.session),
                           may_run=scope.role is Role.ADMIN or scope.city is None, form=Form())  # fmt: skip


@bp.route("/run", methods=["POST"])
@role_required(*READERS)
def run() -> ResponseReturnValue:
    if not Form().validate_on_submit():
        abort(400)
    now = clock.now()
    try:
        started, is_new = services.start_run(
            db.session, current_scope(), on=now.astimezone(CST).date(), now=now
        )
    except PermissionDenied:
        abort(403)
    if is_new:
        enqueue_scan(started.id)
        flash("诚信分析已开始，进度见本页", "success")
    else:
        flash("已有诚信分析正在进行，进度见本页", "info")
    return redirect(url_for("integrity.index"))


@bp.route("/progress")
@role_required(*READERS)
def progress() -> ResponseReturnValue:
    return progress_json(services.last_run(db.session))


@bp.route("/findings/<int:finding_id>/examine", methods=["POST"])
@role_required(*READERS)
def examine(finding_id: int) -> ResponseReturnValue:
    if not Form().validate_on_submit():
        abort(400)
    try:
        services.mark_examined(db.session, current_scope(), finding_id, note=request.form.get("note", ""),
                               now=clock.now())  # fmt: skip
    except NotFoundError:
        abort(404)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    else:
        flash("已记录核查情况", "success")
    return redirect(request.referrer or url_for("integrity.index"))
