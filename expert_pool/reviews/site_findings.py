"""An inspection that finds the review careless: the credit event it proposes for the panel, confirmed once per expert.

DOMAIN.md section 6: "review found careless by a regulator (e.g. obvious errors approved)" costs each expert of the
panel between ``careless_min`` and ``careless_max`` points (policy). The inspector marks the finding on the
inspection (knowledge.site.inspections); a regulator of the work's area then confirms it here with the points, and
each expert's event is recorded with the source ``inspection:<id>:careless:<expert>``, held unique by the database,
so a second confirmation (or two at once) records nothing more.

The module sits in ``reviews`` rather than ``credit``: the panel is found through the reviews and draws of the plan
version in force, and ``credit`` is below them (ARCHITECTURE.md section 1, tests/unit/test_architecture.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from expert_pool.credit import ledger
from expert_pool.credit import rules as credit
from expert_pool.experts.models import CreditEventRow, Expert
from expert_pool.reviews.meetings import current_report, panel_ids, present_ids
from expert_pool.reviews.models import Review, Revision
from knowledge.accounts.permissions import Scope
from knowledge.errors import PermissionDenied, ValidationError
from knowledge.site.access import is_authority_for
from knowledge.site.inspection_models import Inspection

KIND = credit.EventKind.CARELESS_REVIEW


@dataclass(frozen=True)
class PanelMember:
    expert_id: int
    name: str
    recorded_points: int | None  # the points already recorded for this inspection, None while unconfirmed


@dataclass(frozen=True)
class CarelessProposal:
    """What confirming the finding would record: one event per expert of the panel, points within the policy."""

    inspection_id: int
    review: Review | None
    members: tuple[PanelMember, ...]
    points_min: int
    points_max: int

    @property
    def pending(self) -> tuple[PanelMember, ...]:
        return tuple(m for m in self.members if m.recorded_points is None)


def source_of(inspection_id: int, expert_id: int) -> str:
    return f"inspection:{inspection_id}:careless:{expert_id}"


def review_of_version(session: Session, plan_version_id: int) -> Review | None:
    """The review that passed this plan version: its own review, or the one whose report a revision answered."""
    review = session.scalar(
        select(Review).where(Review.plan_version_id == plan_version_id).order_by(Review.id.desc()).limit(1)
    )
    if review is not None:
        return review
    revision = session.scalar(select(Revision).where(Revision.plan_version_id == plan_version_id).limit(1))
    return revision.report.review if revision is not None else None


def panel_of(session: Session, review: Review) -> list[int]:
    """The experts who approved the plan: the signers of the report in force, else those present, else those seated."""
    report = current_report(review)
    if report is not None and report.signatures:
        return [s.expert_id for s in report.signatures]
    return present_ids(session, review) or panel_ids(session, review)


def proposal(session: Session, inspection: Inspection) -> CarelessProposal | None:
    """The proposal of an inspection that found the review careless; None when it did not."""
    if not inspection.review_careless:
        return None
    policy = ledger.credit_policy(session)
    review = review_of_version(session, inspection.plan_version_id) if inspection.plan_version_id else None
    ids = panel_of(session, review) if review is not None else []
    experts = {e.id: e for e in session.scalars(select(Expert).where(Expert.id.in_(ids)))}
    sources = [source_of(inspection.id, i) for i in ids]
    stmt = select(CreditEventRow.source, CreditEventRow.points).where(CreditEventRow.source.in_(sources))
    recorded = {source: points for source, points in session.execute(stmt)}
    members = tuple(
        PanelMember(i, experts[i].name, recorded.get(source_of(inspection.id, i)))
        for i in ids
        if i in experts
    )
    return CarelessProposal(inspection.id, review, members, policy.careless_min, policy.careless_max)


def confirm_careless(
    session: Session, scope: Scope, inspection: Inspection, *, points: int, day: date
) -> list[CreditEventRow]:
    """Record the careless-review event for each expert of the panel not yet recorded; returns the new events.

    :raises PermissionDenied: for anyone but a regulator of the work's area.
    :raises ValidationError: when the inspection found no careless review, no panel reviewed the plan version in
        force, or the points are outside the policy.
    """
    if not is_authority_for(scope, inspection.city):
        raise PermissionDenied("只有工程所在地设区市或省级主管部门的监管人员可以确认论证评审不认真")
    found = proposal(session, inspection)
    if found is None:
        raise ValidationError("该次检查没有认定论证评审不认真")
    if not found.members:
        raise ValidationError("没有找到论证该方案版本的专家组，无法登记信用记录")
    credit.points_for(KIND, ledger.credit_policy(session), points)  # refused before any expert is recorded
    reason = (f"监督检查（检查记录 {inspection.id}，{inspection.inspected_on.isoformat()}）认定论证评审不认真："
              f"{inspection.careless_note}")  # fmt: skip
    recorded = []
    for member in found.pending:
        try:
            row = ledger.record(session, member.expert_id, KIND, day=day, reason=reason, actor_id=scope.account_id,
                                points=points, source=source_of(inspection.id, member.expert_id))  # fmt: skip
        except IntegrityError:  # recorded at the same moment by another confirmation: once is enough
            session.rollback()
            continue
        if row is not None:
            recorded.append(row)
    return recorded
