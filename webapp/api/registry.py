"""API: enterprises and projects, within the caller's scope; the OpenAPI document itself."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, request
from flask.typing import ResponseReturnValue

from knowledge.accounts.models import Role
from knowledge.accounts.permissions import can_manage_enterprises
from knowledge.enterprises import groups, queries, services
from knowledge.enterprises.models import Enterprise, EnterpriseType, Project
from knowledge.regions import City
from knowledge.registry import projects
from webapp.api import ApiError, route
from webapp.api.params import Field, enum_arg, enum_value, json_body, page_args, page_json
from webapp.api.spec import PAGE_PARAMS, SPEC, Operation, page_of
from webapp.auth import current_account, current_scope
from webapp.extensions import db

CITY_ENUM = [c.value for c in City]
ENTERPRISE_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "credit_code": {"type": "string", "description": "统一社会信用代码（GB 32100-2015）"},
        "type": {"type": "string", "enum": [t.value for t in EnterpriseType]},
        "city": {"type": "string", "enum": CITY_ENUM},
        "parent_id": {"type": "integer", "nullable": True},
        "group_history": {
            "type": "array",
            "description": "集团关系历史（单位详情与登记时返回）：上级单位与起止日期，至今的 end 为 null",
            "items": {
                "type": "object",
                "properties": {
                    "parent_id": {"type": "integer"},
                    "start": {"type": "string", "format": "date"},
                    "end": {"type": "string", "format": "date", "nullable": True},
                },
            },
        },
    },
}
PROJECT_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "city": {"type": "string", "enum": CITY_ENUM},
        "district": {"type": "string"},
        "address": {"type": "string"},
        "participants": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "enterprise_id": {"type": "integer"},
                    "enterprise_name": {"type": "string"},
                    "credit_code": {"type": "string"},
                    "role": {"type": "string"},
                },
            },
        },
    },
}
Q = {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 100}}
CITY = {"name": "city", "in": "query", "schema": {"type": "string", "enum": CITY_ENUM}}


def enterprise_json(e: Enterprise, *, with_history: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": e.id,
        "name": e.name,
        "credit_code": e.credit_code,
        "type": e.type.value,
        "city": e.city.value,
        "parent_id": e.parent_id,
    }
    if with_history:
        data["group_history"] = [
            {"parent_id": k.parent_id, "start": k.start.isoformat(),
             "end": k.end_date.isoformat() if k.end_date else None}
            for k in groups.history(db.session, e.id)
        ]  # fmt: skip
    return data


def project_json(p: Project, *, with_participants: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": p.id,
        "name": p.name,
        "city": p.city.value,
        "district": p.district,
        "address": p.address,
    }
    if with_participants:
        data["participants"] = [
            {
                "enterprise_id": x.enterprise_id,
                "enterprise_name": x.enterprise.name,
                "credit_code": x.enterprise.credit_code,
                "role": x.role.value,
            }
            for x in p.participants
        ]
    return data


def _q() -> str:
    return request.args.get("q", "").strip()[:100]


@route(
    "/enterprises",
    "GET",
    summary="单位名录（按名称或统一社会信用代码、城市筛选）",
    tag="单位",
    params=[Q, CITY, *PAGE_PARAMS],
    response=page_of(ENTERPRISE_SCHEMA),
)
def list_enterprises() -> ResponseReturnValue:
    page, per_page = page_args()
    result = queries.enterprises(
        db.session, q=_q(), city=enum_arg("city", City), page=page, per_page=per_page
    )
    return page_json(result, enterprise_json)


@route("/enterprises/<int:enterprise_id>", "GET", summary="单位详情", tag="单位", response=ENTERPRISE_SCHEMA)
def get_enterprise(enterprise_id: int) -> ResponseReturnValue:
    return enterprise_json(queries.get_enterprise(db.session, enterprise_id), with_history=True)


@route(
    "/enterprises",
    "POST",
    summary="登记单位（管理员）；校验统一社会信用代码的校验位与唯一性",
    tag="单位",
    body={
        "type": "object",
        "required": ["name", "credit_code", "type", "city"],
        "properties": {
            "name": {"type": "string", "maxLength": services.NAME_MAX},
            "credit_code": {"type": "string", "maxLength": 40},
            "type": {"type": "string", "enum": [t.value for t in EnterpriseType]},
            "city": {"type": "string", "enum": CITY_ENUM},
            "parent_credit_code": {"type": "string", "maxLength": 40},
            "parent_since": {
                "type": "string",
                "format": "date",
                "description": "加入该集团的日期；填写上级单位时必填",
            },
        },
    },
    response=ENTERPRISE_SCHEMA,
    status=201,
    errors=(403, 409, 422),
)
def create_enterprise() -> ResponseReturnValue:
    if not can_manage_enterprises(current_scope()):
        abort(403)
    body = json_body(
        {
            "name": Field(str, max_length=services.NAME_MAX),
            "credit_code": Field(str, max_length=40),
            "type": Field(str, max_length=32),
            "city": Field(str, max_length=32),
            "parent_credit_code": Field(str, required=False, max_length=40),
            "parent_since": Field(str, required=False, max_length=10),
        }
    )
    data = services.EnterpriseInput(
        name=body["name"],
        credit_code=body["credit_code"],
        type=enum_value("type", body["type"], EnterpriseType),
        city=enum_value("city", body["city"], City),
        parent_credit_code=body.get("parent_credit_code", ""),
        parent_since=_date(body.get("parent_since"), "parent_since"),
    )
    enterprise = services.create_enterprise(db.session, data, actor_id=current_account().id)
    return enterprise_json(enterprise, with_history=True), 201


def _date(raw: str | None, name: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ApiError(400, "invalid_value", f"{name} 应为 YYYY-MM-DD 格式的日期", field=name) from None


@route(
    "/projects",
    "GET",
    summary="项目列表（项目团队只见本单位参与的项目，市级账号只见本市）",
    tag="项目",
    params=[
        Q,
        CITY,
        {"name": "district", "in": "query", "schema": {"type": "string", "maxLength": 32}},
        *PAGE_PARAMS,
    ],
    response=page_of(PROJECT_SCHEMA),
    errors=(403,),
)
def list_projects() -> ResponseReturnValue:
    scope = current_scope()
    if scope.role in (Role.EXPERT, Role.INSPECTION_BODY):  # as the pages: no registry list for them
        abort(403)
    page, per_page = page_args()
    result = projects.projects(
        db.session,
        scope,
        q=_q(),
        city=enum_arg("city", City),
        district=request.args.get("district", "").strip()[:32],
        page=page,
        per_page=per_page,
    )
    return page_json(result, project_json)


@route("/projects/<int:project_id>", "GET", summary="项目详情及参建单位", tag="项目", response=PROJECT_SCHEMA)
def get_project(project_id: int) -> ResponseReturnValue:
    return project_json(
        projects.get_project_for(db.session, current_scope(), project_id), with_participants=True
    )


@route(
    "/openapi.json",
    "GET",
    summary="本API的OpenAPI 3文档",
    tag="文档",
    public=True,
    response={"type": "object"},
)
def openapi() -> ResponseReturnValue:
    return SPEC.document(server_url=request.host_url.rstrip("/"))


SPEC.add(
    "/healthz",
    "GET",
    Operation(
        summary="健康检查：数据库与检索索引",
        tag="运维",
        public=True,
        response={
            "type": "object",
            "properties": {
                "status": {"type": "string", "enum": ["ok", "error"]},
                "checks": {"type": "object"},
            },
        },
    ),
)
