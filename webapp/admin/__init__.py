"""Administration, in three separate duties (knowledge/accounts/permissions.py): the system administrator's
accounts and policy, the security administrator's roles and credentials, the audit administrator's log."""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from sqlalchemy import select

from expert_pool import policy as pool_policy_store
from expert_pool.credit.ledger import credit_policy
from expert_pool.credit.rules import CREDIT_POLICY_LABELS
from knowledge.accounts import queries as account_queries
from knowledge.accounts import services as account_services
from knowledge.accounts.models import Role
from knowledge.cranes import spot_check_job
from knowledge.enterprises.models import Enterprise
from knowledge.errors import DomainError, PermissionDenied, ValidationError
from knowledge.site import deadlines
from webapp.admin.forms import AccountForm
from webapp.auth import current_scope, role_required
from webapp.extensions import db
from webapp.forms import Form, attach_error
from webapp.pages import page_arg

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/accounts")
@login_required
def accounts() -> ResponseReturnValue:
    try:
        page = account_queries.accounts(db.session, current_scope(), page=page_arg())
    except PermissionDenied:
        abort(403)
    return render_template("admin/accounts.html", page=page)


@bp.route("/accounts/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def create_account() -> ResponseReturnValue:
    form = AccountForm()
    if form.validate_on_submit():
        try:
            enterprise_id = enterprise_id_of(form.enterprise_credit_code.data)
            account_services.create_account(
                db.session,
                form.to_input(enterprise_id),
                actor_id=current_scope().account_id,
                hash_method=_hash_method(),
            )
        except PermissionDenied:
            db.session.rollback()
            abort(403)
        except DomainError as exc:
            db.session.rollback()
            attach_error(form, exc)
        else:
            flash("账号已创建", "success")
            return redirect(url_for("admin.accounts"))
    return render_template("admin/account_form.html", form=form)


def _hash_method() -> str:
    return str(current_app.config["PASSWORD_HASH_METHOD"])


def enterprise_id_of(code: str | None) -> int | None:
    if not code:
        return None
    enterprise_id = db.session.scalar(
        select(Enterprise.id).where(Enterprise.credit_code == code.strip().upper())
    )
    if enterprise_id is None:
        raise ValidationError("未找到该统一社会信用代码对应的单位", field="enterprise_credit_code")
    return enterprise_id


@bp.route("/policy", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def policy() -> ResponseReturnValue:
    """Every **policy** number of DOMAIN 4-6, editable here and recorded with each draw."""
    form = Form()
    if form.validate_on_submit():
        group = request.form.get("group", "")
        values = {k[len(group) + 1 :]: v for k, v in request.form.items() if k.startswith(f"{group}.")}
        try:
            pool_policy_store.set_policy(db.session, group, values, actor_id=current_scope().account_id)
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            flash("政策参数已保存，之后的抽取和新发现的隐患按新参数执行", "success")
        return redirect(url_for("admin.policy"))
    return render_template(
        "admin/policy.html",
        form=form,
        pool=asdict(pool_policy_store.pool_policy(db.session)),
        credit=credit_policy(db.session).to_dict(),
        labels=pool_policy_store.POLICY_LABELS,
        credit_labels=CREDIT_POLICY_LABELS,
        site=deadlines.deadline_policy(db.session).to_dict(),
        site_labels=deadlines.LABELS,
        cranes=spot_check_job.policy_to_dict(spot_check_job.spot_check_policy(db.session)),
        crane_labels=spot_check_job.LABELS,
    )


from webapp.admin import (  # noqa: E402, F401 - register their routes on bp
    account_views,
    audit_views,
    duties,
    key_status,
    password_reset,
    signin_watch,
    two_factor_reset,
)
