"""Construction crane pages: the machine register, ownership registration, certificates and their verification."""

from flask import Blueprint

bp = Blueprint("cranes", __name__, url_prefix="/cranes")

from webapp.cranes import pages  # noqa: E402,F401
