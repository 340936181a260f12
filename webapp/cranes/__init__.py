"""Construction crane pages: the machine register, ownership registration, certificates and their verification;
machines on sites (installation, acceptance, use registration, dismantling) and the machine's file; online
inspection reports; the spot-check list of inspection bodies; the periodic bulletin."""

from flask import Blueprint

bp = Blueprint("cranes", __name__, url_prefix="/cranes")

from webapp.cranes import (  # noqa: E402,F401
    bulletin_pages,
    cli,
    inspection_pages,
    io_pages,
    pages,
    site_pages,
    spot_check_pages,
)
