"""API: the public classification tool, the works registry and plan versions, with the pages' permissions."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from flask import abort, current_app, request, send_file
from flask.typing import ResponseReturnValue

from knowledge import audit
from knowledge.accounts.models import Role
from knowledge.enterprises import queries
from knowledge.plans import files as plan_files
from knowledge.plans import services as plan_services
from knowledge.plans.authors import AUTHORS_MAX, NAME_MAX, UNIT_MAX, AuthorInput
from knowledge.plans.extraction import ExtractionLimits
from knowledge.plans.models import AuthorKind, PlanVersion
from knowledge.registry import queries as work_queries
from knowledge.registry import services as work_services
from knowledge.registry.models import Work
from knowledge.registry.parameter_values import json_schema
from knowledge.registry.rules import catalogue, classify
from knowledge.registry.scope_tables import PARAMETERS
from knowledge.registry.verdicts import classification_json
from webapp.api import ApiError, route
from webapp.api.params import Field, json_body, page_args, page_json
from webapp.api.spec import PAGE_PARAMS, page_of
from webapp.auth import current_scope
from webapp.extensions import db
from webapp.works.authors import vault
from webapp.works.filters import parse_filter

CATEGORY_CODES = [c.code for c in catalogue()]
SUB_TYPE_CODES = sorted({s.code for c in catalogue() for s in c.sub_types})
KINDS_TEXT = "；".join(f"{c.code}（{c.label}）: " + "、".join(f"{s.code}（{s.label}）" for s in c.sub_types)
                      for c in catalogue())  # fmt: skip
PARAMETERS_SCHEMA = {
    "type": "object",
    "description": "判定参数：数值可为数字或数字字符串（精确小数），条件为 true/false 或 “是”/“否”；未知的不要填写",
    "properties": {code: json_schema(p) for code, p in PARAMETERS.items()},
    "additionalProperties": False,
}
CLASSIFY_BODY = {
    "type": "object",
    "required": ["category"],
    "description": "类别与子类代码：" + KINDS_TEXT,
    "properties": {
        "category": {"type": "string", "enum": CATEGORY_CODES},
        "sub_type": {"type": "string", "enum": SUB_TYPE_CODES, "description": "只有一个子类的类别可省略"},
        "parameters": PARAMETERS_SCHEMA,
    },
}
CLAUSE_SCHEMA = {"type": "object", "properties": {k: {} for k in (
    "annex", "clause_id", "citation", "text", "parameter", "parameter_label", "measured", "threshold", "unit",
    "operator")}}  # fmt: skip
CLASSIFICATION_SCHEMA = {
    "type": "object",
    "properties": {
        "verdict": {"type": "string", "enum": ["not_hazardous", "hazardous", "over_scale"]},
        "verdict_label": {"type": "string"},
        "is_decided": {"type": "boolean"},
        "needs_expert_review": {"type": "boolean"},
        "clauses": {"type": "array", "items": CLAUSE_SCHEMA},
        "missing": {"type": "array", "items": {"type": "object"}},
        "parameters": {"type": "object"},
        "rules_version": {"type": "string"},
    },
}
WORK_SCHEMA = {"type": "object", "properties": {k: {} for k in (
    "id", "project_id", "project_name", "name", "city", "district", "location", "category", "sub_type",
    "parameters", "verdict", "is_decided", "clauses", "missing", "rules_version", "status", "planned_start",
    "planned_end", "project_manager", "technical_lead", "chief_supervisor", "safety_officer")}}  # fmt: skip
VERSION_SCHEMA = {"type": "object", "properties": {k: {} for k in (
    "id", "work_id", "number", "title", "note", "original_name", "content_type", "size", "sha256",
    "sections_found", "submitted_at", "signoffs", "authors")}}  # fmt: skip
AUTHOR_SCHEMA = {
    "type": "object",
    "required": ["kind", "name", "unit"],
    "properties": {
        "kind": {"type": "string", "enum": [k.value for k in AuthorKind],
                 "description": "；".join(f"{k.value}：{k.label}" for k in AuthorKind)},
        "name": {"type": "string", "maxLength": NAME_MAX},
        "unit": {"type": "string", "maxLength": UNIT_MAX, "description": "所在单位名称"},
        "credit_code": {"type": "string", "description": "所在单位统一社会信用代码（可选，填写则校验）"},
        "id_number": {"type": "string", "description": "身份证号码（用于回避核查；只保存脱敏号码与比对值）"},
    },
}  # fmt: skip
PLAN_UPLOAD_FORM = {
    "type": "object",
    "required": ["file", "authors"],
    "properties": {
        "file": {"type": "string", "format": "binary", "description": "方案文件：PDF、DOCX 或 TXT"},
        "title": {"type": "string", "maxLength": 200},
        "note": {"type": "string", "maxLength": 500},
        "authors": {"type": "array", "minItems": 1, "maxItems": AUTHORS_MAX, "items": AUTHOR_SCHEMA,
                    "description": "编制人员（JSON 数组文本）：方案的编制人、审核人、审批人，至少一名编制人"},
    },
}  # fmt: skip
FILTER_PARAMS = [
    {"name": n, "in": "query", "schema": {"type": "string"}}
    for n in ("city", "district", "category", "verdict", "status", "enterprise_id", "enterprise", "start_from",
              "start_to", "q", "sort")
]  # fmt: skip
READERS = (Role.PROJECT_TEAM, Role.DRAW_OFFICE, Role.REGULATOR, Role.ADMIN)


def work_json(w: Work) -> dict[str, Any]:
    return {
        "id": w.id, "project_id": w.project_id, "project_name": w.project.name, "name": w.name,
        "city": w.city.value, "district": w.district, "location": w.location, "category": w.category,
        "sub_type": w.sub_type, "parameters": w.parameters, "verdict": w.verdict.value, "is_decided": w.is_decided,
        "clauses": w.clauses, "missing": w.missing, "rules_version": w.rules_version, "status": w.status.value,
        "planned_start": w.planned_start.isoformat() if w.planned_start else None,
        "planned_end": w.planned_end.isoformat() if w.planned_end else None,
        "project_manager": w.project_manager, "technical_lead": w.technical_lead,
        "chief_supervisor": w.chief_supervisor, "safety_officer": w.safety_officer,
    }  # fmt: skip


def version_json(v: PlanVersion) -> dict[str, Any]:
    return {
        "id": v.id, "work_id": v.work_id, "number": v.number, "title": v.title, "note": v.note,
        "original_name": v.original_name, "content_type": v.content_type, "size": v.size, "sha256": v.sha256,
        "sections_found": v.sections_found, "submitted_at": v.submitted_at.isoformat(),
        "signoffs": [{"kind": s.kind.value, "signer_name": s.signer_name, "signed_at": s.signed_at.isoformat()}
                     for s in v.signoffs],
        "authors": [{"kind": a.kind.value, "name": a.name, "unit": a.unit_name, "credit_code": a.unit_credit_code,
                     "id_number_masked": a.id_masked} for a in v.authors],
    }  # fmt: skip


def _reader() -> None:
    if current_scope().role not in READERS:
        abort(403)


def _work(work_id: int) -> Work:
    _reader()
    return work_queries.get_work_for(db.session, current_scope(), work_id)


@route("/classify", "POST", summary="危大工程判定（公开工具，无需登录）：返回判定结果、触发条款和仍需的参数",
       tag="判定", public=True, body=CLASSIFY_BODY, response=CLASSIFICATION_SCHEMA, errors=(422,))  # fmt: skip
def classify_work() -> ResponseReturnValue:
    body = json_body({"category": Field(str, max_length=32), "sub_type": Field(str, required=False, max_length=48),
                      "parameters": Field(dict, required=False)})  # fmt: skip
    result = classify(body["category"], body.get("parameters") or {}, body.get("sub_type"))
    return classification_json(result)


@route("/classify/catalogue", "GET", summary="判定目录：类别、子类、参数（代码、名称、单位、范围）与条款",
       tag="判定", public=True, response={"type": "array"})  # fmt: skip
def classify_catalogue() -> ResponseReturnValue:
    return [
        {"code": c.code, "label": c.label, "sub_types": [
            {"code": s.code, "label": s.label,
             "parameters": [{"code": p.code, **json_schema(p)} for p in s.parameters],
             "clauses": [{"citation": k.citation, "text": k.text, "annex": int(k.annex)} for k in s.clauses]}
            for s in c.sub_types]}
        for c in catalogue()
    ]  # fmt: skip


@route("/works", "GET", summary="危大工程清单（与页面相同的筛选、排序与权限）", tag="危大工程",
       params=[*FILTER_PARAMS, *PAGE_PARAMS], response=page_of(WORK_SCHEMA), errors=(403,))  # fmt: skip
def list_works() -> ResponseReturnValue:
    _reader()
    found, errors = parse_filter(request.args, lambda code: queries.enterprise_id_by_code(db.session, code))
    if errors:
        name, message = next(iter(errors.items()))
        raise ApiError(400, "invalid_parameter", message, field=name)
    page, per_page = page_args()
    return page_json(
        work_queries.works(db.session, current_scope(), found, page=page, per_page=per_page), work_json
    )


@route(
    "/works/<int:work_id>", "GET", summary="危大工程详情", tag="危大工程", response=WORK_SCHEMA, errors=(403,)
)
def get_work(work_id: int) -> ResponseReturnValue:
    return work_json(_work(work_id))


def _date(body: dict[str, Any], name: str) -> date | None:
    raw = body.get(name)
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ApiError(400, "invalid_value", f"{name} 应为 YYYY-MM-DD 格式的日期", field=name) from None


@route("/works", "POST", summary="登记危大工程（本项目施工总承包或专业分包单位）", tag="危大工程",
       body={"type": "object", "required": ["project_id", "name", "category"], "properties": {
           "project_id": {"type": "integer"}, "name": {"type": "string", "maxLength": 200},
           "category": {"type": "string", "enum": CATEGORY_CODES}, "sub_type": {"type": "string", "enum": SUB_TYPE_CODES},
           "parameters": PARAMETERS_SCHEMA, "location": {"type": "string"}, "planned_start": {"type": "string", "format": "date"},
           "planned_end": {"type": "string", "format": "date"}, "project_manager": {"type": "string"},
           "technical_lead": {"type": "string"}, "chief_supervisor": {"type": "string"},
           "safety_officer": {"type": "string"}, "subcontractor_credit_code": {"type": "string"}}},
       response=WORK_SCHEMA, status=201, errors=(403, 422))  # fmt: skip
def create_work() -> ResponseReturnValue:
    text = {k: Field(str, required=False, max_length=200) for k in (
        "location", "planned_start", "planned_end", "project_manager", "technical_lead", "chief_supervisor",
        "safety_officer", "subcontractor_credit_code")}  # fmt: skip
    body = json_body({"project_id": Field(int), "name": Field(str, max_length=200), "category": Field(str, max_length=32),
                      "sub_type": Field(str, required=False, max_length=48), "parameters": Field(dict, required=False),
                      **text})  # fmt: skip
    data = work_services.WorkInput(
        project_id=body["project_id"], name=body["name"], category=body["category"], sub_type=body.get("sub_type"),
        parameters=body.get("parameters") or {}, location=body.get("location", ""),
        planned_start=_date(body, "planned_start"), planned_end=_date(body, "planned_end"),
        project_manager=body.get("project_manager", ""), technical_lead=body.get("technical_lead", ""),
        chief_supervisor=body.get("chief_supervisor", ""), safety_officer=body.get("safety_officer", ""),
        subcontractor_credit_code=body.get("subcontractor_credit_code", ""),
    )  # fmt: skip
    scope = current_scope()
    if scope.role not in (Role.PROJECT_TEAM, Role.ADMIN):
        abort(403)
    return work_json(work_services.register_work(db.session, data, scope=scope)), 201


@route("/works/<int:work_id>/plans", "GET", summary="方案各版本（新→旧）", tag="专项施工方案",
       response={"type": "array", "items": VERSION_SCHEMA}, errors=(403,))  # fmt: skip
def list_versions(work_id: int) -> ResponseReturnValue:
    return [version_json(v) for v in plan_services.versions_of(db.session, _work(work_id).id)]


@route("/works/<int:work_id>/plans", "POST", summary="提交方案新版本（multipart/form-data：file、title、note、authors）",
       tag="专项施工方案", form=PLAN_UPLOAD_FORM, form_json_parts=("authors",), response=VERSION_SCHEMA, status=201,
       errors=(403, 409, 413, 422))  # fmt: skip
def submit_version(work_id: int) -> ResponseReturnValue:
    work = _work(work_id)
    upload = request.files.get("file")
    if upload is None:
        raise ApiError(400, "missing_field", "缺少方案文件（multipart 字段 file）", field="file")
    data = plan_services.PlanUpload(upload.read(), upload.filename or "", request.form.get("title", "")[:300],
                                    request.form.get("note", "")[:600], _authors(request.form.get("authors", "")))  # fmt: skip
    version = plan_services.submit_version(
        db.session, work, data, scope=current_scope(), upload_dir=current_app.config["UPLOAD_DIR"],
        max_bytes=current_app.config["PLAN_MAX_BYTES"], vault=vault(),
        limits=ExtractionLimits.from_config(current_app.config),
    )  # fmt: skip
    return version_json(version), 201


def _authors(raw: str) -> tuple[AuthorInput, ...]:
    """The ``authors`` part: a JSON array of {kind, name, unit, credit_code, id_number}; the rules are the service's."""
    try:
        rows = json.loads(raw) if raw.strip() else []
    except ValueError:
        raise ApiError(400, "invalid_json", "authors 应为 JSON 数组", field="authors") from None
    if not isinstance(rows, list) or len(rows) > AUTHORS_MAX or not all(isinstance(r, dict) for r in rows):
        raise ApiError(400, "invalid_value", f"authors 应为不超过{AUTHORS_MAX}个对象的数组", field="authors")
    fields = ("kind", "name", "unit", "credit_code", "id_number")
    if any(not isinstance(r.get(f, ""), str) for r in rows for f in fields):
        raise ApiError(400, "invalid_value", "authors 各项的字段应为字符串", field="authors")
    return tuple(AuthorInput(*(r.get(f, "")[:300] for f in fields)) for r in rows)


def _version(version_id: int) -> PlanVersion:
    version = db.session.get(PlanVersion, version_id)
    if version is None:
        abort(404)
    _work(version.work_id)
    return version


@route("/plans/<int:version_id>", "GET", summary="方案版本详情（含提取的章节检查结果）", tag="专项施工方案",
       response=VERSION_SCHEMA, errors=(403,))  # fmt: skip
def get_version(version_id: int) -> ResponseReturnValue:
    return version_json(_version(version_id))


@route("/plans/<int:version_id>/file", "GET", summary="下载方案原文件", tag="专项施工方案", errors=(403,))
def download_version(version_id: int) -> ResponseReturnValue:
    version = _version(version_id)
    path = plan_files.stored_path(current_app.config["UPLOAD_DIR"], version.stored_name)
    if not path.is_file():
        abort(404)
    audit.record_read(db.session, actor_id=current_scope().account_id, action="plan_download",
                      obj=("plan_version", version.id), after={"work_id": version.work_id, "via": "api"})  # fmt: skip
    return send_file(
        path, mimetype=version.content_type, as_attachment=True, download_name=version.original_name
    )
