"""site_records."""

from webapp.api import route  # noqa: F401
