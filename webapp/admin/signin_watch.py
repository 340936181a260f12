"""The security administrator's view of user names under sign-in attack (knowledge/accounts/throttle.py), and
lifting a name's sign-in locks."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from knowledge.accounts import services as account_services
from knowledge.accounts import throttle
from knowledge.accounts.permissions import can_manage_credentials
from knowledge.db import utcnow
from knowledge.errors import DomainError
from webapp.admin import bp
from webapp.auth import current_scope
from webapp.auth.views import throttle_policy
from webapp.extensions import db
from webapp.forms import Form


@bp.route("/sign-in-attacks")
@login_required
def sign_in_attacks() -> ResponseReturnValue:
    if not can_manage_credentials(current_scope()):
        abort(403)
    policy = throttle_policy()
    targets = throttle.under_attack(db.session, now=utcnow(), policy=policy)
    return render_template("admin/sign_in_attacks.html", targets=targets, policy=policy, form=Form())


@bp.route("/sign-in-attacks/unlock", methods=["POST"])
@login_required
def unlock_sign_in() -> ResponseReturnValue:
    if not can_manage_credentials(current_scope()):
        abort(403)
    if not Form().validate_on_submit():
        abort(400)
    username = request.form.get("username", "")
    try:
        account_services.lift_sign_in_locks(db.session, username, actor_id=current_scope().account_id)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    else:
        flash(f"已解除用户名 {username.strip().lower()[:64]} 的登录锁定", "success")
    return redirect(url_for("admin.sign_in_attacks"))
