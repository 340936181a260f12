"""Sign-in, sign-out, API tokens page, and the permission helpers every view uses."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, abort, current_app, flash, g, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import UserMixin, current_user, login_required, login_user, logout_user

from knowledge.accounts import credentials, two_factor
from knowledge.accounts.models import Account, Role
from knowledge.accounts.password_policy import PasswordPolicy
from knowledge.accounts.permissions import Scope
from knowledge.accounts.two_factor import SecretCipher
from knowledge.db import utcnow
from webapp.extensions import db, login_manager

bp = Blueprint("auth", __name__, url_prefix="/auth")
F = TypeVar("F", bound=Callable[..., Any])


class SessionUser(UserMixin):  # type: ignore[misc]
    """Flask-Login's view of an account; the domain model stays free of Flask."""

    def __init__(self, account: Account) -> None:
        self.account = account

    def get_id(self) -> str:
        return f"{self.account.id}:{self.account.session_generation}"

    @property
    def is_active(self) -> bool:
        return self.account.is_active


@login_manager.user_loader
def _load_user(user_id: str) -> SessionUser | None:
    """The session's account, if it is active and the session began in its current generation."""
    ident, _, generation = user_id.partition(":")
    if not ident.isdigit() or not generation.isdigit() or len(ident) > 18:
        return None
    account = db.session.get(Account, int(ident))
    if account is None or not account.is_active or account.session_generation != int(generation):
        return None
    return SessionUser(account)


SEEN_EVERY = 30  # seconds: the last-seen time in the cookie is refreshed at most this often


def start_session() -> None:
    """Called at sign-in: a fresh session (no fixation) that knows when it began and was last used."""
    session.clear()
    session["started"] = session["seen"] = time.time()


@bp.before_app_request
def end_idle_session() -> ResponseReturnValue | None:
    """Sign out a browser session idle longer than SESSION_IDLE_MINUTES or older than SESSION_HOURS."""
    if g.get("api_account") is not None or not current_user.is_authenticated:
        return None
    now, cfg = time.time(), current_app.config
    started, seen = session.get("started"), session.get("seen")
    if (started is None or seen is None or now - seen > cfg["SESSION_IDLE_MINUTES"] * 60
            or now - started > cfg["PERMANENT_SESSION_LIFETIME"]):  # fmt: skip
        logout_user()
        session.clear()
        flash("登录已超时，请重新登录", "warning")
        return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))
    if now - seen > SEEN_EVERY:
        session["seen"] = now
    return None


TWO_FACTOR_FREE = {"auth.two_factor_enrol", "auth.logout", "static", "bootstrap.static"}
TWO_FACTOR_DONE = "two_factor"  # set in a session begun with the account's second factor


def totp_cipher() -> SecretCipher:
    return SecretCipher(str(current_app.config["TOTP_KEY"]).encode())


def sign_in_session(account: Account, *, second_factor: bool) -> None:
    """A fresh signed-in session for the account; ``second_factor``: it began with a checked code."""
    start_session()
    login_user(SessionUser(account))
    if second_factor:
        session[TWO_FACTOR_DONE] = True


@bp.before_app_request
def require_second_factor() -> ResponseReturnValue | None:
    """GB/T 22239-2019 8.1.4.1 d: an enrolled account's session must have begun with its code (one begun on the
    password before the second factor was switched on ends); an account whose role requires a second factor
    and has none reaches only the enrolment and sign-out."""
    if g.get("api_account") is not None or not current_user.is_authenticated:
        return None
    account = current_user.account
    if two_factor.is_enrolled(account) and not session.get(TWO_FACTOR_DONE):
        logout_user()
        session.clear()
        flash("该账号已启用双因素认证，请重新登录并输入动态验证码", "warning")
        return redirect(url_for("auth.login"))
    if two_factor.must_enrol(account) and request.endpoint not in TWO_FACTOR_FREE:
        flash("您的角色须使用双因素认证，请先绑定身份验证器", "warning")
        return redirect(url_for("auth.two_factor_enrol"))
    return None


PASSWORD_FREE = {"auth.password", "auth.logout", "auth.two_factor_enrol", "static", "bootstrap.static"}


def password_policy() -> PasswordPolicy:
    return PasswordPolicy(expiry=timedelta(days=current_app.config["PASSWORD_EXPIRY_DAYS"]))


@bp.before_app_request
def require_new_password() -> ResponseReturnValue | None:
    """An account whose password was reset, given by someone else or expired does nothing else first."""
    if g.get("api_account") is not None or not current_user.is_authenticated:
        return None
    if request.endpoint in PASSWORD_FREE:
        return None
    if credentials.needs_new_password(current_user.account, now=utcnow(), policy=password_policy()):
        flash("请先设置新密码（初始密码、重置后的密码或已过期的密码须更换）", "warning")
        return redirect(url_for("auth.password"))
    return None


login_manager.login_view = "auth.login"
login_manager.login_message = "请先登录"
login_manager.login_message_category = "warning"
login_manager.session_protection = "basic"


def current_account() -> Account:
    """The signed-in account (by session) or the API caller (by token)."""
    account = g.get("api_account")
    if account is not None:
        return account  # type: ignore[no-any-return]
    return current_user.account  # type: ignore[no-any-return]


def current_scope() -> Scope:
    return Scope.of(current_account())


def role_required(*roles: Role) -> Callable[[F], F]:
    """Signed in, and one of ``roles``; otherwise 403."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_account().role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


from webapp.auth import two_factor_views, views  # noqa: E402,F401
