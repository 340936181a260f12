"""API: the account's workbench, the same tasks as its home page (issue 22 item 1): every open task counted (``total``,
``late``); ``tasks`` the loaded ones, most urgent first (a long list loads its 100 most urgent)."""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from webapp.api import route
from webapp.main.workbench import current_board, task_json, today

TASK_SCHEMA = {
    "type": "object",
    "required": ["kind", "label", "subject", "target", "target_id", "days_late"],
    "properties": {
        "kind": {"type": "string"}, "label": {"type": "string"}, "subject": {"type": "string"},
        "target": {"type": "string"}, "target_id": {"type": "integer"},
        "due": {"type": "string", "format": "date", "nullable": True}, "days_late": {"type": "integer"},
        "url": {"type": "string", "nullable": True},
    },
}  # fmt: skip
TASKS_SCHEMA = {
    "type": "object",
    "properties": {"total": {"type": "integer"}, "late": {"type": "integer"},
                   "tasks": {"type": "array", "items": TASK_SCHEMA}},
}  # fmt: skip


@route("/tasks", "GET", summary="我的待办事项（与工作台页面相同：期限、逾期天数、办理链接）", tag="工作台",
       response=TASKS_SCHEMA)  # fmt: skip
def tasks() -> ResponseReturnValue:
    on = today()
    found = current_board(kept=False)  # a client polls for what is true now
    return {"total": found.open, "late": found.late, "tasks": [task_json(t, on) for t in found.tasks]}
