"""API: reading reviews and their reports, with the pages' permissions (blind opinions, sealed names,
reading records for regulators only; each expert's own opinion, the sources of a required change and the
reservations for regulators and the seated experts, never the project team; refusals for the panel, the
draw office and regulators)."""

from __future__ import annotations

from typing import Any

from flask import abort, request
from flask.typing import ResponseReturnValue

from expert_pool.draws.reveal import reveal_names
from expert_pool.experts import queries
from expert_pool.reviews import dissent
from expert_pool.reviews import meetings as reviews
from expert_pool.reviews.models import Conclusion, Review, ReviewReport
from knowledge.accounts.models import Role
from knowledge.errors import NotFoundError
from knowledge.pagination import Page, paginate
from webapp import clock
from webapp.api import route
from webapp.api.params import enum_value, page_args, page_json
from webapp.api.spec import PAGE_PARAMS, page_of
from webapp.auth import current_account, current_scope
from webapp.extensions import db

REVIEW_SCHEMA = {"type": "object", "properties": {k: {} for k in (
    "id", "work_id", "plan_version_id", "meeting_day", "half_day", "held_on", "place", "conclusion")}}  # fmt: skip
DETAIL_SCHEMA = {"type": "object", "properties": {k: {} for k in (
    "id", "work_id", "plan_version_id", "meeting_day", "half_day", "held_on", "place", "conclusion", "panel",
    "attendees", "leader_expert_id", "opinions", "reports", "materials", "materials_lead_days", "refusals", "confirmed",
    "names_sealed")}}  # fmt: skip


@route("/reviews", "GET", summary="专家论证记录（专家：本人参加的；其他角色：权限范围内的）", tag="专家论证",
       params=[{"name": "conclusion", "in": "query", "schema": {"type": "string", "enum": [c.value for c in Conclusion]}},
               *PAGE_PARAMS], response=page_of(REVIEW_SCHEMA), errors=(400,))  # fmt: skip
def list_reviews() -> ResponseReturnValue:
    scope = current_scope()
    raw = request.args.get("conclusion", "")
    conclusion = enum_value("conclusion", raw, Conclusion) if raw else None
    page, per_page = page_args()
    if scope.role is Role.EXPERT:
        mine = [r for r in reviews.reviews_of_expert(db.session, scope.expert_id or 0)
                if conclusion is None or _conclusion_of(r) is conclusion]  # fmt: skip
        per_page = min(max(1, per_page), 100)
        chunk = mine[(page - 1) * per_page : page * per_page]
        return page_json(Page(chunk, len(mine), page, per_page), reviews.summary)
    found = paginate(db.session, reviews.reviews_query(scope, conclusion=conclusion), page, per_page)
    return page_json(found, reviews.summary)


def _conclusion_of(review: Review) -> Conclusion | None:
    report = reviews.current_report(review)
    return report.conclusion if report else None


@route("/reviews/<int:review_id>", "GET", summary="论证详情：会议、专家组、意见（盲审规则）、报告版本", tag="专家论证",
       response=DETAIL_SCHEMA, errors=(404,))  # fmt: skip
def get_review(review_id: int) -> ResponseReturnValue:
    scope, account = current_scope(), current_account()
    try:
        review, acc = reviews.visible_review(db.session, scope, review_id)
    except NotFoundError:
        abort(404)
    seats = reviews.confirmed_seats(db.session, review)
    show_names = reveal_names(db.session, review.draw, role=account.role, account_id=account.id, now=clock.now(),
                              member=acc.member)  # fmt: skip
    experts = queries.experts_by_id(db.session, [s.expert_id for s in seats])
    # Before the reveal time a seated expert is listed alone (himself), like the page; others get no list.
    listed = seats if show_names else [s for s in seats if acc.member and s.expert_id == scope.expert_id]
    data: dict[str, Any] = reviews.summary(review) | {
        "attendees": review.attendees if review.held_on else [], "leader_expert_id": review.leader_expert_id,
        "panel": [{"expert_id": s.expert_id, "name": experts[s.expert_id].name,
                   "absent": s.expert_id in (review.absent_expert_ids or [])} for s in listed]
        if show_names or listed else None,
        "confirmed": len(seats), "names_sealed": not show_names,
    }  # fmt: skip
    opinions = reviews.opinions_for(db.session, review, scope=scope, acc=acc)
    data["opinions"] = None if opinions is None else [
        {"expert_id": o.expert_id, "proposed": o.proposed.value, "checks": o.checks, "findings": o.findings,
         "submitted_at": o.submitted_at.isoformat()} for o in opinions
    ]  # fmt: skip
    data["reports"] = [_report_json(r, acc) for r in review.reports
                       if r.finalised_at is not None or acc.member or acc.readings]  # fmt: skip
    if acc.refusals:
        data["refusals"] = [
            {"id": f.id, "report_id": f.report_id, "expert_id": f.expert_id, "reason": f.reason,
             "refused_at": f.refused_at.isoformat(), "answer": f.answer or None,
             "answered_at": f.answered_at.isoformat() if f.answered_at else None}
            for f in dissent.refusals_of(review)
        ]  # fmt: skip
    if acc.readings:
        data["materials"] = [
            {"expert_id": m.expert.id, "available_at": m.available_at.isoformat() if m.available_at else None,
             "lead_days": m.lead.days if m.lead else None, "short": m.lead.short if m.lead else None,
             "first_opened_at": m.opened_at.isoformat() if m.opened_at else None,
             "first_downloaded_at": m.downloaded_at.isoformat() if m.downloaded_at else None}
            for m in reviews.materials(db.session, review)
        ]  # fmt: skip
    lead = reviews.shortest_lead(db.session, review)
    data["materials_lead_days"] = (
        {"days": lead.days, "minimum": lead.minimum, "short": lead.short} if lead else None
    )
    return data


def _report_json(r: ReviewReport, acc: reviews.Access) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": r.id, "version": r.version, "conclusion": r.conclusion.value, "summary": r.summary,
        "final": r.finalised_at is not None, "withdrawn": r.withdrawn_at is not None,
        "finalised_at": r.finalised_at.isoformat() if r.finalised_at else None,
        "supersedes_id": r.supersedes_id, "correction_reason": r.correction_reason,
        "verify_code": r.verify_code if r.finalised_at else None, "content_hash": r.content_hash or None,
        "changes": [{"number": c.number, "text": c.text} for c in r.changes],
        "signatures": [{"expert_id": s.expert_id, "name": s.signer_name, "signed_at": s.signed_at.isoformat()}
                       for s in r.signatures],
    }  # fmt: skip
    if acc.individual_opinions:  # per-expert information: which expert a change came from, who reserved what
        for change, c in zip(data["changes"], r.changes, strict=True):
            change["from_experts"] = c.source_expert_ids
        for sig, s in zip(data["signatures"], r.signatures, strict=True):
            sig["reservation"] = s.reservation or None
    return data
