"""API: full-text search with the page's parameters, facets and permissions."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import abort, request
from flask.typing import ResponseReturnValue

from knowledge.regions import City
from knowledge.search_docs import CATEGORY_NAMES, KIND_LABELS
from search_index.query import Hit, SearchResult
from webapp.api import ApiError, route
from webapp.api.params import int_arg
from webapp.auth import current_scope
from webapp.extensions import search_index
from webapp.search.args import CONCLUSION_LABELS, PER_PAGE, Q_MAX, SEARCH_ROLES, VERDICT_LABELS, read_args
from webapp.search.hits import ShownHit, show_hit

MAX_PER_PAGE = 100


def _param(name: str, description: str, **schema: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "description": description, "schema": {"type": "string", **schema}}


PARAMS = [
    _param("q", "检索词：支持同义词、\"短语\"、字段（标题: 单位: 类别: 城市: 正文: 年份:）、AND/OR/NOT、-排除",
           maxLength=Q_MAX),
    _param("kind", "文档类型", enum=sorted(KIND_LABELS)),
    _param("city", "城市", enum=[c.value for c in City]),
    _param("category", "危大工程类别", enum=sorted(CATEGORY_NAMES)),
    _param("verdict", "判定", enum=sorted(VERDICT_LABELS)),
    _param("conclusion", "论证结论", enum=sorted(CONCLUSION_LABELS)),
    {"name": "year", "in": "query", "schema": {"type": "integer"}},
    {"name": "enterprise", "in": "query", "description": "参建单位编号", "schema": {"type": "integer"}},
    _param("sort", "排序：relevance（相关度，默认）或 date（时间，新→旧）", enum=["relevance", "date"]),
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}},
]  # fmt: skip
HIT_SCHEMA = {"type": "object", "properties": {
    "doc_id": {"type": "string"}, "kind": {"type": "string"}, "title": {"type": "string"}, "url": {"type": "string"},
    "city": {"type": "string"}, "category": {"type": "string"}, "date": {"type": "string"}, "score": {"type": "number"},
    "snippets": {"type": "array", "items": {"type": "string"},
                 "description": "HTML 片段：文档文字已转义，命中词以 <mark> 标出"},
    "places": {"type": "array", "items": {"type": "string"}, "description": "各片段所在的章节（方案的章节标题）"},
    "snippet_urls": {"type": "array", "items": {"type": "string"}, "description": "各片段所在章节的链接"},
    "older": {"type": "array", "description": "同一方案的其他（较旧）版本，新→旧：结果每个方案只列一条（最新版本）",
              "items": {"type": "object", "properties": {k: {"type": "string"} for k in ("doc_id", "title", "url",
                                                                                          "date")}}}}}  # fmt: skip
FACET_SCHEMA = {
    "type": "array",
    "items": {"type": "object", "properties": {"value": {}, "count": {"type": "integer"}}},
}
RESULT_SCHEMA = {"type": "object", "properties": {
    "items": {"type": "array", "items": HIT_SCHEMA},
    "total": {"type": "integer", "description": "结果数（同一方案的各版本计为一条）"}, "page": {"type": "integer"},
    "per_page": {"type": "integer"}, "pages": {"type": "integer"},
    "facets": {"type": "object", "additionalProperties": FACET_SCHEMA,
               "description": "各维度取值与计数（只计调用者有权查看的文档）"},
    "message": {"type": "string", "description": "检索语法无法理解时，说明已改按关键词检索"},
    "broader_query": {"type": "string", "description": "各词须同时出现而结果不足 5 条、或结果页以部分匹配补足时，建议的扩大检索（各词任一出现，OR）；否则为空"},
    "partial_items": {"type": "array", "items": HIT_SCHEMA,
                      "description": "完全匹配的结果在本页用完时，以只包含部分检索词的文档补足本页（排在全部完全匹配之后）"},
    "partial_total": {"type": "integer", "description": "只包含部分检索词的文档数"}}}  # fmt: skip


def _hit_json(hit: Hit, shown: ShownHit) -> dict[str, Any]:
    older = [{**vars(o), "url": url} for o, (_, url, _) in zip(hit.older, shown.older, strict=True)]
    return {**vars(hit), "url": shown.url, "snippet_urls": shown.snippet_urls, "older": older}


def result_json(result: SearchResult, script_root: str = "") -> dict[str, Any]:
    return {
        "items": [_hit_json(hit, show_hit(hit, script_root)) for hit in result.hits],
        "total": result.total, "page": result.page, "per_page": result.per_page, "pages": result.pages,
        "facets": {name: [{"value": v, "count": n} for v, n in values] for name, values in result.facets.items()},
        "message": result.message, "broader_query": result.broader_query,
        "partial_items": [_hit_json(hit, show_hit(hit, script_root)) for hit in result.partial],
        "partial_total": result.partial_total,
    }  # fmt: skip


@route("/search", "GET", summary="全文检索专项施工方案、危大工程与专家论证结论（与检索页面相同的参数、分面与权限）", tag="检索",
       params=PARAMS, response=RESULT_SCHEMA, errors=(403,))  # fmt: skip
def search() -> ResponseReturnValue:
    scope = current_scope()
    if scope.role not in SEARCH_ROLES:
        abort(403)
    args, errors = read_args(request.args)
    if errors:
        name, message = next(iter(errors.items()))
        raise ApiError(400, "invalid_parameter", message, field=name)
    args = replace(args, page=int_arg("page", 1, maximum=999_999))
    per_page = int_arg("per_page", PER_PAGE, maximum=MAX_PER_PAGE)
    return result_json(search_index().search(args.request(scope, per_page)), request.script_root)
