"""The regulators' dashboard (issue 22 item 2): a period's figures for a city or the province, as charts, tables
and CSV files, with the early-warning lists."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

from webapp.dashboard import cli, views  # noqa: E402,F401
