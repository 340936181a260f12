"""Hazard-linked credit (DOMAIN.md section 6): the panel that approved the plan in force of a work with a major
hazard, and the regulator's "plan approved, later linked to a serious hazard" event for each of its experts.

It lives with the reviews (not in expert_pool.credit) because it reads reviews and reports, and the credit package
sits below the reviews that record its events (tests/unit/test_architecture.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from expert_pool.credit import ledger
from expert_pool.credit.rules import EventKind
from expert_pool.experts.models import CreditEventRow, Expert
from expert_pool.reviews.models import Conclusion, ReportSignature, Review, ReviewReport, Revision
from knowledge.accounts.permissions import Scope
from knowledge.errors import DuplicateError, NotFoundError, PermissionDenied
from knowledge.plans.models import PlanVersion
from knowledge.site.access import is_authority_for
from knowledge.site.hazard_loop import Level
from knowledge.site.hazard_models import Hazard

APPROVING = (Conclusion.PASS, Conclusion.PASS_AFTER_REVISION)


@dataclass(frozen=True)
class LinkedExpert:
    """An expert who signed the final report that approved the plan version in force."""

    expert_id: int
    name: str
    review_id: int
    is_recorded: bool


def source_of(hazard_id: int, expert_id: int) -> str:
    """The credit event's cause, held unique by the ledger: one event per hazard and expert."""
    return f"hazard:{hazard_id}:expert:{expert_id}"


def approving_reports(session: Session, plan_version_id: int) -> list[ReviewReport]:
    """The final, approving reports of the reviews of this version, or of the review whose report this version
    revised (修改后通过 then a confirmed revision: the panel approved the revised plan too)."""
    revised_from = select(ReviewReport.review_id).join(Revision, Revision.report_id == ReviewReport.id)
    reviews = session.scalars(
        select(Review).where(or_(
            Review.plan_version_id == plan_version_id,
            Review.id.in_(revised_from.where(Revision.plan_version_id == plan_version_id)),
        )).order_by(Review.id)
    )  # fmt: skip
    found = []
    for review in reviews:
        finals = [r for r in review.reports if r.finalised_at is not None and r.withdrawn_at is None]
        if finals and finals[-1].conclusion in APPROVING:
            found.append(finals[-1])
    return found


def linked_panel(session: Session, hazard: Hazard) -> list[LinkedExpert]:
    """The experts answerable for a major hazard's plan in force, each marked when already recorded."""
    if hazard.level is not Level.MAJOR or hazard.plan_version_id is None:
        return []
    panel: dict[int, LinkedExpert] = {}
    for report in approving_reports(session, hazard.plan_version_id):
        rows = session.execute(
            select(ReportSignature.expert_id, Expert.name)
            .join(Expert, Expert.id == ReportSignature.expert_id)
            .where(ReportSignature.report_id == report.id)
            .order_by(ReportSignature.id)
        )
        for expert_id, name in rows:
            panel.setdefault(expert_id, LinkedExpert(expert_id, name, report.review_id, False))
    if not panel:
        return []
    recorded = set(
        session.scalars(
            select(CreditEventRow.source).where(
                CreditEventRow.source.in_([source_of(hazard.id, e) for e in panel])
            )
        )
    )
    return [
        LinkedExpert(m.expert_id, m.name, m.review_id, source_of(hazard.id, m.expert_id) in recorded)
        for m in panel.values()
    ]


def may_record(scope: Scope, hazard: Hazard) -> bool:
    """The regulator of the hazard's area (its city, or the province)."""
    return is_authority_for(scope, hazard.city)


def record_hazard_link(
    session: Session, hazard: Hazard, expert_id: int, *, scope: Scope, day: date
) -> CreditEventRow:
    """Record HAZARD_LINKED for one expert of the approving panel, once (a race is settled by the ledger's
    unique source). :raises PermissionDenied, NotFoundError, DuplicateError: with the Chinese message."""
    if not may_record(scope, hazard):
        raise PermissionDenied("只有工程所在地的主管部门可以登记方案关联隐患的信用记录")
    member = next((m for m in linked_panel(session, hazard) if m.expert_id == expert_id), None)
    if member is None:
        raise NotFoundError("该专家不是批准该方案的论证专家组成员，不能登记关联隐患的信用记录")
    if member.is_recorded:
        raise DuplicateError(f"已为{member.name}登记过该隐患关联的信用记录")
    version = session.get(PlanVersion, hazard.plan_version_id)
    title = f"第{version.number}版方案" if version else "方案"
    reason = (f"论证通过的{title}（工程：{hazard.work.name}）关联重大事故隐患 #{hazard.id}"
              f"（{hazard.clause}，{hazard.found_on.isoformat()} 发现）：{hazard.description[:120]}")  # fmt: skip
    try:
        row = ledger.record(session, expert_id, EventKind.HAZARD_LINKED, day=day, reason=reason,
                            actor_id=scope.account_id, source=source_of(hazard.id, expert_id))  # fmt: skip
    except IntegrityError as exc:
        session.rollback()
        raise DuplicateError(f"已为{member.name}登记过该隐患关联的信用记录") from exc
    if row is None:
        raise DuplicateError(f"已为{member.name}登记过该隐患关联的信用记录")
    return row
