"""site_inspections."""

from webapp.api import route  # noqa: F401
