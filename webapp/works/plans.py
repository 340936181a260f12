"""Plan versions: upload, read, download, sign (Decree 37 Art. 11)."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue

from knowledge import audit
from knowledge.accounts.models import Role
from knowledge.errors import DomainError, NotFoundError, PermissionDenied
from knowledge.plans import files as plan_files
from knowledge.plans import services as plan_services
from knowledge.plans.extraction import ExtractionLimits
from knowledge.plans.models import PlanVersion, SignoffKind
from knowledge.plans.sections import SECTIONS, find_sections
from knowledge.registry import queries as work_queries
from knowledge.search_docs import split_sections
from search_index.documents import make_doc_id, section_anchor
from webapp.auth import current_account, current_scope, role_required
from webapp.confirmation import confirm_page, is_confirmed
from webapp.extensions import db, search_index
from webapp.forms import attach_error
from webapp.precedents import precheck_context
from webapp.search.hits import similar_conclusions, similar_plans
from webapp.works import bp
from webapp.works.authors import author_fields, authors_from, pool_experts, vault
from webapp.works.forms import ActionForm, PlanForm
from webapp.works.views import READERS


def _version_or_404(version_id: int) -> PlanVersion:
    version = db.session.get(PlanVersion, version_id)
    if version is None:
        abort(404)
    try:
        work_queries.get_work_for(db.session, current_scope(), version.work_id)
    except NotFoundError:
        abort(404)
    return version


@bp.route("/<int:work_id>/plans/new", methods=["GET", "POST"])
@role_required(Role.PROJECT_TEAM)
def submit_plan(work_id: int) -> ResponseReturnValue:
    try:
        work = work_queries.get_work_for(db.session, current_scope(), work_id)
    except NotFoundError:
        abort(404)
    if not plan_services.is_builder(current_scope(), work):
        abort(403)
    form = PlanForm()
    if form.validate_on_submit():
        upload = plan_services.PlanUpload(
            data=form.file.data.read(),
            original_name=form.file.data.filename or "",
            title=form.title.data or "",
            note=form.note.data or "",
            authors=authors_from(request.form),
        )
        try:
            version = plan_services.submit_version(
                db.session, work, upload, scope=current_scope(), vault=vault(),
                upload_dir=current_app.config["UPLOAD_DIR"], max_bytes=current_app.config["PLAN_MAX_BYTES"],
                limits=ExtractionLimits.from_config(current_app.config),
            )  # fmt: skip
        except PermissionDenied:
            abort(403)
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(f"已提交方案第{version.number}版", "success")
            return redirect(url_for("works.plan_detail", version_id=version.id))
    return render_template("works/plan_form.html", form=form, work=work, **author_fields(request.form))


TEXT_SHOWN = 20000


def shown_sections(text: str) -> list[tuple[str, str, str]]:
    """The plan's text as (anchor, heading, text) per section, as the search index cuts it (so a search hit links
    to its section), the first TEXT_SHOWN characters only; one piece without a heading when it has no sections."""
    pieces = [(heading, body) for _, heading, body in split_sections(text)] or [("", text)]
    shown, left = [], TEXT_SHOWN
    for heading, body in pieces:
        if left <= 0:
            break
        shown.append((section_anchor(heading), heading, body[:left]))
        left -= len(heading) + len(body)
    return shown


@bp.route("/plans/<int:version_id>")
@role_required(*READERS)
def plan_detail(version_id: int) -> ResponseReturnValue:
    version = _version_or_404(version_id)
    scope = current_scope()
    work = version.work
    latest = plan_services.latest_version(db.session, work.id)
    pending = plan_services.pending_signoffs(work, latest)
    signable = [k for k in pending if plan_services.may_sign(scope, work, k)]
    return render_template(
        "works/plan_detail.html", version=version, work=work, report=find_sections(version.text), sections=SECTIONS,
        is_latest=latest is not None and latest.id == version.id, signable=signable,
        required=plan_services.required_signoffs(work), action_form=ActionForm(),
        pool_experts=pool_experts(version.authors, scope),
        similar=similar_plans(db.session, search_index(), version, scope),
        text_sections=shown_sections(version.text or ""), text_shown=TEXT_SHOWN,
        similar_reviews=similar_conclusions(search_index(), make_doc_id("plan", version.id), scope),
        **precheck_context(version),
    )  # fmt: skip


@bp.route("/plans/<int:version_id>/download")
@role_required(*READERS)
def download(version_id: int) -> ResponseReturnValue:
    version = _version_or_404(version_id)
    path = plan_files.stored_path(current_app.config["UPLOAD_DIR"], version.stored_name)
    if not path.is_file():
        abort(404)
    audit.record_read(db.session, actor_id=current_account().id, action="plan_download",
                      obj=("plan_version", version.id), after={"work_id": version.work_id})  # fmt: skip
    return send_file(
        path, mimetype=version.content_type, as_attachment=True, download_name=version.original_name
    )


@bp.route("/plans/<int:version_id>/sign", methods=["POST"])
@role_required(Role.PROJECT_TEAM)
def sign(version_id: int) -> ResponseReturnValue:
    version = _version_or_404(version_id)
    form = ActionForm()
    if form.validate_on_submit():
        try:
            kind = SignoffKind(form.value.data)
            account = current_account()
            if not is_confirmed() and _may_sign_now(version, kind):
                return _confirm_signing(version, kind)
            plan_services.sign(
                db.session, version, kind, scope=current_scope(), signer_name=account.display_name
            )
        except ValueError:
            flash("无效的签字身份", "danger")
        except PermissionDenied:
            abort(403)
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            flash(f"已以“{kind.label}”身份签字", "success")
    return redirect(url_for("works.plan_detail", version_id=version.id))


def _may_sign_now(version: PlanVersion, kind: SignoffKind) -> bool:
    """Whether the signature would be taken now: asked once more then; otherwise the service says why not."""
    latest = plan_services.latest_version(db.session, version.work_id)
    work = version.work
    return (
        latest is not None
        and latest.id == version.id
        and kind in plan_services.pending_signoffs(work, version)
        and plan_services.may_sign(current_scope(), work, kind)
    )


def _confirm_signing(version: PlanVersion, kind: SignoffKind) -> ResponseReturnValue:
    """Art. 11: a signature answers for the plan; it cannot be withdrawn, so the page says what it commits to."""
    work = version.work
    after = (
        "签字后该版本不能再修改；如需修改须提交新版本并重新签字。"
        if kind is not SignoffKind.SUPERVISOR
        else "总监理工程师签字后，方案完成审核审查；超过一定规模的危大工程随后可申请专家论证，其他危大工程方案即生效。"
    )
    return confirm_page(
        title=f"确认以“{kind.label}”身份签字",
        consequences=[
            f"您将以“{kind.label}”身份签署《{version.title}》第{version.number}版（{work.name}）。",
            f"签字人：{current_account().display_name}；签字记录及时间永久保存，不能撤回。",
            after,
        ],
        back_url=url_for("works.plan_detail", version_id=version.id),
        button="确认签字",
    )
