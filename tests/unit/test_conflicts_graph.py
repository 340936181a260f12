"""The conflict graph (DOMAIN.md 5) itself: its stats, its build, its checks of the rows and its errors."""

from __future__ import annotations

import gc
from datetime import date

import pytest

from expert_pool.conflicts.graph import (
    ConflictDataError,
    ConflictGraph,
    ConflictPolicy,
    Employment,
    EnterpriseNode,
    GraphData,
    NotInGraphError,
    PanelSeat,
    Participation,
    PlanAuthorship,
    conflicted_experts,
    find_conflicts,
)
from knowledge.errors import ValidationError
from tests.unit.conflicts_helpers import (
    ENTERPRISES,
    GROUP,
    ON,
    OTHER_PROJECT,
    PROJECT,
    WORK,
    ZHANG,
    job,
    texts,
    world,
)


def test_graph_stats_count_typed_nodes_and_edges():
    stats = world(employments=[job(GROUP, date(2019, 3, 1))]).graph_stats()
    assert stats.nodes_by_kind == {"expert": 2, "enterprise": 7, "project": 2, "work": 2}
    assert stats.edges_by_kind == {"parent_of": 4, "employed_by": 1, "participates": 3, "work_of": 2}
    assert (stats.nodes, stats.edges) == (13, 10)


def test_build_restores_the_collector_and_can_freeze():
    assert gc.isenabled()
    try:
        ConflictGraph.build(GraphData(enterprises=ENTERPRISES), freeze=True)
        assert gc.isenabled() and gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_unknown_names_fall_back_to_kind_and_id():
    graph = ConflictGraph.build(
        GraphData(
            employments=[Employment(8, 70, date(2020, 1, 1))], participations=[Participation(80, 70, "owner")]
        )
    )
    assert texts(find_conflicts(graph, 8, 90, 80, on=ON)) == [
        "专家#8 —(2020-01至今 任职)→ 企业#70 —(建设)→ 项目#80"
    ]


def test_a_project_missing_from_the_snapshot_is_an_error_not_a_clean_bill():
    graph = world()
    with pytest.raises(NotInGraphError):
        conflicted_experts(graph, WORK, 99, on=ON)
    with pytest.raises(NotInGraphError):
        find_conflicts(graph, 99, WORK, PROJECT, on=ON)
    with pytest.raises(ValidationError, match="不属于"):
        find_conflicts(graph, ZHANG, WORK, OTHER_PROJECT, on=ON)


@pytest.mark.parametrize(
    "rows",
    [
        {"enterprises": [EnterpriseNode(1, "甲", 2), EnterpriseNode(2, "乙", 3), EnterpriseNode(3, "丙", 1)]},
        {"enterprises": [EnterpriseNode(1, "甲", 1)]},
        {"participations": [Participation(1, 1, "testing")]},
        {"employments": [Employment(1, 1, date(2020, 1, 2), date(2020, 1, 1))]},
        {"seats": [PanelSeat(1, 1, 1, "rejected", ON)]},  # type: ignore[arg-type]
        {"authorships": [PlanAuthorship(1, 1, 1, "reviewer", 1)]},  # type: ignore[arg-type]
    ],
)
def test_bad_rows_are_refused(rows):
    with pytest.raises(ConflictDataError):
        ConflictGraph.build(GraphData(**rows))


def test_policy_refuses_negative_values():
    with pytest.raises(ValueError):
        ConflictPolicy(former_employment_years=-1)
    with pytest.raises(ValueError):
        ConflictPolicy(group_depth=-1)
