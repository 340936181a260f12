"""API: the pre-check of a plan version against its category's common problems (the same as the plan page:
advice, with its evidence, or why there is none), and a category's common problems with their counts (a city
reader's city only)."""

from __future__ import annotations

from typing import Any

from flask import request
from flask.typing import ResponseReturnValue

from expert_pool.precedents import queries
from expert_pool.precedents.precheck import Check, Hit
from knowledge.plans.sections import SECTION_TITLES
from webapp.api import route
from webapp.auth import current_scope
from webapp.extensions import db

_HIT = {"type": "object", "properties": {"term": {"type": "string"}, "word": {"type": "string"},
                                         "snippet": {"type": "string"}}}  # fmt: skip
PRECHECK_SCHEMA = {
    "type": "object",
    "required": ["plan_version_id", "status", "message", "precedents", "problems"],
    "properties": {
        "plan_version_id": {"type": "integer"}, "category": {"type": "string"}, "sub_type": {"type": "string"},
        "status": {"type": "string", "enum": ["checked", "unreadable", "too_few"]},
        "message": {"type": "string"}, "precedents": {"type": "integer"},
        "problems": {"type": "array", "items": {"type": "object", "properties": {
            "problem_id": {"type": "integer"}, "label": {"type": "string"}, "reviews": {"type": "integer"},
            "section": {"type": "integer"}, "section_title": {"type": "string"},
            "key_terms": {"type": "array", "items": {"type": "string"}},
            "verdict": {"type": "string", "enum": ["addressed", "not_found"]}, "verdict_label": {"type": "string"},
            "evidence": {"type": "object", "properties": {
                "section": {"type": "integer", "nullable": True}, "section_present": {"type": "boolean"},
                "found": {"type": "array", "items": _HIT}, "missing": {"type": "array", "items": {"type": "string"}},
                "elsewhere": {"type": "array", "items": _HIT}, "text": {"type": "string"}}},
        }}},
    },
}  # fmt: skip
PROBLEMS_SCHEMA = {
    "type": "object",
    "properties": {
        "category": {"type": "string"}, "sub_type": {"type": "string", "nullable": True},
        "city": {"type": "string", "nullable": True}, "precedents": {"type": "integer"},
        "problems": {"type": "array", "items": {"type": "object", "properties": {k: {} for k in (
            "problem_id", "label", "section", "key_terms", "total", "reviews", "site", "by_city", "by_quarter",
            "review_ids")}}},
    },
}  # fmt: skip


def _hit(h: Hit) -> dict[str, str]:
    return {"term": h.term, "word": h.word, "snippet": h.snippet}


def check_json(c: Check) -> dict[str, Any]:
    e = c.evidence
    return {
        "problem_id": c.problem.id, "label": c.problem.label, "reviews": c.problem.reviews,
        "section": c.problem.section, "section_title": SECTION_TITLES[c.problem.section],
        "key_terms": list(c.problem.key_terms), "verdict": c.verdict.value, "verdict_label": c.verdict.label,
        "evidence": {"section": e.section, "section_present": e.section_present, "found": [_hit(h) for h in e.found],
                     "missing": list(e.missing), "elsewhere": [_hit(h) for h in e.elsewhere], "text": e.describe()},
    }  # fmt: skip


@route("/plans/<int:version_id>/precheck", "GET", tag="共性问题", response=PRECHECK_SCHEMA, errors=(404,),
       summary="方案常见问题预检：同类论证最常提出的问题在方案相应章节中是否涉及（附依据；仅供参考）")  # fmt: skip
def plan_precheck(version_id: int) -> ResponseReturnValue:
    result = queries.plan_precheck(db.session, current_scope(), version_id)
    return {
        "plan_version_id": result.version_id, "category": result.category, "sub_type": result.sub_type,
        "status": result.status, "message": result.message, "precedents": result.precedents,
        "problems": [check_json(c) for c in result.checks],
    }  # fmt: skip


@route("/problems/<category>", "GET", tag="共性问题", response=PROBLEMS_SCHEMA, errors=(403, 404),
       params=[{"name": "sub_type", "in": "query", "schema": {"type": "string"}}],
       summary="某类危大工程的共性问题及出现次数（按城市、季度；市级账号仅本市）")  # fmt: skip
def category_problems(category: str) -> ResponseReturnValue:
    view = queries.problems_view(db.session, current_scope(), category,
                                 sub_type=request.args.get("sub_type", "").strip() or None)  # fmt: skip
    return {
        "category": view.category, "sub_type": view.sub_type, "city": view.city.value if view.city else None,
        "precedents": view.precedents,
        "problems": [{"problem_id": r.problem.id, "label": r.problem.label, "section": r.problem.section,
                      "key_terms": r.problem.key_terms, "total": r.total, "reviews": r.reviews, "site": r.site,
                      "by_city": dict(r.by_city), "by_quarter": dict(sorted(r.by_quarter.items())),
                      "review_ids": r.review_ids if view.may_open_reviews else []} for r in view.rows],
    }  # fmt: skip
