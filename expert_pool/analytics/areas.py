"""The area filter as SQL: every figure counts a city's rows, or the province's."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, true

from knowledge.regions import City


def in_area(column: Any, city: City | None) -> ColumnElement[bool]:
    """``column`` (a City column) within the area; the whole province when ``city`` is None."""
    return true() if city is None else column == city
