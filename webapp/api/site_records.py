"""API: a work's site records (briefings, start, monitoring and alarms, acceptance and signatures), as the pages."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask import abort
from flask.typing import ResponseReturnValue

from knowledge.accounts.models import Role
from knowledge.clock import CST
from knowledge.registry import queries as work_queries
from knowledge.registry.models import Work
from knowledge.site import records
from knowledge.site.hazards import version_in_force
from knowledge.site.models import (
    Acceptance,
    AcceptanceResult,
    AcceptanceSigner,
    AlarmLevel,
    Briefing,
    BriefingKind,
    Monitoring,
    MonitoringAlarm,
)
from webapp.api import ApiError, route
from webapp.api.params import Field, enum_value, json_body
from webapp.auth import current_scope
from webapp.clock import now
from webapp.extensions import db

READERS = (Role.PROJECT_TEAM, Role.DRAW_OFFICE, Role.REGULATOR, Role.ADMIN)
TAG = "现场记录"
_DATE = {"type": "string", "format": "date"}
_NAMES = {"type": "array", "items": {"type": "string", "maxLength": records.PERSON_MAX}, "maxItems": 200}
RECORDS_SCHEMA = {"type": "object", "properties": {
    "status": {"type": "string"}, "is_stopped": {"type": "boolean"}, "plan_version_in_force": {"type": "integer"},
    "briefings": {"type": "array"}, "monitorings": {"type": "array"}, "acceptances": {"type": "array"}}}  # fmt: skip


def _today() -> date:
    return now().astimezone(CST).date()


def _work(work_id: int) -> Work:
    if current_scope().role not in READERS:
        abort(403)
    return work_queries.get_work_for(db.session, current_scope(), work_id)


def _row(model: type[Any], row_id: int) -> Any:
    row = db.session.get(model, row_id)
    if row is None:
        raise ApiError(404, "not_found", "记录不存在或无权查看")
    return row


def _date(body: dict[str, Any], name: str) -> date:
    try:
        return date.fromisoformat(body[name])
    except ValueError:
        raise ApiError(400, "invalid_value", f"{name} 应为 YYYY-MM-DD 格式的日期", field=name) from None


def _names(body: dict[str, Any], name: str) -> list[str]:
    value = body.get(name) or []
    if not all(isinstance(v, str) for v in value):
        raise ApiError(400, "wrong_type", f"字段 {name} 应为字符串数组", field=name)
    return list(value)


def briefing_json(b: Briefing) -> dict[str, Any]:
    return {"id": b.id, "kind": b.kind.value, "plan_version_id": b.plan_version_id, "briefed_on": b.briefed_on.isoformat(),
            "briefer": b.briefer, "audience": b.audience, "attendees": b.attendees, "content": b.content,
            "attachments": [a.original_name for a in b.attachments]}  # fmt: skip


def monitoring_json(m: Monitoring) -> dict[str, Any]:
    return {"id": m.id, "enterprise": m.enterprise.name, "credit_code": m.enterprise.credit_code,
            "starts_on": m.starts_on.isoformat(), "scheme": m.scheme, "alarms": [alarm_json(a) for a in m.alarms]}  # fmt: skip


def alarm_json(a: MonitoringAlarm) -> dict[str, Any]:
    handled = (
        {"handled_on": a.handling.handled_on.isoformat(), "measures": a.handling.measures}
        if a.handling
        else None
    )
    return {"id": a.id, "raised_at": a.raised_at.isoformat(), "quantity": a.quantity, "level": a.level.value,
            "value": a.value, "unit": a.unit, "handling": handled}  # fmt: skip


def acceptance_json(a: Acceptance) -> dict[str, Any]:
    return {"id": a.id, "accepted_on": a.accepted_on.isoformat(), "result": a.result.value,
            "participants": a.participants, "note": a.note, "plan_version_id": a.plan_version_id,
            "signatures": [{"kind": s.kind.value, "signer_name": s.signer_name, "signed_at": s.signed_at.isoformat()}
                           for s in a.signatures]}  # fmt: skip


def records_json(work: Work) -> dict[str, Any]:
    recs = records.site_records(db.session, work)
    version = version_in_force(db.session, work)
    return {"status": work.status.value, "is_stopped": work.is_stopped,
            "plan_version_in_force": version.id if version else None,
            "briefings": [briefing_json(b) for b in recs.briefings],
            "monitorings": [monitoring_json(m) for m in recs.monitorings],
            "acceptances": [acceptance_json(a) for a in recs.acceptances]}  # fmt: skip


@route("/works/<int:work_id>/site-records", "GET", summary="现场记录：交底、第三方监测与报警、验收", tag=TAG,
       response=RECORDS_SCHEMA, errors=(403, 404))  # fmt: skip
def get_site_records(work_id: int) -> ResponseReturnValue:
    return records_json(_work(work_id))


@route("/works/<int:work_id>/briefings", "POST", summary="记录交底（须针对现行有效的方案版本；方案交底使工程进入“已交底”）",
       tag=TAG, body={"type": "object", "required": ["kind", "plan_version_id", "briefed_on", "briefer", "audience",
                                                     "attendees"], "properties": {
           "kind": {"type": "string", "enum": [k.value for k in BriefingKind]}, "plan_version_id": {"type": "integer"},
           "briefed_on": _DATE, "briefer": {"type": "string", "maxLength": 32},
           "audience": {"type": "string", "maxLength": 200}, "attendees": _NAMES,
           "content": {"type": "string", "maxLength": 2000}}},
       status=201, errors=(403, 404, 409, 422))  # fmt: skip
def create_briefing(work_id: int) -> ResponseReturnValue:
    work = _work(work_id)
    body = json_body({"kind": Field(str, max_length=16), "plan_version_id": Field(int), "briefed_on": Field(str, max_length=10),
                      "briefer": Field(str, max_length=32), "audience": Field(str, max_length=200),
                      "attendees": Field(list), "content": Field(str, required=False, max_length=2000)})  # fmt: skip
    data = records.BriefingInput(enum_value("kind", body["kind"], BriefingKind), body["plan_version_id"],
                                 _date(body, "briefed_on"), body["briefer"], body["audience"],
                                 _names(body, "attendees"), body.get("content") or "")  # fmt: skip
    briefing = records.record_briefing(
        db.session, work, data, scope=current_scope(), today=_today(), upload_dir=""
    )
    return briefing_json(briefing), 201


@route("/works/<int:work_id>/start", "POST", summary="记录开始施工（须已对现行方案版本进行方案交底）", tag=TAG,
       response=RECORDS_SCHEMA, errors=(403, 404, 409))  # fmt: skip
def start_works(work_id: int) -> ResponseReturnValue:
    work = _work(work_id)
    records.start_works(db.session, work, scope=current_scope())
    return records_json(work)


@route("/works/<int:work_id>/monitoring", "POST", summary="登记第三方监测单位（须是本项目的监测单位）", tag=TAG,
       body={"type": "object", "required": ["credit_code", "starts_on"], "properties": {
           "credit_code": {"type": "string", "maxLength": 40}, "starts_on": _DATE,
           "scheme": {"type": "string", "maxLength": 500}}}, status=201, errors=(403, 404, 409, 422))  # fmt: skip
def create_monitoring(work_id: int) -> ResponseReturnValue:
    work = _work(work_id)
    body = json_body({"credit_code": Field(str, max_length=40), "starts_on": Field(str, max_length=10),
                      "scheme": Field(str, required=False, max_length=500)})  # fmt: skip
    monitoring = records.engage_monitoring(db.session, work, credit_code=body["credit_code"], scope=current_scope(),
                                           starts_on=_date(body, "starts_on"), scheme=body.get("scheme") or "",
                                           today=_today())  # fmt: skip
    return monitoring_json(monitoring), 201


@route("/monitoring/<int:monitoring_id>/alarms", "POST", summary="记录监测报警", tag=TAG,
       body={"type": "object", "required": ["raised_at", "quantity", "level", "value"], "properties": {
           "raised_at": {"type": "string", "format": "date-time"}, "quantity": {"type": "string", "maxLength": 64},
           "level": {"type": "string", "enum": [v.value for v in AlarmLevel]}, "value": {"type": "string", "maxLength": 32},
           "unit": {"type": "string", "maxLength": 16}}}, status=201, errors=(403, 404, 422))  # fmt: skip
def create_alarm(monitoring_id: int) -> ResponseReturnValue:
    monitoring = _row(Monitoring, monitoring_id)
    _work(monitoring.work_id)
    body = json_body({"raised_at": Field(str, max_length=40), "quantity": Field(str, max_length=64),
                      "level": Field(str, max_length=16), "value": Field(str, max_length=32),
                      "unit": Field(str, required=False, max_length=16)})  # fmt: skip
    try:
        raised = datetime.fromisoformat(body["raised_at"])
    except ValueError:
        raise ApiError(400, "invalid_value", "raised_at 应为 ISO 8601 时间", field="raised_at") from None
    raised = (raised if raised.tzinfo else raised.replace(tzinfo=CST)).astimezone(UTC)
    data = records.AlarmInput(raised, body["quantity"], enum_value("level", body["level"], AlarmLevel), body["value"],
                              body.get("unit") or "")  # fmt: skip
    return alarm_json(
        records.record_alarm(db.session, monitoring, data, scope=current_scope(), now=now())
    ), 201


@route("/alarms/<int:alarm_id>/handling", "POST", summary="记录报警处置（每个报警一次）", tag=TAG,
       body={"type": "object", "required": ["handled_on", "measures"], "properties": {
           "handled_on": _DATE, "measures": {"type": "string", "maxLength": 1000}}},
       status=201, errors=(403, 404, 409, 422))  # fmt: skip
def create_handling(alarm_id: int) -> ResponseReturnValue:
    alarm = _row(MonitoringAlarm, alarm_id)
    _work(_row(Monitoring, alarm.monitoring_id).work_id)
    body = json_body({"handled_on": Field(str, max_length=10), "measures": Field(str, max_length=1000)})
    records.handle_alarm(db.session, alarm, measures=body["measures"], handled_on=_date(body, "handled_on"),
                         scope=current_scope(), today=_today())  # fmt: skip
    return alarm_json(alarm), 201


@route("/works/<int:work_id>/acceptances", "POST", summary="记录验收（施工中的工程；待两方签字）", tag=TAG,
       body={"type": "object", "required": ["accepted_on", "participants", "result"], "properties": {
           "accepted_on": _DATE, "participants": _NAMES,
           "result": {"type": "string", "enum": [r.value for r in AcceptanceResult]},
           "note": {"type": "string", "maxLength": 1000}}}, status=201, errors=(403, 404, 409, 422))  # fmt: skip
def create_acceptance(work_id: int) -> ResponseReturnValue:
    work = _work(work_id)
    body = json_body({"accepted_on": Field(str, max_length=10), "participants": Field(list),
                      "result": Field(str, max_length=16), "note": Field(str, required=False, max_length=1000)})  # fmt: skip
    data = records.AcceptanceInput(_date(body, "accepted_on"), _names(body, "participants"),
                                   enum_value("result", body["result"], AcceptanceResult), body.get("note") or "")  # fmt: skip
    return acceptance_json(
        records.record_acceptance(db.session, work, data, scope=current_scope(), today=_today())
    ), 201


@route("/acceptances/<int:acceptance_id>/signatures", "POST", summary="验收签字（项目技术负责人、总监理工程师各在本单位账号中签字）",
       tag=TAG, body={"type": "object", "required": ["kind", "signer_name"], "properties": {
           "kind": {"type": "string", "enum": [k.value for k in AcceptanceSigner]},
           "signer_name": {"type": "string", "maxLength": 32}}}, status=201, errors=(403, 404, 409, 422))  # fmt: skip
def sign_acceptance(acceptance_id: int) -> ResponseReturnValue:
    acceptance = _row(Acceptance, acceptance_id)
    _work(acceptance.work_id)
    body = json_body({"kind": Field(str, max_length=32), "signer_name": Field(str, max_length=32)})
    records.sign_acceptance(db.session, acceptance, enum_value("kind", body["kind"], AcceptanceSigner),
                            signer_name=body["signer_name"], scope=current_scope())  # fmt: skip
    db.session.refresh(acceptance)
    return acceptance_json(acceptance), 201
