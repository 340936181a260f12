"""The site area's error family: expected failures with a Chinese message a person can read."""

from __future__ import annotations


class SiteError(ValueError):
    """Root of the site area's expected failures; ``str(exc)`` is the message shown to the user."""


class CatalogueError(SiteError):
    """An unknown version, hazard item key or work category asked of the hazard catalogue."""


class ChecklistError(SiteError):
    """A check item that is not on the checklist of the work it was recorded against."""
