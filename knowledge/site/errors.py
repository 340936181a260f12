"""The site area's error family: expected failures with a Chinese message a person can read."""

from __future__ import annotations

from knowledge.errors import ValidationError


class SiteError(ValidationError):
    """Root of the site area's expected failures; ``str(exc)`` is the message shown to the user (a DomainError,
    so the pages and the API report it like any other refusal)."""

    code = "site_rule"


class CatalogueError(SiteError):
    """An unknown version, hazard item key or work category asked of the hazard catalogue."""


class ChecklistError(SiteError):
    """A check item that is not on the checklist of the work it was recorded against."""


class SiteFileError(SiteError):
    """An uploaded photo or attachment that cannot be accepted."""

    code = "invalid_file"
