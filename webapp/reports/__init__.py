"""Signed documents: the review report PDF, the draw record PDF, and the public verification of report codes."""

from __future__ import annotations

import io
from datetime import date

from flask import Blueprint, abort, current_app, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue

from expert_pool.draws import digest as chain_digest
from expert_pool.draws.models import Draw
from expert_pool.draws.record_pdf import draw_pdf as build_draw_pdf
from expert_pool.draws.reveal import reveal_names
from expert_pool.reviews import meetings as reviews
from expert_pool.reviews import report_chain
from expert_pool.reviews import reports as review_reports
from expert_pool.reviews.report_pdf import Edition, edition_for
from expert_pool.reviews.report_pdf import report_pdf as build_report_pdf
from knowledge import audit
from knowledge.accounts.models import Role
from knowledge.errors import NotFoundError, ValidationError
from knowledge.registry import queries as work_queries
from webapp import clock
from webapp.auth import current_account, current_scope, role_required
from webapp.cli import digest_key_from_config
from webapp.extensions import db

bp = Blueprint("reports", __name__)
ANYONE = (Role.PROJECT_TEAM, Role.DRAW_OFFICE, Role.EXPERT, Role.REGULATOR, Role.ADMIN)
RECORD_READERS = (Role.DRAW_OFFICE, Role.REGULATOR, Role.ADMIN)  # never the project team: its panel is sealed
CODE_ECHO_MAX = 64  # a typed code is shown back, but not at any length


def _pdf(data: bytes, name: str) -> ResponseReturnValue:
    response = send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True, download_name=name)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/reviews/<int:review_id>/reports/<int:report_id>.pdf")
@role_required(*ANYONE)
def report_pdf(review_id: int, report_id: int) -> ResponseReturnValue:
    """Who may see the review may have its reports; the project team only final ones; the panel any version.
    The edition is the pages' rule: the regulators' record (with the annex of individual opinions) for whoever
    may see those opinions, the issued report for everyone else, the project team first."""
    scope, account = current_scope(), current_account()
    try:
        review, acc = reviews.visible_review(db.session, scope, review_id)
        report = review_reports.get_report(db.session, review, report_id)
    except NotFoundError:
        abort(404)
    if report.finalised_at is None and scope.role is Role.PROJECT_TEAM:
        abort(404)
    edition = edition_for(acc)
    data = build_report_pdf(db.session, review, report, base_url=current_app.config["PUBLIC_BASE_URL"],
                            edition=edition)  # fmt: skip
    # The report names the panel: logged like every other view of the names.
    reveal_names(db.session, review.draw, role=account.role, account_id=account.id, now=clock.now(),
                 member=acc.member)  # fmt: skip
    audit.record_read(db.session, actor_id=account.id, action="report_pdf", obj=("review_report", report.id),
                      after={"review_id": review.id, "edition": edition.value})  # fmt: skip
    kind = "-监管存档本" if edition is Edition.RECORD else ""
    return _pdf(data, f"专家论证报告-{report.verify_code}-第{report.version}版{kind}.pdf")


@bp.route("/draws/<int:draw_id>/record.pdf")
@role_required(*RECORD_READERS)
def draw_pdf(draw_id: int) -> ResponseReturnValue:
    draw = db.session.get(Draw, draw_id)
    if draw is None:
        abort(404)
    try:
        work_queries.get_work_for(db.session, current_scope(), draw.work_id)
    except NotFoundError:
        abort(404)
    account, now = current_account(), clock.now()
    data = build_draw_pdf(db.session, draw, now=now)
    reveal_names(db.session, draw, role=account.role, account_id=account.id, now=now)
    return _pdf(data, f"专家抽取记录-{draw.id}.pdf")


@bp.route("/verify")
def verify_form() -> ResponseReturnValue:
    """Public: type the code printed on a report; a well-formed code goes on to its verification page."""
    raw = request.args.get("code", "")
    if not raw.strip():
        return render_template(
            "reports/verify.html",
            verdict=None,
            error=None,
            code="",
            chain=_chain(),
            report_head=_report_head(),
        )
    try:
        code = review_reports.normalise_code(raw)
    except ValidationError as exc:
        return render_template(
            "reports/verify.html",
            verdict=None,
            error=str(exc),
            code=raw[:CODE_ECHO_MAX],
            chain=_chain(),
            report_head=_report_head(),
        ), 400
    return redirect(url_for("reports.verify", code=code))


@bp.route("/verify/<code>")
def verify(code: str) -> ResponseReturnValue:
    """Public, no sign-in: is the report with this code genuine, and is it the version in force?"""
    try:
        verdict = review_reports.verify_code(db.session, code)
    except (ValidationError, NotFoundError) as exc:
        status = 400 if isinstance(exc, ValidationError) else 404
        return render_template(
            "reports/verify.html",
            verdict=None,
            error=str(exc),
            code=code[:CODE_ECHO_MAX],
            chain=_chain(),
            report_head=_report_head(),
        ), status
    report = verdict.report
    work = report.review.work
    return render_template("reports/verify.html", verdict=verdict, message=verdict.message, report=report,
                           work=work, project=work.project, code=report.verify_code, error=None,
                           chain=_chain(), report_head=_report_head())  # fmt: skip


def _chain() -> chain_digest.Published:
    """The draws' keyed chain head and its recent signed digests, shown on the public verification page."""
    return chain_digest.published(db.session, chain_digest.public_key_hex(digest_key_from_config()))


def _report_head() -> tuple[int, str] | None:
    """The report chain's head (position and MAC), published beside the draws' on the verification page."""
    return report_chain.head(db.session)


@bp.route("/verify/draw-chain/<day>.json")
def chain_digest_file(day: str) -> ResponseReturnValue:
    """Public: one day's signed digest of the draws' chain head, to keep and later check against
    (``flask draws verify --against FILE``)."""
    try:
        found = chain_digest.on_day(db.session, date.fromisoformat(day))
    except ValueError:
        abort(404)
    if found is None:
        abort(404)
    document = chain_digest.as_document(found, chain_digest.public_key_hex(digest_key_from_config()))
    attachment = f"attachment; filename=draw-chain-digest-{found.day.isoformat()}.json"
    return document, 200, {"Content-Disposition": attachment}


from webapp.reports import supervision_pages  # noqa: E402,F401
