"""API: the crane register (machines, ownership registration, certificate revocation) and the public certificate
check, with the pages' permissions."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from flask import abort, request
from flask.typing import ResponseReturnValue

from knowledge.accounts.models import Role
from knowledge.cranes import certificates, queries, services
from knowledge.cranes.certificates import state_of
from knowledge.cranes.errors import CertificateError
from knowledge.cranes.machines import HoistDrive, MachineType
from knowledge.cranes.models import Certificate, Machine
from knowledge.cranes.queries import MachineState
from knowledge.cranes.service_age import SafetyAssessment
from knowledge.regions import City
from webapp.api import ApiError, route
from webapp.api.params import Field, enum_value, json_body, page_args, page_json
from webapp.api.spec import PAGE_PARAMS, page_of
from webapp.auth import current_scope
from webapp.cranes.pages import READERS, REGISTRANTS, render_certificate, today
from webapp.extensions import db

TAG = "建筑起重机械"
_DATE = {"type": "string", "format": "date"}
_MOMENT = re.compile(r"\d{1,6}(\.\d{1,2})?")
CERTIFICATE_SCHEMA = {"type": "object", "properties": {
    "id": {"type": "integer"}, "kind": {"type": "string"}, "verify_code": {"type": "string"},
    "issued_on": _DATE, "state": {"type": "string", "enum": ["current", "superseded", "revoked"]},
    "supersedes_id": {"type": "integer", "nullable": True}, "sha256": {"type": "string"}}}  # fmt: skip
MACHINE_SCHEMA = {"type": "object", "properties": {
    "id": {"type": "integer"}, "machine_type": {"type": "string"}, "maker": {"type": "string"},
    "model": {"type": "string"}, "serial_number": {"type": "string"}, "manufactured_on": _DATE,
    "capacity": {"type": "string"}, "registration_number": {"type": "string"}, "registration_city": {"type": "string"},
    "owner": {"type": "string"}, "owner_credit_code": {"type": "string"},
    "registrations": {"type": "array"}}}  # fmt: skip
VERIFY_SCHEMA = {"type": "object", "required": ["code", "state", "message"], "properties": {
    "code": {"type": "string"}, "state": {"type": "string", "enum": ["current", "superseded", "revoked"]},
    "message": {"type": "string"}, "registration_number": {"type": "string"},
    "replaced_by_code": {"type": "string", "nullable": True}, "revoked_on": {**_DATE, "nullable": True},
    "revocation_reason": {"type": "string", "nullable": True}}}  # fmt: skip
FILTER_PARAMS = [
    {"name": "type", "in": "query", "schema": {"type": "string", "enum": [t.value for t in MachineType]}},
    {"name": "city", "in": "query", "description": "备案地", "schema": {"type": "string", "enum": [c.value for c in City]}},
    {"name": "owner", "in": "query", "description": "产权单位的统一社会信用代码（精确）或名称的一部分",
     "schema": {"type": "string", "maxLength": queries.TEXT_MAX}},
    {"name": "number", "in": "query", "description": "备案编号的一部分，如 苏E-T",
     "schema": {"type": "string", "maxLength": queries.TEXT_MAX}},
    {"name": "state", "in": "query", "description": "registered 已备案未安装；on_site 在用；dismantled 已拆卸",
     "schema": {"type": "string", "enum": [s.value for s in MachineState]}},
    {"name": "made_after", "in": "query", "description": "出厂日期不早于", "schema": _DATE},
    {"name": "made_before", "in": "query", "description": "出厂日期不晚于", "schema": _DATE},
    {"name": "past_age", "in": "query", "description": "1：仅超过安全评估年限的机械（建设部公告第659号）",
     "schema": {"type": "string", "enum": ["0", "1"]}},
]  # fmt: skip


def certificate_json(c: Certificate) -> dict[str, Any]:
    return {"id": c.id, "kind": c.kind.value, "verify_code": c.verify_code, "issued_on": c.issued_on.isoformat(),
            "state": state_of(c).value, "supersedes_id": c.supersedes_id, "sha256": c.sha256}  # fmt: skip


def machine_json(m: Machine) -> dict[str, Any]:
    return {"id": m.id, "machine_type": m.machine_type.value, "maker": m.maker, "model": m.model,
            "serial_number": m.serial_number, "manufactured_on": m.manufactured_on.isoformat(),
            "capacity": m.capacity_label, "registration_number": m.registration_number,
            "registration_city": m.registration_city.value if m.registration_city else None,
            "owner": m.owner.name, "owner_credit_code": m.owner.credit_code,
            "registrations": [{"seq": r.seq, "number": r.number, "owner": r.owner.name, "city": r.city.value,
                               "registered_on": r.registered_on.isoformat(),
                               "certificates": [certificate_json(c) for c in r.certificates]}
                              for r in m.registrations]}  # fmt: skip


def _reader(roles: tuple[Role, ...] = READERS) -> None:
    if current_scope().role not in roles:
        abort(403)


def _date(raw: Any, name: str) -> date:
    try:
        return date.fromisoformat(raw)
    except (TypeError, ValueError):
        raise ApiError(400, "invalid_value", f"{name} 应为 YYYY-MM-DD 格式的日期", field=name) from None


@route("/machines", "GET", summary="建筑起重机械清单及筛选（产权单位看本单位的和本单位工地上的，监管人员看本市或全省）", tag=TAG,
       params=[*FILTER_PARAMS, *PAGE_PARAMS], response=page_of(MACHINE_SCHEMA), errors=(400, 403))  # fmt: skip
def list_machines() -> ResponseReturnValue:
    _reader()
    found, errors = queries.parse_filter(request.args)
    if errors:
        name, message = next(iter(errors.items()))
        raise ApiError(400, "invalid_parameter", message, field=name)
    page, per_page = page_args()
    machines = queries.filtered_page(
        db.session, current_scope(), found, on=today(), page=page, per_page=per_page
    )
    return page_json(machines, machine_json)


@route("/machines/<int:machine_id>", "GET", summary="起重机械详情：产权备案与证书", tag=TAG,
       response=MACHINE_SCHEMA, errors=(403, 404))  # fmt: skip
def get_machine(machine_id: int) -> ResponseReturnValue:
    _reader()
    return machine_json(queries.get_machine_for(db.session, current_scope(), machine_id))


@route("/machines", "POST", summary="产权备案：登记机械、发放备案编号（一机一号）和产权备案证明", tag=TAG,
       body={"type": "object", "required": ["machine_type", "maker", "model", "serial_number", "manufactured_on"],
             "properties": {
                 "machine_type": {"type": "string", "enum": [t.value for t in MachineType]},
                 "maker": {"type": "string", "maxLength": 100}, "model": {"type": "string", "maxLength": 64},
                 "serial_number": {"type": "string", "maxLength": 64}, "manufactured_on": _DATE,
                 "rated_moment_knm": {"type": "string", "pattern": r"^\d{1,6}(\.\d{1,2})?$"},
                 "rated_load_kg": {"type": "integer", "minimum": 1, "maximum": 1000000},
                 "hoist_drive": {"type": "string", "enum": [d.value for d in HoistDrive]},
                 "design_life_years": {"type": "integer", "minimum": 1, "maximum": 100},
                 "owner_credit_code": {"type": "string", "maxLength": 18},
                 "assessment": {"type": "object", "required": ["assessed_on", "passed", "valid_until"],
                                "properties": {"assessed_on": _DATE, "passed": {"type": "boolean"},
                                               "valid_until": _DATE}}}},
       response=MACHINE_SCHEMA, status=201, errors=(400, 403, 409, 422))  # fmt: skip
def register_machine() -> ResponseReturnValue:
    _reader(REGISTRANTS)
    body = json_body({"machine_type": Field(str, max_length=32), "maker": Field(str, max_length=100),
                      "model": Field(str, max_length=64), "serial_number": Field(str, max_length=64),
                      "manufactured_on": Field(str, max_length=10),
                      "rated_moment_knm": Field(str, required=False, max_length=9),
                      "rated_load_kg": Field(int, required=False), "hoist_drive": Field(str, required=False, max_length=8),
                      "design_life_years": Field(int, required=False),
                      "owner_credit_code": Field(str, required=False, max_length=18),
                      "assessment": Field(dict, required=False)})  # fmt: skip
    data = services.MachineInput(
        machine_type=enum_value("machine_type", body["machine_type"], MachineType), maker=body["maker"],
        model=body["model"], serial_number=body["serial_number"],
        manufactured_on=_date(body["manufactured_on"], "manufactured_on"),
        rated_moment_knm=_moment(body.get("rated_moment_knm")), rated_load_kg=_bounded(body, "rated_load_kg", 1000000),
        hoist_drive=enum_value("hoist_drive", body["hoist_drive"], HoistDrive) if body.get("hoist_drive") else None,
        design_life_years=_bounded(body, "design_life_years", 100),
        owner_credit_code=body.get("owner_credit_code") or "", assessment=_assessment(body.get("assessment")),
    )  # fmt: skip
    machine = services.register_machine_and_ownership(
        db.session, data, scope=current_scope(), today=today(), render=render_certificate
    )
    return machine_json(machine), 201


def _moment(raw: str | None) -> Decimal | None:
    if raw is None:
        return None
    if not _MOMENT.fullmatch(raw):
        raise ApiError(400, "invalid_value", "rated_moment_knm 应为不超过两位小数的数字字符串，如 \"1250\"",
                       field="rated_moment_knm")  # fmt: skip
    return Decimal(raw)


def _bounded(body: dict[str, Any], name: str, maximum: int) -> int | None:
    value = body.get(name)
    if value is not None and value > maximum:
        raise ApiError(400, "out_of_range", f"字段 {name} 应在1至{maximum}之间", field=name)
    return value


def _assessment(raw: dict[str, Any] | None) -> SafetyAssessment | None:
    if raw is None:
        return None
    if set(raw) != {"assessed_on", "passed", "valid_until"} or not isinstance(raw["passed"], bool):
        raise ApiError(400, "invalid_value", "assessment 应含 assessed_on、passed（布尔值）、valid_until 三项",
                       field="assessment")  # fmt: skip
    on, until = _date(raw["assessed_on"], "assessed_on"), _date(raw["valid_until"], "valid_until")
    return SafetyAssessment(on, raw["passed"], until)


@route("/certificates/<int:certificate_id>/revoke", "POST", summary="撤销起重机械证书（备案地或省级监管人员，须说明原因）",
       tag=TAG, body={"type": "object", "required": ["reason"], "properties": {
           "reason": {"type": "string", "maxLength": services.REASON_MAX}}},
       response=CERTIFICATE_SCHEMA, errors=(400, 403, 404, 422))  # fmt: skip
def revoke_certificate(certificate_id: int) -> ResponseReturnValue:
    _reader((Role.REGULATOR,))
    body = json_body({"reason": Field(str, max_length=services.REASON_MAX)})
    certificate = queries.get_certificate_for(db.session, current_scope(), certificate_id)
    services.revoke_certificate(db.session, certificate, body["reason"], scope=current_scope(), today=today())
    return certificate_json(certificate)


@route("/cranes/verify/<code>", "GET", summary="公开核验起重机械证书验证码：现行、已被替代或已撤销", tag=TAG,
       public=True, response=VERIFY_SCHEMA, errors=(400, 404))  # fmt: skip
def verify_certificate(code: str) -> ResponseReturnValue:
    try:
        verdict = certificates.verify_code(db.session, code)
    except CertificateError as exc:
        raise ApiError(400, "invalid_value", exc.message, field="code") from None
    c, revocation = verdict.certificate, verdict.revocation
    return {"code": c.verify_code, "state": verdict.state.value, "message": verdict.message,
            "registration_number": c.registration.number,
            "replaced_by_code": verdict.replaced_by.verify_code if verdict.replaced_by else None,
            "revoked_on": revocation.revoked_on.isoformat() if revocation else None,
            "revocation_reason": revocation.reason if revocation else None}  # fmt: skip
