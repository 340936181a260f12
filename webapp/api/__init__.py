"""The JSON API under /api/v1: bearer tokens, one error format, pages, an OpenAPI document."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, g, request
from flask.typing import ResponseReturnValue

from knowledge.accounts import signin
from knowledge.accounts.permissions import Scope, can_use_business
from knowledge.db import utcnow
from knowledge.errors import DomainError
from webapp.api.spec import SPEC, Operation
from webapp.errors import json_error
from webapp.extensions import db

bp = Blueprint("api", __name__, url_prefix="/api/v1")
_PUBLIC: set[str] = set()
OWN_ACCOUNT = {"api.me", "api.list_tokens", "api.create_token", "api.revoke_token"}


class ApiError(Exception):
    """A request the API refuses before any domain rule runs (bad JSON, bad parameter)."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field


def route(rule: str, method: str, **doc: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a view on the blueprint and its operation in the OpenAPI document at once."""
    op = Operation(**doc)

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        endpoint = f"{view.__name__}"
        bp.add_url_rule(rule, endpoint=endpoint, view_func=view, methods=[method])
        SPEC.add(bp.url_prefix + rule, method, op)  # type: ignore[operator]
        if op.public:
            _PUBLIC.add(f"api.{endpoint}")
        return view

    return decorator


@bp.before_request
def authenticate() -> ResponseReturnValue | None:
    if request.endpoint in _PUBLIC or request.endpoint is None:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return json_error(401, "missing_token", "请在 Authorization 头中提供 Bearer API令牌")
    try:
        g.api_account = signin.account_for_token(db.session, secret.strip(), now=utcnow())
    except signin.TokenError as exc:
        return json_error(exc.status, exc.code, exc.message)
    if request.endpoint not in OWN_ACCOUNT and not can_use_business(Scope.of(g.api_account)):
        # The security and the audit administrator work through their own pages only (webapp/admin/duties.py).
        return json_error(403, "role_not_allowed", "安全管理员和审计管理员不能使用业务接口")
    return None


@bp.errorhandler(ApiError)
def api_error(exc: ApiError) -> ResponseReturnValue:
    extra = {"field": exc.field} if exc.field else {}
    return json_error(exc.status, exc.code, exc.message, **extra)


@bp.errorhandler(DomainError)
def domain_error(exc: DomainError) -> ResponseReturnValue:
    db.session.rollback()
    extra = {"field": exc.field} if exc.field else {}
    return json_error(exc.status, exc.code, exc.message, **extra)


from webapp.api import (  # noqa: E402,F401
    accounts,
    crane_reports,
    crane_sites,
    crane_spot_checks,
    cranes,
    draws,
    precedents,
    registry,
    reviews,
    search,
    site_hazards,
    site_inspections,
    site_records,
    site_timeline,
    tasks,
    verify,
    works,
)
