"""The reviews list's filters from a query string, shared by the list page and its exports."""

from __future__ import annotations

from datetime import date

from werkzeug.datastructures import MultiDict

from expert_pool.reviews.listing import CATEGORY_LABELS, ReviewFilter
from expert_pool.reviews.models import Conclusion
from knowledge.regions import City

FILTER_KEYS = ("city", "category", "conclusion", "held_from", "held_to", "expert", "constructor")


def parse_filter(args: MultiDict[str, str]) -> tuple[ReviewFilter, dict[str, str]]:
    """The filter, and a Chinese message per parameter that could not be read (that one is ignored)."""
    errors: dict[str, str] = {}

    def pick(name: str, enum_cls: type[City] | type[Conclusion], what: str) -> object:
        raw = args.get(name, "")
        if not raw:
            return None
        try:
            return enum_cls(raw)
        except ValueError:
            errors[name] = f"未知的{what}：{raw[:20]}"
            return None

    def day(name: str) -> date | None:
        raw = args.get(name, "").strip()
        if not raw:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            errors[name] = f"日期无效，应为 YYYY-MM-DD 格式的实际日期：{raw[:20]}"
            return None

    category = args.get("category", "")
    if category and category not in CATEGORY_LABELS:
        errors["category"] = f"未知的工程类别：{category[:20]}"
        category = ""
    held_from, held_to = day("held_from"), day("held_to")
    if held_from and held_to and held_from > held_to:
        errors["held_to"] = "论证日期的起始日不能晚于截止日"
    found = ReviewFilter(
        city=pick("city", City, "城市"),
        category=category,
        conclusion=pick("conclusion", Conclusion, "论证结论"),
        held_from=held_from,
        held_to=held_to,
        expert=args.get("expert", "").strip()[:64],
        constructor=args.get("constructor", "").strip()[:100],
    )
    return found, errors


def page_number(args: MultiDict[str, str]) -> int:
    """The page asked for; anything but a short run of ASCII digits means the first page (``str.isdigit`` also
    accepts "²" and "①", which ``int`` refuses: webapp.pages.page_arg would raise on them)."""
    raw = args.get("page", "1")
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < len(raw) < 7 else 1
