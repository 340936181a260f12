"""Registry filters from a query string, shared by the list page, the exports and the API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from werkzeug.datastructures import MultiDict

from knowledge.regions import City
from knowledge.registry.queries import SORTS, WorkFilter
from knowledge.registry.rules import Verdict
from knowledge.registry.workflow import WorkStatus
from webapp.works.params import CATEGORY_LABELS

FILTER_KEYS = ("city", "district", "category", "verdict", "status", "enterprise_id", "enterprise", "start_from",
               "start_to", "q", "sort")  # fmt: skip


def parse_filter(
    args: MultiDict[str, str], resolve_code: Callable[[str], int | None] | None = None
) -> tuple[WorkFilter, dict[str, str]]:
    """The filter, and a Chinese message per parameter that could not be read (that one is ignored).

    ``enterprise`` takes a unit's 统一社会信用代码 (what a regulator has at hand), resolved by ``resolve_code``.
    """
    errors: dict[str, str] = {}

    def pick(name: str, enum_cls: type[City] | type[Verdict] | type[WorkStatus]) -> object:
        raw = args.get(name, "")
        if not raw:
            return None
        try:
            return enum_cls(raw)
        except ValueError:
            errors[name] = f"参数 {name} 的取值无效：{raw[:20]}"
            return None

    def day(name: str) -> date | None:
        raw = args.get(name, "")
        if not raw:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            errors[name] = f"日期格式应为 YYYY-MM-DD：{raw[:20]}"
            return None

    category = args.get("category", "")
    if category and category not in CATEGORY_LABELS:
        errors["category"] = f"未知的工程类别：{category[:20]}"
        category = ""
    enterprise = args.get("enterprise_id", "")
    if enterprise and not (enterprise.isdigit() and len(enterprise) < 10):
        errors["enterprise_id"] = "单位编号应为正整数"
        enterprise = ""
    code = args.get("enterprise", "").strip()
    if code and resolve_code is not None:
        found_id = resolve_code(code)
        if found_id is None:
            errors["enterprise"] = f"未找到统一社会信用代码为 {code[:20]} 的单位"
        else:
            enterprise = str(found_id)
    sort = args.get("sort", "newest")
    if sort not in SORTS:
        errors["sort"] = f"排序方式无效，可选：{'、'.join(SORTS)}"
        sort = "newest"
    found = WorkFilter(
        city=pick("city", City),
        district=args.get("district", "").strip()[:32],
        category=category,
        verdict=pick("verdict", Verdict),
        status=pick("status", WorkStatus),
        enterprise_id=int(enterprise) if enterprise else None,
        start_from=day("start_from"),
        start_to=day("start_to"),
        q=args.get("q", "").strip()[:100],
        sort=sort,
    )
    return found, errors
