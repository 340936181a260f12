"""API: online crane inspection reports (start, record items, publish, read, list, PDF) with the pages'
permissions, and the public check of a report's verification code. Photos are taken on the item page only."""

from __future__ import annotations

import hashlib
import io
from typing import Any

from flask import abort, current_app, send_file
from flask.typing import ResponseReturnValue

from knowledge import audit
from knowledge.accounts.models import Role
from knowledge.cranes import inspection_queries as queries
from knowledge.cranes import inspections
from knowledge.cranes.errors import CertificateError
from knowledge.cranes.inspection_models import Conclusion, InspectionReport, ReportState
from knowledge.cranes.inspection_queries import ItemOutcome
from knowledge.cranes.machines import MachineType
from knowledge.errors import NotFoundError
from webapp.api import ApiError, route
from webapp.api.params import Field, enum_arg, enum_value, json_body, page_args, page_json
from webapp.api.spec import PAGE_PARAMS, page_of
from webapp.auth import current_scope
from webapp.clock import now
from webapp.cranes.inspection_pages import READERS, render_report
from webapp.extensions import db

TAG = "起重机械检验报告"
ITEMS_MAX = 200
_DATE = {"type": "string", "format": "date"}
_NULL_STR = {"type": "string", "nullable": True}
ITEM_SCHEMA = {"type": "object", "properties": {
    "key": {"type": "string"}, "number": {"type": "string"}, "text": {"type": "string"}, "clause": {"type": "string"},
    "is_key": {"type": "boolean"}, "range": _NULL_STR,
    "result": {"type": "string", "enum": [o.value for o in ItemOutcome], "nullable": True},
    "measured": _NULL_STR, "note": {"type": "string"}, "fails": {"type": "boolean", "nullable": True},
    "photos": {"type": "integer"}}}  # fmt: skip
REPORT_SCHEMA = {"type": "object", "properties": {
    "id": {"type": "integer"}, "number": _NULL_STR, "state": {"type": "string", "enum": [s.value for s in ReportState]},
    "machine_id": {"type": "integer"}, "registration_number": {"type": "string"},
    "machine_type": {"type": "string"}, "installation_id": {"type": "integer", "nullable": True},
    "body": {"type": "string"}, "inspector": {"type": "string"}, "checklist_version": {"type": "string"},
    "retest_of_id": {"type": "integer", "nullable": True}, "started_at": {"type": "string", "format": "date-time"},
    "finished_at": {"type": "string", "format": "date-time", "nullable": True}, "published_on": {**_DATE, "nullable": True},
    "conclusion": {"type": "string", "enum": ["pass", "fail"], "nullable": True},
    "nonconformities": {"type": "integer", "nullable": True}, "verify_code": _NULL_STR, "sha256": {"type": "string"},
    "items": {"type": "array", "items": ITEM_SCHEMA}}}  # fmt: skip
VERIFY_SCHEMA = {"type": "object", "required": ["code", "number", "conclusion", "message"], "properties": {
    "code": {"type": "string"}, "number": {"type": "string"}, "conclusion": {"type": "string", "enum": ["pass", "fail"]},
    "published_on": _DATE, "registration_number": {"type": "string"}, "body": {"type": "string"},
    "message": {"type": "string"}, "retest_number": _NULL_STR}}  # fmt: skip
FILTER_PARAMS = [
    {"name": "state", "in": "query", "schema": {"type": "string", "enum": [s.value for s in ReportState]}},
    {"name": "type", "in": "query", "schema": {"type": "string", "enum": [t.value for t in MachineType]}},
]


def report_json(r: InspectionReport, *, with_items: bool = True) -> dict[str, Any]:
    found: dict[str, Any] = {"id": r.id, "number": r.number, "state": r.state.value, "machine_id": r.machine_id,
             "registration_number": r.machine.registration_number, "machine_type": r.machine_type.value,
             "installation_id": r.installation_id, "body": r.body.enterprise.name, "inspector": r.inspector.display_name,
             "checklist_version": r.checklist_version, "retest_of_id": r.retest_of_id,
             "started_at": r.started_at.isoformat(), "finished_at": r.finished_at.isoformat() if r.finished_at else None,
             "published_on": r.published_on.isoformat() if r.published_on else None,
             "conclusion": r.conclusion.value if r.conclusion else None, "nonconformities": r.nonconformities,
             "verify_code": r.verify_code, "sha256": r.sha256}  # fmt: skip
    if with_items:
        found["items"] = [_line_json(line) for line in queries.report_lines(r)]
    return found


def _line_json(line: queries.ReportLine) -> dict[str, Any]:
    item, row = line.item, line.row
    return {"key": item.key, "number": item.number, "text": item.text, "clause": item.clause, "is_key": item.is_key,
            "range": item.measure.range_label if item.measure else None,
            "result": row.result if row else None, "measured": row.measured if row else None,
            "note": row.note if row else "", "fails": line.fails, "photos": len(line.photos)}  # fmt: skip


def _reader(roles: tuple[Role, ...] = READERS) -> None:
    if current_scope().role not in roles:
        abort(403)


@route("/cranes/reports", "GET", summary="起重机械检验报告清单（检验机构看本机构的，产权单位、使用各方看本机械的，监管人员看本市或全省）",
       tag=TAG, params=[*FILTER_PARAMS, *PAGE_PARAMS], response=page_of(REPORT_SCHEMA), errors=(400, 403))  # fmt: skip
def list_crane_reports() -> ResponseReturnValue:
    _reader()
    state, machine_type = enum_arg("state", ReportState), enum_arg("type", MachineType)
    page, per_page = page_args()
    found = queries.reports_page(db.session, current_scope(), state=state, machine_type=machine_type, page=page,
                                 per_page=per_page)  # fmt: skip
    return page_json(found, lambda r: report_json(r, with_items=False))


@route("/cranes/reports/<int:report_id>", "GET", summary="检验报告详情：逐项结果与结论", tag=TAG,
       response=REPORT_SCHEMA, errors=(403, 404))  # fmt: skip
def get_crane_report(report_id: int) -> ResponseReturnValue:
    _reader()
    return report_json(queries.get_report_for(db.session, current_scope(), report_id))


@route("/cranes/reports", "POST", summary="开始检验：按备案编号对已备案机械开具检验报告（检验机构的检验人员）", tag=TAG,
       body={"type": "object", "required": ["registration_number"], "properties": {
           "registration_number": {"type": "string", "maxLength": 32},
           "at_installation": {"type": "boolean", "description": "关联该机械当前的在装记录"},
           "retest_of_number": {"type": "string", "maxLength": 32, "description": "复检时：原不合格报告的编号"}}},
       response=REPORT_SCHEMA, status=201, errors=(400, 403, 409, 422))  # fmt: skip
def start_crane_report() -> ResponseReturnValue:
    _reader((Role.INSPECTION_BODY,))
    body = json_body({"registration_number": Field(str, max_length=32), "at_installation": Field(bool, required=False),
                      "retest_of_number": Field(str, required=False, max_length=32)})  # fmt: skip
    data = inspections.StartInput(body["registration_number"], bool(body.get("at_installation")),
                                  body.get("retest_of_number") or "")  # fmt: skip
    report = inspections.start_report(db.session, data, scope=current_scope(), now=now())
    return report_json(report), 201


@route("/cranes/reports/<int:report_id>/items", "POST", summary="逐项记录检验结果（实测值、说明；照片在检验页面上传）",
       tag=TAG, body={"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "maxItems": ITEMS_MAX,
           "items": {"type": "object", "required": ["key", "result"], "properties": {
               "key": {"type": "string"}, "result": {"type": "string", "enum": [o.value for o in ItemOutcome]},
               "measured": {"type": "string", "maxLength": inspections.MEASURED_MAX},
               "note": {"type": "string", "maxLength": inspections.NOTE_MAX}}}}}},
       response=REPORT_SCHEMA, errors=(400, 403, 404, 422))  # fmt: skip
def record_crane_report_items(report_id: int) -> ResponseReturnValue:
    _reader((Role.INSPECTION_BODY,))
    body = json_body({"items": Field(list)})
    entries = [_entry(raw) for raw in _items(body["items"])]
    report = queries.get_report_for(db.session, current_scope(), report_id)
    inspections.record_items(db.session, report, entries, scope=current_scope(),
                             upload_dir=current_app.config["UPLOAD_DIR"], now=now())  # fmt: skip
    return report_json(report)


def _items(raw: list[Any]) -> list[dict[str, Any]]:
    if not raw or len(raw) > ITEMS_MAX or not all(isinstance(x, dict) for x in raw):
        raise ApiError(400, "invalid_value", f"items 应为1至{ITEMS_MAX}个对象的数组", field="items")
    return raw


def _entry(raw: dict[str, Any]) -> inspections.ItemEntry:
    unknown = sorted(set(raw) - {"key", "result", "measured", "note"})
    if unknown:
        raise ApiError(400, "unknown_field", f"检验项中不认识的字段：{', '.join(unknown)}", field="items")
    texts = {k: raw.get(k) for k in ("key", "result", "measured", "note")}
    if (
        not all(v is None or isinstance(v, str) for v in texts.values())
        or not texts["key"]
        or not texts["result"]
    ):
        raise ApiError(
            400, "invalid_value", "每个检验项须有字符串 key 和 result，measured、note 为字符串", field="items"
        )
    limits = {"key": 64, "measured": inspections.MEASURED_MAX, "note": inspections.NOTE_MAX}
    for name, limit in limits.items():
        if len(texts[name] or "") > limit:
            raise ApiError(400, "too_long", f"检验项字段 {name} 不能超过{limit}个字符", field="items")
    outcome = enum_value("result", texts["result"] or "", ItemOutcome)
    return inspections.ItemEntry(texts["key"] or "", outcome, texts["measured"] or "", texts["note"] or "")


@route("/cranes/reports/<int:report_id>/publish", "POST", summary="出具检验报告：结论由检验项目自动判定，填写的结论须与之一致",
       tag=TAG, body={"type": "object", "properties": {"conclusion": {"type": "string", "enum": ["pass", "fail"]}}},
       response=REPORT_SCHEMA, errors=(400, 403, 404, 422))  # fmt: skip
def publish_crane_report(report_id: int) -> ResponseReturnValue:
    _reader((Role.INSPECTION_BODY,))
    body = json_body({"conclusion": Field(str, required=False, max_length=8)})
    stated = enum_value("conclusion", body["conclusion"], Conclusion) if body.get("conclusion") else None
    report = queries.get_report_for(db.session, current_scope(), report_id)
    inspections.publish(
        db.session, report, scope=current_scope(), now=now(), render=render_report, stated=stated
    )
    return report_json(report)


@route("/cranes/reports/<int:report_id>/pdf", "GET", summary="下载已出具的检验报告PDF", tag=TAG,
       errors=(403, 404))  # fmt: skip
def crane_report_pdf(report_id: int) -> ResponseReturnValue:
    _reader()
    report = queries.get_report_for(db.session, current_scope(), report_id)
    if report.state is not ReportState.PUBLISHED:
        raise NotFoundError("该检验报告尚未出具，没有PDF")
    data = render_report(report)
    if not report.sha256:  # a bulk-loaded report gets its fingerprint when its PDF is first made
        report.sha256 = hashlib.sha256(data).hexdigest()
    audit.record_read(db.session, actor_id=current_scope().account_id, action="crane_report_pdf",
                      obj=("crane_inspection_report", report.id))  # fmt: skip
    response = send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True,
                         download_name=f"检验报告-{report.number}.pdf")  # fmt: skip
    response.headers["Cache-Control"] = "private, no-store"
    return response


@route("/cranes/reports/verify/<code>", "GET", summary="公开核验起重机械检验报告验证码：是否由系统出具及其结论", tag=TAG,
       public=True, response=VERIFY_SCHEMA, errors=(400, 404))  # fmt: skip
def verify_crane_report(code: str) -> ResponseReturnValue:
    try:
        verdict = queries.verify_report_code(db.session, code)
    except CertificateError as exc:
        raise ApiError(400, "invalid_value", exc.message, field="code") from None
    r = verdict.report
    assert r.conclusion is not None and r.published_on is not None
    return {"code": r.verify_code, "number": r.number, "conclusion": r.conclusion.value,
            "published_on": r.published_on.isoformat(), "registration_number": r.machine.registration_number,
            "body": r.body.enterprise.name, "message": verdict.message,
            "retest_number": verdict.retest.number if verdict.retest else None}  # fmt: skip
