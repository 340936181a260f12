"""Jinja filters and globals shared by every template (labels, dates in China Standard Time)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from flask import Flask

from knowledge.accounts.models import Role

CST = timezone(timedelta(hours=8), "CST")


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return value.astimezone(CST).strftime(fmt) if value else ""


def register_template_helpers(app: Flask) -> None:
    app.add_template_filter(local_time, "local_time")
    app.add_template_global(Role, "Role")
