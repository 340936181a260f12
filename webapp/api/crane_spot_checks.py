"""API: the spot-check list of inspection bodies (runs and their progress, flags with the province's spread, the
order and the result of a spot check) and the periodic crane bulletins (request, progress, list, PDF), with the
pages' permissions."""

from __future__ import annotations

import io
from typing import Any

from flask import abort, send_file
from flask.typing import ResponseReturnValue

from knowledge import audit
from knowledge.accounts.models import Role
from knowledge.cranes import bulletin as bulletins
from knowledge.cranes import spot_check_job as job
from knowledge.cranes import spot_check_services as services
from knowledge.cranes.inspection_models import SpotCheck, SpotCheckFlag, SpotCheckResult
from knowledge.cranes.machines import MachineType
from knowledge.cranes.spot_checks import FlagKind
from knowledge.regions import City
from webapp import clock
from webapp.api import ApiError, route
from webapp.api.params import Field, enum_arg, enum_value, json_body
from webapp.auth import current_scope
from webapp.cranes import bulletin_pages, spot_check_pages
from webapp.cranes.pages import today
from webapp.extensions import db

TAG = "起重机械检验机构抽查与通报"
READERS = (Role.REGULATOR, Role.ADMIN)
_DATE = {"type": "string", "format": "date"}
_NUM = {"type": "number"}
PROGRESS_SCHEMA = {"type": "object", "properties": {
    "id": {"type": "integer", "nullable": True}, "on": _DATE, "done": {"type": "integer"}, "total": {"type": "integer"},
    "finished": {"type": "boolean"}, "error": {"type": "string"}}}  # fmt: skip
CHECK_SCHEMA = {"type": "object", "nullable": True, "properties": {
    "id": {"type": "integer"}, "flag_id": {"type": "integer"}, "body_id": {"type": "integer"}, "ordered_on": _DATE,
    "instructions": {"type": "string"}, "result": {"type": "string", "nullable": True,
                                                   "enum": [r.value for r in SpotCheckResult]},
    "result_note": {"type": "string"}, "result_on": {**_DATE, "nullable": True}}}  # fmt: skip
FLAG_SCHEMA = {"type": "object", "properties": {
    "id": {"type": "integer"}, "run_id": {"type": "integer"}, "body_id": {"type": "integer"}, "body": {"type": "string"},
    "city": {"type": "string"}, "machine_type": {"type": "string"}, "kind": {"type": "string"},
    "reason": {"type": "string"}, "threshold": _NUM, "figures": {"type": "object"},
    "distribution": {"type": "object", "properties": {
        "figure": {"type": "string"}, "values": {"type": "array", "items": _NUM}, "value": _NUM,
        "below": {"type": "integer"}, "p10": _NUM, "median": _NUM, "p90": _NUM}},
    "spot_check": CHECK_SCHEMA}}  # fmt: skip
BULLETIN_SCHEMA = {"type": "object", "properties": {
    "id": {"type": "integer"}, "period": {"type": "string"}, "city": {"type": "string", "nullable": True},
    "done": {"type": "integer"}, "total": {"type": "integer"}, "finished": {"type": "boolean"},
    "error": {"type": "string"}, "sha256": {"type": "string"}}}  # fmt: skip


def _reader(roles: tuple[Role, ...] = READERS) -> None:
    if current_scope().role not in roles:
        abort(403)


def check_json(c: SpotCheck) -> dict[str, Any]:
    return {"id": c.id, "flag_id": c.flag_id, "body_id": c.body_id, "ordered_on": c.ordered_on.isoformat(),
            "instructions": c.instructions, "result": c.result.value if c.result else None,
            "result_note": c.result_note, "result_on": c.result_on.isoformat() if c.result_on else None}  # fmt: skip


def flag_json(f: SpotCheckFlag, check: SpotCheck | None) -> dict[str, Any]:
    place = services.placement(f.run, f)
    return {"id": f.id, "run_id": f.run_id, "body_id": f.body_id, "body": f.body.enterprise.name,
            "city": f.body.city.value, "machine_type": f.machine_type.value, "kind": f.kind, "reason": f.reason,
            "threshold": float(f.threshold), "figures": f.figures,
            "distribution": {"figure": place.figure.key, "values": list(place.values), "value": place.value,
                             "below": place.below, "p10": place.at(10), "median": place.at(50), "p90": place.at(90)},
            "spot_check": check_json(check) if check else None}  # fmt: skip


@route("/crane-spot-checks/runs", "POST", summary="开始计算检验机构抽查名单（后台任务，返回进度）", tag=TAG,
       response=PROGRESS_SCHEMA, status=202, errors=(403,))  # fmt: skip
def start_spot_check_run() -> ResponseReturnValue:
    _reader()
    run, created = job.start_run(db.session, scope=current_scope(), now=clock.now(), on=today())
    if created:
        spot_check_pages.enqueue_run(run.id)
    return spot_check_pages.progress_json(run), 202


@route("/crane-spot-checks/runs/latest", "GET", summary="最近一次抽查名单计算的进度", tag=TAG,
       response=PROGRESS_SCHEMA, errors=(403,))  # fmt: skip
def latest_spot_check_run() -> ResponseReturnValue:
    _reader()
    return spot_check_pages.progress_json(job.last_run(db.session))


@route("/crane-spot-checks/flags", "GET", summary="当前抽查名单的预警（市级监管人员看本市检验机构的）", tag=TAG,
       params=[{"name": "type", "in": "query", "schema": {"type": "string", "enum": [t.value for t in MachineType]}},
               {"name": "kind", "in": "query", "schema": {"type": "string", "enum": [k.value for k in FlagKind]}}],
       response={"type": "object", "properties": {"run": PROGRESS_SCHEMA, "items": {"type": "array", "items": FLAG_SCHEMA}}},
       errors=(403,))  # fmt: skip
def list_spot_check_flags() -> ResponseReturnValue:
    _reader()
    machine_type, kind = enum_arg("type", MachineType), enum_arg("kind", FlagKind)
    run = job.last_finished_run(db.session)
    rows = (
        services.run_flags(db.session, current_scope(), run, machine_type=machine_type, kind=kind)
        if run
        else []
    )
    return {"run": spot_check_pages.progress_json(run), "items": [flag_json(f, c) for f, c in rows]}


@route("/crane-spot-checks/flags/<int:flag_id>", "GET", summary="抽查预警详情：本机构数据与全省分布", tag=TAG,
       response=FLAG_SCHEMA, errors=(403,))  # fmt: skip
def get_spot_check_flag(flag_id: int) -> ResponseReturnValue:
    _reader()
    flag = services.get_flag_for(db.session, current_scope(), flag_id)
    return flag_json(flag, services.spot_check_of(db.session, flag))


@route("/crane-spot-checks/flags/<int:flag_id>/order", "POST", summary="根据预警下达抽查（本省或检验机构所在市的监管人员，每条预警一次）",
       tag=TAG, body={"type": "object", "properties": {
           "instructions": {"type": "string", "maxLength": services.INSTRUCTIONS_MAX}}},
       response=CHECK_SCHEMA, status=201, errors=(403, 409, 422))  # fmt: skip
def order_spot_check(flag_id: int) -> ResponseReturnValue:
    _reader((Role.REGULATOR,))
    body = json_body({"instructions": Field(str, required=False, max_length=services.INSTRUCTIONS_MAX)})
    flag = services.get_flag_for(db.session, current_scope(), flag_id)
    check = services.order_spot_check(db.session, flag, scope=current_scope(), today=today(),
                                      instructions=body.get("instructions") or "")  # fmt: skip
    return check_json(check), 201


@route("/crane-spot-checks/flags/<int:flag_id>/result", "POST", summary="记录抽查结果（是否查实粗检、漏检；只记录一次）",
       tag=TAG, body={"type": "object", "required": ["result", "note"], "properties": {
           "result": {"type": "string", "enum": [r.value for r in SpotCheckResult]},
           "note": {"type": "string", "maxLength": services.NOTE_MAX}}},
       response=CHECK_SCHEMA, errors=(403, 409, 422))  # fmt: skip
def record_spot_check_result(flag_id: int) -> ResponseReturnValue:
    _reader((Role.REGULATOR,))
    body = json_body({"result": Field(str, max_length=16), "note": Field(str, max_length=services.NOTE_MAX)})
    flag = services.get_flag_for(db.session, current_scope(), flag_id)
    check = services.spot_check_of(db.session, flag)
    if check is None:
        raise ApiError(422, "not_ordered", "尚未根据该预警下达抽查，不能记录结果")
    check = services.record_result(db.session, check, scope=current_scope(), today=today(), note=body["note"],
                                   result=enum_value("result", body["result"], SpotCheckResult))  # fmt: skip
    return check_json(check)


@route("/crane-bulletins", "GET", summary="起重机械安全通报清单（市级监管人员看本市的）", tag=TAG,
       response={"type": "array", "items": BULLETIN_SCHEMA}, errors=(403,))  # fmt: skip
def list_crane_bulletins() -> ResponseReturnValue:
    _reader()
    return [
        bulletin_pages.bulletin_progress_json(b) for b in bulletins.bulletins(db.session, current_scope())
    ]


@route("/crane-bulletins", "POST", summary="申请生成起重机械安全定期通报（后台任务，返回进度）", tag=TAG,
       body={"type": "object", "required": ["period"], "properties": {
           "period": {"type": "string", "maxLength": 8, "example": "2026Q3"},
           "city": {"type": "string", "enum": [c.value for c in City]}}},
       response=BULLETIN_SCHEMA, status=202, errors=(403, 422))  # fmt: skip
def request_crane_bulletin() -> ResponseReturnValue:
    _reader()
    body = json_body({"period": Field(str, max_length=8), "city": Field(str, required=False, max_length=16)})
    city = enum_value("city", body["city"], City) if body.get("city") else None
    row = bulletins.request_bulletin(db.session, scope=current_scope(), period=body["period"], city=city,
                                     now=clock.now())  # fmt: skip
    bulletin_pages.enqueue_bulletin(row.id)
    return bulletin_pages.bulletin_progress_json(row), 202


@route("/crane-bulletins/<int:bulletin_id>", "GET", summary="通报的生成进度", tag=TAG,
       response=BULLETIN_SCHEMA, errors=(403,))  # fmt: skip
def get_crane_bulletin(bulletin_id: int) -> ResponseReturnValue:
    _reader()
    return bulletin_pages.bulletin_progress_json(
        bulletins.get_bulletin_for(db.session, current_scope(), bulletin_id)
    )


@route("/crane-bulletins/<int:bulletin_id>/pdf", "GET", summary="下载通报PDF", tag=TAG, errors=(403,))
def download_crane_bulletin(bulletin_id: int) -> ResponseReturnValue:
    _reader()
    row = bulletins.get_bulletin_for(db.session, current_scope(), bulletin_id)
    if row.pdf is None:
        raise ApiError(404, "not_ready", "通报尚未生成完成")
    audit.record_read(db.session, actor_id=current_scope().account_id, action="crane_bulletin_pdf",
                      obj=("crane_bulletin", row.id), after={"via": "api"})  # fmt: skip
    return send_file(io.BytesIO(row.pdf), mimetype="application/pdf", as_attachment=True,
                     download_name=f"crane-bulletin-{row.period}.pdf")  # fmt: skip
