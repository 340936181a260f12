"""The dashboard's error family: a period or an area that cannot be read (Chinese messages)."""

from __future__ import annotations

from knowledge.errors import ValidationError


class AnalyticsError(ValidationError):
    code = "analytics_error"
