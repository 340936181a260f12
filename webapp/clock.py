"""The application's clock: real time, shifted by ``CLOCK_OFFSET_HOURS`` (0 in production).

The shift exists for drills and training runs, and for end-to-end tests that must play a review meeting
days after its draw against a real server; it moves every page of the review workflow consistently."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app

from knowledge.db import utcnow


def now() -> datetime:
    return utcnow() + timedelta(hours=float(current_app.config.get("CLOCK_OFFSET_HOURS", 0) or 0))
