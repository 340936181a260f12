"""API: cranes on sites (installations, the notice, joint acceptance, use registration, dismantling, records),
installers' qualifications, change of owner and the machine's file, with the pages' permissions."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, request
from flask.typing import ResponseReturnValue

from knowledge.accounts.models import Role
from knowledge.cranes import machine_file as file_rules
from knowledge.cranes import queries, services, site_acceptance, site_queries, site_services
from knowledge.cranes.service_age import SafetyAssessment
from knowledge.cranes.site_models import (
    AcceptanceParty,
    Installation,
    InstallerQualification,
    JointAcceptance,
    RecordKind,
)
from knowledge.errors import NotFoundError
from webapp.api import ApiError, route
from webapp.api.cranes import certificate_json, machine_json
from webapp.api.params import Field, enum_value, json_body, page_args, page_json
from webapp.api.spec import PAGE_PARAMS, page_of
from webapp.auth import current_scope
from webapp.cranes.pages import READERS, render_certificate, render_use_sign, today
from webapp.extensions import db

TAG = "建筑起重机械"
TEAMS = (Role.PROJECT_TEAM, Role.ADMIN)
_DATE = {"type": "string", "format": "date"}
_CODE = {"type": "string", "maxLength": 18}
INSTALLATION_SCHEMA = {"type": "object", "properties": {
    "id": {"type": "integer"}, "machine_id": {"type": "integer"}, "registration_number": {"type": "string"},
    "project_id": {"type": "integer"}, "project": {"type": "string"}, "work_id": {"type": "integer"},
    "city": {"type": "string"}, "position": {"type": "string"}, "notified_on": _DATE, "planned_install_on": _DATE,
    "ended_on": {**_DATE, "nullable": True}, "parties": {"type": "object"}, "acceptances": {"type": "array"},
    "use_registrations": {"type": "array"}}}  # fmt: skip
QUALIFICATION_SCHEMA = {"type": "object", "properties": {
    "id": {"type": "integer"}, "enterprise": {"type": "string"}, "credit_code": {"type": "string"},
    "certificate_number": {"type": "string"}, "grade": {"type": "string"}, "valid_until": _DATE,
    "safety_licence_number": {"type": "string"}, "safety_licence_valid_until": _DATE}}  # fmt: skip
FILE_SCHEMA = {"type": "object", "properties": {
    "machine": {"type": "object"}, "events": {"type": "array", "items": {"type": "object", "properties": {
        "on": _DATE, "kind": {"type": "string"}, "title": {"type": "string"}, "detail": {"type": "string"},
        "ref": {"type": "array", "nullable": True}}}},
    "integration": {"type": "object", "nullable": True}}}  # fmt: skip


def _role(roles: tuple[Role, ...] = READERS) -> None:
    if current_scope().role not in roles:
        abort(403)


def _date(raw: Any, name: str) -> date:
    try:
        return date.fromisoformat(raw)
    except (TypeError, ValueError):
        raise ApiError(400, "invalid_value", f"{name} 应为 YYYY-MM-DD 格式的日期", field=name) from None


def _installation(installation_id: int) -> Installation:
    return site_queries.get_installation_for(db.session, current_scope(), installation_id)


def installation_json(i: Installation) -> dict[str, Any]:
    session = db.session
    uses = [{"id": u.id, "number": u.number, "city": u.city.value, "registered_on": u.registered_on.isoformat(),
             "sign": certificate_json(sign) if (sign := site_acceptance.use_sign_of(session, u)) else None}
            for u in i.use_registrations]  # fmt: skip
    return {"id": i.id, "machine_id": i.machine_id, "registration_number": i.machine.registration_number,
            "project_id": i.project_id, "project": i.project.name, "work_id": i.work_id, "city": i.city.value,
            "position": i.position, "notified_on": i.notified_on.isoformat(),
            "planned_install_on": i.planned_install_on.isoformat(),
            "ended_on": i.ended_on.isoformat() if i.ended_on else None,
            "parties": {p.value: eid for p, eid in site_queries.party_ids(i).items()}
            | {"maintainer": i.maintainer_id},
            "acceptances": [acceptance_json(a) for a in i.acceptances], "use_registrations": uses}  # fmt: skip


def acceptance_json(a: JointAcceptance) -> dict[str, Any]:
    return {"id": a.id, "report_id": a.report_id, "opened_on": a.opened_on.isoformat(),
            "accepted_on": a.accepted_on.isoformat() if a.accepted_on else None,
            "signatures": [{"party": s.party.value, "signer_name": s.signer_name, "opinion": s.opinion,
                            "signed_on": s.signed_on.isoformat()} for s in a.signatures]}  # fmt: skip


def qualification_json(q: InstallerQualification) -> dict[str, Any]:
    return {"id": q.id, "enterprise": q.enterprise.name, "credit_code": q.enterprise.credit_code,
            "certificate_number": q.certificate_number, "grade": q.grade, "valid_until": q.valid_until.isoformat(),
            "safety_licence_number": q.safety_licence_number,
            "safety_licence_valid_until": q.safety_licence_valid_until.isoformat()}  # fmt: skip


@route("/crane-installations", "GET", summary="起重机械安装使用清单（参与单位看本单位参与的，监管人员看本市或全省）", tag=TAG,
       params=[{"name": "open", "in": "query", "schema": {"type": "boolean"}}, *PAGE_PARAMS],
       response=page_of(INSTALLATION_SCHEMA), errors=(400, 403))  # fmt: skip
def crane_installations() -> ResponseReturnValue:
    _role()
    page, per_page = page_args()
    from_args = site_queries.installations_page(db.session, current_scope(), open_only=_open_arg(), page=page,
                                                per_page=per_page)  # fmt: skip
    return page_json(from_args, installation_json)


def _open_arg() -> bool:
    raw = request.args.get("open", "")
    if raw not in ("", "true", "false", "1", "0"):
        raise ApiError(400, "invalid_parameter", "参数 open 应为 true 或 false", field="open")
    return raw in ("true", "1")


@route("/crane-installations/<int:installation_id>", "GET", summary="一次安装：各方、联合验收、使用登记", tag=TAG,
       response=INSTALLATION_SCHEMA, errors=(403, 404))  # fmt: skip
def crane_installation(installation_id: int) -> ResponseReturnValue:
    _role()
    return installation_json(_installation(installation_id))


@route("/crane-installations", "POST", summary="安装告知（安装单位的项目团队账号；建设部令第166号 第十二条）", tag=TAG,
       body={"type": "object", "required": ["registration_number", "work_id", "user_credit_code", "planned_install_on"],
             "properties": {"registration_number": {"type": "string", "maxLength": 16}, "work_id": {"type": "integer"},
                            "user_credit_code": _CODE, "maintainer_credit_code": _CODE, "installer_credit_code": _CODE,
                            "planned_install_on": _DATE, "position": {"type": "string", "maxLength": 200}}},
       response=INSTALLATION_SCHEMA, status=201, errors=(400, 403, 409, 422))  # fmt: skip
def crane_install_notice() -> ResponseReturnValue:
    _role(TEAMS)
    body = json_body({"registration_number": Field(str, max_length=16), "work_id": Field(int),
                      "user_credit_code": Field(str, max_length=18),
                      "maintainer_credit_code": Field(str, required=False, max_length=18),
                      "installer_credit_code": Field(str, required=False, max_length=18),
                      "planned_install_on": Field(str, max_length=10),
                      "position": Field(str, required=False, max_length=200)})  # fmt: skip
    works = {w.id: w for w in site_queries.erection_works(db.session, current_scope(), limit=10_000)}
    work = works.get(body["work_id"])
    if work is None:
        raise NotFoundError("危大工程不存在、不是起重机械安装和拆卸工程或无权查看")

    def code(name: str, label: str) -> int | None:
        raw = body.get(name)
        return site_services.enterprise_id_by_code(db.session, raw, label=label, field=name) if raw else None

    data = site_services.NoticeInput(
        registration_number=body["registration_number"], project_id=work.project_id, work_id=work.id,
        user_id=code("user_credit_code", "使用单位") or 0,
        planned_install_on=_date(body["planned_install_on"], "planned_install_on"), position=body.get("position") or "",
        maintainer_id=code("maintainer_credit_code", "维保单位"), installer_id=code("installer_credit_code", "安装单位"),
    )  # fmt: skip
    installation = site_services.file_installation_notice(
        db.session, data, scope=current_scope(), today=today()
    )
    return installation_json(_installation(installation.id)), 201


@route("/crane-installations/<int:installation_id>/acceptance", "POST", summary="发起联合验收（使用单位；依据最近一次合格的检验报告）",
       tag=TAG, response=INSTALLATION_SCHEMA, status=201, errors=(403, 404, 409, 422))  # fmt: skip
def crane_open_acceptance(installation_id: int) -> ResponseReturnValue:
    _role(TEAMS)
    installation = _installation(installation_id)
    site_acceptance.open_acceptance(db.session, installation, scope=current_scope(), today=today())
    return installation_json(_installation(installation_id)), 201


@route("/crane-acceptances/<int:acceptance_id>/signatures", "POST", summary="联合验收签字（各方在本单位账号中签字）", tag=TAG,
       body={"type": "object", "required": ["party", "signer_name"], "properties": {
           "party": {"type": "string", "enum": [p.value for p in AcceptanceParty]},
           "signer_name": {"type": "string", "maxLength": site_acceptance.SIGNER_MAX},
           "opinion": {"type": "string", "maxLength": site_acceptance.OPINION_MAX}}},
       response=INSTALLATION_SCHEMA, status=201, errors=(400, 403, 404, 409, 422))  # fmt: skip
def crane_sign_acceptance(acceptance_id: int) -> ResponseReturnValue:
    _role((Role.PROJECT_TEAM,))
    body = json_body({"party": Field(str, max_length=16),
                      "signer_name": Field(str, max_length=site_acceptance.SIGNER_MAX),
                      "opinion": Field(str, required=False, max_length=site_acceptance.OPINION_MAX)})  # fmt: skip
    acceptance = db.session.get(JointAcceptance, acceptance_id)
    if acceptance is None:
        raise NotFoundError("联合验收记录不存在或无权查看")
    installation = _installation(acceptance.installation_id)
    party = enum_value("party", body["party"], AcceptanceParty)
    site_acceptance.sign_acceptance(db.session, acceptance, party, signer_name=body["signer_name"],
                                    opinion=body.get("opinion") or "", scope=current_scope(), today=today())  # fmt: skip
    return installation_json(_installation(installation.id)), 201


@route("/crane-installations/<int:installation_id>/use-registration", "POST",
       summary="使用登记（使用单位，验收合格后30日内；发放使用登记标志）", tag=TAG,
       response=INSTALLATION_SCHEMA, status=201, errors=(403, 404, 409, 422))  # fmt: skip
def crane_register_use(installation_id: int) -> ResponseReturnValue:
    _role((Role.PROJECT_TEAM,))
    installation = _installation(installation_id)
    site_acceptance.register_use(db.session, installation, scope=current_scope(), today=today(),
                                 render=render_use_sign)  # fmt: skip
    return installation_json(_installation(installation_id)), 201


@route("/crane-installations/<int:installation_id>/dismantling", "POST", summary="拆卸告知（有资质的安装单位；安装随之结束）",
       tag=TAG, body={"type": "object", "required": ["planned_on"], "properties": {"planned_on": _DATE}},
       response=INSTALLATION_SCHEMA, status=201, errors=(400, 403, 404, 409, 422))  # fmt: skip
def crane_dismantle(installation_id: int) -> ResponseReturnValue:
    _role((Role.PROJECT_TEAM,))
    body = json_body({"planned_on": Field(str, max_length=10)})
    installation = _installation(installation_id)
    site_services.dismantle(db.session, installation, planned_on=_date(body["planned_on"], "planned_on"),
                            scope=current_scope(), today=today())  # fmt: skip
    return installation_json(_installation(installation_id)), 201


@route("/machines/<int:machine_id>/records", "POST", summary="维保、故障、事故记录（产权、使用或维保单位）", tag=TAG,
       body={"type": "object", "required": ["kind", "on", "description"], "properties": {
           "kind": {"type": "string", "enum": [k.value for k in RecordKind]}, "on": _DATE,
           "description": {"type": "string", "maxLength": site_services.DESCRIPTION_MAX}}},
       response={"type": "object"}, status=201, errors=(400, 403, 404, 422))  # fmt: skip
def crane_add_record(machine_id: int) -> ResponseReturnValue:
    _role((Role.PROJECT_TEAM,))
    body = json_body({"kind": Field(str, max_length=16), "on": Field(str, max_length=10),
                      "description": Field(str, max_length=site_services.DESCRIPTION_MAX)})  # fmt: skip
    machine = site_queries.get_file_machine_for(db.session, current_scope(), machine_id)
    data = site_services.RecordInput(enum_value("kind", body["kind"], RecordKind), _date(body["on"], "on"),
                                     body["description"])  # fmt: skip
    record = site_services.add_record(db.session, machine, data, scope=current_scope(), today=today())
    return {"id": record.id, "kind": record.kind.value, "on": record.on.isoformat(),
            "installation_id": record.installation_id}, 201  # fmt: skip


@route("/machines/<int:machine_id>/file", "GET", summary="机械安全技术档案：全部事项按日期排列，及“一体化”情况", tag=TAG,
       response=FILE_SCHEMA, errors=(403, 404))  # fmt: skip
def crane_machine_file(machine_id: int) -> ResponseReturnValue:
    _role()
    found = file_rules.machine_file(db.session, current_scope(), machine_id)
    m, i = found.machine, found.integration
    integration = None
    if i is not None:
        integration = {"installation_id": i.installation_id, "is_integrated": i.is_integrated,
                       "firms": [{"role": label, "enterprise": firm.name if firm else None} for label, firm in i.firms]}  # fmt: skip
    return {"machine": {"id": m.id, "registration_number": m.registration_number, "owner": m.owner.name},
            "events": [{"on": e.on.isoformat(), "kind": e.kind, "title": e.title, "detail": e.detail,
                        "ref": list(e.ref) if e.ref else None} for e in found.events],
            "integration": integration}  # fmt: skip


@route("/machines/<int:machine_id>/owner", "POST", summary="产权变更：新产权单位重新备案，编号不变，另发证书", tag=TAG,
       body={"type": "object", "required": ["owner_credit_code"], "properties": {
           "owner_credit_code": _CODE,
           "assessment": {"type": "object", "required": ["assessed_on", "passed", "valid_until"],
                          "properties": {"assessed_on": _DATE, "passed": {"type": "boolean"}, "valid_until": _DATE}}}},
       response={"type": "object"}, errors=(400, 403, 404, 422))  # fmt: skip
def crane_change_owner(machine_id: int) -> ResponseReturnValue:
    _role(TEAMS)
    body = json_body(
        {"owner_credit_code": Field(str, max_length=18), "assessment": Field(dict, required=False)}
    )
    machine = queries.get_machine_for(db.session, current_scope(), machine_id)
    services.change_owner(db.session, machine, body["owner_credit_code"], scope=current_scope(), today=today(),
                          render=render_certificate, assessment=_assessment(body.get("assessment")))  # fmt: skip
    return machine_json(machine)


def _assessment(raw: dict[str, Any] | None) -> SafetyAssessment | None:
    if raw is None:
        return None
    if set(raw) != {"assessed_on", "passed", "valid_until"} or not isinstance(raw["passed"], bool):
        raise ApiError(400, "invalid_value", "assessment 应含 assessed_on、passed（布尔值）、valid_until 三项",
                       field="assessment")  # fmt: skip
    return SafetyAssessment(_date(raw["assessed_on"], "assessed_on"), raw["passed"],
                            _date(raw["valid_until"], "valid_until"))  # fmt: skip


@route("/crane-installer-qualifications", "GET", summary="起重机械安装单位资质", tag=TAG,
       response={"type": "array", "items": QUALIFICATION_SCHEMA}, errors=(403,))  # fmt: skip
def crane_qualifications() -> ResponseReturnValue:
    _role()
    return [qualification_json(q) for q in site_queries.qualifications(db.session, current_scope())]


@route("/crane-installer-qualifications", "POST", summary="登记安装单位资质（系统管理员或安装单位所在市、省级监管人员）", tag=TAG,
       body={"type": "object", "required": ["credit_code", "certificate_number", "grade", "valid_until",
                                            "safety_licence_number", "safety_licence_valid_until"],
             "properties": {"credit_code": _CODE, "certificate_number": {"type": "string", "maxLength": 64},
                            "grade": {"type": "string", "enum": list(site_services.GRADES)}, "valid_until": _DATE,
                            "safety_licence_number": {"type": "string", "maxLength": 64},
                            "safety_licence_valid_until": _DATE}},
       response=QUALIFICATION_SCHEMA, status=201, errors=(400, 403, 409, 422))  # fmt: skip
def crane_record_qualification() -> ResponseReturnValue:
    _role((Role.ADMIN, Role.REGULATOR))
    body = json_body({"credit_code": Field(str, max_length=18), "certificate_number": Field(str, max_length=64),
                      "grade": Field(str, max_length=8), "valid_until": Field(str, max_length=10),
                      "safety_licence_number": Field(str, max_length=64),
                      "safety_licence_valid_until": Field(str, max_length=10)})  # fmt: skip
    data = site_services.QualificationInput(
        body["credit_code"], body["certificate_number"], body["grade"], _date(body["valid_until"], "valid_until"),
        body["safety_licence_number"], _date(body["safety_licence_valid_until"], "safety_licence_valid_until"),
    )  # fmt: skip
    return qualification_json(
        site_services.record_qualification(db.session, data, scope=current_scope())
    ), 201
