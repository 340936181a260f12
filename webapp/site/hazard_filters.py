"""Hazard list filters from a query string, shared by the list page, its exports and the API."""

from __future__ import annotations

from enum import StrEnum

from werkzeug.datastructures import MultiDict

from knowledge.regions import City
from knowledge.site.hazard_loop import Level, State
from knowledge.site.hazard_queries import HazardFilter
from webapp.works.params import CATEGORY_LABELS

FILTER_KEYS = ("city", "category", "level", "state", "overdue", "supervised", "stopped", "flagged", "open",
               "work_id")  # fmt: skip
FLAGS = {"overdue": "is_overdue", "supervised": "is_supervised", "stopped": "is_stopped", "flagged": "is_flagged",
         "open": "is_open"}  # fmt: skip
TRUE = ("1", "true", "yes", "on")


def parse_filter(args: MultiDict[str, str]) -> tuple[HazardFilter, dict[str, str]]:
    """The filter, and a Chinese message per parameter that could not be read (that one is ignored)."""
    errors: dict[str, str] = {}

    def pick(name: str, enum_cls: type[StrEnum]) -> object:
        raw = args.get(name, "")
        if not raw:
            return None
        try:
            return enum_cls(raw)
        except ValueError:
            allowed = "、".join(m.value for m in enum_cls)
            errors[name] = f"参数 {name} 的取值无效：{raw[:20]}（可选：{allowed}）"
            return None

    category = args.get("category", "")
    if category and category not in CATEGORY_LABELS:
        errors["category"] = f"未知的工程类别：{category[:20]}"
        category = ""
    work = args.get("work_id", "")
    if work and not (work.isdigit() and 0 < len(work) < 10 and int(work) > 0):
        errors["work_id"] = "危大工程编号应为正整数"
        work = ""
    flags: dict[str, bool] = {}
    for name, attr in FLAGS.items():
        raw = args.get(name, "").lower()
        if raw and raw not in (*TRUE, "0", "false", "no", "off"):
            errors[name] = f"参数 {name} 应为 1 或 0"
        flags[attr] = raw in TRUE
    found = HazardFilter(
        city=pick("city", City),
        category=category,
        level=pick("level", Level),
        state=pick("state", State),
        work_id=int(work) if work else None,
        **flags,
    )
    return found, errors
