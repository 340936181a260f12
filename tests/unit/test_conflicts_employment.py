"""The conflict graph (DOMAIN.md 5), employment: the domain's example, dates and the window, group depth."""

from __future__ import annotations

from datetime import date

import pytest

from expert_pool.conflicts.graph import Participation, Step
from expert_pool.conflicts.rules import years_before
from tests.unit.conflicts_helpers import (
    CONTRACTOR,
    COUSIN,
    GROUP,
    NIECE,
    OUTSIDER,
    PROJECT,
    SISTER,
    SUPERVISOR,
    conflicts,
    job,
    rules_of,
    texts,
    world,
)

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
