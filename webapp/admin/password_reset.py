"""The administrator resets an account's password: a temporary one, shown once, changed at next sign-in."""

from __future__ import annotations

from flask import abort, current_app, render_template, url_for
from flask.typing import ResponseReturnValue

from knowledge.accounts import credentials
from knowledge.accounts.models import Account, Role
from knowledge.db import utcnow
from webapp.admin import bp
from webapp.auth import current_account, role_required
from webapp.confirmation import confirm_page, is_confirmed
from webapp.extensions import db
from webapp.forms import Form


@bp.route("/accounts/<int:account_id>/reset-password", methods=["POST"])
@role_required(Role.ADMIN)
def reset_password(account_id: int) -> ResponseReturnValue:
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
    temporary = credentials.reset_password(db.session, account, actor_id=current_account().id,
                                           hash_method=current_app.config["PASSWORD_HASH_METHOD"], now=utcnow())  # fmt: skip
    response = render_template("admin/password_reset.html", account=account, temporary=temporary)
    return response, 200, {"Cache-Control": "no-store"}
