"""The candidate funnel of a draw (DOMAIN 4): the whole pool, then every exclusion with its reason."""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from expert_pool import credit
from expert_pool.conflict_store import conflicts_for_work
from expert_pool.draw_models import Booking, Draw, HalfDay, Seat, SeatStatus
from expert_pool.models import CreditEventRow, Expert, ExpertSpecialty, ExpertStatus, Leave
from expert_pool.policy import PoolPolicy, credit_policy
from expert_pool.selection import Candidate
from knowledge.audit import AuditLog
from knowledge.models import ParticipantRole, ProjectParticipant
from knowledge.regions import City
from knowledge.works import Work

ACTIVE_SEATS = (SeatStatus.INVITED, SeatStatus.CONFIRMED)
OTHER_SPECIALTY = "专业：不符合本工程类别"


@dataclass
class Funnel:
    pool: int = 0
    candidates: list[Candidate] = field(default_factory=list)
    excluded: list[dict[str, Any]] = field(default_factory=list)
    # Most of the pool is out only because its specialty does not match: kept as ids, not one entry each.
    other_specialty: list[int] = field(default_factory=list)

    def exclude(self, expert_id: int, name: str, reasons: list[str]) -> None:
        if reasons == [OTHER_SPECIALTY]:
            self.other_specialty.append(expert_id)
        else:
            self.excluded.append({"expert_id": expert_id, "name": name, "reasons": reasons})

    def to_dict(self) -> dict[str, Any]:
        counts = Counter(r.split("：")[0] for e in self.excluded for r in e["reasons"])
        counts["专业"] += len(self.other_specialty)
        return {"pool": self.pool, "eligible": len(self.candidates), "excluded": self.excluded,
                "other_specialty": self.other_specialty,
                "excluded_by_reason": {k: v for k, v in sorted(counts.items()) if v}}  # fmt: skip


class PoolRow(NamedTuple):
    id: int
    name: str
    city: City
    status: ExpertStatus
    suspended_until: date | None
    annual_cap: int | None


def _scores(session: Session, day: date) -> dict[int, int]:
    columns = (CreditEventRow.id, CreditEventRow.expert_id, CreditEventRow.day, CreditEventRow.kind,
               CreditEventRow.points, CreditEventRow.reversal_of)  # fmt: skip
    all_rows = session.execute(select(*columns).where(CreditEventRow.day <= day)).all()
    by_expert: dict[int, list[credit.CreditEvent]] = defaultdict(list)
    reversed_ids = {r.reversal_of for r in all_rows if r.reversal_of is not None}
    for r in all_rows:
        by_expert[r.expert_id].append(credit.CreditEvent(r.id, r.expert_id, r.day, credit.EventKind(r.kind), r.points,
                                                         "ledger", "system", reversed=r.id in reversed_ids,
                                                         reversal_of=r.reversal_of))  # fmt: skip
    policy = credit_policy(session)
    return {e: credit.credit_score(events, year=day.year, policy=policy) for e, events in by_expert.items()}


def _seat_counts(session: Session, since: date, until: date) -> Counter[int]:
    stmt = (select(Seat.expert_id, func.count()).join(Draw).where(Seat.status.in_(ACTIVE_SEATS),
            Draw.meeting_day >= since, Draw.meeting_day <= until).group_by(Seat.expert_id))  # fmt: skip
    return Counter({expert_id: count for expert_id, count in session.execute(stmt)})


# Audited changes to the pool that add no rows (an edit, a status, a sanction): they invalidate the snapshot.
POOL_ACTIONS = ("expert_create", "expert_update", "expert_status", "expert_import", "credit_event",
                "credit_reverse", "credit_sanction")  # fmt: skip


@dataclass(frozen=True)
class PoolSnapshot:
    """The slowly changing part of the pool, read once per process and reused while its fingerprint holds."""

    rows: tuple[PoolRow, ...]
    specialties: dict[int, frozenset[str]]
    scores: dict[int, int]


_lock = threading.Lock()
_snapshots: dict[str, tuple[tuple[Any, ...], PoolSnapshot]] = {}


def _pool_fingerprint(session: Session, today: date) -> tuple[Any, ...]:
    parts = [select(func.max(m.id)).scalar_subquery() for m in (Expert, ExpertSpecialty, CreditEventRow)]
    parts.append(select(func.max(AuditLog.id)).where(AuditLog.action.in_(POOL_ACTIONS)).scalar_subquery())
    return (today, *session.execute(select(*parts)).one())


def pool_snapshot(session: Session, today: date) -> PoolSnapshot:
    key, current = str(session.get_bind().url), _pool_fingerprint(session, today)
    with _lock:
        cached = _snapshots.get(key)
        if cached is not None and cached[0] == current:
            return cached[1]
    rows = tuple(PoolRow(*row) for row in session.execute(select(
        Expert.id, Expert.name, Expert.city, Expert.status, Expert.suspended_until, Expert.annual_cap,
    ).order_by(Expert.id)))  # fmt: skip
    specialties: dict[int, set[str]] = defaultdict(set)
    for expert_id, category in session.execute(select(ExpertSpecialty.expert_id, ExpertSpecialty.category)):
        specialties[expert_id].add(category)
    snapshot = PoolSnapshot(rows, {k: frozenset(v) for k, v in specialties.items()}, _scores(session, today))
    with _lock:
        _snapshots[key] = (current, snapshot)
    return snapshot


def _same_constructor_counts(session: Session, work: Work, day: date, window_days: int) -> Counter[int]:
    """Seats of each expert, in the window, on works whose general contractor builds this work too."""
    builders = select(ProjectParticipant.enterprise_id).where(
        ProjectParticipant.project_id == work.project_id,
        ProjectParticipant.role == ParticipantRole.GENERAL_CONTRACTOR,
    )
    their_projects = select(ProjectParticipant.project_id).where(
        ProjectParticipant.enterprise_id.in_(builders),
        ProjectParticipant.role == ParticipantRole.GENERAL_CONTRACTOR,
    )
    stmt = (select(Seat.expert_id, func.count()).join(Draw).join(Work, Work.id == Draw.work_id)
            .where(Seat.status.in_(ACTIVE_SEATS), Work.project_id.in_(their_projects),
                   Draw.meeting_day >= day - timedelta(days=window_days), Draw.meeting_day <= day)
            .group_by(Seat.expert_id))  # fmt: skip
    return Counter({expert_id: count for expert_id, count in session.execute(stmt)})


def build_funnel(
    session: Session, work: Work, day: date, half_day: HalfDay, *, policy: PoolPolicy, today: date,
    exclude_ids: frozenset[int] = frozenset(),
) -> Funnel:  # fmt: skip
    """The pool's slow-changing part comes from a checked snapshot; what changes per meeting is read fresh."""
    snapshot = pool_snapshot(session, today)
    on_leave = set(session.scalars(select(Leave.expert_id).where(Leave.start <= day, Leave.end_date >= day)))
    booked = set(
        session.scalars(select(Booking.expert_id).where(Booking.day == day, Booking.half_day == half_day))
    )
    this_year = _seat_counts(session, date(day.year, 1, 1), date(day.year, 12, 31))
    recent = _seat_counts(session, day - timedelta(days=policy.recent_window_days), day)
    same_builder = _same_constructor_counts(session, work, day, policy.recent_window_days)
    conflicts = conflicts_for_work(session, work, on=day, policy=policy)
    base = credit_policy(session).base_score
    none: frozenset[str] = frozenset()
    funnel = Funnel(pool=len(snapshot.rows))
    for expert in snapshot.rows:
        if work.category not in snapshot.specialties.get(expert.id, none):
            funnel.exclude(
                expert.id, expert.name, [OTHER_SPECIALTY]
            )  # out whatever else holds: skip the rest
            continue
        facts = Facts(snapshot.specialties.get(expert.id, none), expert.id in on_leave, expert.id in booked,
                      this_year.get(expert.id, 0), snapshot.scores.get(expert.id, base),
                      expert.id in exclude_ids, same_builder.get(expert.id, 0))  # fmt: skip
        reasons = _reasons(expert, facts, work.category, day, policy)
        reasons += [f"回避：{p.text}" for p in conflicts.get(expert.id, [])]
        if reasons:
            funnel.exclude(expert.id, expert.name, reasons)
        else:
            funnel.candidates.append(Candidate(expert.id, expert.name, expert.city, facts.specialties,
                                               recent_reviews=recent.get(expert.id, 0)))  # fmt: skip
    return funnel


class Facts(NamedTuple):
    specialties: frozenset[str]
    on_leave: bool
    booked: bool
    reviews_this_year: int
    score: int
    already_out: bool
    same_constructor: int


def _reasons(expert: PoolRow, facts: Facts, category: str, day: date, policy: PoolPolicy) -> list[str]:
    reasons = []
    if expert.status is ExpertStatus.REMOVED:
        reasons.append("状态：已除名")
    elif expert.status is ExpertStatus.SUSPENDED and (
        expert.suspended_until is None or expert.suspended_until > day
    ):
        reasons.append(f"状态：暂停至{expert.suspended_until}")
    if category not in facts.specialties:
        reasons.append(OTHER_SPECIALTY)
    if facts.score < policy.credit_floor:
        reasons.append(f"信用：{facts.score}分，低于{policy.credit_floor}分")
    if facts.on_leave:
        reasons.append("请假：会议当日在假期内")
    if facts.booked:
        reasons.append("已占用：同一半天已有其他论证会")
    cap = expert.annual_cap or policy.annual_cap
    if facts.reviews_this_year >= cap:
        reasons.append(f"年度上限：已达{cap}次")
    if facts.same_constructor >= policy.max_same_constructor:
        reasons.append(f"同一施工单位：12个月内已评审其方案{facts.same_constructor}次")
    if facts.already_out:
        reasons.append("已在本次抽取中落选或谢绝")
    return reasons
