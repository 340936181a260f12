"""Review pages: lists by role, the review (meeting record, materials, blind opinions, draft, signatures),
and the revision loop after 修改后通过. Every rule is in expert_pool; these views parse, call and show."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue

from expert_pool.draws.reveal import reveal_names
from expert_pool.experts import queries
from expert_pool.policy import pool_policy
from expert_pool.reviews import dissent, listing
from expert_pool.reviews import meetings as reviews
from expert_pool.reviews import revisions as review_revisions
from expert_pool.reviews.models import Conclusion, Review
from expert_pool.reviews.rules import ATTENDEE_ROLES, REVIEW_POINTS
from expert_pool.reviews.todo import todo_list
from knowledge import audit
from knowledge.accounts.models import Role
from knowledge.errors import DomainError, NotFoundError
from knowledge.pagination import paginate
from knowledge.plans import files as plan_files
from knowledge.plans.extraction import ExtractionLimits
from knowledge.plans.services import PlanUpload
from knowledge.regions import city_choices
from webapp import clock
from webapp.auth import current_account, current_scope, role_required
from webapp.extensions import db, search_index
from webapp.forms import Form
from webapp.precedents import precheck_context
from webapp.reviews.filters import FILTER_KEYS, page_number, parse_filter
from webapp.reviews.parse import responses_from
from webapp.search.hits import similar_reviews
from webapp.works.authors import author_fields, authors_from
from webapp.works.authors import vault as authors_vault

bp = Blueprint("reviews", __name__, url_prefix="/reviews")
ANYONE = (Role.PROJECT_TEAM, Role.DRAW_OFFICE, Role.EXPERT, Role.REGULATOR, Role.ADMIN)
# The list with filters and exports; an expert's list is his own page (his reviews and what he has to do).
LISTERS = (Role.PROJECT_TEAM, Role.DRAW_OFFICE, Role.REGULATOR, Role.ADMIN)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PER_PAGE = 30


def _review(review_id: int) -> tuple[Review, reviews.Access]:
    try:
        return reviews.visible_review(db.session, current_scope(), review_id)
    except NotFoundError:
        abort(404)


def _posted() -> None:
    if not Form().validate_on_submit():
        abort(400)


def review_or_404(review_id: int) -> tuple[Review, reviews.Access]:
    """The review the signed-in account may see (404 otherwise), for the page modules of this blueprint."""
    return _review(review_id)


def require_form() -> None:
    """400 unless the POST carries the form's valid CSRF token."""
    _posted()


def _back(review: Review, anchor: str = "") -> ResponseReturnValue:
    return redirect(url_for("reviews.detail", review_id=review.id) + (f"#{anchor}" if anchor else ""))


def _fail(exc: DomainError, review: Review, anchor: str = "") -> ResponseReturnValue:
    db.session.rollback()
    flash(str(exc), "danger")
    return _back(review, anchor)


@bp.route("")
@role_required(*ANYONE)
def index() -> ResponseReturnValue:
    scope = current_scope()
    if scope.role is Role.EXPERT:
        mine = reviews.reviews_of_expert(db.session, scope.expert_id or 0)
        todo = todo_list(db.session, mine, scope.expert_id or 0)
        return render_template("reviews/mine.html", reviews=mine, todo=todo, current=reviews.current_report)
    found, errors = parse_filter(request.args)
    stmt = listing.listed_reviews(scope, found)
    page = paginate(db.session, stmt, page_number(request.args), PER_PAGE)
    if page.page > page.pages:  # past the end (an old link, a hand-typed number): the last page instead
        page = paginate(db.session, stmt, page.pages, PER_PAGE)
    return render_template(
        "reviews/index.html", page=page, f=found, errors=errors, Conclusion=Conclusion, cities=city_choices(),
        categories=listing.CATEGORY_LABELS, by_city=listing.may_filter_by_city(scope),
        by_expert=listing.may_filter_by_expert(scope), current=reviews.current_report,
        export_args={k: v for k, v in request.args.items() if k in FILTER_KEYS and v},
    )  # fmt: skip


@bp.route("/export.<fmt>")
@role_required(*LISTERS)
def export(fmt: str) -> ResponseReturnValue:
    """The filtered list (the page's scope and filters, every page) as CSV or XLSX; the export is audited."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    scope = current_scope()
    found, _ = parse_filter(request.args)
    filters = {k: v for k, v in request.args.items() if k in FILTER_KEYS}
    audit.record_read(db.session, actor_id=scope.account_id, action="reviews_export", obj=("reviews", fmt),
                      after={"format": fmt, "filters": filters})  # fmt: skip
    rows = listing.iter_reviews(db.session, scope, found)
    if fmt == "csv":
        body, mimetype = listing.to_csv(rows), "text/csv; charset=utf-8"
    else:
        body, mimetype = listing.to_xlsx(rows), XLSX
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename=weida-reviews.{fmt}"
    return response


@bp.route("/<int:review_id>")
@role_required(*ANYONE)
def detail(review_id: int) -> ResponseReturnValue:
    review, acc = _review(review_id)
    scope, account, now = current_scope(), current_account(), clock.now()
    # First, as it may commit its audit row (which forgets what the session has read).
    show_names = reveal_names(db.session, review.draw, role=account.role, account_id=account.id, now=now,
                              member=acc.member)  # fmt: skip
    panel = reviews.confirmed_seats(db.session, review)
    opinions = reviews.opinions_for(db.session, review, scope=scope, acc=acc)
    me = scope.expert_id if acc.member else None
    draft, report = reviews.active_draft(review), reviews.current_report(review)
    revision = review_revisions.pending_revision(db.session, review.work)
    revision = revision if revision and revision.report.review_id == review.id else None
    answer_to = review_revisions.report_to_answer(db.session, review.work)
    context: dict[str, Any] = {
        "review": review, "acc": acc, "panel": panel, "show_names": show_names, "opinions": opinions,
        "experts": queries.experts_by_id(db.session, [s.expert_id for s in panel]), "me": me,
        "my_opinion": reviews.opinion_of(review, me) if me else None, "draft": draft, "report": report,
        "present": reviews.present_ids(db.session, review), "started": now >= reviews.start_of(review),
        "materials": reviews.materials(db.session, review) if acc.readings else None,
        "lead": reviews.shortest_lead(db.session, review), "policy": pool_policy(db.session),
        "points": REVIEW_POINTS, "attendee_roles": ATTENDEE_ROLES, "Conclusion": Conclusion, "form": Form(),
        "revision": revision, "may_confirm": bool(revision and review_revisions.may_confirm(db.session, scope,
                                                                                            revision)),
        "answer_to": answer_to if answer_to and answer_to.review_id == review.id else None,
        "is_team": scope.role is Role.PROJECT_TEAM,
        "reports": [r for r in review.reports if r.finalised_at is not None or acc.member or acc.readings],
        "similar_reviews": similar_reviews(search_index(), review, scope),
        "refusals": dissent.refusals_of(review) if acc.refusals else [],
    }  # fmt: skip
    context |= meeting_pages.meeting_context(review, acc, scope, now)
    context |= rating_pages.rating_context(review, scope)
    return render_template("reviews/detail.html", **context)


def _plan_file(review: Review) -> Any:
    path = plan_files.stored_path(current_app.config["UPLOAD_DIR"], review.plan_version.stored_name)
    if not path.is_file():
        abort(404)
    return path


@bp.route("/<int:review_id>/plan")
@role_required(Role.EXPERT)
def plan(review_id: int) -> ResponseReturnValue:
    """The signed plan, opened in the page by a seated expert; the first opening is logged."""
    review, acc = _review(review_id)
    if not acc.member:
        abort(404)
    reviews.record_reading(
        db.session, review, current_scope().expert_id or 0, download=False, now=clock.now()
    )
    return render_template("reviews/plan.html", review=review, version=review.plan_version,
                           **precheck_context(review.plan_version))  # fmt: skip


@bp.route("/<int:review_id>/plan/download")
@role_required(Role.EXPERT)
def plan_download(review_id: int) -> ResponseReturnValue:
    review, acc = _review(review_id)
    if not acc.member:
        abort(404)
    path = _plan_file(review)
    reviews.record_reading(db.session, review, current_scope().expert_id or 0, download=True, now=clock.now())
    version = review.plan_version
    audit.record_read(db.session, actor_id=current_account().id, action="plan_download",
                      obj=("plan_version", version.id), after={"review_id": review.id})  # fmt: skip
    return send_file(
        path, mimetype=version.content_type, as_attachment=True, download_name=version.original_name
    )


@bp.route("/<int:review_id>/revision", methods=["GET", "POST"])
@role_required(Role.PROJECT_TEAM)
def revision(review_id: int) -> ResponseReturnValue:
    """After 修改后通过: the revised plan with a response to each required change, in one submission."""
    review, acc = _review(review_id)
    report = review_revisions.report_to_answer(db.session, review.work)
    form = Form()
    if report is None or report.review_id != review.id:
        return render_template("reviews/revision.html", review=review, report=None, form=form, values={})
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        upload = request.files.get("file")
        data = upload.read() if upload else b""
        try:
            review_revisions.submit_revision(
                db.session, review.work,
                PlanUpload(data, (upload.filename or "") if upload else "", request.form.get("title", ""),
                           request.form.get("note", ""), authors_from(request.form)),
                responses_from(request.form), scope=current_scope(), vault=authors_vault(),
                upload_dir=current_app.config["UPLOAD_DIR"], max_bytes=current_app.config["PLAN_MAX_BYTES"],
                limits=ExtractionLimits.from_config(current_app.config),
            )  # fmt: skip
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
            return render_template("reviews/revision.html", review=review, report=report, form=form,
                                   values=request.form, **author_fields(request.form)), 422  # fmt: skip
        flash("修改后的方案及逐条回复已提交，请完成施工单位和总监理工程师签字", "success")
        return redirect(url_for("works.detail", work_id=review.work_id))
    return render_template("reviews/revision.html", review=review, report=report, form=form, values={},
                           **author_fields({}))  # fmt: skip


from webapp.reviews import meeting_pages, opinion_pages, rating_pages, report_pages, revision_pages  # noqa: E402,F401
