"""The administrator's view of user names under sign-in attack (knowledge/accounts/throttle.py)."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue

from knowledge.accounts import throttle
from knowledge.accounts.models import Role
from knowledge.db import utcnow
from webapp.admin import bp
from webapp.auth import role_required
from webapp.auth.views import throttle_policy
from webapp.extensions import db


@bp.route("/sign-in-attacks")
@role_required(Role.ADMIN)
def sign_in_attacks() -> ResponseReturnValue:
    policy = throttle_policy()
    targets = throttle.under_attack(db.session, now=utcnow(), policy=policy)
    return render_template("admin/sign_in_attacks.html", targets=targets, policy=policy)
