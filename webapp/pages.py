"""Small request helpers shared by the page views."""

from __future__ import annotations

from flask import request


def page_arg(name: str = "page") -> int:
    """The page number from the query string; anything unreadable means the first page."""
    raw = request.args.get(name, "1")
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < len(raw) < 7 else 1
