"""What a search URL asks for: the arguments the search page and the API read the same way, and their labels."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.regions import City
from knowledge.registry.rules import Verdict
from knowledge.search_docs import CATEGORY_NAMES, KIND_LABELS, allowed_for
from search_index.query import SORTS, Filters, SearchRequest

# Experts find the reviews they sat on and the published conclusions (knowledge.search_docs.allowed_for).
SEARCH_ROLES = (Role.PROJECT_TEAM, Role.DRAW_OFFICE, Role.REGULATOR, Role.ADMIN, Role.EXPERT)
Q_MAX = 200
PER_PAGE = 20
FILTER_NAMES = ("kind", "city", "category", "verdict", "conclusion", "year", "enterprise")
CONCLUSION_LABELS = {"pass": "通过", "pass_after_revision": "修改后通过", "fail": "不通过"}
CITY_LABELS = {c.value: c.label for c in City}
VERDICT_LABELS = {v.value: v.label for v in Verdict}
CHOICES: dict[str, Mapping[str, str]] = {
    "kind": KIND_LABELS, "city": CITY_LABELS, "category": CATEGORY_NAMES, "verdict": VERDICT_LABELS,
    "conclusion": CONCLUSION_LABELS,
}  # fmt: skip


@dataclass(frozen=True)
class SearchArgs:
    """What a search URL asks for, read the same way by the page and the API."""

    q: str = ""
    filters: Filters = field(default_factory=Filters)
    sort: str = "relevance"
    page: int = 1

    def request(self, scope: Scope, per_page: int = PER_PAGE) -> SearchRequest:
        return SearchRequest(allowed=allowed_for(scope), q=self.q, filters=self.filters, sort=self.sort,
                             page=self.page, per_page=per_page)  # fmt: skip


def _number(raw: str, digits: int) -> int | None:
    return int(raw) if raw.isdigit() and len(raw) <= digits else None


def read_args(args: Mapping[str, str]) -> tuple[SearchArgs, dict[str, str]]:
    """The search arguments, and a message per argument that could not be read (that one is left out)."""
    errors: dict[str, str] = {}
    q = " ".join((args.get("q") or "").split())
    if len(q) > Q_MAX:
        errors["q"] = f"检索词不能超过{Q_MAX}个字，已截取前{Q_MAX}个字"
        q = q[:Q_MAX]
    values: dict[str, Any] = {}
    for name in FILTER_NAMES:
        raw = (args.get(name) or "").strip()
        if not raw:
            continue
        if name in CHOICES:
            if raw in CHOICES[name]:
                values[name] = raw
            else:
                errors[name] = f"参数 {name} 的取值无效：{raw[:20]}"
        elif (number := _number(raw, 4 if name == "year" else 9)) is not None:
            values[name] = number
        else:
            errors[name] = f"参数 {name} 应为{'四位年份' if name == 'year' else '整数编号'}"
    sort = args.get("sort") or "relevance"
    if sort not in SORTS:
        errors["sort"] = "排序方式应为 relevance（相关度）或 date（时间）"
        sort = "relevance"
    page = _number(args.get("page") or "1", 6) or 1
    return SearchArgs(q, Filters(**values), sort, page), errors
