"""The expert pool pages: the office searches, adds, edits and suspends; an expert keeps his own profile."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from expert_pool.experts import queries, services
from expert_pool.experts.contacts import phone_lookup_hash
from expert_pool.experts.identity import IdentityVault
from expert_pool.experts.models import Expert, ExpertStatus
from expert_pool.experts.scopes import may_manage_expert, may_read_integrity, may_view_full_id
from expert_pool.reviews import dissent
from knowledge.accounts.models import Role
from knowledge.errors import DomainError, NotFoundError, PermissionDenied
from knowledge.regions import City, city_choices
from webapp.auth import current_scope, role_required
from webapp.experts.forms import EmploymentForm, ExpertEditForm, ExpertForm, StatusForm
from webapp.extensions import db
from webapp.forms import attach_error, enum_or_none
from webapp.pages import page_arg

bp = Blueprint("experts", __name__, url_prefix="/experts")
OFFICE = (Role.DRAW_OFFICE, Role.ADMIN)
READERS = (Role.DRAW_OFFICE, Role.ADMIN, Role.REGULATOR)


def vault() -> IdentityVault:
    return IdentityVault(current_app.config["EXPERT_ID_KEY"].encode())


def expert_or_404(expert_id: int) -> Expert:
    try:
        return services.get_expert(db.session, expert_id)
    except NotFoundError:
        abort(404)


@bp.route("/")
@role_required(*READERS)
def index() -> ResponseReturnValue:
    q = request.args.get("q", "").strip()[:64]
    city = enum_or_none(City, request.args.get("city"))
    status = enum_or_none(ExpertStatus, request.args.get("status"))
    specialty = request.args.get("specialty", "")
    specialty = specialty if specialty in services.SPECIALTIES else ""
    # A number typed in the search box finds its expert through the keyed hash (the phone is stored encrypted).
    phone_hash = phone_lookup_hash(vault(), q) if sum(c.isdigit() for c in q) >= 7 else ""
    page = queries.experts(db.session, q=q, city=city, specialty=specialty, status=status, page=page_arg(),
                           phone_hash=phone_hash)  # fmt: skip
    return render_template("experts/index.html", page=page, q=q, city=city, status=status, specialty=specialty,
                           cities=city_choices(), specialties=services.SPECIALTIES, statuses=list(ExpertStatus),
                           can_manage=current_scope().role in OFFICE)  # fmt: skip


@bp.route("/new", methods=["GET", "POST"])
@role_required(*OFFICE)
def create() -> ResponseReturnValue:
    form = ExpertForm()
    if form.validate_on_submit():
        try:
            expert = services.create_expert(db.session, form.to_input(), vault=vault(), scope=current_scope())
        except DomainError as exc:
            db.session.rollback()
            attach_error(form, exc)
        else:
            flash("专家已入库", "success")
            return redirect(url_for("experts.detail", expert_id=expert.id))
    return render_template("experts/form.html", form=form, expert=None)


@bp.route("/<int:expert_id>/edit", methods=["GET", "POST"])
@role_required(*OFFICE)
def edit(expert_id: int) -> ResponseReturnValue:
    expert = expert_or_404(expert_id)
    if not may_manage_expert(current_scope(), expert):
        abort(403)
    form = ExpertEditForm(obj=None if request.method == "POST" else _as_form(expert))
    form.id_number.description = f"当前：{expert.id_number_masked or '未登记'}；留空则不修改"
    form.phone.description = f"当前：{expert.phone_masked or '未登记'}；留空则不修改"
    form.email.description = f"当前：{expert.email_masked or '未登记'}；留空则不修改"
    if form.validate_on_submit():
        try:
            services.update_expert(db.session, expert, form.to_input(), vault=vault(), scope=current_scope())
        except PermissionDenied:
            db.session.rollback()
            abort(403)
        except DomainError as exc:
            db.session.rollback()
            attach_error(form, exc)
        else:
            flash("专家信息已更新", "success")
            return redirect(url_for("experts.detail", expert_id=expert.id))
    return render_template("experts/form.html", form=form, expert=expert)


class _Prefill:
    def __init__(self, **values: object) -> None:
        self.__dict__.update(values)


def _as_form(expert: Expert) -> _Prefill:
    # The ID number, phone and e-mail are never put back into the form (issue 18): the fields stay empty, their
    # help shows the masks.
    return _Prefill(name=expert.name, id_number="", city=expert.city.value, title=expert.title,
                    title_level=expert.title_level.value if expert.title_level else "", phone="",
                    email="", specialties=expert.specialty_codes, annual_cap=expert.annual_cap)  # fmt: skip


@bp.route("/<int:expert_id>")
@role_required(*READERS)
def detail(expert_id: int) -> ResponseReturnValue:
    expert = expert_or_404(expert_id)
    scope = current_scope()
    full_id = services.reveal_id_number(db.session, expert, scope=scope, vault=vault()) if (
        may_view_full_id(scope) and expert.id_number_encrypted) else None  # fmt: skip
    # Reservations and refusals on reports are integrity figures for regulators (Decree 37 Art. 25-27).
    figures = dissent.dissent_of(db.session, expert.id, scope=scope) if may_read_integrity(scope) else None
    return render_template("experts/detail.html", expert=expert, full_id=full_id, specialties=services.SPECIALTIES,
                           can_manage=current_scope().role in OFFICE and may_manage_expert(scope, expert),
                           status_form=StatusForm(),
                           employment_form=EmploymentForm(), dissent=figures)  # fmt: skip


@bp.route("/<int:expert_id>/status", methods=["POST"])
@role_required(*OFFICE)
def change_status(expert_id: int) -> ResponseReturnValue:
    expert = expert_or_404(expert_id)
    form = StatusForm()
    status = enum_or_none(ExpertStatus, form.status.data)
    if not form.validate_on_submit() or status is None:
        flash("；".join(e for errors in form.errors.values() for e in errors) or "无效的状态", "danger")
    else:
        try:
            services.set_status(db.session, expert, status, until=form.until.data, reason=form.reason.data,
                                scope=current_scope())  # fmt: skip
        except PermissionDenied:
            db.session.rollback()
            abort(403)
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            flash(f"状态已改为：{status.label}", "success")
    return redirect(url_for("experts.detail", expert_id=expert.id))


@bp.route("/<int:expert_id>/employments", methods=["POST"])
@role_required(*OFFICE)
def add_employment(expert_id: int) -> ResponseReturnValue:
    expert = expert_or_404(expert_id)
    form = EmploymentForm()
    if not form.validate_on_submit():
        flash("；".join(e for errors in form.errors.values() for e in errors), "danger")
        return redirect(url_for("experts.detail", expert_id=expert.id))
    try:
        enterprise = services.enterprise_by_code(db.session, form.enterprise_credit_code.data)
        services.add_employment(db.session, expert, enterprise, form.start.data, form.end_date.data,
                                form.position.data or "", scope=current_scope())  # fmt: skip
    except PermissionDenied:
        db.session.rollback()
        abort(403)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    else:
        flash("任职经历已添加", "success")
    return redirect(url_for("experts.detail", expert_id=expert.id))


from webapp.experts import credit, imports, portrait_pages, profile  # noqa: E402,F401
