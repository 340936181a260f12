"""The security and the audit administrator do their own work and nothing else (GB/T 22239-2019 8.1.4.2 d,
8.1.5.2 a, 8.1.5.3 a: "只允许其通过特定的命令或操作界面进行…操作"): outside the administration pages, their
own sign-in pages and the home page, every page refuses them. The domain's scope filters refuse them too
(knowledge/accounts/permissions.py can_use_business); this says so at once, with a 403, on every page."""

from __future__ import annotations

from flask import abort, request
from flask_login import current_user

from knowledge.accounts.permissions import Scope, can_use_business
from webapp.admin import bp

OWN_PAGES = ("admin.", "auth.")
ALWAYS = {None, "static", "bootstrap.static", "main.home", "main.healthz"}


@bp.before_app_request
def confine_administrators() -> None:
    if not current_user.is_authenticated or request.blueprint == "api":
        return  # the API checks its bearer's role itself (webapp/api authenticate)
    endpoint = request.endpoint
    if endpoint in ALWAYS or (endpoint or "").startswith(OWN_PAGES):
        return
    if not can_use_business(Scope.of(current_user.account)):
        abort(403)
