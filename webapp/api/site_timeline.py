"""API: a work's timeline, with the same steps and permissions as its page (issue 20 item 9)."""

from __future__ import annotations

from flask import abort
from flask.typing import ResponseReturnValue

from knowledge.registry import queries as work_queries
from knowledge.site.timeline import StepState
from webapp.api import route
from webapp.auth import current_scope
from webapp.extensions import db
from webapp.site.timeline_pages import READERS, step_json, timeline_for

LINK_SCHEMA = {"type": "object", "nullable": True, "properties": {
    "target": {"type": "string"}, "ids": {"type": "object"}, "url": {"type": "string", "nullable": True}}}  # fmt: skip
STEP_SCHEMA = {
    "type": "object",
    "required": ["day", "kind", "label", "state"],
    "properties": {
        "day": {"type": "string", "format": "date", "nullable": True}, "at": {"type": "string", "nullable": True},
        "kind": {"type": "string"}, "label": {"type": "string"}, "actor": {"type": "string"},
        "detail": {"type": "string"}, "state": {"type": "string", "enum": [s.value for s in StepState]},
        "due": {"type": "string", "nullable": True}, "link": LINK_SCHEMA,
    },
}  # fmt: skip
TIMELINE_SCHEMA = {
    "type": "object",
    "properties": {"work_id": {"type": "integer"}, "status": {"type": "string"}, "late": {"type": "integer"},
                   "steps": {"type": "array", "items": STEP_SCHEMA}},
}  # fmt: skip


@route("/works/<int:work_id>/timeline", "GET", summary="危大工程关键环节时间轴（与页面相同：已完成、待办、逾期）",
       tag="现场管控", response=TIMELINE_SCHEMA, errors=(403,))  # fmt: skip
def work_timeline(work_id: int) -> ResponseReturnValue:
    scope = current_scope()
    if scope.role not in READERS:
        abort(403)
    work = work_queries.get_work_for(db.session, scope, work_id)
    steps = timeline_for(work)
    return {"work_id": work.id, "status": work.status.value,
            "late": sum(1 for s in steps if s.state is StepState.LATE), "steps": [step_json(s) for s in steps]}  # fmt: skip


from webapp.api import site_sweeps  # noqa: E402,F401
