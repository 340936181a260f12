"""hazard_pages."""

from webapp.site import bp  # noqa: F401
