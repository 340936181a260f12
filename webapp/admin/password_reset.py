"""The security administrator resets an account's password: a temporary one, shown once, changed at next sign-in."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from knowledge.accounts import services as account_services
from knowledge.accounts.models import Account
from knowledge.accounts.permissions import can_manage_credentials
from knowledge.db import utcnow
from knowledge.errors import DomainError
from webapp.admin import bp
from webapp.auth import current_scope
from webapp.confirmation import confirm_page, is_confirmed
from webapp.extensions import db
from webapp.forms import Form


@bp.route("/accounts/<int:account_id>/reset-password", methods=["POST"])
@login_required
def reset_password(account_id: int) -> ResponseReturnValue:
    if not can_manage_credentials(current_scope()):
        abort(403)
    account = db.session.get(Account, account_id)
    if account is None:
        abort(404)
    if not Form().validate_on_submit():
        abort(400)
    if not is_confirmed():
        return confirm_page(
            title=f"重置 {account.display_name}（{account.username}）的密码",
            consequences=["生成一个临时密码，只显示一次；原密码立即失效",
                          "该账号所有已登录的会话立即结束", "本人下次登录后须先设置新密码"],
            back_url=url_for("admin.accounts"), button="重置密码",
        )  # fmt: skip
    try:
        temporary = account_services.reset_password(db.session, account.id, actor_id=current_scope().account_id,
                                                    hash_method=current_app.config["PASSWORD_HASH_METHOD"],
                                                    now=utcnow())  # fmt: skip
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for("admin.accounts"))
    response = render_template("admin/password_reset.html", account=account, temporary=temporary)
    return response, 200, {"Cache-Control": "no-store"}
