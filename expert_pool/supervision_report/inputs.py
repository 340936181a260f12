"""What a report is asked for: the period (the dashboard's spelling, ``2026Q3``, ``2026-09`` or ``2026``) and the
area, given as a city's code (``suzhou``), its Chinese name with or without 市 (``苏州``, ``苏州市``), or the
province (empty, ``province``, ``全省``, ``江苏省``). Pure; each unreadable input a Chinese message."""

from __future__ import annotations

from expert_pool.analytics.errors import AnalyticsError
from expert_pool.analytics.periods import PROVINCE, Period, parse_period
from expert_pool.supervision_report.errors import SupervisionReportError
from knowledge.regions import City

PROVINCE_NAMES = ("", PROVINCE, "全省", "江苏", "江苏省")
_BY_NAME: dict[str, City] = {
    **{c.value: c for c in City},
    **{c.label: c for c in City},
    **{c.label.removesuffix("市"): c for c in City},
}


def parse_report_period(raw: str | None) -> Period:
    """:raises SupervisionReportError: for anything but a quarter, a month or a year."""
    if not (raw or "").strip():
        raise SupervisionReportError(
            "请填写报告期间，如 2026Q3（季度）、2026-09（月）或 2026（年）", field="period"
        )
    try:
        return parse_period(raw)
    except AnalyticsError as exc:
        raise SupervisionReportError(str(exc), field="period") from None


def parse_report_area(raw: str | None) -> City | None:
    """A city of Jiangsu, or None for the whole province.

    :raises SupervisionReportError: for a name that is no city of Jiangsu.
    """
    text = (raw or "").strip()
    if text in PROVINCE_NAMES:
        return None
    found = _BY_NAME.get(text) or _BY_NAME.get(text.lower())
    if found is None:
        raise SupervisionReportError(
            f"报告范围“{text[:20]}”不是江苏省的设区市，应为全省或13个设区市之一（如 苏州、苏州市 或 suzhou）",
            field="area",
        )
    return found


def area_title(city: City | None) -> str:
    return f"江苏省{city.label}" if city is not None else "江苏省"
