"""API: sweeps and their coverage, system flags and the regulator's decisions on them (issue 20 items 4, 7)."""

from __future__ import annotations

from typing import Any

from flask import request
from flask.typing import ResponseReturnValue

from knowledge.clock import CST
from knowledge.regions import City
from knowledge.site import flag_services, sweep_services
from knowledge.site.flags import RULE_LABELS
from knowledge.site.inspection_models import FlagState, Sweep, SystemFlag
from knowledge.site.sweeps import Share
from webapp import clock
from webapp.api import ApiError, route
from webapp.api.params import Field, enum_arg, json_body, page_args, page_json
from webapp.api.spec import PAGE_PARAMS, page_of
from webapp.auth import current_scope
from webapp.extensions import db

SWEEP_SCHEMA = {"type": "object", "properties": {k: {} for k in (
    "id", "name", "starts_on", "ends_on", "city", "opened_at")}}  # fmt: skip
SHARE_SCHEMA = {"type": "object", "properties": {"reached": {"type": "integer"}, "total": {"type": "integer"},
                                                 "percent": {"type": "number"}}}  # fmt: skip
COVERAGE_SCHEMA = {"type": "object", "properties": {
    "sweep": SWEEP_SCHEMA, "area": {"type": "string", "nullable": True}, "works": SHARE_SCHEMA,
    "enterprises": SHARE_SCHEMA, "cranes": SHARE_SCHEMA, "by_city": {"type": "object"},
    "by_category": {"type": "object"}, "works_left": page_of({"type": "object"})}}  # fmt: skip
FLAG_SCHEMA = {"type": "object", "properties": {k: {} for k in (
    "id", "work_id", "work_name", "city", "rule", "rule_label", "hazard_key", "facts", "state", "first_seen",
    "last_seen", "reason")}}  # fmt: skip
FLAG_PARAMS = [
    {"name": "rule", "in": "query", "schema": {"type": "string", "enum": sorted(RULE_LABELS)}},
    {"name": "state", "in": "query", "schema": {"type": "string", "enum": [s.value for s in FlagState]},
     "description": "默认 open"},
    {"name": "city", "in": "query", "schema": {"type": "string", "enum": [c.value for c in City]}},
]  # fmt: skip


def sweep_json(s: Sweep) -> dict[str, Any]:
    return {"id": s.id, "name": s.name, "starts_on": s.starts_on.isoformat(), "ends_on": s.ends_on.isoformat(),
            "city": s.city.value if s.city else None, "opened_at": s.opened_at.isoformat()}  # fmt: skip


def share_json(s: Share) -> dict[str, Any]:
    return {"reached": s.reached, "total": s.total, "percent": round(s.percent, 2)}


def flag_json(f: SystemFlag) -> dict[str, Any]:
    return {"id": f.id, "work_id": f.work_id, "work_name": f.work.name, "city": f.city.value, "rule": f.rule,
            "rule_label": RULE_LABELS.get(f.rule, f.rule), "hazard_key": f.hazard_key, "facts": f.facts,
            "state": f.state.value, "first_seen": f.first_seen.isoformat(), "last_seen": f.last_seen.isoformat(),
            "reason": f.reason}  # fmt: skip


@route("/sweeps", "GET", summary="排查轮次（监管人员：本市及全省的轮次）", tag="现场管控", params=PAGE_PARAMS,
       response=page_of(SWEEP_SCHEMA), errors=(403,))  # fmt: skip
def list_sweeps() -> ResponseReturnValue:
    page, per_page = page_args()
    return page_json(
        sweep_services.sweeps(db.session, current_scope(), page=page, per_page=per_page), sweep_json
    )


@route("/sweeps/<int:sweep_id>", "GET", summary="排查轮次覆盖情况：总体、按设区市、按类别，以及尚未检查的工程",
       tag="现场管控", params=PAGE_PARAMS, response=COVERAGE_SCHEMA, errors=(403,))  # fmt: skip
def get_sweep(sweep_id: int) -> ResponseReturnValue:
    scope = current_scope()
    sweep = sweep_services.get_sweep_for(db.session, scope, sweep_id)
    city = sweep_services.area_of(sweep, scope)
    cov = sweep_services.coverage(db.session, sweep, city=city)
    page, per_page = page_args()
    left = sweep_services.works_left_page(db.session, sweep, city=city, page=page, per_page=per_page)
    return {
        "sweep": sweep_json(sweep), "area": city.value if city else None, "works": share_json(cov.works),
        "enterprises": share_json(cov.enterprises), "cranes": share_json(cov.cranes),
        "by_city": {k: share_json(v) for k, v in cov.by_city.items()},
        "by_category": {k: share_json(v) for k, v in cov.by_category.items()},
        "works_left": page_json(left, lambda w: {"id": w.id, "name": w.name, "city": w.city.value,
                                                 "category": w.category, "status": w.status.value}),
    }  # fmt: skip


@route("/flags", "GET", summary="系统预警（疑似重大事故隐患）：本辖区，按规则、状态、设区市筛选", tag="现场管控",
       params=[*FLAG_PARAMS, *PAGE_PARAMS], response=page_of(FLAG_SCHEMA), errors=(403,))  # fmt: skip
def list_flags() -> ResponseReturnValue:
    rule = request.args.get("rule", "")
    if rule and rule not in RULE_LABELS:
        raise ApiError(
            400, "invalid_parameter", f"rule 的取值无效，可选：{', '.join(sorted(RULE_LABELS))}", field="rule"
        )
    f = flag_services.FlagFilter(rule=rule, state=enum_arg("state", FlagState) or FlagState.OPEN,
                                 city=enum_arg("city", City))  # fmt: skip
    page, per_page = page_args()
    return page_json(
        flag_services.list_flags(db.session, current_scope(), f, page=page, per_page=per_page), flag_json
    )


@route("/flags/<int:flag_id>/confirm", "POST", summary="确认系统预警为重大事故隐患（工程所在地或省级监管人员）",
       tag="现场管控", response={"type": "object", "properties": {"flag": FLAG_SCHEMA, "hazard_id": {"type": "integer"}}},
       status=201, errors=(403, 409, 422))  # fmt: skip
def confirm_flag(flag_id: int) -> ResponseReturnValue:
    scope = current_scope()
    flag = flag_services.get_flag_for(db.session, scope, flag_id)
    now = clock.now()
    hazard = flag_services.confirm_flag(
        db.session, flag, scope=scope, today=now.astimezone(CST).date(), now=now
    )
    return {"flag": flag_json(flag), "hazard_id": hazard.id}, 201


@route("/flags/<int:flag_id>/dismiss", "POST", summary="排除系统预警（须写明理由；事实不变时下次扫描仍为已排除）",
       tag="现场管控", body={"type": "object", "required": ["reason"], "properties": {
           "reason": {"type": "string", "maxLength": flag_services.REASON_MAX}}},
       response=FLAG_SCHEMA, errors=(403, 409, 422))  # fmt: skip
def dismiss_flag(flag_id: int) -> ResponseReturnValue:
    body = json_body({"reason": Field(str, max_length=flag_services.REASON_MAX)})
    scope = current_scope()
    flag = flag_services.get_flag_for(db.session, scope, flag_id)
    return flag_json(
        flag_services.dismiss_flag(db.session, flag, scope=scope, reason=body["reason"], now=clock.now())
    )
