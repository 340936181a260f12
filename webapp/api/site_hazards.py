"""API: hazards and their closed loop (list, detail with events, steps with evidence) and the national register
export, with the pages' permissions."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Response, abort, request
from flask.typing import ResponseReturnValue

from knowledge import audit
from knowledge.accounts.models import Role
from knowledge.db import MAX_KEY
from knowledge.errors import NotFoundError, ValidationError
from knowledge.regions import City
from knowledge.site import hazard_export, hazard_queries, hazards
from knowledge.site.files import Upload
from knowledge.site.hazard_loop import Level, State, Step
from knowledge.site.hazard_models import Hazard
from knowledge.site.hazard_queries import HazardFilter
from webapp.api import ApiError, route
from webapp.api.params import Field, json_body, page_args, page_json
from webapp.api.spec import PAGE_PARAMS, page_of
from webapp.auth import current_scope
from webapp.extensions import db
from webapp.site.hazard_filters import parse_filter
from webapp.site.hazard_pages import READERS, REGISTER_READERS, XLSX, site_dir, today
from webapp.works.params import CATEGORY_LABELS

HAZARD_KEYS = ("id", "work_id", "work_name", "project_name", "city", "district", "category", "level",
               "catalogue_key", "clause", "description", "source", "responsible_id", "found_on", "deadline", "state",
               "is_overdue", "is_supervised", "is_stopped", "closed_on", "found_by_own_check")  # fmt: skip
HAZARD_PROPERTIES: dict[str, Any] = {k: {} for k in HAZARD_KEYS}
HAZARD_SCHEMA = {"type": "object", "properties": HAZARD_PROPERTIES}
EVENT_SCHEMA = {"type": "object", "properties": {k: {} for k in (
    "seq", "step", "step_label", "party", "day", "note", "account", "at", "evidence")}}  # fmt: skip
DETAIL_SCHEMA = {"type": "object", "properties": {
    **HAZARD_PROPERTIES, "events": {"type": "array", "items": EVENT_SCHEMA},
    "accountability": {"type": "object"}, "plan_version_id": {}, "available_steps": {"type": "array"}}}  # fmt: skip
_FLAG = {"type": "string", "enum": ["1", "0", "true", "false"]}
FILTER_PARAMS = [
    {"name": "city", "in": "query", "schema": {"type": "string", "enum": [c.value for c in City]}},
    {"name": "category", "in": "query", "schema": {"type": "string", "enum": sorted(CATEGORY_LABELS)}},
    {"name": "level", "in": "query", "schema": {"type": "string", "enum": [v.value for v in Level]}},
    {"name": "state", "in": "query", "schema": {"type": "string", "enum": [s.value for s in State]}},
    *({"name": n, "in": "query", "schema": _FLAG, "description": d} for n, d in (
        ("overdue", "仅逾期（待整改或被退回且已过整改期限）"), ("supervised", "仅挂牌督办"),
        ("stopped", "仅责令停工"), ("flagged", "仅系统预警确认的隐患"), ("open", "仅未销号"))),
    {"name": "work_id", "in": "query", "schema": {"type": "integer", "minimum": 1}},
]  # fmt: skip
STEP_PROPERTIES: dict[str, Any] = {
    "step": {"type": "string", "enum": [s.value for s in Step]},
    "day": {"type": "string", "format": "date", "description": "办理日期，默认今天，不能晚于今天"},
    "note": {"type": "string", "maxLength": hazards.NOTE_MAX},
}
STEP_BODY = {
    "type": "object", "required": ["step"],
    "description": "；".join(f"{s.value}：{s.label}" for s in Step) + "。提交整改（submit）须附证明材料，请用 multipart/form-data",
    "properties": STEP_PROPERTIES,
}  # fmt: skip
STEP_FORM = {
    "type": "object", "required": ["step"],
    "properties": {**STEP_PROPERTIES,
                   "evidence": {"type": "array", "items": {"type": "string", "format": "binary"},
                                "description": "整改证明材料：JPEG/PNG/WebP 图片或 PDF，可多个"}},
}  # fmt: skip


def _reader(roles: tuple[Role, ...] = READERS) -> None:
    if current_scope().role not in roles:
        abort(403)


def _filter() -> HazardFilter:
    found, errors = parse_filter(request.args)
    if errors:
        name, message = next(iter(errors.items()))
        raise ApiError(400, "invalid_parameter", message, field=name)
    scope = current_scope()
    return HazardFilter(**{**found.__dict__, "city": scope.city}) if scope.city is not None else found


def _hazard(hazard_id: int) -> Hazard:
    _reader()
    if hazard_id > MAX_KEY:
        raise NotFoundError("隐患不存在或无权查看")
    hazards.get_hazard_for(db.session, current_scope(), hazard_id)
    found = hazard_queries.hazard_with_events(db.session, hazard_id)
    assert found is not None
    return found


def detail_json(hazard: Hazard) -> dict[str, Any]:
    events = [{
        "seq": e.seq, "step": e.step.value, "step_label": e.step.label, "party": e.party.value,
        "day": e.day.isoformat(), "note": e.note, "account": e.account.display_name, "at": e.at.isoformat(),
        "evidence": [{"id": f.id, "name": f.original_name, "content_type": f.content_type, "size": f.size,
                      "sha256": f.sha256} for f in e.evidence],
    } for e in hazard.events]  # fmt: skip
    return {
        **hazard_queries.hazard_json(hazard, today()), "events": events, "accountability": hazard.accountability,
        "plan_version_id": hazard.plan_version_id,
        "available_steps": [s.value for s in hazards.available_steps(current_scope(), hazard)],
    }  # fmt: skip


@route("/hazards", "GET", summary="事故隐患清单（与页面相同的筛选与权限；逾期在前，其次挂牌督办，再按整改期限）",
       tag="事故隐患", params=[*FILTER_PARAMS, *PAGE_PARAMS], response=page_of(HAZARD_SCHEMA), errors=(403,))  # fmt: skip
def list_hazards() -> ResponseReturnValue:
    _reader()
    found = _filter()
    page, per_page = page_args()
    day = today()
    result = hazard_queries.hazards(
        db.session, current_scope(), found, today=day, page=page, per_page=per_page
    )
    return page_json(result, lambda h: hazard_queries.hazard_json(h, day))


@route("/hazards/export", "GET", summary="重大事故隐患报送（全国重大事故隐患数据库字段，每条隐患一行）：JSON 或 XLSX",
       tag="事故隐患", params=[{"name": "format", "in": "query", "schema": {"type": "string", "enum": ["json", "xlsx"],
                                                                          "default": "json"}}, *FILTER_PARAMS],
       response={"type": "object", "properties": {"fields": {"type": "array"}, "count": {"type": "integer"},
                                                  "items": {"type": "array"}}}, errors=(403,))  # fmt: skip
def export_hazards() -> ResponseReturnValue:
    _reader(REGISTER_READERS)
    fmt = request.args.get("format", "json") or "json"
    if fmt not in ("json", "xlsx"):
        raise ApiError(400, "invalid_parameter", "参数 format 的取值无效，可选：json、xlsx", field="format")
    found, scope = _filter(), current_scope()
    audit.record_read(db.session, actor_id=scope.account_id, action="hazards_register_export",
                      obj=("hazards", fmt), after={"format": fmt, "via": "api"})  # fmt: skip
    rows = hazard_queries.iter_register(db.session, scope, found, today=today())
    if fmt == "json":
        return hazard_export.register_json(rows)
    response = Response(hazard_export.register_xlsx(rows), mimetype=XLSX)
    response.headers["Content-Disposition"] = "attachment; filename=major-hazards-register.xlsx"
    return response


@route("/hazards/<int:hazard_id>", "GET", summary="事故隐患详情（含处理过程、证明材料与责任倒查记录）", tag="事故隐患",
       response=DETAIL_SCHEMA, errors=(403,))  # fmt: skip
def get_hazard(hazard_id: int) -> ResponseReturnValue:
    return detail_json(_hazard(hazard_id))


@route("/hazards/<int:hazard_id>/steps", "POST",
       summary="办理隐患闭环的一步：提交整改（整改责任单位，multipart 附证明材料）、退回、销号、挂牌督办、责令停工、解除停工（主管部门）",
       tag="事故隐患", body=STEP_BODY, form=STEP_FORM, response=DETAIL_SCHEMA, status=201,
       errors=(403, 409, 413, 422))  # fmt: skip
def take_hazard_step(hazard_id: int) -> ResponseReturnValue:
    hazard = _hazard(hazard_id)
    if request.is_json:
        body = json_body({"step": Field(str, max_length=16), "day": Field(str, required=False, max_length=10),
                          "note": Field(str, required=False, max_length=hazards.NOTE_MAX)})  # fmt: skip
        evidence: list[Upload] = []
    else:
        body = {k: v for k, v in request.form.items() if k in ("step", "day", "note")}
        if "step" not in body:
            raise ApiError(400, "missing_field", "缺少必填字段：step", field="step")
        evidence = [Upload(f.read(), f.filename or "") for f in request.files.getlist("evidence")]
    try:
        step = Step(body["step"])
    except ValueError:
        allowed = ", ".join(s.value for s in Step)
        raise ApiError(400, "invalid_value", f"step 的取值无效，可选：{allowed}", field="step") from None
    day = _day(body.get("day"))
    hazards.take_step(db.session, hazard, step, scope=current_scope(), day=day, note=str(body.get("note") or ""),
                      evidence=evidence, upload_dir=site_dir())  # fmt: skip
    return detail_json(_hazard(hazard_id)), 201


def _day(raw: object) -> date:
    if raw in (None, ""):
        return today()
    try:
        day = date.fromisoformat(str(raw))
    except ValueError:
        raise ApiError(400, "invalid_value", "day 应为 YYYY-MM-DD 格式的日期", field="day") from None
    if day > today():
        raise ValidationError("办理日期不能晚于今天", field="day")
    return day
