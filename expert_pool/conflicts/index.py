"""The plain index of the conflict rows (group ancestry, lookups by unit and work), built once they check."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from typing import TypeVar

from expert_pool.conflicts.groups import ConflictDataError as ConflictDataError
from expert_pool.conflicts.groups import GroupHistory, Links, check_links, current_parents, links_of
from expert_pool.conflicts.records import DeclaredConflict, GraphData
from expert_pool.conflicts.rules import (
    AUTHOR_LABELS,
    CONCLUSION_LABELS,
    ROLE_LABELS,
    ROLE_ORDER,
    ConflictIndex,
    Names,
)
from expert_pool.conflicts.soft_limits import shared_days

T = TypeVar("T")


@cache
def ordered_roles(roles: frozenset[str]) -> tuple[str, ...]:
    """Role codes in ParticipantRole order; cached, so 300,000 units share a handful of tuples."""
    return tuple(sorted(roles, key=ROLE_ORDER.__getitem__))


def validate(data: GraphData) -> None:
    bad = [f"角色 {p.role}" for p in data.participations if p.role not in ROLE_LABELS]
    bad += [f"方案参与 {a.kind}" for a in data.authorships if a.kind not in AUTHOR_LABELS]
    bad += [f"论证结论 {s.conclusion}" for s in data.seats if s.conclusion not in CONCLUSION_LABELS]
    bad += [
        f"任职 专家#{j.expert_id} 企业#{j.enterprise_id}"
        for j in data.employments
        if j.end and j.end < j.start
    ]
    bad += [f"申报 专家#{d.expert_id}" for d in data.declarations if d.start and d.end and d.end < d.start]
    bad += check_links(links_of(data))
    if bad:
        raise ConflictDataError("回避关系数据有误：" + "；".join(bad[:10]))


def _ancestors(parents: Mapping[int, int | None]) -> dict[int, tuple[int, ...]]:
    """Each enterprise followed by its ancestors up to its group root; a cycle is refused."""
    chains: dict[int, tuple[int, ...]] = {}
    for start in parents:
        path: list[int] = []
        node: int | None = start
        while node is not None and node not in chains:
            if node in path:
                raise ConflictDataError("企业上级关系成环：" + " → ".join(f"企业#{e}" for e in path))
            path.append(node)
            node = parents[node]
        tail = chains[node] if node is not None else ()
        for e in reversed(path):
            tail = chains[e] = (e, *tail)
    return chains


def _fellows(links: Links, enterprises: list[int]) -> dict[int, int]:
    """Each enterprise's smallest fellow through links of any date (union-find): two units that were ever in
    one group share it, so the project-first reading finds every job that rule 3 might reach."""
    up = {e: e for e in enterprises}

    def find(e: int) -> int:
        while up[e] != e:
            up[e] = up[up[e]]
            e = up[e]
        return e

    for e, ls in links.items():
        for link in ls:
            a, b = find(e), find(link.parent_id)
            if a != b:
                up[max(a, b)] = min(a, b)
    return {e: find(e) for e in enterprises}


def build_index(data: GraphData) -> ConflictIndex:
    links = links_of(data)
    now = current_parents(links)
    parents: dict[int, int | None] = {e.id: now.get(e.id) for e in data.enterprises}
    referenced = [k.parent_id for ls in links.values() for k in ls] + [e for e in links]
    referenced += [j.enterprise_id for j in data.employments] + [p.enterprise_id for p in data.participations]
    referenced += [d.enterprise_id for d in data.declarations if d.enterprise_id is not None]
    for e in referenced:
        parents.setdefault(e, None)
    ancestors = _ancestors(parents)
    group_of = _fellows(links, sorted(ancestors))
    project_of_work = {w.id: w.project_id for w in data.works}
    members: dict[int, list[int]] = defaultdict(list)
    for e, up in sorted(ancestors.items()):
        members[up[-1]].append(e)
    roles: dict[int, dict[int, set[str]]] = {
        p: {} for p in (*(p.id for p in data.projects), *project_of_work.values())
    }
    for p in data.participations:
        roles.setdefault(p.project_id, {}).setdefault(p.enterprise_id, set()).add(p.role)
    kinds = (
        ("expert", data.experts),
        ("enterprise", data.enterprises),
        ("project", data.projects),
        ("work", data.works),
    )
    names = Names({kind: {n.id: n.name for n in rows} for kind, rows in kinds})
    return ConflictIndex(
        names=names,
        ancestors=ancestors,
        group_members={root: tuple(ms) for root, ms in members.items()},
        group_links=GroupHistory(links),
        group_of=group_of,
        units_by_project={
            p: {u: ordered_roles(frozenset(rs)) for u, rs in units.items()} for p, units in roles.items()
        },
        employments_by_enterprise=_by(data.employments, lambda j: j.enterprise_id),
        employments_by_group=_by(data.employments, lambda j: group_of[j.enterprise_id]),
        declarations_by_enterprise=_by(
            [d for d in data.declarations if d.enterprise_id is not None], _unit_of
        ),
        authorships_by_work=_by(data.authorships, lambda a: a.work_id),
        seats_by_work=_by(data.seats, lambda s: s.work_id),
        project_of_work=project_of_work,
        shared_days=shared_days(data.seats),
    )


def _unit_of(d: DeclaredConflict) -> int:
    assert d.enterprise_id is not None
    return d.enterprise_id


def _by(rows: Iterable[T], of: Callable[[T], int]) -> dict[int, tuple[T, ...]]:
    grouped: dict[int, list[T]] = defaultdict(list)
    for row in rows:
        grouped[of(row)].append(row)
    return {k: tuple(v) for k, v in grouped.items()}
