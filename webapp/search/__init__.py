"""The full-text search page: query, facets with counts, highlighted hits and pages, all in the URL."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge.enterprises.models import Enterprise
from knowledge.pagination import Page
from search_index.query import SearchResult
from webapp.auth import current_scope, role_required
from webapp.extensions import db, search_index
from webapp.search.args import CHOICES, PER_PAGE, SEARCH_ROLES, SearchArgs, read_args
from webapp.search.hits import show_hit

bp = Blueprint("search", __name__, url_prefix="/search")

FACET_TITLES = {"kind": "文档类型", "city": "城市", "category": "类别", "verdict": "判定", "conclusion": "论证结论",
                "year": "年份", "enterprise": "参建单位"}  # fmt: skip
SORT_LABELS = {"relevance": "相关度", "date": "时间（新→旧）"}


def facet_label(name: str, value: object, enterprise_names: Mapping[int, str]) -> str:
    if name == "year":
        return f"{value}年"
    if name == "enterprise":
        return enterprise_names.get(int(str(value)), f"单位 {value}")
    return CHOICES.get(name, {}).get(str(value), str(value))


def enterprise_names(session: Session, result: SearchResult) -> dict[int, str]:
    ids = [int(v) for v, _ in result.facets.get("enterprise", ())]
    if not ids:
        return {}
    rows = session.execute(select(Enterprise.id, Enterprise.name).where(Enterprise.id.in_(ids)))
    return {enterprise_id: name for enterprise_id, name in rows}


@dataclass(frozen=True)
class FacetValue:
    label: str
    count: int
    url: str
    selected: bool


def _url(args: Mapping[str, str], **changes: object) -> str:
    merged: dict[str, Any] = {k: v for k, v in args.items() if v}
    merged.update(changes)
    merged.pop("page", None)
    return url_for("search.index", **{k: v for k, v in merged.items() if v not in (None, "")})


def facet_groups(
    result: SearchResult, args: SearchArgs, names: Mapping[int, str]
) -> list[tuple[str, list[FacetValue]]]:
    """Each facet with its values, counts and the URL that adds (or, when chosen, removes) the value."""
    chosen = {k: str(v) for k, v in vars(args.filters).items() if v is not None}
    current = request.args.to_dict()
    groups = []
    for name, title in FACET_TITLES.items():
        values = [
            FacetValue(
                facet_label(name, value, names), count,
                _url(current, **{name: None if chosen.get(name) == str(value) else value}),
                chosen.get(name) == str(value),
            )
            for value, count in result.facets.get(name, ())
        ]  # fmt: skip
        if values:
            groups.append((title, values))
    return groups


@bp.route("/")
@role_required(*SEARCH_ROLES)
def index() -> ResponseReturnValue:
    args, errors = read_args(request.args)
    scope = current_scope()
    try:
        result = search_index().search(args.request(scope))
    except OSError:
        result = SearchResult(
            0, [], {}, args.page, PER_PAGE, message="检索服务暂时不可用，请稍后再试或联系管理员"
        )
    hits = [show_hit(h, request.script_root) for h in result.hits]
    partial = [show_hit(h, request.script_root) for h in result.partial]
    return render_template(
        "search/index.html", args=args, errors=errors, result=result, hits=hits, partial=partial,
        page=Page(hits, result.total, result.page, result.per_page),
        facets=facet_groups(result, args, enterprise_names(db.session, result)),
        sorts=SORT_LABELS, sort_urls={k: _url(request.args.to_dict(), sort=k) for k in SORT_LABELS},
        broader_url=_url(request.args.to_dict(), q=result.broader_query) if result.broader_query else "",
    )  # fmt: skip
