"""The six conflict-of-interest (回避) rules over plain records (DOMAIN.md 5, Decree 37 Art. 12); no networkx here."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from expert_pool.conflicts.groups import GroupHistory, GroupTie, group_ties, tie_label
from expert_pool.conflicts.records import DeclaredConflict, Employment, PanelSeat, PlanAuthorship
from expert_pool.conflicts.records import EnterpriseNode as EnterpriseNode
from expert_pool.conflicts.records import ExpertNode as ExpertNode
from expert_pool.conflicts.records import Participation as Participation
from expert_pool.conflicts.records import ProjectNode as ProjectNode
from expert_pool.conflicts.records import WorkNode as WorkNode
from knowledge.enterprises.models import ParticipantRole

ROLE_LABELS: Mapping[str, str] = {r.value: r.label for r in ParticipantRole}
ROLE_ORDER: Mapping[str, int] = {r.value: i for i, r in enumerate(ParticipantRole)}
AUTHOR_LABELS: Mapping[str, str] = {"compiler": "编制人", "checker": "审核人", "approver": "审批人"}
CONCLUSION_LABELS: Mapping[str, str] = {"pass": "通过", "pass_after_revision": "修改后通过", "fail": "不通过"}


@dataclass(frozen=True)
class ConflictPolicy:
    """Policy values of DOMAIN.md 5; the defaults are the domain's."""

    former_employment_years: int = 3
    group_depth: int | None = None  # None: every unit of the group, however far
    exclude_failed_panel: bool = True

    def __post_init__(self) -> None:
        if self.former_employment_years < 0 or (self.group_depth is not None and self.group_depth < 0):
            raise ValueError("former_employment_years and group_depth must not be negative")


@dataclass(frozen=True, slots=True)
class Step:
    """A node of a path and the link from it to the next node (None on the last)."""

    node_label: str
    edge_label: str | None = None
    node: str = ""  # the typed key, e.g. "enterprise:7"


@dataclass(frozen=True, slots=True)
class ConflictPath:
    rule: str
    title: str
    steps: tuple[Step, ...]
    text: str


def key(kind: str, i: int) -> str:
    """A node's typed key in the graph and in a path: "expert:1", "enterprise:7", "project:3", "work:9"."""
    return f"{kind}:{i}"


def render(steps: Sequence[Step]) -> str:
    """The path as one line: "张三 —(2019-03至2022-06 任职)→ 某集团 —(母公司)→ …"."""
    return "".join(s.node_label + ("" if s.edge_label is None else f" —({s.edge_label})→ ") for s in steps)


# Dates (DOMAIN.md 5). A job holds from ``start`` to ``end``, both days included; ``end`` None is current.
# Rule 1 (current): start <= on <= end. Rule 2 (former): the job ended before ``on`` and on or after the
# cutoff, the same calendar day ``former_employment_years`` earlier: ended 2022-06-30 is still a conflict on
# 2025-06-30 and no longer on 2025-07-01. Rule 3 (group) counts current and former jobs alike: the domain's
# own example is a job that ended in 2022. It asks that the two units were in one group on some day of the
# part of the job that counts (``group_span``): an acquisition after the job ended ties nothing. A declaration
# holds from ``start`` to ``end`` inclusive, a None side open. A failed panel counts when held on or before
# ``on``. A job that starts after ``on`` is no tie yet.


def years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier (29 February falls back to the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def is_current(job: Employment, on: date) -> bool:
    return job.start <= on and (job.end is None or on <= job.end)


def is_former(job: Employment, on: date, cutoff: date) -> bool:
    """Ended before ``on`` and on or after ``cutoff`` (the same day N years before ``on``)."""
    return job.end is not None and cutoff <= job.end < on


def is_within_window(job: Employment, on: date, cutoff: date) -> bool:
    """Current, or former within the window: the job overlaps [cutoff, on]."""
    return job.start <= on and (job.end is None or job.end >= cutoff)


def group_span(job: Employment, on: date, cutoff: date) -> tuple[date, date]:
    """The days of a job that count for rule 3: the job clipped to [cutoff, on] (empty when first > last)."""
    return max(job.start, cutoff), min(job.end or on, on)


def is_active(declared: DeclaredConflict, on: date) -> bool:
    return (declared.start is None or declared.start <= on) and (declared.end is None or on <= declared.end)


UNNAMED: Mapping[str, str] = {"expert": "专家", "enterprise": "企业", "project": "项目", "work": "危大工程"}


@dataclass(frozen=True)
class Names:
    """Node names by kind ("expert", "enterprise", "project", "work") and id."""

    by_kind: Mapping[str, Mapping[int, str]]

    def step(self, kind: str, i: int, edge_label: str | None = None) -> Step:
        label = self.by_kind[kind].get(i) or f"{UNNAMED[kind]}#{i}"
        return Step(label, edge_label, key(kind, i))


@dataclass(frozen=True)
class Query:
    work_id: int
    project_id: int
    on: date
    policy: ConflictPolicy
    cutoff: date  # the first day of the former-employment window

    @classmethod
    def of(cls, work_id: int, project_id: int, on: date, policy: ConflictPolicy) -> Query:
        return cls(work_id, project_id, on, policy, years_before(on, policy.former_employment_years))


Units = Mapping[int, tuple[str, ...]]  # enterprise on the project -> its role codes, in ParticipantRole order
Chains = Mapping[int, tuple[int, ...]]  # enterprise -> itself and its current ancestors up to the group root


@dataclass(frozen=True)
class ExpertFacts:
    """What the graph holds around one expert, and the project's units; ``links`` are the dated group links of
    every enterprise ever above the units and the expert's employers."""

    expert_id: int
    employments: tuple[Employment, ...]
    declarations: tuple[DeclaredConflict, ...]
    authorships: tuple[PlanAuthorship, ...]
    seats: tuple[PanelSeat, ...]
    units: Units
    links: GroupHistory
    names: Names


@dataclass(frozen=True)
class ConflictIndex:
    """Plain dictionaries precomputed once, read project-first by ``conflicted_experts``."""

    names: Names
    ancestors: Chains  # by the current links
    group_members: Mapping[int, tuple[int, ...]]  # current group root -> every enterprise of the group
    group_links: GroupHistory  # every dated link, by subsidiary
    group_of: Mapping[int, int]  # enterprise -> its smallest fellow through links of any date (the job key)
    units_by_project: Mapping[int, Units]
    employments_by_enterprise: Mapping[int, tuple[Employment, ...]]
    employments_by_group: Mapping[int, tuple[Employment, ...]]  # group_of -> every job ever in the group
    declarations_by_enterprise: Mapping[int, tuple[DeclaredConflict, ...]]
    authorships_by_work: Mapping[int, tuple[PlanAuthorship, ...]]
    seats_by_work: Mapping[int, tuple[PanelSeat, ...]]
    project_of_work: Mapping[int, int]
    shared_days: Mapping[tuple[int, int], tuple[date, ...]]  # soft_limits.shared_days


def _tail(names: Names, unit: int, units: Units, project: int) -> list[Step]:
    roles = "、".join(ROLE_LABELS[r] for r in units[unit])
    return [names.step("enterprise", unit, roles), names.step("project", project)]


def _job(names: Names, job: Employment) -> Step:
    span = f"{month(job.start)}至{month(job.end) if job.end else '今'}"
    return names.step("expert", job.expert_id, f"{span} 任职")


def _job_at_unit(names: Names, job: Employment, units: Units, project: int) -> list[Step]:
    return [_job(names, job), *_tail(names, job.enterprise_id, units, project)]


def _job_in_group(
    names: Names, job: Employment, ties: list[GroupTie], unit: int, units: Units, q: Query
) -> list[Step]:
    chain = [names.step("enterprise", t.enterprise_id, tie_label(t)) for t in ties]
    return [_job(names, job), *chain, *_tail(names, unit, units, q.project_id)]


def _declared(names: Names, d: DeclaredConflict, units: Units, project: int) -> list[Step]:
    assert d.enterprise_id is not None
    span = "" if d.start is None and d.end is None else f" {month(d.start) if d.start else ''}至"
    span += (month(d.end) if d.end else "今") if span else ""
    head = names.step("expert", d.expert_id, f"申报回避：{d.note}{span}")
    return [head, *_tail(names, d.enterprise_id, units, project)]


def _on_work(names: Names, expert_id: int, label: str, q: Query) -> list[Step]:
    steps = [names.step("expert", expert_id, label), names.step("work", q.work_id, "所属")]
    return [*steps, names.step("project", q.project_id)]


def _authored(names: Names, a: PlanAuthorship, q: Query) -> list[Step]:
    return _on_work(names, a.expert_id, f"参与编制本方案（第{a.number}版，{AUTHOR_LABELS[a.kind]}）", q)


def _seated(names: Names, s: PanelSeat, q: Query) -> list[Step]:
    return _on_work(names, s.expert_id, f"{s.day.isoformat()} 论证{CONCLUSION_LABELS[s.conclusion]}", q)


def _is_failed_before(s: PanelSeat, q: Query) -> bool:
    return q.policy.exclude_failed_panel and s.conclusion == "fail" and s.day <= q.on


# --- the rules: each read expert-first (from the graph) and project-first (from the index) -----------------

Found = Iterator[list[Step]]
FoundFor = Iterator[tuple[int, list[Step]]]


def _current_of(f: ExpertFacts, q: Query) -> Found:
    for job in f.employments:
        if job.enterprise_id in f.units and is_current(job, q.on):
            yield _job_at_unit(f.names, job, f.units, q.project_id)


def _current_in(ix: ConflictIndex, units: Units, q: Query) -> FoundFor:
    for unit in units:
        for job in ix.employments_by_enterprise.get(unit, ()):
            if is_current(job, q.on):
                yield job.expert_id, _job_at_unit(ix.names, job, units, q.project_id)


def _former_of(f: ExpertFacts, q: Query) -> Found:
    for job in f.employments:
        if job.enterprise_id in f.units and is_former(job, q.on, q.cutoff):
            yield _job_at_unit(f.names, job, f.units, q.project_id)


def _former_in(ix: ConflictIndex, units: Units, q: Query) -> FoundFor:
    for unit in units:
        for job in ix.employments_by_enterprise.get(unit, ()):
            if is_former(job, q.on, q.cutoff):
                yield job.expert_id, _job_at_unit(ix.names, job, units, q.project_id)


def _in_group(links: GroupHistory, job: Employment, unit: int, q: Query) -> list[GroupTie] | None:
    """The chain from the job's unit to ``unit`` on the first day of the job's counted span when both were in
    one group (rule 3), or None."""
    if job.enterprise_id == unit or not is_within_window(job, q.on, q.cutoff):
        return None
    first, last = group_span(job, q.on, q.cutoff)
    return group_ties(links, job.enterprise_id, unit, first, last, q.policy.group_depth)


def _group_of(f: ExpertFacts, q: Query) -> Found:
    for job in f.employments:
        for unit in f.units:
            if (ties := _in_group(f.links, job, unit, q)) is not None:
                yield _job_in_group(f.names, job, ties, unit, f.units, q)


def _group_in(ix: ConflictIndex, units: Units, q: Query) -> FoundFor:
    for unit in units:
        for job in ix.employments_by_group.get(ix.group_of.get(unit, unit), ()):
            if (ties := _in_group(ix.group_links, job, unit, q)) is not None:
                yield job.expert_id, _job_in_group(ix.names, job, ties, unit, units, q)


def _author_of(f: ExpertFacts, q: Query) -> Found:
    for a in f.authorships:
        if a.work_id == q.work_id:
            yield _authored(f.names, a, q)


def _author_in(ix: ConflictIndex, units: Units, q: Query) -> FoundFor:
    for a in ix.authorships_by_work.get(q.work_id, ()):
        yield a.expert_id, _authored(ix.names, a, q)


def _declared_of(f: ExpertFacts, q: Query) -> Found:
    for d in f.declarations:
        if d.enterprise_id in f.units and is_active(d, q.on):
            yield _declared(f.names, d, f.units, q.project_id)


def _declared_in(ix: ConflictIndex, units: Units, q: Query) -> FoundFor:
    for unit in units:
        for d in ix.declarations_by_enterprise.get(unit, ()):
            if is_active(d, q.on):
                yield d.expert_id, _declared(ix.names, d, units, q.project_id)


def _failed_panel_of(f: ExpertFacts, q: Query) -> Found:
    for s in f.seats:
        if s.work_id == q.work_id and _is_failed_before(s, q):
            yield _seated(f.names, s, q)


def _failed_panel_in(ix: ConflictIndex, units: Units, q: Query) -> FoundFor:
    for s in ix.seats_by_work.get(q.work_id, ()):
        if _is_failed_before(s, q):
            yield s.expert_id, _seated(ix.names, s, q)


@dataclass(frozen=True)
class Rule:
    """One rule of DOMAIN.md 5, read both ways; the two must agree (tests/unit/test_conflicts.py)."""

    code: str
    title: str
    for_expert: Callable[[ExpertFacts, Query], Found]
    for_project: Callable[[ConflictIndex, Units, Query], FoundFor]


RULES: tuple[Rule, ...] = (
    Rule("current_employment", "现任职于项目参建单位", _current_of, _current_in),
    Rule("former_employment", "回避期内曾任职于项目参建单位", _former_of, _former_in),
    Rule("same_group", "任职单位与项目参建单位同属一个集团", _group_of, _group_in),
    Rule("plan_author", "参与编制、审核或审批本方案", _author_of, _author_in),
    Rule("declared", "本人申报的利害关系", _declared_of, _declared_in),
    Rule("failed_panel", "曾参加本工程结论为不通过的论证", _failed_panel_of, _failed_panel_in),
)


def _path(rule: Rule, steps: list[Step]) -> ConflictPath:
    return ConflictPath(rule.code, rule.title, tuple(steps), render(steps))


def _sort(paths: list[ConflictPath], rules: Sequence[Rule]) -> list[ConflictPath]:
    rank = {r.code: i for i, r in enumerate(rules)}
    return sorted(paths, key=lambda p: (rank[p.rule], tuple(s.node for s in p.steps), p.text))


def check_expert(facts: ExpertFacts, q: Query, rules: Sequence[Rule] = RULES) -> list[ConflictPath]:
    return _sort([_path(r, steps) for r in rules for steps in r.for_expert(facts, q)], rules)


def check_project(
    ix: ConflictIndex, units: Units, q: Query, rules: Sequence[Rule] = RULES
) -> dict[int, list[ConflictPath]]:
    found: dict[int, list[ConflictPath]] = {}
    for rule in rules:
        for expert_id, steps in rule.for_project(ix, units, q):
            found.setdefault(expert_id, []).append(_path(rule, steps))
    return {e: _sort(paths, rules) for e, paths in sorted(found.items())}
