"""Error pages in Chinese for people, and one JSON error format for the API."""

from __future__ import annotations

from flask import Flask, Response, current_app, g, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError

from knowledge import audit
from webapp.extensions import db

MESSAGES = {
    400: ("请求有误", "提交的内容无法处理，请检查后重试。"),
    401: ("需要登录", "请先登录。"),
    403: ("无权访问", "您的账号没有访问此页面的权限。"),
    404: ("页面不存在", "您访问的页面或记录不存在，或您无权查看。"),
    405: ("请求方式不允许", "此地址不接受这种请求方式。"),
    413: ("文件过大", "上传的内容超过了大小限制，请压缩或拆分后再试。"),
    429: ("请求过于频繁", "请稍后再试。"),
    500: ("系统错误", "系统出现了意外错误，已记录。请稍后再试，或联系管理员。"),
}
CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    429: "too_many_requests",
    500: "internal_error",
}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def json_error(status: int, code: str, message: str, **extra: object) -> ResponseReturnValue:
    body: dict[str, object] = {"code": code, "message": message}
    body.update(extra)
    return jsonify({"error": body}), status


def _render(status: int, detail: str | None = None) -> ResponseReturnValue:
    title, message = MESSAGES.get(status, MESSAGES[500])
    if wants_json():
        return json_error(status, CODES.get(status, "error"), detail or title)
    return render_template("errors/error.html", status=status, title=title, message=detail or message), status


NUL_MESSAGE = "提交的内容含有空字符（\\0），无法保存，请删除后重试。"


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


JSON_MAX_DEPTH = 32
DEPTH_MESSAGE = f"JSON嵌套层数过多（不超过{JSON_MAX_DEPTH}层）"
SURROGATE_MESSAGE = "提交的内容含有无效的Unicode字符（孤立的代理项，如\\ud800），请检查编码后重试。"


def _depth(value: object) -> int:
    """How deeply a parsed JSON value nests, counted without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((c, level + 1) for c in children)
    return deepest


def _has_surrogate(value: object) -> bool:
    """A lone UTF-16 surrogate (from a JSON escape such as \\ud800) cannot be encoded or stored."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str) and any("\ud800" <= ch <= "\udfff" for ch in item):
            return True
        if isinstance(item, dict):
            stack.extend([*item.keys(), *item.values()])
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _json_problem() -> tuple[object, tuple[str, str] | None]:
    """The request's JSON body, or what is wrong with it; parsed once here, before any view."""
    if not request.is_json:
        return None, None
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # json.loads recurses once per level: 100,000 levels exhaust the stack
        return None, ("invalid_json", DEPTH_MESSAGE)
    if _depth(body) > JSON_MAX_DEPTH:
        return None, ("invalid_json", DEPTH_MESSAGE)
    if _has_surrogate(body):
        return None, ("invalid_character", SURROGATE_MESSAGE)
    return body, None


def refuse_nul() -> ResponseReturnValue | None:
    """PostgreSQL keeps no NUL character in text: input holding one (query, form or JSON) is refused at once
    with 400, before a view can half-use it, as is JSON nested too deeply or holding a lone surrogate, which
    would otherwise fail (500) deep in a view. Uploaded files are not text fields and are not looked at."""
    fields = [*request.args.items(multi=True), *request.form.items(multi=True)]
    body, problem = _json_problem()
    if problem is not None:
        if wants_json():
            return json_error(400, *problem)
        return _render(400, problem[1])
    if any(_has_nul(k) or _has_nul(v) for k, v in fields) or _has_nul(body):
        if wants_json():
            return json_error(400, "invalid_character", NUL_MESSAGE)
        return _render(400, NUL_MESSAGE)
    return None


def too_large() -> ResponseReturnValue:
    """413 with the limit in MB (config MAX_CONTENT_LENGTH); the page goes back in the browser's history, where
    the form is restored as it was typed, rather than to the home page where it would be lost."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    mb = f"{limit / (1024 * 1024):g}"
    message = (f"提交的内容（含上传的文件）超过了{mb} MB的大小限制。请压缩或拆分文件后重新提交；"
               "返回上一页时，已填写的内容仍在。")  # fmt: skip
    if wants_json():
        return json_error(413, CODES[413], message, limit_mb=float(mb))
    title = MESSAGES[413][0]
    return render_template("errors/error.html", status=413, title=title, message=message, back=True), 413


def _actor_id() -> int | None:
    account = g.get("api_account")
    if account is None and current_user and current_user.is_authenticated:
        account = current_user.account
    return account.id if account is not None else None


def audit_denial(response: Response) -> Response:
    """Every 403 is audited (``access_denied``, outcome denied), one row per request, whoever refused it."""
    if response.status_code != 403:
        return response
    try:
        db.session.rollback()  # nothing of a refused request is kept
        audit.record_read(db.session, actor_id=_actor_id(), action="access_denied", obj=("path", request.path[:64]),
                          after={"method": request.method, "path": request.path[:500]}, outcome="denied")  # fmt: skip
    except SQLAlchemyError:  # the refusal still goes out; the failure is logged
        db.session.rollback()
        current_app.logger.exception("could not audit the refusal of %s %s", request.method, request.path)
    return response


def register_error_handlers(app: Flask) -> None:
    app.before_request(refuse_nul)

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> ResponseReturnValue:
        return _render(400, "页面已过期或表单校验失败，请刷新页面后重新提交。")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> ResponseReturnValue:
        status = exc.code or 500
        if status == 500:
            return server_error(exc)
        if status == 413:
            return too_large()
        return _render(status)

    @app.errorhandler(Exception)
    def server_error(exc: Exception) -> ResponseReturnValue:
        db.session.rollback()
        if not isinstance(exc, HTTPException):
            app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return _render(500)

    app.register_error_handler(InternalServerError, server_error)
    app.after_request(audit_denial)
