"""Jinja filters and globals shared by every template (labels, dates in China Standard Time)."""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from knowledge.accounts.models import Role
from knowledge.clock import CST


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return value.astimezone(CST).strftime(fmt) if value else ""


def register_template_helpers(app: Flask) -> None:
    app.add_template_filter(local_time, "local_time")
    app.add_template_global(Role, "Role")
