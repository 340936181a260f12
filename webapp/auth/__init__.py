"""Sign-in, sign-out, API tokens page, and the permission helpers every view uses."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, abort, g
from flask_login import UserMixin, current_user, login_required

from knowledge.accounts.models import Account, Role
from knowledge.accounts.permissions import Scope
from webapp.extensions import db, login_manager

bp = Blueprint("auth", __name__, url_prefix="/auth")
F = TypeVar("F", bound=Callable[..., Any])


class SessionUser(UserMixin):  # type: ignore[misc]
    """Flask-Login's view of an account; the domain model stays free of Flask."""

    def __init__(self, account: Account) -> None:
        self.account = account

    def get_id(self) -> str:
        return str(self.account.id)

    @property
    def is_active(self) -> bool:
        return self.account.is_active


@login_manager.user_loader
def _load_user(user_id: str) -> SessionUser | None:
    if not user_id.isdigit():
        return None
    account = db.session.get(Account, int(user_id))
    return SessionUser(account) if account is not None and account.is_active else None


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


from webapp.auth import views  # noqa: E402,F401
