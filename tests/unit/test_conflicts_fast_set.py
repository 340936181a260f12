"""The conflict graph (DOMAIN.md 5): the fast set of conflicted experts agrees with find_conflicts, rule by rule."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from expert_pool.conflicts.graph import (
    ConflictGraph,
    ConflictPolicy,
    DeclaredConflict,
    Employment,
    EnterpriseNode,
    ExpertNode,
    GraphData,
    PanelSeat,
    Participation,
    PlanAuthorship,
    ProjectNode,
    WorkNode,
    conflicted_experts,
    find_conflicts,
)
from expert_pool.conflicts.rules import ROLE_LABELS

DAYS = st.dates(date(2019, 1, 1), date(2026, 12, 31))
ROLES = sorted(ROLE_LABELS)


@st.composite
def small_worlds(draw: st.DrawFn) -> tuple[ConflictGraph, int, int, date, ConflictPolicy, range]:
    n = draw(st.integers(1, 7))
    enterprises = [
        EnterpriseNode(i, f"企业{i}", draw(st.none() | st.integers(1, i - 1)) if i > 1 else None)
        for i in range(1, n + 1)
    ]
    experts, units, projects = st.integers(1, 4), st.integers(1, n), st.integers(1, 3)
    works = [WorkNode(w, f"工程{w}", draw(projects)) for w in range(10, 10 + draw(st.integers(0, 2)))]
    work_ids = st.integers(10, 12)

    def spell() -> tuple[date, date | None]:
        start, end = sorted((draw(DAYS), draw(DAYS)))
        return start, draw(st.none() | st.just(end))

    jobs = [Employment(draw(experts), draw(units), *spell()) for _ in range(draw(st.integers(0, 8)))]
    declarations = []
    for _ in range(draw(st.integers(0, 3))):
        start, end = spell()
        unit = draw(st.none() | units)
        declarations.append(
            DeclaredConflict(draw(experts), unit, "申报", draw(st.none() | st.just(start)), end)
        )
    data = GraphData(
        experts=[ExpertNode(i, f"专家{i}") for i in range(1, 5)],
        enterprises=enterprises,
        projects=[ProjectNode(p, f"项目{p}") for p in range(1, 4)],
        works=works,
        employments=jobs,
        participations=draw(
            st.lists(st.builds(Participation, projects, units, st.sampled_from(ROLES)), max_size=8)
        ),
        declarations=declarations,
        authorships=draw(
            st.lists(
                st.builds(
                    PlanAuthorship,
                    experts,
                    work_ids,
                    st.integers(1, 3),
                    st.sampled_from(["compiler", "checker", "approver"]),
                    st.integers(1, 3),
                ),
                max_size=3,
            )
        ),
        seats=draw(
            st.lists(
                st.builds(
                    PanelSeat,
                    experts,
                    work_ids,
                    st.integers(1, 3),
                    st.sampled_from(["pass", "pass_after_revision", "fail", "fail"]),
                    DAYS,
                ),
                max_size=4,
            )
        ),
    )
    work = draw(work_ids)
    project = next((w.project_id for w in works if w.id == work), None) or draw(projects)
    policy = ConflictPolicy(draw(st.integers(0, 4)), draw(st.none() | st.integers(0, 3)), draw(st.booleans()))
    return ConflictGraph.build(data), work, project, draw(DAYS), policy, range(1, 5)


@settings(max_examples=300, deadline=None)
@given(small_worlds())
def test_the_fast_set_agrees_with_find_conflicts_for_every_expert(case):
    graph, work, project, on, policy, experts = case
    fast = conflicted_experts(graph, work, project, on=on, policy=policy)
    slow = {
        e: paths for e in experts if (paths := find_conflicts(graph, e, work, project, on=on, policy=policy))
    }
    assert fast == slow
    for expert_id, paths in fast.items():
        assert all(
            p.steps[0].node == f"expert:{expert_id}" and p.steps[-1].node.startswith("project:")
            for p in paths
        )
