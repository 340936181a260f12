"""What the review seed reads of the seeded registry and pool, and the draw funnel it builds from it in memory
(the same exclusions as ``funnel.build_funnel``: DOMAIN.md sections 4-5), so thousands of draws need no query."""

from __future__ import annotations

import random
import re
from bisect import bisect_left, insort
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from expert_pool.draws.models import Booking, HalfDay
from expert_pool.draws.panel import Candidate
from expert_pool.experts.models import (
    DeclaredConflict,
    Employment,
    Expert,
    ExpertSpecialty,
    ExpertStatus,
    Leave,
    TitleLevel,
)
from expert_pool.policy import PoolPolicy
from knowledge.enterprises.models import Enterprise, ParticipantRole, Project, ProjectParticipant
from knowledge.plans.models import PlanSignoff, PlanVersion
from knowledge.regions import City
from knowledge.registry.models import Work
from knowledge.registry.rules import Verdict
from knowledge.registry.workflow import WorkStatus

SAMPLED = "演示数据（仅抽查部分同专业专家）"
HEADER = re.compile(r"编制人[:：]\s*(\S+)\s+审核人[:：]\s*(\S+)\s+审批人[:：]\s*(\S+)")
HEADER_CHARS = 400


@dataclass(frozen=True)
class ExpertInfo:
    id: int
    name: str
    city: City
    status: ExpertStatus
    suspended_until: date | None
    cap: int | None
    senior: bool  # a full-senior title: panels choose their leader among these first
    specialties: frozenset[str]


@dataclass
class Version:
    id: int
    work_id: int
    number: int
    submitted_at: datetime
    sha256: str
    sections: list[int]
    header: str
    signed: set[str] = field(default_factory=set)

    def names(self) -> tuple[str, str, str] | None:
        """(author, checker, approver) as the plan's title page names them."""
        found = HEADER.search(self.header)
        return (found.group(1), found.group(2), found.group(3)) if found else None


@dataclass
class WorkInfo:
    id: int
    project_id: int
    name: str
    city: City
    category: str
    sub_type: str
    status: WorkStatus
    subcontractor_id: int | None
    created_at: datetime
    planned_start: date | None
    planned_end: date | None
    people: dict[str, str]  # project_manager, technical_lead, chief_supervisor, safety_officer
    versions: list[Version] = field(default_factory=list)


@dataclass
class Units:
    names: dict[int, str]
    root: dict[int, int]
    parties: dict[int, dict[ParticipantRole, list[int]]]  # project -> role -> enterprise ids
    projects: dict[int, tuple[str, City]]

    def first(self, project_id: int, role: ParticipantRole) -> int | None:
        ids = self.parties.get(project_id, {}).get(role)
        return ids[0] if ids else None


@dataclass
class Pool:
    """The experts and everything a draw excludes them for; ``book`` records a seat as the seed goes on."""

    policy: PoolPolicy
    experts: dict[int, ExpertInfo]
    holders: dict[str, list[int]]
    jobs: dict[int, list[tuple[int, int, date, date | None]]]  # expert -> (unit, its group root, start, end)
    declared: dict[int, list[tuple[int, date | None, date | None]]]
    leave: dict[int, list[tuple[date, date]]]
    booked: set[tuple[int, date, HalfDay]]
    days: dict[int, list[date]] = field(default_factory=lambda: defaultdict(list))
    per_year: Counter[tuple[int, int]] = field(default_factory=Counter)
    per_builder: dict[tuple[int, int], list[date]] = field(default_factory=lambda: defaultdict(list))

    def book(self, expert_id: int, day: date, half: HalfDay, builder: int | None) -> None:
        self.booked.add((expert_id, day, half))
        insort(self.days[expert_id], day)
        self.per_year[(expert_id, day.year)] += 1
        if builder is not None:
            insort(self.per_builder[(expert_id, builder)], day)

    def recent(self, expert_id: int, day: date) -> int:
        """Seats in the policy's window up to the meeting day (the fairness weight's input)."""
        days = self.days.get(expert_id, [])
        since = day - timedelta(days=self.policy.recent_window_days)
        return bisect_left(days, day + timedelta(days=1)) - bisect_left(days, since)

    def with_builder(self, expert_id: int, builder: int | None, day: date) -> int:
        if builder is None:
            return 0
        days = self.per_builder.get((expert_id, builder), [])
        since = day - timedelta(days=self.policy.recent_window_days)
        return bisect_left(days, day + timedelta(days=1)) - bisect_left(days, since)


def load_pool(session: Session, policy: PoolPolicy) -> Pool:
    specialties: dict[int, set[str]] = defaultdict(set)
    for expert_id, category in session.execute(select(ExpertSpecialty.expert_id, ExpertSpecialty.category)):
        specialties[expert_id].add(category)
    experts = {
        row.id: ExpertInfo(row.id, row.name, row.city, row.status, row.suspended_until, row.annual_cap,
                           row.title_level is TitleLevel.FULL_SENIOR, frozenset(specialties.get(row.id, ())))
        for row in session.execute(select(Expert.id, Expert.name, Expert.city, Expert.status, Expert.suspended_until,
                                          Expert.annual_cap, Expert.title_level).order_by(Expert.id))
    }  # fmt: skip
    holders: dict[str, list[int]] = defaultdict(list)
    for expert in experts.values():
        for code in expert.specialties:
            holders[code].append(expert.id)
    root = _group_roots(session)
    jobs: dict[int, list[tuple[int, int, date, date | None]]] = defaultdict(list)
    for e, unit, start, end in session.execute(
        select(Employment.expert_id, Employment.enterprise_id, Employment.start, Employment.end_date)
    ):
        jobs[e].append((unit, root.get(unit, unit), start, end))
    declared: dict[int, list[tuple[int, date | None, date | None]]] = defaultdict(list)
    for e, unit, start, end in session.execute(select(DeclaredConflict.expert_id, DeclaredConflict.enterprise_id,
                                                      DeclaredConflict.start, DeclaredConflict.end_date)):  # fmt: skip
        if unit is not None:
            declared[e].append((unit, start, end))
    leave: dict[int, list[tuple[date, date]]] = defaultdict(list)
    for e, start, end in session.execute(select(Leave.expert_id, Leave.start, Leave.end_date)):
        leave[e].append((start, end))
    booked = {
        (e, d, h) for e, d, h in session.execute(select(Booking.expert_id, Booking.day, Booking.half_day))
    }
    return Pool(policy, experts, {k: sorted(v) for k, v in holders.items()}, jobs, declared, leave, booked)


def _group_roots(session: Session) -> dict[int, int]:
    parents = {unit: parent for unit, parent in session.execute(select(Enterprise.id, Enterprise.parent_id))}
    root: dict[int, int] = {}
    for unit in parents:
        top, seen = unit, {unit}
        while parents.get(top) is not None and parents[top] not in seen:
            top = parents[top]  # type: ignore[assignment]
            seen.add(top)
        root[unit] = top
    return root


def load_units(session: Session) -> Units:
    names = {unit: name for unit, name in session.execute(select(Enterprise.id, Enterprise.name))}
    parties: dict[int, dict[ParticipantRole, list[int]]] = defaultdict(dict)
    stmt = select(ProjectParticipant.project_id, ProjectParticipant.enterprise_id, ProjectParticipant.role)
    for project_id, unit, role in session.execute(stmt.order_by(ProjectParticipant.id)):
        parties[project_id].setdefault(role, []).append(unit)
    projects = {i: (n, c) for i, n, c in session.execute(select(Project.id, Project.name, Project.city))}
    return Units(names, _group_roots(session), parties, projects)


def load_works(session: Session) -> dict[int, WorkInfo]:
    """Every over-scale work, with its plan versions (oldest first) and their sign-offs."""
    works: dict[int, WorkInfo] = {}
    stmt = select(Work.id, Work.project_id, Work.name, Work.city, Work.category, Work.sub_type, Work.status,
                  Work.subcontractor_id, Work.created_at, Work.planned_start, Work.planned_end, Work.project_manager, Work.technical_lead,
                  Work.chief_supervisor, Work.safety_officer).where(Work.verdict == Verdict.OVER_SCALE)  # fmt: skip
    for row in session.execute(stmt.order_by(Work.id)):
        people = {"project_manager": row.project_manager, "technical_lead": row.technical_lead,
                  "chief_supervisor": row.chief_supervisor, "safety_officer": row.safety_officer}  # fmt: skip
        works[row.id] = WorkInfo(row.id, row.project_id, row.name, row.city, row.category, row.sub_type, row.status,
                                 row.subcontractor_id, row.created_at, row.planned_start, row.planned_end, people)  # fmt: skip
    versions: dict[int, Version] = {}
    stmt_v = select(
        PlanVersion.id,
        PlanVersion.work_id,
        PlanVersion.number,
        PlanVersion.submitted_at,
        PlanVersion.sha256,
        PlanVersion.sections_found,
        func.substr(PlanVersion.text, 1, HEADER_CHARS),
    )
    for vid, work_id, number, at, sha, sections, header in session.execute(
        stmt_v.order_by(PlanVersion.number)
    ):
        if work_id in works:
            versions[vid] = Version(vid, work_id, number, at, sha, list(sections or []), header or "")
            works[work_id].versions.append(versions[vid])
    for vid, kind in session.execute(select(PlanSignoff.plan_version_id, PlanSignoff.kind)):
        if vid in versions:
            versions[vid].signed.add(kind.value)
    return works


# -- the funnel of one meeting -------------------------------------------------------------------------


@dataclass(frozen=True)
class Meeting:
    """What a draw is made for: the work's project and builder, its category, the half-day, who is out."""

    project_id: int
    builder: int | None  # the general contractor (DOMAIN 5, soft limit per constructor)
    category: str
    day: date
    half: HalfDay
    excluded: frozenset[int] = frozenset()  # DOMAIN 5 rule 6: the panel of a previous 不通过


def build_funnel(
    pool: Pool, units: Units, meeting: Meeting, rng: random.Random, *, examine: int | None
) -> tuple[list[Candidate], dict[str, Any]]:
    """The eligible candidates and the funnel record, as ``funnel.Funnel.to_dict`` writes it.

    ``examine``: check only that many experts of the specialty, drawn at random (province scale: a draw
    record holding every eligible expert would make the seeded draws gigabytes); the rest are counted under
    ``SAMPLED`` so the record says so.
    """
    holders = pool.holders.get(meeting.category, [])
    chosen = holders if examine is None or len(holders) <= examine else sorted(rng.sample(holders, examine))
    screen = _Screen(pool, units, meeting)
    candidates: list[Candidate] = []
    excluded: list[dict[str, Any]] = []
    for expert_id in chosen:
        expert = pool.experts[expert_id]
        reasons = screen.reasons(expert)
        if reasons:
            excluded.append({"expert_id": expert_id, "name": expert.name, "reasons": reasons})
        else:
            recent = pool.recent(expert_id, meeting.day)
            candidates.append(
                Candidate(expert_id, expert.name, expert.city, expert.specialties, recent_reviews=recent)
            )
    counts = Counter(r.split("：")[0] for e in excluded for r in e["reasons"])
    counts["专业"] += len(pool.experts) - len(holders)
    if len(chosen) < len(holders):
        counts[SAMPLED] = len(holders) - len(chosen)
    others = (
        []
        if examine is not None
        else [i for i, e in pool.experts.items() if meeting.category not in e.specialties]
    )
    record = {"pool": len(pool.experts), "eligible": len(candidates), "excluded": excluded, "other_specialty": others,
              "excluded_by_reason": {k: v for k, v in sorted(counts.items()) if v}}  # fmt: skip
    return candidates, record


class _Screen:
    """Why an expert may not sit on this meeting, as the draw funnel (``expert_pool.draws.funnel``) and the conflict rules say it."""

    def __init__(self, pool: Pool, units: Units, m: Meeting) -> None:
        self.pool, self.units, self.m = pool, units, m
        self.since = m.day.replace(
            year=m.day.year - pool.policy.former_employment_years, day=min(m.day.day, 28)
        )
        self.parties = {u: r for r, ids in units.parties.get(m.project_id, {}).items() for u in ids}
        self.ties: dict[int, tuple[int, ParticipantRole]] = {}
        for unit, role in self.parties.items():
            self.ties.setdefault(units.root.get(unit, unit), (unit, role))

    def reasons(self, expert: ExpertInfo) -> list[str]:
        pool, m, e = self.pool, self.m, expert.id
        reasons = []
        if expert.status is ExpertStatus.REMOVED:
            reasons.append("状态：已除名")
        elif expert.status is ExpertStatus.SUSPENDED and (
            expert.suspended_until is None or expert.suspended_until > m.day
        ):
            reasons.append(f"状态：暂停至{expert.suspended_until}")
        if e in pool.leave and any(start <= m.day <= end for start, end in pool.leave[e]):
            reasons.append("请假：会议当日在假期内")
        if (e, m.day, m.half) in pool.booked:
            reasons.append("已占用：同一半天已有其他论证会")
        cap = expert.cap or pool.policy.annual_cap
        if pool.per_year.get((e, m.day.year), 0) >= cap:
            reasons.append(f"年度上限：已达{cap}次")
        if (e, m.builder) in pool.per_builder:
            same = pool.with_builder(e, m.builder, m.day)
            if same >= pool.policy.max_same_constructor:
                reasons.append(f"同一施工单位：12个月内已评审其方案{same}次")
        if e in m.excluded:
            reasons.append("回避：曾参加本工程方案前次论证，结论为不通过")
        if e in pool.jobs or e in pool.declared:
            reasons += self.conflicts(expert)
        return reasons

    def conflicts(self, expert: ExpertInfo) -> list[str]:
        """DOMAIN 5 rules 1-3 and 5, as readable paths: employment (now or within the policy's years) at a unit
        of the project's group, or a declared conflict with a unit of the project."""
        m, names, paths = self.m, self.units.names, []
        for unit, root, start, end in self.pool.jobs.get(expert.id, ()):
            if root in self.ties and start <= m.day and (end is None or end >= self.since):
                party, role = self.ties[root]
                period = f"{start:%Y-%m}至{end:%Y-%m}" if end else f"{start:%Y-%m}起"
                via = "" if party == unit else f" —(同一集团)→ {names[party]}"
                paths.append(
                    f"回避：{expert.name} —({period} 任职)→ {names[unit]}{via} —({role.label}单位)→ 本项目"
                )
        for unit, start, end in self.pool.declared.get(expert.id, ()):
            if unit in self.parties and (start is None or start <= m.day) and (end is None or end >= m.day):
                role = self.parties[unit]
                paths.append(f"回避：{expert.name} —(申报回避)→ {names[unit]} —({role.label}单位)→ 本项目")
        return paths
