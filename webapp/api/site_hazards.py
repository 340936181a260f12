"""site_hazards."""

from webapp.api import route  # noqa: F401
