"""An expert's portrait (issue 22 item 3): the reviews he sat on, the opinions he gave and how they compare with
the panel, how fast he signs, how he answers invitations, his credit, and whom he keeps sitting with.

A fixed number of queries per portrait whatever his history; his own rows are few (tens of reviews), so the
comparisons are made in Python over them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from statistics import median

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from expert_pool.credit import ledger
from expert_pool.credit import rules as credit
from expert_pool.draws.models import Draw, Seat, SeatStatus
from expert_pool.experts.models import CreditEventRow, Expert
from expert_pool.experts.scopes import may_manage_expert, may_read_integrity
from expert_pool.reviews.models import Conclusion, ReportSignature, Review, ReviewOpinion, ReviewReport
from knowledge.accounts.permissions import Scope
from knowledge.enterprises.models import Enterprise, ParticipantRole, ProjectParticipant
from knowledge.errors import PermissionDenied
from knowledge.registry.models import Work
from knowledge.registry.rules import catalogue

TOP = 10  # colleagues and constructors shown: the ten he met most often
CATEGORY_LABELS = {c.code: c.label for c in catalogue()}
# The constructor side of a project, whose plans the panel reviews (DOMAIN 5, rule 1).
CONSTRUCTORS = (ParticipantRole.GENERAL_CONTRACTOR, ParticipantRole.SUBCONTRACTOR)


@dataclass(frozen=True)
class Count:
    """One bar of a chart: a label, its count, and the object it stands for where there is one."""

    label: str
    count: int
    ref_id: int | None = None


@dataclass(frozen=True)
class ExpertPortrait:
    expert: Expert
    by_year_category: tuple[tuple[int, str, int], ...]  # (year, category label, reviews)
    proposed: tuple[Count, ...]  # his opinions' proposed conclusions
    opinions: int
    differed: int  # opinions whose proposal differs from the panel's final conclusion
    compared: int  # opinions on reviews that have a final conclusion to compare with
    median_sign_hours: float | None
    seats: tuple[Count, ...]  # invitations by answer
    absences: int
    companions: tuple[Count, ...]
    constructors: tuple[Count, ...]
    credit_events: tuple[CreditEventRow, ...]
    standing: credit.Standing

    @property
    def reviews(self) -> int:
        return sum(n for _, _, n in self.by_year_category)

    @property
    def differed_share(self) -> float | None:
        return self.differed / self.compared if self.compared else None


def check_read(scope: Scope, expert: Expert) -> None:
    """Regulators (and the admin) read the portraits of the experts in their city (DOMAIN 6: integrity
    figures are theirs); an expert reads his own."""
    if scope.expert_id == expert.id:
        return
    if not may_read_integrity(scope) or not may_manage_expert(scope, expert):
        raise PermissionDenied("当前账号无权查看该专家的数据画像")


def portrait(session: Session, scope: Scope, expert: Expert, *, today: date) -> ExpertPortrait:
    check_read(scope, expert)
    root = func.coalesce(Draw.top_up_of, Draw.id)
    seated = (
        select(Review.id)
        .join(Draw, root == Review.draw_id)
        .join(Seat, Seat.draw_id == Draw.id)
        .where(Seat.expert_id == expert.id, Seat.status == SeatStatus.CONFIRMED)
    )
    rows = session.execute(
        select(Review.id, Review.held_on, Review.meeting_day, Review.absent_expert_ids, Work.category)
        .join(Work, Work.id == Review.work_id)
        .where(Review.id.in_(seated))
    ).all()
    held = {r.id: r for r in rows if r.held_on is not None and expert.id not in (r.absent_expert_ids or [])}
    by_year: Counter[tuple[int, str]] = Counter(
        (r.held_on.year, CATEGORY_LABELS.get(r.category, r.category)) for r in held.values()
    )
    proposed, differed, compared = _opinions(session, expert.id)
    return ExpertPortrait(
        expert=expert,
        by_year_category=tuple((y, c, n) for (y, c), n in sorted(by_year.items())),
        proposed=proposed,
        opinions=sum(c.count for c in proposed),
        differed=differed,
        compared=compared,
        median_sign_hours=_median_sign_hours(session, expert.id),
        seats=_seats(session, expert.id),
        absences=sum(1 for r in rows if expert.id in (r.absent_expert_ids or [])),
        companions=_companions(session, expert.id, list(held)),
        constructors=_constructors(session, list(held)),
        credit_events=tuple(ledger.ledger_rows(session, expert.id)),
        standing=ledger.standing(session, expert.id, today=today),
    )


def _opinions(session: Session, expert_id: int) -> tuple[tuple[Count, ...], int, int]:
    """His proposals by conclusion, and how many differ from the final conclusion in force on the review."""
    mine = session.execute(
        select(ReviewOpinion.review_id, ReviewOpinion.proposed).where(ReviewOpinion.expert_id == expert_id)
    ).all()
    finals = session.execute(
        select(ReviewReport.review_id, ReviewReport.conclusion)
        .where(
            ReviewReport.review_id.in_([m.review_id for m in mine]),
            ReviewReport.finalised_at.is_not(None),
        )
        .order_by(ReviewReport.review_id, ReviewReport.version)
    ).all()
    final = {r.review_id: r.conclusion for r in finals}  # the latest final version wins (ordered by version)
    counts = Counter(m.proposed for m in mine)
    proposed = tuple(Count(c.label, counts[c]) for c in Conclusion)
    compared = [m for m in mine if m.review_id in final]
    return proposed, sum(1 for m in compared if m.proposed != final[m.review_id]), len(compared)


def _median_sign_hours(session: Session, expert_id: int) -> float | None:
    """Hours from the draft's circulation to his signature, over every report he signed."""
    pairs = session.execute(
        select(ReviewReport.drafted_at, ReportSignature.signed_at)
        .join(ReviewReport, ReviewReport.id == ReportSignature.report_id)
        .where(ReportSignature.expert_id == expert_id)
    ).all()
    hours = [(signed - drafted).total_seconds() / 3600 for drafted, signed in pairs if signed >= drafted]
    return round(median(hours), 1) if hours else None


def _seats(session: Session, expert_id: int) -> tuple[Count, ...]:
    counts = dict(
        session.execute(
            select(Seat.status, func.count()).where(Seat.expert_id == expert_id).group_by(Seat.status)
        ).all()
    )
    return tuple(Count(s.label, counts.get(s, 0)) for s in SeatStatus)


def _companions(session: Session, expert_id: int, review_ids: list[int]) -> tuple[Count, ...]:
    """The experts who sat on the same held meetings, most frequent first."""
    root = func.coalesce(Draw.top_up_of, Draw.id)
    n = func.count(func.distinct(Review.id))
    rows = session.execute(
        select(Expert.id, Expert.name, n)
        .select_from(Review)
        .join(Draw, root == Review.draw_id)
        .join(Seat, Seat.draw_id == Draw.id)
        .join(Expert, Expert.id == Seat.expert_id)
        .where(Review.id.in_(review_ids), Seat.status == SeatStatus.CONFIRMED, Seat.expert_id != expert_id)
        .group_by(Expert.id, Expert.name)
        .order_by(n.desc(), Expert.id)
        .limit(TOP)
    ).all()
    return tuple(Count(name, count, ref_id) for ref_id, name, count in rows)


def _constructors(session: Session, review_ids: list[int]) -> tuple[Count, ...]:
    """The constructor enterprises whose plans he reviewed, most frequent first."""
    n = func.count(func.distinct(Review.id))
    rows = session.execute(
        select(Enterprise.id, Enterprise.name, n)
        .select_from(Review)
        .join(Work, Work.id == Review.work_id)
        .join(ProjectParticipant, ProjectParticipant.project_id == Work.project_id)
        .join(Enterprise, Enterprise.id == ProjectParticipant.enterprise_id)
        .where(Review.id.in_(review_ids), ProjectParticipant.role.in_(CONSTRUCTORS))
        .group_by(Enterprise.id, Enterprise.name)
        .order_by(n.desc(), Enterprise.id)
        .limit(TOP)
    ).all()
    return tuple(Count(name, count, ref_id) for ref_id, name, count in rows)
