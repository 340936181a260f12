"""Full-text search: the page (query, facets with counts, highlighted hits, pages, all in the URL), the
arguments it shares with the API, the "similar plans" list of a plan version's page and the "similar past
reviews" list of a review's page."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from flask import Blueprint, has_request_context, render_template, request, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from expert_pool.reviews.models import Review
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.enterprises.models import Enterprise
from knowledge.enterprises.queries import Page
from knowledge.plans.models import PlanVersion
from knowledge.regions import City
from knowledge.registry.rules import Verdict
from knowledge.search_docs import CATEGORY_NAMES, KIND_LABELS, allowed_for
from search_index.documents import make_doc_id, section_anchor
from search_index.index import SearchIndex
from search_index.query import SORTS, Filters, Hit, SearchRequest, SearchResult
from webapp.auth import current_scope, role_required
from webapp.extensions import db, search_index

bp = Blueprint("search", __name__, url_prefix="/search")

# Experts find the reviews they sat on and the published conclusions (knowledge.search_docs.allowed_for).
SEARCH_ROLES = (Role.PROJECT_TEAM, Role.DRAW_OFFICE, Role.REGULATOR, Role.ADMIN, Role.EXPERT)
Q_MAX = 200
PER_PAGE = 20
FILTER_NAMES = ("kind", "city", "category", "verdict", "conclusion", "year", "enterprise")
FACET_TITLES = {"kind": "文档类型", "city": "城市", "category": "类别", "verdict": "判定", "conclusion": "论证结论",
                "year": "年份", "enterprise": "参建单位"}  # fmt: skip
SORT_LABELS = {"relevance": "相关度", "date": "时间（新→旧）"}
CONCLUSION_LABELS = {"pass": "通过", "pass_after_revision": "修改后通过", "fail": "不通过"}
CITY_LABELS = {c.value: c.label for c in City}
VERDICT_LABELS = {v.value: v.label for v in Verdict}
_CHOICES: dict[str, Mapping[str, str]] = {
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
        if name in _CHOICES:
            if raw in _CHOICES[name]:
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


@dataclass(frozen=True)
class ShownHit:
    """A hit as a page shows it: labels instead of codes, snippets as markup (escaped by search_index)."""

    doc_id: str
    kind: str
    kind_label: str
    title: str
    url: str
    city_name: str
    category_name: str
    date: str
    score: float
    snippets: list[Markup]
    snippet_urls: list[
        str
    ]  # where each snippet's passage is: a plan's section on its page, else the document


def snippet_url(hit: Hit, label: str, url: str) -> str:
    anchor = section_anchor(label) if hit.kind == "plan" else ""
    return f"{url}#{quote(anchor)}" if anchor else url


def show_hit(hit: Hit, script_root: str = "") -> ShownHit:
    url = script_root + hit.url if hit.url.startswith("/") else hit.url
    places = hit.places or [""] * len(hit.snippets)
    return ShownHit(
        doc_id=hit.doc_id, kind=hit.kind, kind_label=KIND_LABELS.get(hit.kind, hit.kind), title=hit.title,
        url=url, city_name=CITY_LABELS.get(hit.city, hit.city),
        category_name=CATEGORY_NAMES.get(hit.category, hit.category), date=hit.date, score=hit.score,
        # The fragments are built by search_index.documents.snippets: document text html-escaped, <mark> ours.
        snippets=[Markup(s) for s in hit.snippets],  # noqa: S704
        snippet_urls=[snippet_url(hit, label, url) for label in places],
    )  # fmt: skip


def facet_label(name: str, value: object, enterprise_names: Mapping[int, str]) -> str:
    if name == "year":
        return f"{value}年"
    if name == "enterprise":
        return enterprise_names.get(int(str(value)), f"单位 {value}")
    return _CHOICES.get(name, {}).get(str(value), str(value))


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


def similar_plans(
    session: Session, index: SearchIndex, version: PlanVersion, scope: Scope, limit: int = 5
) -> list[ShownHit]:
    """Plans most like this one (key terms of its text) in its category that the account may see, one version
    per work (the most similar) and none of this work's own, which would always come first. Empty when the
    index cannot say."""
    try:
        hits = index.more_like_this(make_doc_id("plan", version.id), same_category=True, limit=5 * limit,
                                    allowed=allowed_for(scope))  # fmt: skip
    except OSError:
        return []
    ids = {int(h.doc_id.partition(":")[2]): h for h in hits if h.kind == "plan"}
    works = dict(
        session.execute(select(PlanVersion.id, PlanVersion.work_id).where(PlanVersion.id.in_(ids))).all()
    )
    seen = {version.work_id}
    shown = []
    for key, hit in ids.items():
        if key in works and works[key] not in seen:
            seen.add(works[key])
            shown.append(show_hit(hit, request.script_root if has_request_context() else ""))
    return shown[:limit]


def similar_conclusions(
    index: SearchIndex, model: str, scope: Scope, *, before: str | None = None, skip: str = "", limit: int = 5
) -> list[ShownHit]:
    """Concluded reviews most like the indexed document ``model`` (a plan version or a review), of its
    category, that the account may see, held on or before ``before`` when given, never ``skip``. Empty when
    the index cannot say."""
    try:
        hits = index.more_like_this(model, same_category=True, limit=limit + 1, allowed=allowed_for(scope),
                                    kind="review", before=before)  # fmt: skip
    except OSError:
        return []
    root = request.script_root if has_request_context() else ""
    return [show_hit(hit, root) for hit in hits if hit.doc_id != skip][:limit]


def similar_reviews(index: SearchIndex, review: Review, scope: Scope, limit: int = 5) -> list[ShownHit]:
    """Past conclusions most like this review, of its work's category, that the account may see: concluded
    reviews held on or before its meeting day, never itself (a previous review of the same work is a precedent
    and stays). The model is the review's own conclusion once final, else its plan version's text (so the
    panel sees precedents while it examines the plan)."""
    own, plan = make_doc_id("review", review.id), make_doc_id("plan", review.plan_version_id)
    day = (review.held_on or review.meeting_day).isoformat()
    try:
        model = own if index.contains(own) else plan
    except OSError:
        return []
    return similar_conclusions(index, model, scope, before=day, skip=own, limit=limit)


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
    return render_template(
        "search/index.html", args=args, errors=errors, result=result, hits=hits,
        page=Page(hits, result.total, result.page, result.per_page),
        facets=facet_groups(result, args, enterprise_names(db.session, result)),
        sorts=SORT_LABELS, sort_urls={k: _url(request.args.to_dict(), sort=k) for k in SORT_LABELS},
    )  # fmt: skip
