"""Account lifecycle pages: the system administrator edits, disables and re-enables accounts (never deletes
them); the security administrator changes their roles. The services decide who may; views translate."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from knowledge.accounts import services as account_services
from knowledge.accounts.models import Account, Role
from knowledge.accounts.permissions import can_change_roles, can_manage_accounts
from knowledge.db import utcnow
from knowledge.errors import DomainError, PermissionDenied
from webapp.admin import bp, enterprise_id_of
from webapp.admin.forms import EditAccountForm, RoleForm
from webapp.auth import current_scope
from webapp.confirmation import confirm_page, is_confirmed
from webapp.extensions import db
from webapp.forms import Form, attach_error


def _account(account_id: int) -> Account:
    account = db.session.get(Account, account_id)
    if account is None:
        abort(404)
    return account


def _prefill(form: EditAccountForm | RoleForm, account: Account) -> None:
    form.city.data = account.city.value if account.city else ""
    form.enterprise_credit_code.data = account.enterprise.credit_code if account.enterprise else ""
    form.expert_id.data = account.expert_id


@bp.route("/accounts/<int:account_id>/edit", methods=["GET", "POST"])
@login_required
def edit_account(account_id: int) -> ResponseReturnValue:
    if not can_manage_accounts(current_scope()):
        abort(403)
    account = _account(account_id)
    form = EditAccountForm()
    if form.validate_on_submit():
        try:
            binding = form.to_binding(enterprise_id_of(form.enterprise_credit_code.data))
            account_services.update_account(db.session, account.id, form.display_name.data, binding,
                                            actor_id=current_scope().account_id)  # fmt: skip
        except PermissionDenied:
            db.session.rollback()
            abort(403)
        except DomainError as exc:
            db.session.rollback()
            attach_error(form, exc)
        else:
            flash("账号已修改", "success")
            return redirect(url_for("admin.accounts"))
    elif not form.is_submitted():
        form.display_name.data = account.display_name
        _prefill(form, account)
    return render_template("admin/account_edit.html", form=form, account=account, title="修改账号")


@bp.route("/accounts/<int:account_id>/role", methods=["GET", "POST"])
@login_required
def change_role(account_id: int) -> ResponseReturnValue:
    if not can_change_roles(current_scope()):
        abort(403)
    account = _account(account_id)
    form = RoleForm()
    if form.validate_on_submit():
        try:
            binding = form.to_binding(enterprise_id_of(form.enterprise_credit_code.data))
            account_services.change_role(db.session, account.id, Role(form.role.data), binding,
                                         actor_id=current_scope().account_id)  # fmt: skip
        except DomainError as exc:
            db.session.rollback()
            attach_error(form, exc)
        else:
            flash(f"{account.username} 的角色已变更为{account.role.label}", "success")
            return redirect(url_for("admin.accounts"))
    elif not form.is_submitted():
        form.role.data = account.role.value
        _prefill(form, account)
    return render_template("admin/account_edit.html", form=form, account=account, title="变更角色")


@bp.route("/accounts/<int:account_id>/disable", methods=["POST"])
@login_required
def disable_account(account_id: int) -> ResponseReturnValue:
    return _set_active(account_id, active=False)


@bp.route("/accounts/<int:account_id>/enable", methods=["POST"])
@login_required
def enable_account(account_id: int) -> ResponseReturnValue:
    return _set_active(account_id, active=True)


def _set_active(account_id: int, *, active: bool) -> ResponseReturnValue:
    if not can_manage_accounts(current_scope()):
        abort(403)
    account = _account(account_id)
    if not Form().validate_on_submit():
        abort(400)
    if not active and not is_confirmed():
        return confirm_page(
            title=f"停用 {account.display_name}（{account.username}）",
            consequences=["该账号不能再登录，所有已登录的会话立即结束", "该账号的全部API令牌立即撤销",
                          "账号及其历史记录保留（账号不能删除），可随时重新启用；撤销的令牌不恢复"],
            back_url=url_for("admin.accounts"), button="停用账号", undoable=True,
        )  # fmt: skip
    try:
        account_services.set_active(db.session, account.id, active, actor_id=current_scope().account_id,
                                    now=utcnow())  # fmt: skip
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    else:
        flash(f"{account.username} 已{'启用' if active else '停用'}", "success")
    return redirect(url_for("admin.accounts"))
