"""API: obtain a token with a password, who am I, and managing one's own tokens."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app, g, request
from flask.typing import ResponseReturnValue

from knowledge.accounts import credentials, signin, two_factor_services
from knowledge.accounts.models import Account, ApiToken, Role
from knowledge.db import utcnow
from webapp.api import ApiError, route
from webapp.api.params import Field, json_body
from webapp.auth import current_account, password_policy, totp_cipher
from webapp.auth.views import throttle_policy
from webapp.extensions import db

TOKEN_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "prefix": {"type": "string"},
        "created_at": {"type": "string", "format": "date-time"},
        "expires_at": {"type": "string", "format": "date-time", "nullable": True},
        "last_used_at": {"type": "string", "format": "date-time", "nullable": True},
        "revoked_at": {"type": "string", "format": "date-time", "nullable": True},
    },
}
NEW_TOKEN_SCHEMA = {
    "type": "object",
    "properties": {"token": {"type": "string", "description": "只显示这一次"}, "item": TOKEN_SCHEMA},
}
ACCOUNT_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "username": {"type": "string"},
        "display_name": {"type": "string"},
        "role": {"type": "string", "enum": [r.value for r in Role]},
        "city": {"type": "string", "nullable": True},
        "enterprise_id": {"type": "integer", "nullable": True},
        "expert_id": {"type": "integer", "nullable": True},
    },
}


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def token_json(t: ApiToken) -> dict[str, Any]:
    return {
        "id": t.id,
        "name": t.name,
        "prefix": t.prefix,
        "created_at": _iso(t.created_at),
        "expires_at": _iso(t.expires_at),
        "last_used_at": _iso(t.last_used_at),
        "revoked_at": _iso(t.revoked_at),
    }


def account_json(a: Account) -> dict[str, Any]:
    return {
        "id": a.id,
        "username": a.username,
        "display_name": a.display_name,
        "role": a.role.value,
        "city": a.city.value if a.city else None,
        "enterprise_id": a.enterprise_id,
        "expert_id": a.expert_id,
    }


def _validity() -> timedelta:
    return timedelta(days=current_app.config["API_TOKEN_DAYS"])


@route(
    "/auth/token",
    "POST",
    summary="用户名和密码（已启用双因素认证的账号另加动态验证码或恢复码）换取API令牌（与网页登录共用失败锁定）",
    tag="账号",
    public=True,
    body={
        "type": "object",
        "required": ["username", "password", "name"],
        "properties": {
            "username": {"type": "string", "maxLength": 64},
            "password": {"type": "string", "maxLength": 128},
            "name": {"type": "string", "maxLength": 64},
            "code": {
                "type": "string",
                "maxLength": 32,
                "description": "动态验证码（6位）或恢复码；已启用双因素认证的账号必填（否则 401 two_factor_required）",
            },
        },
    },
    response=NEW_TOKEN_SCHEMA,
    status=201,
    errors=(401, 403, 429),
)
def issue_token() -> ResponseReturnValue:
    body = json_body(
        {
            "username": Field(str, max_length=64),
            "password": Field(str, max_length=128),
            "name": Field(str, max_length=64),
            "code": Field(str, required=False, max_length=32),
        }
    )
    address = request.remote_addr or ""
    try:
        account = signin.authenticate(
            db.session,
            body["username"],
            body["password"],
            now=utcnow(),
            policy=throttle_policy(),
            hash_method=current_app.config["PASSWORD_HASH_METHOD"],
            address=address,
        )
    except signin.TwoFactorNeeded as exc:
        # The password alone never issues a token for an account with a second factor (GB/T 22239-2019
        # 8.1.4.1 d); one whose role requires it and has none enrols on the web first (403).
        if isinstance(exc, signin.TwoFactorEnrolmentNeeded) or not body.get("code"):
            raise
        account = exc.account
        kind = two_factor_services.check_code(db.session, account, body["code"], cipher=totp_cipher(),
                                              now=utcnow(), policy=throttle_policy(), address=address)  # fmt: skip
        signin.complete_sign_in(db.session, account, now=utcnow(), address=address, second_factor=kind)
    if credentials.needs_new_password(account, now=utcnow(), policy=password_policy()):
        raise ApiError(403, "password_change_required", "请先在网页上设置新密码，再申请API令牌")
    token, secret = signin.create_token(
        db.session, account, body["name"], now=utcnow(), valid_for=_validity()
    )
    return {"token": secret, "item": token_json(token)}, 201


@route("/me", "GET", summary="当前账号", tag="账号", response=ACCOUNT_SCHEMA)
def me() -> ResponseReturnValue:
    return account_json(current_account())


@route(
    "/tokens", "GET", summary="本账号的API令牌", tag="账号", response={"type": "array", "items": TOKEN_SCHEMA}
)
def list_tokens() -> ResponseReturnValue:
    return [token_json(t) for t in signin.tokens_of(db.session, current_account())]


@route(
    "/tokens",
    "POST",
    summary="新建API令牌（令牌只返回这一次）",
    tag="账号",
    body={
        "type": "object",
        "required": ["name"],
        "properties": {"name": {"type": "string", "maxLength": 64}},
    },
    response=NEW_TOKEN_SCHEMA,
    status=201,
    errors=(403,),
)
def create_token() -> ResponseReturnValue:
    # A token never mints another: a stolen token must not outlive its own revocation. New tokens come from
    # the password (POST /auth/token) or the signed-in web page.
    if g.get("api_account") is not None:
        raise ApiError(
            403,
            "token_cannot_mint",
            "API令牌不能用来创建新的令牌，请使用用户名和密码（/auth/token）或在网页上创建",
        )
    body = json_body({"name": Field(str, max_length=64)})
    token, secret = signin.create_token(
        db.session, current_account(), body["name"], now=utcnow(), valid_for=_validity()
    )
    return {"token": secret, "item": token_json(token)}, 201


@route("/tokens/<int:token_id>", "DELETE", summary="撤销API令牌", tag="账号", status=204)
def revoke_token(token_id: int) -> ResponseReturnValue:
    signin.revoke_token(db.session, current_account(), token_id, now=utcnow())
    return "", 204
