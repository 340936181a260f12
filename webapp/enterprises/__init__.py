"""The enterprise directory: search for everyone signed in, create and edit for the admin."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("enterprises", __name__, url_prefix="/enterprises")

from webapp.enterprises import views  # noqa: E402,F401
