"""The conflict graph (DOMAIN.md 5): each rule both ways, its dates, group depth, readable paths, soft limits."""

from __future__ import annotations

import dataclasses
import gc
import json
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from expert_pool.conflicts.graph import (
    RULES,
    ConflictDataError,
    ConflictGraph,
    ConflictPath,
    ConflictPolicy,
    DeclaredConflict,
    Employment,
    EnterpriseNode,
    ExpertNode,
    GraphData,
    NotInGraphError,
    PanelSeat,
    Participation,
    PlanAuthorship,
    ProjectNode,
    Rule,
    Step,
    WorkNode,
    conflicted_experts,
    constructor_counts,
    find_conflicts,
    pair_counts,
)
from expert_pool.conflicts.rules import ROLE_LABELS, years_before
from knowledge.errors import ValidationError

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


# --- the domain's example and the former-employment window ------------------------------------------------


def test_domain_example_reads_as_a_path_through_the_parent_company():
    graph = world(employments=[job(GROUP, date(2019, 3, 1), date(2022, 6, 30))])
    [path] = conflicts(graph, on=date(2025, 6, 30))
    assert path.rule == "same_group" and path.title == "任职单位与项目参建单位同属一个集团"
    assert (
        path.text
        == "张三 —(2019-03至2022-06 任职)→ 苏州某建设集团有限公司 —(母公司)→ 苏州某建设有限公司 —(施工总承包)→ 某项目"
    )
    assert path.steps[0] == Step("张三", "2019-03至2022-06 任职", "expert:1")
    assert path.steps[-1] == Step("某项目", None, "project:3")
    assert conflicts(graph, on=date(2025, 7, 1)) == []


def test_current_employment_with_the_contractor():
    graph = world(employments=[job(CONTRACTOR, date(2021, 5, 10))])
    [path] = conflicts(graph)
    assert path.rule == "current_employment"
    assert path.text == "张三 —(2021-05至今 任职)→ 苏州某建设有限公司 —(施工总承包)→ 某项目"


@pytest.mark.parametrize(
    ("start", "end", "on", "expected"),
    [
        (date(2020, 1, 1), date(2025, 6, 30), date(2025, 6, 30), ["current_employment"]),  # last day counts
        (date(2020, 1, 1), date(2025, 6, 30), date(2025, 7, 1), ["former_employment"]),
        (date(2025, 6, 30), None, date(2025, 6, 30), ["current_employment"]),  # first day counts
        (date(2025, 7, 1), None, date(2025, 6, 30), []),  # not yet employed
        (date(2018, 1, 1), date(2022, 6, 30), date(2025, 6, 30), ["former_employment"]),  # the anniversary
        (date(2018, 1, 1), date(2022, 6, 30), date(2025, 7, 1), []),  # three years and a day
        (date(2018, 1, 1), date(2022, 6, 29), date(2025, 6, 30), []),
    ],
)
def test_employment_dates_are_inclusive_and_the_window_is_three_years(start, end, on, expected):
    graph = world(employments=[job(SUPERVISOR, start, end)])
    assert rules_of(conflicts(graph, on=on)) == expected


def test_former_employment_text_and_policy_years():
    graph = world(employments=[job(SUPERVISOR, date(2016, 4, 1), date(2022, 6, 30))])
    assert texts(conflicts(graph)) == ["张三 —(2016-04至2022-06 任职)→ 苏州某监理有限公司 —(监理)→ 某项目"]
    assert rules_of(conflicts(graph, on=date(2027, 6, 30), former_employment_years=5)) == [
        "former_employment"
    ]
    assert conflicts(graph, on=date(2022, 7, 1), former_employment_years=0) == []


def test_the_window_of_a_leap_day_falls_back_to_the_28th():
    assert years_before(date(2024, 2, 29), 3) == date(2021, 2, 28)
    graph = world(employments=[job(SUPERVISOR, date(2019, 1, 1), date(2021, 2, 28))])
    assert rules_of(conflicts(graph, on=date(2024, 2, 29))) == ["former_employment"]


def test_a_unit_not_on_the_project_is_no_conflict():
    graph = world(employments=[job(OUTSIDER, date(2020, 1, 1))])
    assert conflicts(graph) == []


# --- the corporate group ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("employer", "links", "text"),
    [
        (
            GROUP,
            1,
            "张三 —(2020-01至今 任职)→ 苏州某建设集团有限公司 —(母公司)→ 苏州某建设有限公司 —(施工总承包)→ 某项目",
        ),
        (
            SISTER,
            2,
            "张三 —(2020-01至今 任职)→ 苏州某安装有限公司 —(子公司)→ 苏州某建设集团有限公司 —(母公司)→ "
            "苏州某建设有限公司 —(施工总承包)→ 某项目",
        ),
        (
            NIECE,
            3,
            "张三 —(2020-01至今 任职)→ 苏州某劳务有限公司 —(子公司)→ 苏州某安装有限公司 —(子公司)→ "
            "苏州某建设集团有限公司 —(母公司)→ 苏州某建设有限公司 —(施工总承包)→ 某项目",
        ),
    ],
)
def test_group_depth_counts_the_links_between_the_two_units(employer, links, text):
    graph = world(employments=[job(employer, date(2020, 1, 1))])
    assert texts(conflicts(graph)) == [text]  # unlimited by default
    for depth in range(4):
        assert bool(conflicts(graph, group_depth=depth)) is (depth >= links), depth


def test_a_subsidiary_employer_reaches_its_parent_on_the_project():
    graph = world(
        employments=[job(CONTRACTOR, date(2020, 1, 1))],
        participations=[Participation(PROJECT, GROUP, "owner")],
    )
    assert texts(conflicts(graph)) == [
        "张三 —(2020-01至今 任职)→ 苏州某建设有限公司 —(子公司)→ 苏州某建设集团有限公司 —(建设)→ 某项目"
    ]


def test_four_links_deep_within_the_group_still_counts_when_unlimited():
    graph = world(employments=[job(COUSIN, date(2020, 1, 1))])
    [path] = conflicts(graph)
    assert len(path.steps) == 7 and conflicts(graph, group_depth=3) == []


def test_the_group_rule_uses_the_former_window_too():
    graph = world(employments=[job(SISTER, date(2015, 1, 1), date(2022, 6, 30))])
    assert rules_of(conflicts(graph, on=date(2025, 6, 30))) == ["same_group"]
    assert conflicts(graph, on=date(2025, 7, 1)) == []
    assert conflicts(graph, on=date(2023, 1, 1), former_employment_years=0) == []


def test_the_unit_itself_is_rule_one_not_the_group_rule():
    graph = world(employments=[job(CONTRACTOR, date(2020, 1, 1))])
    assert rules_of(conflicts(graph)) == ["current_employment"]


def test_a_unit_in_another_group_is_no_conflict():
    graph = world(employments=[job(OUTSIDER, date(2020, 1, 1))])
    assert conflicts(graph, group_depth=None) == []


def test_groups_are_precomputed_as_plain_data():
    graph = world()
    assert graph.group_root(COUSIN) == GROUP and graph.group_root(SUPERVISOR) == SUPERVISOR
    assert graph.group_members(NIECE) == (GROUP, CONTRACTOR, SISTER, NIECE, COUSIN)
    assert graph.project_units(PROJECT) == {"general_contractor": (CONTRACTOR,), "supervisor": (SUPERVISOR,)}


# --- plans, declarations, panels -------------------------------------------------------------------------


def test_author_or_checker_of_this_works_plan():
    graph = world(
        authorships=[
            PlanAuthorship(ZHANG, WORK, 41, "author"),
            PlanAuthorship(LI, WORK, 42, "checker"),
            PlanAuthorship(LI, OTHER_WORK, 43, "author"),
        ]
    )
    assert texts(conflicts(graph)) == ["张三 —(编制方案#41)→ 某深基坑工程 —(所属)→ 某项目"]
    assert texts(conflicts(graph, expert=LI)) == ["李四 —(审核方案#42)→ 某深基坑工程 —(所属)→ 某项目"]


@pytest.mark.parametrize(
    ("start", "end", "on", "holds"),
    [
        (date(2024, 1, 1), date(2025, 6, 30), date(2025, 6, 30), True),
        (date(2024, 1, 1), date(2025, 6, 30), date(2025, 7, 1), False),
        (date(2025, 6, 30), None, date(2025, 6, 30), True),
        (date(2025, 7, 1), None, date(2025, 6, 30), False),
        (None, None, date(2025, 6, 30), True),
        (None, date(2020, 1, 1), date(2025, 6, 30), False),
    ],
)
def test_declared_conflict_holds_within_its_dates(start, end, on, holds):
    graph = world(declarations=[DeclaredConflict(ZHANG, SUPERVISOR, "其配偶任职", start, end)])
    assert rules_of(conflicts(graph, on=on)) == (["declared"] if holds else [])


def test_declared_conflict_text_and_units_off_the_project():
    graph = world(
        declarations=[
            DeclaredConflict(ZHANG, SUPERVISOR, "其配偶任职", date(2023, 1, 5)),
            DeclaredConflict(ZHANG, OUTSIDER, "业务往来"),
            DeclaredConflict(ZHANG, None, "与项目经理系同学"),  # no unit: for a clerk, not matched here
            DeclaredConflict(LI, SUPERVISOR, "曾合作", None, date(2025, 12, 31)),
        ]
    )
    assert texts(conflicts(graph)) == [
        "张三 —(申报回避：其配偶任职 2023-01至今)→ 苏州某监理有限公司 —(监理)→ 某项目"
    ]
    assert texts(conflicts(graph, expert=LI)) == [
        "李四 —(申报回避：曾合作 至2025-12)→ 苏州某监理有限公司 —(监理)→ 某项目"
    ]


def test_a_failed_panel_for_the_same_work_bars_the_new_review():
    graph = world(
        seats=[
            PanelSeat(ZHANG, WORK, 5, "fail", date(2025, 3, 10)),
            PanelSeat(LI, WORK, 6, "pass_after_revision", date(2025, 4, 1)),
            PanelSeat(LI, OTHER_WORK, 7, "fail", date(2025, 4, 1)),
        ]
    )
    assert texts(conflicts(graph)) == ["张三 —(2025-03-10 论证不通过)→ 某深基坑工程 —(所属)→ 某项目"]
    assert conflicts(graph, expert=LI) == []
    assert conflicts(graph, exclude_failed_panel=False) == []
    assert conflicts(graph, on=date(2025, 3, 9)) == []  # not a previous panel yet


@pytest.mark.parametrize("conclusion", ["pass", "pass_after_revision"])
def test_a_passed_panel_is_no_conflict(conclusion):
    graph = world(seats=[PanelSeat(ZHANG, WORK, 5, conclusion, date(2025, 3, 10))])
    assert conflicts(graph) == []


# --- all at once -----------------------------------------------------------------------------------------


def test_every_rule_that_holds_is_reported_in_the_registry_order():
    graph = world(
        employments=[job(SISTER, date(2023, 1, 1)), job(SUPERVISOR, date(2015, 1, 1), date(2022, 12, 31))],
        participations=[
            Participation(PROJECT, SISTER, "owner"),
            Participation(PROJECT, SISTER, "subcontractor"),
            Participation(PROJECT, CONTRACTOR, "general_contractor"),
            Participation(PROJECT, SUPERVISOR, "supervisor"),
        ],
        declarations=[DeclaredConflict(ZHANG, CONTRACTOR, "其子任职")],
        authorships=[PlanAuthorship(ZHANG, WORK, 41, "checker")],
        seats=[PanelSeat(ZHANG, WORK, 5, "fail", date(2025, 1, 2))],
    )
    found = conflicts(graph)
    assert rules_of(found) == [r.code for r in RULES]
    assert found[0].text == "张三 —(2023-01至今 任职)→ 苏州某安装有限公司 —(建设、专业分包)→ 某项目"
    assert set(conflicted_experts(graph, WORK, PROJECT, on=ON)) == {ZHANG}


def test_results_are_plain_data_a_view_can_serialise():
    graph = world(employments=[job(GROUP, date(2019, 3, 1), date(2022, 6, 30))])
    [path] = conflicts(graph)
    assert json.loads(json.dumps(dataclasses.asdict(path), ensure_ascii=False))["rule"] == "same_group"


def test_a_rule_can_be_added_alone():
    def everyone_of(facts, q):
        yield [facts.names.step("expert", facts.expert_id, "测试"), facts.names.step("project", q.project_id)]

    def everyone_in(ix, units, q):
        for expert_id in ix.names.by_kind["expert"]:
            yield (
                expert_id,
                [ix.names.step("expert", expert_id, "测试"), ix.names.step("project", q.project_id)],
            )

    rules = (*RULES, Rule("test", "测试规则", everyone_of, everyone_in))
    graph = world()
    assert texts(find_conflicts(graph, LI, WORK, PROJECT, on=ON, rules=rules)) == ["李四 —(测试)→ 某项目"]
    assert sorted(conflicted_experts(graph, WORK, PROJECT, on=ON, rules=rules)) == [ZHANG, LI]
    assert find_conflicts(graph, LI, WORK, PROJECT, on=ON, rules=rules[:1]) == []


# --- the graph, its checks and its errors ----------------------------------------------------------------


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
        {"authorships": [PlanAuthorship(1, 1, 1, "reviewer")]},  # type: ignore[arg-type]
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


# --- soft limits -----------------------------------------------------------------------------------------


def test_pair_counts_over_the_twelve_months_ending_on_the_day():
    seats = [
        *(PanelSeat(e, WORK, 1, "pass", date(2025, 6, 30)) for e in (1, 2, 3)),
        *(PanelSeat(e, WORK, 2, "fail", date(2024, 7, 1)) for e in (2, 1)),  # 364 days before: inside
        *(PanelSeat(e, WORK, 3, "pass", date(2024, 6, 30)) for e in (1, 2)),  # 365 days before: outside
        *(PanelSeat(e, WORK, 4, "pass", date(2025, 7, 1)) for e in (1, 2)),  # after the day: outside
    ]
    assert pair_counts(seats, ON) == {(1, 2): 2, (1, 3): 1, (2, 3): 1}
    assert pair_counts(seats, ON, window_days=1) == {(1, 2): 1, (1, 3): 1, (2, 3): 1}


def test_constructor_counts_count_reviews_per_expert_and_constructor():
    works = [WorkNode(WORK, "甲", PROJECT), WorkNode(OTHER_WORK, "乙", OTHER_PROJECT)]
    participations = [
        Participation(PROJECT, CONTRACTOR, "general_contractor"),
        Participation(PROJECT, SISTER, "subcontractor"),
        Participation(PROJECT, GROUP, "owner"),
        Participation(OTHER_PROJECT, CONTRACTOR, "general_contractor"),
    ]
    seats = [
        PanelSeat(ZHANG, WORK, 1, "fail", date(2025, 1, 1)),
        PanelSeat(ZHANG, WORK, 2, "pass", date(2025, 3, 1)),
        PanelSeat(ZHANG, OTHER_WORK, 3, "pass", date(2025, 5, 1)),
        PanelSeat(LI, OTHER_WORK, 3, "pass", date(2023, 5, 1)),
    ]
    assert constructor_counts(seats, works, participations, on=ON) == {
        (ZHANG, CONTRACTOR): 3,
        (ZHANG, SISTER): 2,
    }


# --- the fast set agrees with find_conflicts --------------------------------------------------------------

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
                    st.sampled_from(["author", "checker"]),
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


def test_crowded_pairs_count_shared_panels_in_the_window_among_candidates():
    from datetime import date as d

    from expert_pool.conflicts.records import PanelSeat
    from expert_pool.conflicts.soft_limits import crowded_pairs, shared_days

    def panel(review_id, day, *experts):
        return [PanelSeat(e, 100 + review_id, review_id, "pass", day) for e in experts]

    seats = [
        *panel(1, d(2025, 1, 10), 1, 2, 3),
        *panel(2, d(2025, 6, 1), 2, 1, 4),
        *panel(3, d(2025, 9, 1), 1, 2, 5),
        *panel(4, d(2025, 9, 2), 3, 4),
    ]
    shared = shared_days(seats)
    assert shared[(1, 2)] == (d(2025, 1, 10), d(2025, 6, 1), d(2025, 9, 1))
    assert (3, 4) not in shared  # one shared panel: never a limit's concern
    assert crowded_pairs(shared, {1, 2, 3}, on=d(2025, 12, 1), limit=3) == [(1, 2)]
    assert crowded_pairs(shared, {1, 3}, on=d(2025, 12, 1), limit=3) == []  # 2 is not a candidate
    # 365 days ending on 2026-01-10: the panel of 2025-01-10 falls out, two remain
    assert crowded_pairs(shared, {1, 2}, on=d(2026, 1, 10), limit=3) == []
    assert crowded_pairs(shared, {1, 2}, on=d(2026, 1, 10), limit=2) == [(1, 2)]
    assert crowded_pairs(shared, {1, 2}, on=d(2025, 12, 1), limit=0) == []  # 0: no limit
