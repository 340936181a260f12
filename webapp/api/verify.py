"""API: the public verification of a review report's code (the same answer as the page /verify/<code>)."""

from __future__ import annotations

from typing import Any

from flask.typing import ResponseReturnValue

from expert_pool.draws import digest as chain_digest
from expert_pool.reviews import reports as review_reports
from knowledge.errors import ValidationError
from webapp.api import ApiError, route
from webapp.cli import digest_key_from_config
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
        "chain_seq": {"type": "integer", "nullable": True},
        "legacy": {"type": "boolean"},
        "signatures": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["expert", "signed_at", "valid"],
                "properties": {
                    "expert": {"type": "string"},
                    "signed_at": {"type": "string", "format": "date-time"},
                    "valid": {"type": "boolean", "nullable": True},
                },
            },
        },
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
        "conclusion": None, "finalised_at": None, "project": None, "work": None, "chain_seq": None,
        "legacy": False, "signatures": [],
    }  # fmt: skip
    check = verdict.check
    if check is not None:  # each signature checked (the name masked, as on the page), and the chain position
        body |= {"chain_seq": check.place.seq, "legacy": check.legacy,
                 "signatures": [{"expert": s.masked_name, "signed_at": s.signed_at.isoformat(), "valid": s.valid}
                                for s in check.signatures]}  # fmt: skip
    if verdict.genuine:  # only what a genuine report states; nothing about a draft or an altered record
        work = report.review.work
        body |= {"conclusion": report.conclusion.value, "project": work.project.name, "work": work.name,
                 "finalised_at": report.finalised_at.isoformat() if report.finalised_at else None}  # fmt: skip
    return body


DIGEST_SCHEMA = {
    "type": "object",
    "required": ["date", "head_seq", "head_mac", "signature", "public_key", "algorithm"],
    "properties": {
        "date": {"type": "string", "format": "date"},
        "head_seq": {"type": "integer"},
        "head_mac": {"type": "string"},
        "report_head_seq": {"type": "integer", "description": "报告链链头位置（较早的摘要无此项）"},
        "report_head_mac": {"type": "string", "description": "报告链链头的密钥签名（较早的摘要无此项）"},
        "signature": {"type": "string"},
        "public_key": {"type": "string"},
        "algorithm": {"type": "string"},
    },
}
CHAIN_SCHEMA = {
    "type": "object",
    "required": ["head_seq", "head_mac", "public_key", "digests"],
    "properties": {
        "head_seq": {"type": "integer", "nullable": True},
        "head_mac": {"type": "string", "nullable": True},
        "public_key": {"type": "string"},
        "digests": {"type": "array", "items": DIGEST_SCHEMA},
    },
}


@route("/draws/chain", "GET", summary="公开：专家抽取密钥链的链头和每日签名摘要（供外部保存、日后对照）", tag="专家抽取",
       public=True, response=CHAIN_SCHEMA)  # fmt: skip
def draw_chain() -> ResponseReturnValue:
    public_key = chain_digest.public_key_hex(digest_key_from_config())
    shown = chain_digest.published(db.session, public_key)
    return {"head_seq": shown.head_seq, "head_mac": shown.head_mac, "public_key": public_key,
            "digests": [chain_digest.as_document(d, public_key) for d in shown.digests]}  # fmt: skip
