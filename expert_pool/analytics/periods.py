"""The dashboard's period (a quarter ``2026Q3``, a month ``2026-09`` or a year ``2026``) and area (a city or the
province): pure parsing and formatting, each unreadable input a Chinese message."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from expert_pool.analytics.errors import AnalyticsError
from knowledge.clock import CST
from knowledge.cranes.periods import add_months
from knowledge.regions import City

_PERIOD = re.compile(r"(\d{4})(?:[Qq](\d)|-(\d{1,2}))?")
FIRST_YEAR, LAST_YEAR = 2000, 2100
QUARTERS = "一二三四"
PROVINCE = "province"  # the area's spelling for the whole province (全省)
EXAMPLE = "2026Q3（季度）、2026-09（月）或 2026（年）"


class Span(StrEnum):
    QUARTER = "quarter"
    MONTH = "month"
    YEAR = "year"


@dataclass(frozen=True, slots=True)
class Period:
    span: Span
    year: int
    number: int  # the quarter (1-4), the month (1-12), or 1 for a year

    @property
    def start(self) -> date:
        month = {Span.QUARTER: 3 * self.number - 2, Span.MONTH: self.number, Span.YEAR: 1}[self.span]
        return date(self.year, month, 1)

    @property
    def end(self) -> date:
        """The last day (inclusive)."""
        months = {Span.QUARTER: 3, Span.MONTH: 1, Span.YEAR: 12}[self.span]
        return add_months(self.start, months) - timedelta(days=1)

    @property
    def starts_at(self) -> datetime:
        """The first moment, China Standard Time (the days a person reads are CST days)."""
        return datetime.combine(self.start, time(), CST)

    @property
    def ends_before(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time(), CST)

    @property
    def label(self) -> str:
        return format_period(self)

    @property
    def title(self) -> str:
        if self.span is Span.QUARTER:
            return f"{self.year}年第{QUARTERS[self.number - 1]}季度"
        if self.span is Span.MONTH:
            return f"{self.year}年{self.number}月"
        return f"{self.year}年"


def format_period(period: Period) -> str:
    """The spelling ``parse_period`` reads back: 2026Q3, 2026-09 or 2026."""
    if period.span is Span.QUARTER:
        return f"{period.year}Q{period.number}"
    if period.span is Span.MONTH:
        return f"{period.year}-{period.number:02d}"
    return str(period.year)


def parse_period(raw: str | None) -> Period:
    """:raises AnalyticsError: with a Chinese message for anything but a quarter, a month or a year."""
    text = (raw or "").strip()
    found = _PERIOD.fullmatch(text)
    if found is None:
        raise AnalyticsError(f"统计期间“{text[:20]}”无法识别，应为 {EXAMPLE}", field="period")
    year = int(found.group(1))
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise AnalyticsError(f"统计年份须在{FIRST_YEAR}至{LAST_YEAR}年之间，收到{year}年", field="period")
    if found.group(2) is not None:
        quarter = int(found.group(2))
        if not 1 <= quarter <= 4:
            raise AnalyticsError(f"季度须为Q1至Q4，收到Q{quarter}", field="period")
        return Period(Span.QUARTER, year, quarter)
    if found.group(3) is not None:
        month = int(found.group(3))
        if not 1 <= month <= 12:
            raise AnalyticsError(f"月份须在1至12之间，收到{month}", field="period")
        return Period(Span.MONTH, year, month)
    return Period(Span.YEAR, year, 1)


def quarter_of(day: date) -> Period:
    """The quarter holding ``day`` (the page's default period)."""
    return Period(Span.QUARTER, day.year, (day.month - 1) // 3 + 1)


def parse_area(raw: str | None) -> City | None:
    """A city's code, or ``province`` / empty for the whole province (None).

    :raises AnalyticsError: for a name that is no city of Jiangsu.
    """
    text = (raw or "").strip()
    if text in ("", PROVINCE):
        return None
    try:
        return City(text)
    except ValueError:
        raise AnalyticsError(f"统计范围“{text[:20]}”不是江苏省的设区市", field="area") from None


def format_area(city: City | None) -> str:
    return city.value if city is not None else PROVINCE


def area_label(city: City | None) -> str:
    return city.label if city is not None else "全省"
