"""API: the public verification of a review report's code (the same answer as the page /verify/<code>)."""

from __future__ import annotations

from typing import Any

from flask.typing import ResponseReturnValue

from expert_pool.reviews import reports as review_reports
from knowledge.errors import ValidationError
from webapp.api import ApiError, route
from webapp.extensions import db

VERIFY_SCHEMA = {
    "type": "object",
    "required": ["code", "state", "genuine", "current", "version", "replaced_by_code", "message"],
    "properties": {
        "code": {"type": "string"},
        "state": {"type": "string", "enum": ["current", "superseded", "draft", "altered"]},
        "genuine": {"type": "boolean"},
        "current": {"type": "boolean"},
        "version": {"type": "integer"},
        "replaced_by_code": {"type": "string", "nullable": True},
        "replaced_by_version": {"type": "integer", "nullable": True},
        "message": {"type": "string"},
        "conclusion": {"type": "string", "nullable": True},
        "finalised_at": {"type": "string", "format": "date-time", "nullable": True},
        "project": {"type": "string", "nullable": True},
        "work": {"type": "string", "nullable": True},
    },
}


@route("/verify/<code>", "GET", summary="公开核验论证报告验证码：是否真实、是否为现行版本", tag="专家论证",
       public=True, response=VERIFY_SCHEMA, errors=(400, 404))  # fmt: skip
def verify_report(code: str) -> ResponseReturnValue:
    try:
        verdict = review_reports.verify_code(db.session, code)
    except ValidationError as exc:
        raise ApiError(400, "invalid_value", exc.message, field="code") from None
    report, newer = verdict.report, verdict.replaced_by
    body: dict[str, Any] = {
        "code": report.verify_code, "state": verdict.state, "genuine": verdict.genuine,
        "current": verdict.state == "current", "version": report.version,
        "replaced_by_code": newer.verify_code if newer else None,
        "replaced_by_version": newer.version if newer else None, "message": verdict.message,
        "conclusion": None, "finalised_at": None, "project": None, "work": None,
    }  # fmt: skip
    if verdict.genuine:  # only what a genuine report states; nothing about a draft or an altered record
        work = report.review.work
        body |= {"conclusion": report.conclusion.value, "project": work.project.name, "work": work.name,
                 "finalised_at": report.finalised_at.isoformat() if report.finalised_at else None}  # fmt: skip
    return body
