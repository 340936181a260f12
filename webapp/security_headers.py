"""Response headers every page carries (GB/T 22239-2019 level 3, 8.1.4: intrusion prevention at the edge):
a Content-Security-Policy the pages satisfy (scripts only from our own static files, no inline script or
handler), no caching of anything a signed-in account sees, no framing, no MIME sniffing, and HSTS when the
site is served over HTTPS (SESSION_COOKIE_SECURE)."""

from __future__ import annotations

from flask import Flask, Response, current_app, g, request
from flask_login import current_user

# Inline style attributes stay allowed (a few <pre> use them); scripts never run inline.
CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HSTS = "max-age=31536000; includeSubDomains"
STATIC_ENDPOINTS = {"static", "bootstrap.static"}


def _is_private(response: Response) -> bool:
    """Whatever a signed-in account or an API token was shown stays out of every cache."""
    if request.endpoint in STATIC_ENDPOINTS:
        return False
    return g.get("api_account") is not None or bool(getattr(current_user, "is_authenticated", False))


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    if _is_private(response) and "no-store" not in headers.get("Cache-Control", ""):
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    if request.is_secure or _secure_cookies():
        headers.setdefault("Strict-Transport-Security", HSTS)
    headers.pop("Server", None)
    return response


def _secure_cookies() -> bool:
    return bool(current_app.config.get("SESSION_COOKIE_SECURE"))


def register_security_headers(app: Flask) -> None:
    app.after_request(add_security_headers)
