"""The conflict-graph tests' world: the domain's example of a group on a project, two experts, and how to ask it."""

from __future__ import annotations

from datetime import date

from expert_pool.conflicts.graph import (
    ConflictGraph,
    ConflictPath,
    ConflictPolicy,
    Employment,
    EnterpriseNode,
    ExpertNode,
    GraphData,
    Participation,
    ProjectNode,
    WorkNode,
    conflicted_experts,
    find_conflicts,
)

ON = date(2025, 6, 30)
GROUP, CONTRACTOR, SISTER, NIECE, COUSIN, SUPERVISOR, OUTSIDER = 1, 2, 3, 4, 5, 6, 7

ENTERPRISES = (
    EnterpriseNode(GROUP, "苏州某建设集团有限公司"),
    EnterpriseNode(CONTRACTOR, "苏州某建设有限公司", GROUP),
    EnterpriseNode(SISTER, "苏州某安装有限公司", GROUP),
    EnterpriseNode(NIECE, "苏州某劳务有限公司", SISTER),
    EnterpriseNode(COUSIN, "苏州某机械租赁有限公司", NIECE),
    EnterpriseNode(SUPERVISOR, "苏州某监理有限公司"),
    EnterpriseNode(OUTSIDER, "南京某设计院有限公司"),
)

PROJECT, OTHER_PROJECT, WORK, OTHER_WORK = 3, 4, 9, 10
ZHANG, LI = 1, 2


def world(**rows: object) -> ConflictGraph:
    """The domain's example: 苏州某建设有限公司 (a subsidiary of the group) is general contractor of 某项目."""
    base: dict[str, object] = {
        "experts": (ExpertNode(ZHANG, "张三"), ExpertNode(LI, "李四")),
        "enterprises": ENTERPRISES,
        "projects": (ProjectNode(PROJECT, "某项目"), ProjectNode(OTHER_PROJECT, "另一项目")),
        "works": (WorkNode(WORK, "某深基坑工程", PROJECT), WorkNode(OTHER_WORK, "某高支模工程", PROJECT)),
        "participations": (
            Participation(PROJECT, CONTRACTOR, "general_contractor"),
            Participation(PROJECT, SUPERVISOR, "supervisor"),
            Participation(OTHER_PROJECT, OUTSIDER, "designer"),
        ),
    }
    return ConflictGraph.build(GraphData(**{**base, **rows}))  # type: ignore[arg-type]


def job(enterprise: int, start: date, end: date | None = None, expert: int = ZHANG) -> Employment:
    return Employment(expert, enterprise, start, end)


def conflicts(
    graph: ConflictGraph, on: date = ON, expert: int = ZHANG, **policy: object
) -> list[ConflictPath]:
    found = find_conflicts(graph, expert, WORK, PROJECT, on=on, policy=ConflictPolicy(**policy))  # type: ignore[arg-type]
    fast = conflicted_experts(graph, WORK, PROJECT, on=on, policy=ConflictPolicy(**policy))  # type: ignore[arg-type]
    assert fast.get(expert, []) == found
    return found


def rules_of(paths: list[ConflictPath]) -> list[str]:
    return [p.rule for p in paths]


def texts(paths: list[ConflictPath]) -> list[str]:
    return [p.text for p in paths]
