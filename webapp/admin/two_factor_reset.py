"""The security administrator resets an account's two-factor sign-in (a lost or replaced phone): the secret and
recovery codes are gone, every session ends, and a role that requires it enrols again at the next sign-in."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from knowledge.accounts import two_factor_services
from knowledge.accounts.models import Account
from knowledge.accounts.permissions import can_manage_credentials
from knowledge.errors import PermissionDenied
from webapp.admin import bp
from webapp.auth import current_scope
from webapp.confirmation import confirm_page, is_confirmed
from webapp.extensions import db
from webapp.forms import Form


@bp.route("/accounts/<int:account_id>/reset-two-factor", methods=["POST"])
@login_required
def reset_two_factor(account_id: int) -> ResponseReturnValue:
    if not can_manage_credentials(current_scope()):
        abort(403)
    account = db.session.get(Account, account_id)
    if account is None:
        abort(404)
    if not Form().validate_on_submit():
        abort(400)
    if not is_confirmed():
        return confirm_page(
            title=f"重置 {account.display_name}（{account.username}）的双因素认证",
            consequences=["原身份验证器绑定和全部恢复码立即失效", "该账号所有已登录的会话立即结束",
                          "本角色须使用双因素认证的，本人下次登录时须重新绑定身份验证器"],
            back_url=url_for("admin.accounts"), button="重置双因素认证",
        )  # fmt: skip
    try:
        two_factor_services.reset(db.session, account, scope=current_scope())
    except PermissionDenied:
        abort(403)
    flash(f"已重置 {account.display_name}（{account.username}）的双因素认证", "success")
    return redirect(url_for("admin.accounts"))
