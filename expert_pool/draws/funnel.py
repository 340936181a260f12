"""The candidate funnel of a draw (DOMAIN 4): the whole pool, then every exclusion with its reason."""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import (
    CompoundSelect,
    ScalarSelect,
    Select,
    and_,
    bindparam,
    func,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from expert_pool.conflicts.soft_limits import crowded_pairs
from expert_pool.conflicts.store import draw_checks, forget_graphs
from expert_pool.conflicts.store import fingerprint_columns as graph_fingerprint_columns
from expert_pool.credit import rules as credit
from expert_pool.credit.ledger import credit_policy
from expert_pool.draws.canonical import candidate_text
from expert_pool.draws.models import Booking, Draw, HalfDay, Seat, SeatStatus
from expert_pool.draws.notify import Contact
from expert_pool.draws.panel import Candidate
from expert_pool.experts.models import CreditEventRow, Expert, ExpertSpecialty, ExpertStatus, Leave
from expert_pool.policy import PoolPolicy, pool_policy
from knowledge import audit
from knowledge.enterprises.models import ParticipantRole, ProjectParticipant
from knowledge.regions import City
from knowledge.registry.models import Work

ACTIVE_SEATS = (SeatStatus.INVITED, SeatStatus.CONFIRMED)
OTHER_SPECIALTY = "专业：不符合本工程类别"


@dataclass
class Funnel:
    pool: int = 0
    candidates: list[Candidate] = field(default_factory=list)
    excluded: list[dict[str, Any]] = field(default_factory=list)
    # Most of the pool is out only because its specialty does not match: kept as ids, not one entry each.
    other_specialty: list[int] = field(default_factory=list)
    # How to reach each expert of the work's specialty, so that inviting the drawn reads nothing more.
    contacts: Mapping[int, Contact] = field(default_factory=dict)
    # Candidates the draw keeps apart where it can (DOMAIN.md 5 soft limit, soft_limits.crowded_pairs).
    apart: list[tuple[int, int]] = field(default_factory=list)
    # Each candidate's canonical text, in the same order (the record stores and hashes them).
    texts: list[str] = field(default_factory=list)

    def exclude(self, expert_id: int, name: str, reasons: list[str]) -> None:
        if reasons == [OTHER_SPECIALTY]:
            self.other_specialty.append(expert_id)
        else:
            self.excluded.append({"expert_id": expert_id, "name": name, "reasons": reasons})

    def to_dict(self) -> dict[str, Any]:
        counts = Counter(r.split("：")[0] for e in self.excluded for r in e["reasons"])
        counts["专业"] += len(self.other_specialty)
        return {"pool": self.pool, "eligible": len(self.candidates), "excluded": self.excluded,
                "other_specialty": self.other_specialty, "apart": [list(p) for p in self.apart],
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


# Audited changes to the pool that add no rows (an edit, a status, a sanction): they invalidate the snapshot.
# A policy change may alter every score (the credit rules) or the base score of experts without events.
POOL_ACTIONS = ("expert_create", "expert_update", "expert_contact", "expert_status", "expert_import",
                "credit_event", "credit_reverse", "credit_sanction", "policy_update")  # fmt: skip


@dataclass(frozen=True)
class PoolSnapshot:
    """The slowly changing part of the pool, read once per process and reused while its fingerprint holds."""

    rows: tuple[PoolRow, ...]
    specialties: dict[int, frozenset[str]]
    scores: dict[int, int]
    base_score: int  # of an expert without credit events
    # Whom the snapshot alone may exclude, whatever the meeting: anyone not active (a suspension may have
    # ended by the meeting day), or with an own annual cap below 1 (the services refuse one, the table not).
    odd: frozenset[int]
    by_category: dict[str, CategoryPool] = field(default_factory=dict)

    def of_category(self, category: str) -> CategoryPool:
        """The experts of a category, each also as a candidate, and the ids of all others: built once."""
        if category not in self.by_category:
            none: frozenset[str] = frozenset()
            experts = tuple(r for r in self.rows if category in self.specialties.get(r.id, none))
            candidates = tuple(Candidate(r.id, r.name, r.city, self.specialties[r.id]) for r in experts)
            by_id = {r.id: r for r in experts}
            others = tuple(r.id for r in self.rows if r.id not in by_id)
            texts = tuple(map(candidate_text, candidates))
            # Built outside the lock: a race only builds the same twice.
            self.by_category[category] = CategoryPool(experts, candidates, texts, others, by_id)
        return self.by_category[category]

    def may_be_out(self, policy: PoolPolicy) -> set[int]:
        """Whom the snapshot alone may exclude: the odd ones, and anyone below the credit floor."""
        return {*self.odd, *(i for i, score in self.scores.items() if score < policy.credit_floor)}


class CategoryPool(NamedTuple):
    experts: tuple[PoolRow, ...]
    candidates: tuple[Candidate, ...]  # the same experts as candidates, without recent reviews
    texts: tuple[str, ...]  # each candidate's canonical text, as the draw record stores it
    others: tuple[int, ...]  # everyone else: out for the specialty alone
    by_id: Mapping[int, PoolRow]


_lock = threading.Lock()
_snapshots: dict[str, tuple[tuple[Any, ...], PoolSnapshot]] = {}


class Fingerprints(NamedTuple):
    """What the funnel's caches are keyed by, read in one statement: the pool snapshot's and the graph's."""

    pool: tuple[Any, ...]
    graph: tuple[Any, ...]


@cache
def fingerprint_columns() -> tuple[ScalarSelect[Any], ...]:
    """Both fingerprints as scalar subqueries, for a caller that reads them with other values (``read_fingerprints``
    splits them): built once, as constructing a statement costs more than running it (so for the facts below)."""
    pool = [select(func.max(m.id)).scalar_subquery() for m in (Expert, ExpertSpecialty, CreditEventRow)]
    return (*pool, *audit.last_ids(POOL_ACTIONS), *graph_fingerprint_columns())


def read_fingerprints(values: Sequence[Any]) -> Fingerprints:
    """The fingerprints from the values of ``fingerprint_columns``, in that order."""
    pool = len(fingerprint_columns()) - len(graph_fingerprint_columns())
    return Fingerprints(tuple(values[:pool]), tuple(values[pool:]))


def fingerprints(session: Session) -> Fingerprints:
    return read_fingerprints(session.execute(select(*fingerprint_columns())).one())


def pool_snapshot(session: Session, today: date, current: tuple[Any, ...] | None = None) -> PoolSnapshot:
    """The snapshot for ``today``, rebuilt first if a row under it changed. ``current``: the pool's fingerprint,
    when the caller read it in this transaction (``Fingerprints.pool``)."""
    key = str(session.get_bind().engine.url)
    current = (today, *(fingerprints(session).pool if current is None else current))
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
    snapshot = PoolSnapshot(
        rows,
        {k: frozenset(v) for k, v in specialties.items()},
        _scores(session, today),
        credit_policy(session).base_score,
        frozenset(r.id for r in rows if r.status is not ExpertStatus.ACTIVE or (r.annual_cap or 1) < 1),
    )
    # Every category's pool now, while the draw that found the pool changed waits anyway: the next draws of
    # any category then only read what changes per meeting.
    for category in sorted({c for categories in snapshot.specialties.values() for c in categories}):
        snapshot.of_category(category)
    with _lock:
        _snapshots[key] = (current, snapshot)
    return snapshot


_policies: dict[str, tuple[tuple[Any, ...], PoolPolicy]] = {}


def checked_policy(session: Session, current: tuple[Any, ...]) -> PoolPolicy:
    """The pool policy, read again only when the pool's fingerprint ``current`` (``Fingerprints.pool``, read in
    this transaction) moved: every change of a policy is audited as ``policy_update``, one of ``POOL_ACTIONS``."""
    key = str(session.get_bind().engine.url)
    with _lock:
        cached = _policies.get(key)
    if cached is not None and cached[0] == current:
        return cached[1]
    policy = pool_policy(session)
    with _lock:
        _policies[key] = (current, policy)
    return policy


def forget() -> None:
    """Drop every pool snapshot, policy and conflict graph this process keeps: for a database whose rows were
    replaced under the same address, whose ids may come round again (a test's emptied tables), where a
    fingerprint alone could take the new rows for the old."""
    with _lock:
        _snapshots.clear()
        _policies.clear()
    forget_graphs()


class MeetingFacts(NamedTuple):
    on_leave: set[int]
    booked: set[int]
    this_year: Counter[int]  # active seats in the meeting's calendar year
    recent: Counter[int]  # active seats in the recent window up to the meeting
    same_constructor: Counter[int]  # of those, on works whose general contractor builds this work too


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.count().filter(condition)


def _builder_projects() -> Select[Any]:
    """The projects of the general contractor(s) of the project ``:project_id``."""
    builders = select(ProjectParticipant.enterprise_id).where(
        ProjectParticipant.project_id == bindparam("project_id"),
        ProjectParticipant.role == ParticipantRole.GENERAL_CONTRACTOR,
    )
    return select(ProjectParticipant.project_id).where(
        ProjectParticipant.enterprise_id.in_(builders),
        ProjectParticipant.role == ParticipantRole.GENERAL_CONTRACTOR,
    )


@cache
def _facts_statement() -> CompoundSelect[Any]:
    """Rows (kind, expert id, seats this year, recent seats, recent ones for the same builder): built once."""
    year = Draw.meeting_day.between(bindparam("year_start"), bindparam("year_end"))
    recent = Draw.meeting_day.between(bindparam("recent_start"), bindparam("day"))
    same_builder = and_(recent, Work.project_id.in_(_builder_projects()))
    zero = literal_column("0")
    seats = (select(literal_column("'seats'"), Seat.expert_id, _count_if(year), _count_if(recent),
                    _count_if(same_builder))
             .join(Draw).join(Work, Work.id == Draw.work_id)
             .where(Seat.status.in_(ACTIVE_SEATS), or_(year, recent)).group_by(Seat.expert_id))  # fmt: skip
    leave = select(literal_column("'leave'"), Leave.expert_id, zero, zero, zero).where(
        Leave.start <= bindparam("day"), Leave.end_date >= bindparam("day")
    )
    booked = select(literal_column("'booked'"), Booking.expert_id, zero, zero, zero).where(
        Booking.day == bindparam("day"), Booking.half_day == bindparam("half_day")
    )
    return union_all(leave, booked, seats)


def meeting_facts(
    session: Session, work: Work, day: date, half_day: HalfDay, window_days: int
) -> MeetingFacts:
    """What changes with every draw, read fresh in one round trip: leave, the half-day's bookings, seats."""
    rows = session.execute(_facts_statement(), {
        "day": day, "half_day": half_day, "year_start": date(day.year, 1, 1),
        "year_end": date(day.year, 12, 31), "recent_start": day - timedelta(days=window_days),
        "project_id": work.project_id,
    })  # fmt: skip
    facts = MeetingFacts(set(), set(), Counter(), Counter(), Counter())
    for kind, expert_id, in_year, in_window, same_constructor in rows:
        if kind == "leave":
            facts.on_leave.add(expert_id)
        elif kind == "booked":
            facts.booked.add(expert_id)
        else:
            facts.this_year[expert_id], facts.recent[expert_id] = in_year, in_window
            facts.same_constructor[expert_id] = same_constructor
    return facts


def build_funnel(
    session: Session, work: Work, day: date, half_day: HalfDay, *, policy: PoolPolicy, today: date,
    exclude_ids: frozenset[int] = frozenset(), pair_with: Iterable[int] = (), checked: Fingerprints | None = None,
) -> Funnel:  # fmt: skip
    """The pool's slow-changing part comes from a checked snapshot; what changes per meeting is read fresh.
    ``checked``: the caches' fingerprints, read in this transaction (``fingerprints``) if not given.

    Only the experts some exclusion may hold for are examined one by one: the others are candidates as
    they stand (a few of them with recent reviews).
    """
    checked = checked or fingerprints(session)
    snapshot = pool_snapshot(session, today, checked.pool)
    facts = meeting_facts(session, work, day, half_day, policy.recent_window_days)
    conflicts, shared = draw_checks(session, work, on=day, policy=policy, current=checked.graph)
    category = work.category
    pool = snapshot.of_category(category)
    examine_all = snapshot.base_score < policy.credit_floor or policy.max_same_constructor <= 0
    flagged = (snapshot.may_be_out(policy) | facts.on_leave | facts.booked | exclude_ids | conflicts.keys()
               | facts.this_year.keys() | facts.same_constructor.keys())  # fmt: skip
    funnel = Funnel(pool=len(snapshot.rows), other_specialty=list(pool.others), contacts=pool.by_id)
    for expert, candidate, written in zip(pool.experts, pool.candidates, pool.texts, strict=True):
        if examine_all or expert.id in flagged:
            reasons = _reasons(expert, _facts(expert.id, snapshot, facts, exclude_ids), category, day, policy)
            reasons += [f"回避：{p.text}" for p in conflicts.get(expert.id, [])]
            if reasons:
                funnel.exclude(expert.id, expert.name, reasons)
                continue
        recent = facts.recent.get(expert.id, 0)
        if recent:
            candidate = replace(candidate, recent_reviews=recent)
            written = candidate_text(candidate)
        funnel.candidates.append(candidate)
        funnel.texts.append(written)
    # pair_with: members who stay seated (a top-up draw): their pairs with candidates count too.
    funnel.apart = crowded_pairs(shared, {c.expert_id for c in funnel.candidates} | set(pair_with), on=day,
                                 limit=policy.max_pair_sittings, window_days=policy.recent_window_days)  # fmt: skip
    return funnel


def _facts(expert_id: int, snapshot: PoolSnapshot, facts: MeetingFacts, exclude_ids: frozenset[int]) -> Facts:
    return Facts(snapshot.specialties[expert_id], expert_id in facts.on_leave, expert_id in facts.booked,
                 facts.this_year[expert_id], snapshot.scores.get(expert_id, snapshot.base_score),
                 expert_id in exclude_ids, facts.same_constructor[expert_id])  # fmt: skip


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
