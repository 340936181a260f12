"""The candidate funnel of a draw (DOMAIN 4): the whole pool, then every exclusion with its reason."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from expert_pool import credit
from expert_pool.conflict_store import conflicts_for_work
from expert_pool.draw_models import Booking, Draw, HalfDay, Seat, SeatStatus
from expert_pool.models import CreditEventRow, Expert, ExpertStatus
from expert_pool.policy import PoolPolicy, credit_policy
from expert_pool.selection import Candidate
from knowledge.works import Work

ACTIVE_SEATS = (SeatStatus.INVITED, SeatStatus.CONFIRMED)


@dataclass
class Funnel:
    pool: int = 0
    candidates: list[Candidate] = field(default_factory=list)
    excluded: list[dict[str, Any]] = field(default_factory=list)

    def exclude(self, expert: Expert, reasons: list[str]) -> None:
        self.excluded.append({"expert_id": expert.id, "name": expert.name, "reasons": reasons})

    def to_dict(self) -> dict[str, Any]:
        counts = Counter(r.split("：")[0] for e in self.excluded for r in e["reasons"])
        return {"pool": self.pool, "eligible": len(self.candidates), "excluded": self.excluded,
                "excluded_by_reason": dict(sorted(counts.items()))}  # fmt: skip


def _scores(session: Session, day: date) -> dict[int, int]:
    rows = session.scalars(select(CreditEventRow).where(CreditEventRow.day <= day))
    by_expert: dict[int, list[credit.CreditEvent]] = defaultdict(list)
    all_rows = list(rows)
    reversed_ids = {r.reversal_of for r in all_rows if r.reversal_of is not None}
    for r in all_rows:
        by_expert[r.expert_id].append(credit.CreditEvent(r.id, r.expert_id, r.day, credit.EventKind(r.kind), r.points,
                                                         r.reason, "system", reversed=r.id in reversed_ids,
                                                         reversal_of=r.reversal_of))  # fmt: skip
    policy = credit_policy(session)
    return {e: credit.credit_score(events, year=day.year, policy=policy) for e, events in by_expert.items()}


def _seat_counts(session: Session, since: date, until: date) -> Counter[int]:
    stmt = (select(Seat.expert_id, func.count()).join(Draw).where(Seat.status.in_(ACTIVE_SEATS),
            Draw.meeting_day >= since, Draw.meeting_day <= until).group_by(Seat.expert_id))  # fmt: skip
    return Counter({expert_id: count for expert_id, count in session.execute(stmt)})


def build_funnel(
    session: Session, work: Work, day: date, half_day: HalfDay, *, policy: PoolPolicy, today: date,
    exclude_ids: frozenset[int] = frozenset(),
) -> Funnel:  # fmt: skip
    experts = session.scalars(select(Expert).options(selectinload(Expert.specialties), selectinload(Expert.leaves))
                              .order_by(Expert.id)).all()  # fmt: skip
    booked = set(
        session.scalars(select(Booking.expert_id).where(Booking.day == day, Booking.half_day == half_day))
    )
    this_year = _seat_counts(session, date(day.year, 1, 1), date(day.year, 12, 31))
    recent = _seat_counts(session, day - timedelta(days=policy.recent_window_days), day)
    scores = _scores(session, today)
    conflicts = conflicts_for_work(session, work, on=day, policy=policy)
    base = credit_policy(session).base_score
    funnel = Funnel(pool=len(experts))
    for expert in experts:
        reasons = _reasons(
            expert, work, day, policy, booked, this_year, scores.get(expert.id, base), exclude_ids
        )
        reasons += [f"回避：{p.text}" for p in conflicts.get(expert.id, [])]
        if reasons:
            funnel.exclude(expert, reasons)
        else:
            funnel.candidates.append(Candidate(expert.id, expert.name, expert.city, frozenset(expert.specialty_codes),
                                               recent_reviews=recent.get(expert.id, 0)))  # fmt: skip
    return funnel


def _reasons(
    expert: Expert, work: Work, day: date, policy: PoolPolicy, booked: set[int], this_year: Counter[int],
    score: int, exclude_ids: frozenset[int],
) -> list[str]:  # fmt: skip
    reasons = []
    if expert.status is ExpertStatus.REMOVED:
        reasons.append("状态：已除名")
    elif expert.status is ExpertStatus.SUSPENDED and (
        expert.suspended_until is None or expert.suspended_until > day
    ):
        reasons.append(f"状态：暂停至{expert.suspended_until}")
    if work.category not in expert.specialty_codes:
        reasons.append("专业：不符合本工程类别")
    if score < policy.credit_floor:
        reasons.append(f"信用：{score}分，低于{policy.credit_floor}分")
    if any(leave.start <= day <= leave.end_date for leave in expert.leaves):
        reasons.append("请假：会议当日在假期内")
    if expert.id in booked:
        reasons.append("已占用：同一半天已有其他论证会")
    cap = expert.annual_cap or policy.annual_cap
    if this_year.get(expert.id, 0) >= cap:
        reasons.append(f"年度上限：已达{cap}次")
    if expert.id in exclude_ids:
        reasons.append("已在本次抽取中落选或谢绝")
    return reasons
