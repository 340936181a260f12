"""API: a work's inspection checklist, recording an inspection (JSON, no photos), reading and listing inspections."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import abort, current_app, request
from flask.typing import ResponseReturnValue

from expert_pool.reviews import site_findings
from knowledge.accounts.models import Role
from knowledge.clock import CST
from knowledge.regions import City
from knowledge.registry import queries as work_queries
from knowledge.registry.models import Work
from knowledge.registry.scope_tables import CATEGORIES
from knowledge.site import inspection_queries as queries
from knowledge.site import inspections
from knowledge.site.checklist import CheckItem
from knowledge.site.inspection_models import Inspection, ItemResult
from webapp.api import ApiError, route
from webapp.api.params import Field, enum_arg, enum_value, json_body, page_args, page_json
from webapp.api.spec import PAGE_PARAMS, page_of
from webapp.auth import current_scope
from webapp.clock import now
from webapp.extensions import db

READERS = (Role.PROJECT_TEAM, Role.DRAW_OFFICE, Role.REGULATOR, Role.ADMIN)
ITEMS_MAX = 100
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
RESULTS = [r.value for r in ItemResult]
CATEGORY_CODES = [c.code for c in CATEGORIES]
CHECK_SCHEMA = {"type": "object", "properties": {k: {"type": "string"} for k in ("key", "text", "clause")}
                | {"hazard_key": {"type": "string", "nullable": True}}}  # fmt: skip
ITEM_SCHEMA = {"type": "object", "properties": {k: {} for k in (
    "key", "text", "clause", "hazard_key", "result", "note", "photos")}}  # fmt: skip
INSPECTION_SCHEMA = {"type": "object", "properties": {k: {} for k in (
    "id", "work_id", "work_name", "city", "category", "inspected_on", "inspectors", "sweep_id", "catalogue_version",
    "plan_version_id", "note", "review_careless", "careless_note", "recorded_by", "recorded_at", "items",
    "hazards")}}  # fmt: skip
INSPECTION_BODY = {
    "type": "object",
    "required": ["inspected_on", "inspectors", "items"],
    "properties": {
        "inspected_on": {"type": "string", "format": "date", "description": "检查日期，不晚于今天"},
        "inspectors": {"type": "array", "minItems": 1, "maxItems": inspections.INSPECTORS_MAX,
                       "items": {"type": "string", "maxLength": inspections.INSPECTOR_NAME_MAX}},
        "items": {"type": "array", "maxItems": ITEMS_MAX, "description": "检查表（GET …/checklist）的每一项都须填写",
                  "items": {"type": "object", "required": ["key", "result"], "properties": {
                      "key": {"type": "string", "maxLength": 64},
                      "result": {"type": "string", "enum": RESULTS, "description": "conforms 符合；fails 不符合；not_applicable 不适用"},
                      "note": {"type": "string", "maxLength": inspections.ITEM_NOTE_MAX, "description": "不符合时必填"}}}},
        "note": {"type": "string", "maxLength": inspections.NOTE_MAX},
        "sweep_id": {"type": "integer", "minimum": 1},
        "review_careless": {"type": "boolean", "description": "认定专家论证评审不认真（须填写 careless_note）"},
        "careless_note": {"type": "string", "maxLength": inspections.CARELESS_NOTE_MAX},
    },
}  # fmt: skip
LIST_PARAMS = [
    {"name": "city", "in": "query", "schema": {"type": "string", "enum": [c.value for c in City]}},
    {"name": "category", "in": "query", "schema": {"type": "string", "enum": CATEGORY_CODES}},
    {"name": "date_from", "in": "query", "schema": {"type": "string", "format": "date"}},
    {"name": "date_to", "in": "query", "schema": {"type": "string", "format": "date"}},
]


def check_json(c: CheckItem) -> dict[str, Any]:
    return {"key": c.key, "text": c.text, "clause": c.clause, "hazard_key": c.hazard_key}


def inspection_json(i: Inspection) -> dict[str, Any]:
    return {
        "id": i.id, "work_id": i.work_id, "work_name": i.work.name, "city": i.city.value, "category": i.category,
        "inspected_on": i.inspected_on.isoformat(), "inspectors": list(i.inspectors), "sweep_id": i.sweep_id,
        "catalogue_version": i.catalogue_version, "plan_version_id": i.plan_version_id, "note": i.note,
        "review_careless": i.review_careless, "careless_note": i.careless_note, "recorded_by": i.recorded_by,
        "recorded_at": i.recorded_at.isoformat(),
        "items": [{"key": t.item_key, "text": t.text, "clause": t.clause, "hazard_key": t.hazard_key,
                   "result": t.result.value, "note": t.note, "photos": [p.id for p in t.photos]} for t in i.items],
        "hazards": [{"id": h.id, "level": h.level.value, "catalogue_key": h.catalogue_key, "clause": h.clause,
                     "deadline": h.deadline.isoformat(), "state": h.state.value}
                    for h in queries.hazards_of_inspection(db.session, i.id)],
    }  # fmt: skip


def _today() -> date:
    return now().astimezone(CST).date()


def _regulator() -> None:
    if current_scope().role is not Role.REGULATOR:
        abort(403)


def _work(work_id: int) -> Work:
    _regulator()
    return work_queries.get_work_for(db.session, current_scope(), work_id)


def _day(raw: Any, name: str, code: str = "invalid_value") -> date | None:
    if raw is None or raw == "":
        return None
    try:
        if not isinstance(raw, str) or not ISO_DAY.fullmatch(raw):
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise ApiError(400, code, f"{name} 应为 YYYY-MM-DD 格式的日期", field=name) from None


@route("/works/<int:work_id>/checklist", "GET", summary="危大工程的监督检查表（按类别生成：现场管理各项与重大事故隐患判定标准条目）",
       tag="监督检查", response={"type": "array", "items": CHECK_SCHEMA}, errors=(403,))  # fmt: skip
def work_checklist(work_id: int) -> ResponseReturnValue:
    return [check_json(c) for c in inspections.checklist_of(db.session, _work(work_id))]


@route("/works/<int:work_id>/inspections", "POST", summary="记录监督检查（工程所在地或省级监管人员；照片请在页面上传）",
       tag="监督检查", body=INSPECTION_BODY, response=INSPECTION_SCHEMA, status=201, errors=(403, 422))  # fmt: skip
def create_inspection(work_id: int) -> ResponseReturnValue:
    work = _work(work_id)
    body = json_body({"inspected_on": Field(str, max_length=10), "inspectors": Field(list), "items": Field(list),
                      "note": Field(str, required=False), "sweep_id": Field(int, required=False),
                      "review_careless": Field(bool, required=False), "careless_note": Field(str, required=False)})  # fmt: skip
    data = inspections.InspectionInput(
        inspected_on=_day(body["inspected_on"], "inspected_on"), inspectors=_inspectors(body["inspectors"]),
        answers=_answers(body["items"]), note=body.get("note", ""), sweep_id=body.get("sweep_id"),
        review_careless=body.get("review_careless", False), careless_note=body.get("careless_note", ""),
    )  # fmt: skip
    found = inspections.record_inspection(db.session, work, data, scope=current_scope(),
                                          upload_dir=current_app.config["UPLOAD_DIR"], today=_today())  # fmt: skip
    return inspection_json(found), 201


def _inspectors(rows: list[Any]) -> tuple[str, ...]:
    if len(rows) > inspections.INSPECTORS_MAX * 2 or not all(isinstance(r, str) for r in rows):
        raise ApiError(400, "invalid_value", "inspectors 应为姓名字符串的数组", field="inspectors")
    return tuple(r[:100] for r in rows)


def _answers(rows: list[Any]) -> tuple[inspections.ItemAnswer, ...]:
    if len(rows) > ITEMS_MAX or not all(isinstance(r, dict) for r in rows):
        raise ApiError(400, "invalid_value", f"items 应为不超过{ITEMS_MAX}个对象的数组", field="items")
    answers = []
    for row in rows:
        unknown = set(row) - {"key", "result", "note"}
        key, result, note = row.get("key"), row.get("result"), row.get("note", "")
        if unknown or not isinstance(key, str) or not isinstance(result, str) or not isinstance(note, str):
            raise ApiError(
                400, "invalid_value", "items 的每项应为 {key, result, note} 且均为字符串", field="items"
            )
        answers.append(
            inspections.ItemAnswer(key[:64], enum_value("result", result, ItemResult), note[:2000])
        )
    return tuple(answers)


@route("/inspections/<int:inspection_id>", "GET", summary="监督检查记录详情（含各检查项与发现的隐患）", tag="监督检查",
       response=INSPECTION_SCHEMA, errors=(403,))  # fmt: skip
def get_inspection(inspection_id: int) -> ResponseReturnValue:
    if current_scope().role not in READERS:
        abort(403)
    return inspection_json(queries.get_inspection_for(db.session, current_scope(), inspection_id))


@route("/inspections", "GET", summary="监督检查记录清单（监管人员：本市或全省，按城市、类别、日期筛选）", tag="监督检查",
       params=[*LIST_PARAMS, *PAGE_PARAMS], response=page_of(INSPECTION_SCHEMA), errors=(403,))  # fmt: skip
def list_inspections() -> ResponseReturnValue:
    _regulator()
    category = request.args.get("category", "")
    if category and category not in CATEGORY_CODES:
        raise ApiError(400, "invalid_parameter", "category 的取值无效", field="category")
    found = queries.InspectionFilter(
        city=enum_arg("city", City), category=category or None,
        date_from=_day(request.args.get("date_from"), "date_from", "invalid_parameter"),
        date_to=_day(request.args.get("date_to"), "date_to", "invalid_parameter"),
    )  # fmt: skip
    page, per_page = page_args()
    return page_json(queries.inspections_page(db.session, current_scope(), found, page=page, per_page=per_page),
                     inspection_json)  # fmt: skip


@route("/inspections/<int:inspection_id>/careless", "POST", summary="确认论证评审不认真：为论证专家组每人登记一次信用扣分",
       tag="监督检查", body={"type": "object", "required": ["points"], "properties": {
           "points": {"type": "integer", "description": "扣分（负数，在信用规则的评审不认真扣分范围内）"}}},
       response={"type": "object", "properties": {"recorded": {"type": "array", "items": {"type": "integer"}}}},
       errors=(403, 422))  # fmt: skip
def confirm_inspection_careless(inspection_id: int) -> ResponseReturnValue:
    _regulator()
    if not request.is_json or not isinstance(request.get_json(silent=True), dict):
        raise ApiError(400, "invalid_json", "请求体须为JSON对象")
    body = request.get_json()
    points = body.get("points")
    if (
        set(body) - {"points"}
        or not isinstance(points, int)
        or isinstance(points, bool)
        or abs(points) > 1000
    ):
        raise ApiError(400, "invalid_value", "points 应为整数扣分（负数）", field="points")
    inspection = queries.get_inspection_for(db.session, current_scope(), inspection_id)
    rows = site_findings.confirm_careless(
        db.session, current_scope(), inspection, points=points, day=_today()
    )
    return {"recorded": [r.expert_id for r in rows]}
