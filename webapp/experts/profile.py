"""An expert's own profile: contact details, leave and declared conflicts (he edits nothing else)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from expert_pool.experts import services
from expert_pool.experts.models import Expert
from knowledge.accounts.models import Role
from knowledge.errors import DomainError
from webapp.auth import current_account, current_scope, role_required
from webapp.experts import bp, vault
from webapp.experts.forms import ContactForm, DeclarationForm, LeaveForm
from webapp.extensions import db


def _own() -> Expert:
    account = current_account()
    if account.expert_id is None:
        abort(403)
    return services.get_expert(db.session, account.expert_id)


@bp.route("/me", methods=["GET"])
@role_required(Role.EXPERT)
def me() -> ResponseReturnValue:
    expert = _own()
    own = services.own_contact(expert, scope=current_scope(), vault=vault())  # his own: in full, not audited
    contact = ContactForm(data={"phone": own.phone, "email": own.email})
    return render_template("experts/me.html", expert=expert, contact=contact, leave=LeaveForm(),
                           declaration=DeclarationForm(), specialties=services.SPECIALTIES)  # fmt: skip


def _done(
    form_errors: dict[str, list[str]] | None = None, exc: DomainError | None = None, ok: str = ""
) -> None:
    if exc is not None:
        db.session.rollback()
        flash(str(exc), "danger")
    elif form_errors:
        flash("；".join(e for errors in form_errors.values() for e in errors), "danger")
    else:
        flash(ok, "success")


@bp.route("/me/contact", methods=["POST"])
@role_required(Role.EXPERT)
def my_contact() -> ResponseReturnValue:
    expert, form = _own(), ContactForm()
    if not form.validate_on_submit():
        _done(form.errors)
    else:
        try:
            services.update_contact(db.session, expert, form.phone.data or "", form.email.data or "",
                                    vault=vault(), actor_id=current_account().id)  # fmt: skip
            _done(ok="联系方式已更新")
        except DomainError as exc:
            _done(exc=exc)
    return redirect(url_for("experts.me"))


@bp.route("/me/leave", methods=["POST"])
@role_required(Role.EXPERT)
def my_leave() -> ResponseReturnValue:
    expert, form = _own(), LeaveForm()
    if not form.validate_on_submit():
        _done(form.errors)
    else:
        try:
            services.add_leave(db.session, expert, form.start.data, form.end_date.data, form.reason.data or "",
                               actor_id=current_account().id)  # fmt: skip
            _done(ok="请假已登记，期间不会被抽取")
        except DomainError as exc:
            _done(exc=exc)
    return redirect(url_for("experts.me"))


@bp.route("/me/declarations", methods=["POST"])
@role_required(Role.EXPERT)
def my_declaration() -> ResponseReturnValue:
    expert, form = _own(), DeclarationForm()
    if not form.validate_on_submit():
        _done(form.errors)
    else:
        try:
            code = (form.enterprise_credit_code.data or "").strip()
            enterprise = services.enterprise_by_code(db.session, code) if code else None
            services.declare_conflict(
                db.session, expert, enterprise, form.note.data, actor_id=current_account().id
            )
            _done(ok="利害关系已申报，抽取时将自动回避")
        except DomainError as exc:
            _done(exc=exc)
    return redirect(url_for("experts.me"))
