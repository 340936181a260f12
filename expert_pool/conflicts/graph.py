"""The conflict graph (networkx stays in this module) and who must stand aside (回避): DOMAIN.md 5, Decree 37 Art. 12."""

from __future__ import annotations

import gc
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import chain
from typing import Any

import networkx as nx

from expert_pool.conflicts.groups import ALWAYS, GroupHistory
from expert_pool.conflicts.index import ConflictDataError, build_index, ordered_roles, validate
from expert_pool.conflicts.records import (
    AuthorKind,
    DeclaredConflict,
    Employment,
    EnterpriseNode,
    ExpertNode,
    GraphData,
    GroupLink,
    PanelSeat,
    Participation,
    PlanAuthorship,
    ProjectNode,
    WorkNode,
)
from expert_pool.conflicts.rules import (
    ROLE_ORDER,
    RULES,
    ConflictIndex,
    ConflictPath,
    ConflictPolicy,
    ExpertFacts,
    Query,
    Rule,
    Step,
    Units,
    check_expert,
    check_project,
    key,
)
from expert_pool.conflicts.soft_limits import CONSTRUCTOR_ROLES as CONSTRUCTOR_ROLES
from expert_pool.conflicts.soft_limits import constructor_counts, pair_counts
from knowledge.errors import NotFoundError, ValidationError

# fmt: off
__all__ = [
    "RULES", "ConflictDataError", "ConflictGraph", "ConflictPath", "ConflictPolicy", "DeclaredConflict", "Employment",
    "EnterpriseNode", "ExpertNode", "GraphData", "GraphStats", "GroupLink", "NotInGraphError", "PanelSeat", "Participation",
    "PlanAuthorship", "ProjectNode", "Rule", "Step", "WorkNode", "conflicted_experts", "constructor_counts",
    "find_conflicts", "pair_counts",
]
# fmt: on

DEFAULT_POLICY = ConflictPolicy()
_AUTHOR_EDGES: Mapping[AuthorKind, str] = {
    "compiler": "compiled",
    "checker": "checked",
    "approver": "approved",
}


class NotInGraphError(NotFoundError):
    """The project or expert is missing from this snapshot: rebuild it rather than report "no conflict"."""

    code = "conflict_graph_stale"


@dataclass(frozen=True)
class GraphStats:
    nodes: int
    edges: int
    nodes_by_kind: dict[str, int]
    edges_by_kind: dict[str, int]


class ConflictGraph:
    """One ``networkx.MultiDiGraph`` of typed nodes and dated edges, with plain dictionaries beside it.

    Nodes are "expert:1", "enterprise:7", "project:3", "work:9" (attributes kind, id, name). Edges carry
    ``kind``: employed_by (start, end), parent_of (enterprise to subsidiary; start, end), participates (role), declared
    (note, start, end), compiled / checked / approved (plan_version_id, number), sat_on (review_id, conclusion, day), work_of.
    ``find_conflicts`` walks the graph from one expert; ``conflicted_experts`` reads the precomputed index
    (project -> units -> group -> jobs) for all experts at once. The two agree; the tests check it.
    A declaration that names no unit gets no edge: nothing ties it to a project, so a clerk weighs it.

    Build it once per process in the loader and then call ``gc.freeze()`` (or ``build(data, freeze=True)``):
    the graph is a few million long-lived objects that every full collection would walk again, and frozen
    objects stay shared, not copied, in forked workers. It is a snapshot: rebuild it when the rows change.
    """

    __slots__ = ("_graph", "index")

    def __init__(self, graph: nx.MultiDiGraph[str], index: ConflictIndex) -> None:
        self._graph = graph
        self.index = index

    @classmethod
    def build(cls, data: GraphData, *, freeze: bool = False) -> ConflictGraph:
        validate(data)
        collecting = gc.isenabled()
        gc.disable()  # the build only allocates; collections during it would rescan the growing graph
        try:
            index = build_index(data)
            graph = cls(_graph(data, index), index)
        finally:
            if collecting:
                gc.enable()
        if freeze:
            gc.collect()
            gc.freeze()
        return graph

    def graph_stats(self) -> GraphStats:
        g = self._graph
        # every node and edge carries a str "kind"; the stubs type the data view loosely
        nodes: Counter[str] = Counter(str(kind) for _, kind in g.nodes(data="kind"))
        edges: Counter[str] = Counter(str(d["kind"]) for _, _, d in g.edges(data=True))
        return GraphStats(g.number_of_nodes(), g.number_of_edges(), dict(nodes), dict(edges))

    def group_root(self, enterprise_id: int) -> int:
        return self.index.ancestors[enterprise_id][-1]

    def group_members(self, enterprise_id: int) -> tuple[int, ...]:
        return self.index.group_members[self.group_root(enterprise_id)]

    def project_units(self, project_id: int) -> dict[str, tuple[int, ...]]:
        """The project's units by role code, in ParticipantRole order."""
        by_role: dict[str, list[int]] = defaultdict(list)
        for unit, roles in sorted(self.index.units_by_project.get(project_id, {}).items()):
            for role in roles:
                by_role[role].append(unit)
        return {r: tuple(by_role[r]) for r in sorted(by_role, key=ROLE_ORDER.__getitem__)}

    def query(self, work_id: int, project_id: int, on: date, policy: ConflictPolicy) -> Query:
        if project_id not in self.index.units_by_project:
            raise NotInGraphError(f"项目 #{project_id} 不在回避关系图中，请重建后再查")
        if self.index.project_of_work.get(work_id, project_id) != project_id:
            raise ValidationError(f"危大工程 #{work_id} 不属于项目 #{project_id}")
        return Query.of(work_id, project_id, on, policy)

    def expert_facts(self, expert_id: int, q: Query) -> ExpertFacts:
        """The expert's ties, read from his out-edges, and the project's units with their parent chains."""
        g, node = self._graph, key("expert", expert_id)
        if node not in g:
            raise NotInGraphError(f"专家 #{expert_id} 不在回避关系图中，请重建后再查")
        ties: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
        for _, target, d in g.out_edges(node, data=True):
            ties[d["kind"]].append((g.nodes[target]["id"], d))
        e = expert_id
        jobs = tuple(Employment(e, t, d["start"], d["end"]) for t, d in ties["employed_by"])
        declared = tuple(DeclaredConflict(e, t, d["note"], d["start"], d["end"]) for t, d in ties["declared"])
        authored = tuple(
            PlanAuthorship(e, t, d["plan_version_id"], kind, d["number"])
            for kind, edge in _AUTHOR_EDGES.items()
            for t, d in ties[edge]
        )
        seats = tuple(PanelSeat(e, t, d["review_id"], d["conclusion"], d["day"]) for t, d in ties["sat_on"])
        units = self._units(q.project_id)
        links = GroupHistory(self._links({*units, *(j.enterprise_id for j in jobs)}))
        return ExpertFacts(e, jobs, declared, authored, seats, units, links, self.index.names)

    def _units(self, project_id: int) -> Units:
        g, roles = self._graph, defaultdict[int, set[str]](set)
        for unit, edges in g.pred[key("project", project_id)].items():
            roles[g.nodes[unit]["id"]].update(
                d["role"] for d in edges.values() if d["kind"] == "participates"
            )
        return {u: ordered_roles(frozenset(rs)) for u, rs in roles.items() if rs}

    def _links(self, enterprises: set[int]) -> dict[int, tuple[GroupLink, ...]]:
        """The dated links of these enterprises and of every enterprise ever above them, up the parent_of edges."""
        g, found, todo, seen = self._graph, {}, sorted(enterprises), set(enterprises)
        while todo:
            child = todo.pop()
            ups = [
                GroupLink(child, g.nodes[p]["id"], d["start"], d["end"])
                for p, es in g.pred[key("enterprise", child)].items()
                for d in es.values()
                if d["kind"] == "parent_of"
            ]
            if ups:
                found[child] = tuple(sorted(ups, key=lambda k: (k.start or ALWAYS, k.parent_id)))
            todo += [k.parent_id for k in ups if k.parent_id not in seen]
            seen.update(k.parent_id for k in ups)
        return found


def find_conflicts(
    graph: ConflictGraph,
    expert_id: int,
    work_id: int,
    project_id: int,
    *,
    on: date,
    policy: ConflictPolicy = DEFAULT_POLICY,
    rules: Sequence[Rule] = RULES,
) -> list[ConflictPath]:
    """Every rule of DOMAIN.md 5 that bars the expert from this work's review on ``on``, each as a path."""
    q = graph.query(work_id, project_id, on, policy)
    return check_expert(graph.expert_facts(expert_id, q), q, rules)


def conflicted_experts(
    graph: ConflictGraph,
    work_id: int,
    project_id: int,
    *,
    on: date,
    policy: ConflictPolicy = DEFAULT_POLICY,
    rules: Sequence[Rule] = RULES,
) -> dict[int, list[ConflictPath]]:
    """Every conflicted expert of this work's review with his paths, read project-first from the index."""
    q = graph.query(work_id, project_id, on, policy)
    return check_project(graph.index, graph.index.units_by_project[project_id], q, rules)


def _graph(data: GraphData, ix: ConflictIndex) -> nx.MultiDiGraph[str]:
    """The graph itself; each node key is made once and shared by its edges, which saves memory at scale."""
    named = ix.names.by_kind
    people = chain(
        (j.expert_id for j in data.employments),
        (d.expert_id for d in data.declarations),
        (a.expert_id for a in data.authorships),
        (s.expert_id for s in data.seats),
    )
    ex = {i: key("expert", i) for i in sorted({*named["expert"], *people})}
    en = {e: key("enterprise", e) for e in ix.ancestors}
    pr = {p: key("project", p) for p in ix.units_by_project}
    wk = {
        w: key("work", w)
        for w in sorted(
            {*named["work"], *(a.work_id for a in data.authorships), *(s.work_id for s in data.seats)}
        )
    }
    g: nx.MultiDiGraph[str] = nx.MultiDiGraph()
    for kind, keys in (("expert", ex), ("enterprise", en), ("project", pr), ("work", wk)):
        g.add_nodes_from(
            (k, {"kind": kind, "id": i, "name": named[kind].get(i, "")}) for i, k in keys.items()
        )
    g.add_edges_from(
        (en[k.parent_id], en[e], {"kind": "parent_of", "start": k.start, "end": k.end})
        for e, ls in ix.group_links.links.items()
        for k in ls
    )
    g.add_edges_from(
        (ex[j.expert_id], en[j.enterprise_id], {"kind": "employed_by", "start": j.start, "end": j.end})
        for j in data.employments
    )
    g.add_edges_from(
        (en[p.enterprise_id], pr[p.project_id], {"kind": "participates", "role": p.role})
        for p in data.participations
    )
    g.add_edges_from(
        (
            ex[d.expert_id],
            en[d.enterprise_id],
            {"kind": "declared", "note": d.note, "start": d.start, "end": d.end},
        )
        for d in data.declarations
        if d.enterprise_id is not None
    )
    g.add_edges_from(
        (
            ex[a.expert_id],
            wk[a.work_id],
            {"kind": _AUTHOR_EDGES[a.kind], "plan_version_id": a.plan_version_id, "number": a.number},
        )
        for a in data.authorships
    )
    g.add_edges_from(
        (
            ex[s.expert_id],
            wk[s.work_id],
            {"kind": "sat_on", "review_id": s.review_id, "conclusion": s.conclusion, "day": s.day},
        )
        for s in data.seats
    )
    g.add_edges_from((wk[w.id], pr[w.project_id], {"kind": "work_of"}) for w in data.works)
    return g
