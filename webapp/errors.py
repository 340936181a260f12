"""Error pages in Chinese for people, and one JSON error format for the API."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

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


def refuse_nul() -> ResponseReturnValue | None:
    """PostgreSQL keeps no NUL character in text: input holding one (query, form or JSON) is refused at once
    with 400, before a view can half-use it. Uploaded files are not text fields and are not looked at."""
    fields = [*request.args.items(multi=True), *request.form.items(multi=True)]
    body = request.get_json(silent=True) if request.is_json else None
    if any(_has_nul(k) or _has_nul(v) for k, v in fields) or _has_nul(body):
        if wants_json():
            return json_error(400, "invalid_character", NUL_MESSAGE)
        return _render(400, NUL_MESSAGE)
    return None


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
        return _render(status)

    @app.errorhandler(Exception)
    def server_error(exc: Exception) -> ResponseReturnValue:
        db.session.rollback()
        if not isinstance(exc, HTTPException):
            app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return _render(500)

    app.register_error_handler(InternalServerError, server_error)
