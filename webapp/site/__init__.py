"""Site control pages: site records of a work, inspections, hazards and their loop, sweeps, the work's timeline."""

from flask import Blueprint

bp = Blueprint("site", __name__, url_prefix="/site")

from webapp.site import (  # noqa: E402,F401
    hazard_pages,
    inspection_pages,
    portrait_pages,
    records_pages,
    sweep_pages,
    timeline_pages,
)
