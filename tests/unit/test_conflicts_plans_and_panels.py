"""The conflict graph (DOMAIN.md 5): plans, declarations, failed panels, and every rule at once."""

from __future__ import annotations

import dataclasses
import json
from datetime import date

import pytest

from expert_pool.conflicts.graph import (
    RULES,
    DeclaredConflict,
    PanelSeat,
    Participation,
    PlanAuthorship,
    Rule,
    conflicted_experts,
    find_conflicts,
)
from tests.unit.conflicts_helpers import (
    CONTRACTOR,
    GROUP,
    LI,
    ON,
    OTHER_WORK,
    OUTSIDER,
    PROJECT,
    SISTER,
    SUPERVISOR,
    WORK,
    ZHANG,
    conflicts,
    job,
    rules_of,
    texts,
    world,
)

# --- plans, declarations, panels -------------------------------------------------------------------------


def test_compiler_checker_or_approver_of_this_works_plan():
    graph = world(
        authorships=[
            PlanAuthorship(ZHANG, WORK, 41, "compiler", 1),
            PlanAuthorship(LI, WORK, 42, "checker", 2),
            PlanAuthorship(LI, OTHER_WORK, 43, "compiler", 1),
        ]
    )
    assert texts(conflicts(graph)) == [
        "张三 —(参与编制本方案（第1版，编制人）)→ 某深基坑工程 —(所属)→ 某项目"
    ]
    assert texts(conflicts(graph, expert=LI)) == [
        "李四 —(参与编制本方案（第2版，审核人）)→ 某深基坑工程 —(所属)→ 某项目"
    ]
    both_ways = conflicted_experts(graph, WORK, PROJECT, on=ON)
    assert {e: texts(p) for e, p in both_ways.items()} == {
        ZHANG: texts(conflicts(graph)),
        LI: texts(conflicts(graph, expert=LI)),
    }


def test_approver_of_an_earlier_version_still_stands_aside():
    graph = world(authorships=[PlanAuthorship(ZHANG, WORK, 40, "approver", 1)])
    [path] = conflicts(graph)
    assert path.rule == "plan_author" and "（第1版，审批人）" in path.text


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
        authorships=[PlanAuthorship(ZHANG, WORK, 41, "checker", 1)],
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
