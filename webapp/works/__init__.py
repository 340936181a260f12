"""The works registry: list with filters and exports, register, detail, plans, sign-offs, import."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("works", __name__, url_prefix="/works")

from webapp.works import imports, plans, views  # noqa: E402,F401
