"""site_timeline."""

from webapp.api import route  # noqa: F401
