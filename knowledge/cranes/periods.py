"""Calendar periods the crane rules count in: whole years and months from a date, and days after an event."""

from __future__ import annotations

import calendar
from datetime import date


def add_months(start: date, months: int) -> date:
    """``start`` moved by ``months`` (negative goes back); a day the target month lacks becomes its last day.

    2024-01-31 + 1 month is 2024-02-29; 2023-03-31 - 1 month is 2023-02-28.
    """
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def add_years(start: date, years: int) -> date:
    """``start`` moved by whole years; 29 February becomes 28 February in a common year."""
    return add_months(start, 12 * years)


def full_years_between(start: date, end: date) -> int:
    """Completed years from ``start`` to ``end`` (an age in years: 0 until the first anniversary)."""
    if end < start:
        return -full_years_between(end, start)
    years = end.year - start.year
    return years if add_years(start, years) <= end else years - 1
