"""Rule 3 with dated group membership (DOMAIN.md 5, issue 17): a parent–subsidiary link holds from its start to
its end, and a job ties an expert to a group only on days when both units were in it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from expert_pool.conflicts.graph import (
    ConflictDataError,
    ConflictGraph,
    ConflictPolicy,
    Employment,
    EnterpriseNode,
    ExpertNode,
    GraphData,
    GroupLink,
    Participation,
    ProjectNode,
    WorkNode,
    conflicted_experts,
    find_conflicts,
)
from expert_pool.conflicts.rules import years_before
from tests.unit.conflicts_helpers import (
    CONTRACTOR,
    COUSIN,
    GROUP,
    NIECE,
    OUTSIDER,
    SISTER,
    SUPERVISOR,
    conflicts,
    job,
    rules_of,
    texts,
    world,
)

# The helpers' world without parent_id: every link comes with its dates here.
UNDATED = (
    EnterpriseNode(GROUP, "苏州某建设集团有限公司"),
    EnterpriseNode(CONTRACTOR, "苏州某建设有限公司"),
    EnterpriseNode(SISTER, "苏州某安装有限公司"),
    EnterpriseNode(NIECE, "苏州某劳务有限公司"),
    EnterpriseNode(COUSIN, "苏州某机械租赁有限公司"),
    EnterpriseNode(SUPERVISOR, "苏州某监理有限公司"),
    EnterpriseNode(OUTSIDER, "南京某设计院有限公司"),
)
LONG_AGO = date(2010, 1, 1)


def dated(*links: GroupLink, jobs: list[Employment]) -> ConflictGraph:
    return world(enterprises=UNDATED, group_links=links, employments=jobs)


def acquired(enterprise: int, parent: int, start: date, end: date | None = None) -> GroupLink:
    return GroupLink(enterprise, parent, start, end)


# --- the acceptance: an acquisition after the job ended no longer excludes -------------------------------


def test_an_acquisition_dated_after_the_job_ended_does_not_exclude():
    graph = dated(
        acquired(CONTRACTOR, GROUP, date(2023, 5, 1)), jobs=[job(GROUP, date(2019, 3, 1), date(2022, 6, 30))]
    )
    assert conflicts(graph, on=date(2025, 6, 30)) == []


def test_an_acquisition_dated_before_the_job_ended_excludes_and_the_path_shows_its_date():
    graph = dated(
        acquired(CONTRACTOR, GROUP, date(2021, 1, 15)), jobs=[job(GROUP, date(2019, 3, 1), date(2022, 6, 30))]
    )
    [path] = conflicts(graph, on=date(2025, 6, 30))
    assert path.rule == "same_group"
    assert path.text == (
        "张三 —(2019-03至2022-06 任职)→ 苏州某建设集团有限公司 —(2021-01起 母公司)→ 苏州某建设有限公司 "
        "—(施工总承包)→ 某项目"
    )


def test_a_current_job_meets_a_later_acquisition_on_its_day():
    graph = dated(acquired(CONTRACTOR, GROUP, date(2023, 5, 1)), jobs=[job(GROUP, date(2019, 3, 1))])
    assert texts(conflicts(graph, on=date(2025, 6, 30))) == [
        "张三 —(2019-03至今 任职)→ 苏州某建设集团有限公司 —(2023-05起 母公司)→ 苏州某建设有限公司 —(施工总承包)→ 某项目"
    ]
    assert conflicts(graph, on=date(2023, 4, 30)) == []  # the day before the acquisition: no group yet
    assert rules_of(conflicts(graph, on=date(2023, 5, 1))) == ["same_group"]  # its first day counts


def test_a_firm_that_left_the_group_before_the_job_started_does_not_exclude():
    links = (
        acquired(CONTRACTOR, GROUP, LONG_AGO, date(2023, 12, 31)),
        acquired(SISTER, GROUP, LONG_AGO),
    )
    assert conflicts(dated(*links, jobs=[job(SISTER, date(2024, 1, 1))]), on=date(2025, 6, 30)) == []
    [path] = conflicts(dated(*links, jobs=[job(SISTER, date(2023, 12, 31))]), on=date(2025, 6, 30))
    assert path.text == (
        "张三 —(2023-12至今 任职)→ 苏州某安装有限公司 —(2010-01起 子公司)→ 苏州某建设集团有限公司 "
        "—(2010-01至2023-12 母公司)→ 苏州某建设有限公司 —(施工总承包)→ 某项目"
    )


def test_a_firm_that_changed_groups_ties_the_job_to_the_group_of_its_days():
    # The contractor left the group at the end of 2020 and became a subsidiary of the Nanjing design institute
    # in 2021. 张三 worked for the group from 2022, 李四 for the institute: only 李四 shares a group with it.
    links = (
        acquired(CONTRACTOR, GROUP, LONG_AGO, date(2020, 12, 31)),
        acquired(CONTRACTOR, OUTSIDER, date(2021, 1, 1)),
    )
    graph = dated(*links, jobs=[job(GROUP, date(2022, 1, 1)), job(OUTSIDER, date(2022, 1, 1), expert=2)])
    assert conflicts(graph, on=date(2024, 1, 1)) == []
    assert rules_of(conflicts(graph, on=date(2024, 1, 1), expert=2)) == ["same_group"]


# --- the window (3 years) still applies, to the days of the link too -------------------------------------


def test_the_window_limits_the_days_on_which_membership_counts():
    link = acquired(CONTRACTOR, GROUP, date(2016, 1, 1), date(2018, 12, 31))
    graph = dated(
        link, acquired(SISTER, GROUP, LONG_AGO), jobs=[job(SISTER, date(2015, 1, 1), date(2022, 6, 30))]
    )
    assert rules_of(conflicts(graph, on=date(2021, 12, 31))) == ["same_group"]  # window from 2018-12-31
    assert conflicts(graph, on=date(2022, 1, 1)) == []  # window from 2019-01-01: the contractor had left
    assert years_before(date(2022, 1, 1), 3) == date(2019, 1, 1)
    assert rules_of(conflicts(graph, on=date(2022, 1, 1), former_employment_years=4)) == ["same_group"]


def test_a_job_ended_more_than_three_years_ago_ties_nothing_even_in_a_group_of_always():
    links = (acquired(CONTRACTOR, GROUP, LONG_AGO), acquired(SISTER, GROUP, LONG_AGO))
    graph = dated(*links, jobs=[job(SISTER, date(2015, 1, 1), date(2022, 6, 30))])
    assert rules_of(conflicts(graph, on=date(2025, 6, 30))) == ["same_group"]
    assert conflicts(graph, on=date(2025, 7, 1)) == []


def test_depth_is_counted_on_the_day_the_chain_holds():
    # The niece sat under the sister (three links from the contractor) until 2022, then directly under the
    # group (two links).
    links = (
        acquired(CONTRACTOR, GROUP, LONG_AGO),
        acquired(SISTER, GROUP, LONG_AGO),
        acquired(NIECE, SISTER, LONG_AGO, date(2021, 12, 31)),
        acquired(NIECE, GROUP, date(2022, 1, 1)),
    )
    graph = dated(*links, jobs=[job(NIECE, date(2020, 1, 1))])
    assert conflicts(graph, on=date(2021, 6, 30), group_depth=2) == []
    [path] = conflicts(graph, on=date(2022, 6, 30), group_depth=2)
    assert "苏州某劳务有限公司 —(2022-01起 子公司)→ 苏州某建设集团有限公司" in path.text


def test_undated_parents_keep_their_old_reading():
    graph = world(employments=[job(GROUP, date(2019, 3, 1), date(2022, 6, 30))])
    assert texts(conflicts(graph)) == [
        "张三 —(2019-03至2022-06 任职)→ 苏州某建设集团有限公司 —(母公司)→ 苏州某建设有限公司 —(施工总承包)→ 某项目"
    ]


def test_the_current_parent_is_the_open_link():
    links = (acquired(CONTRACTOR, GROUP, LONG_AGO, date(2020, 12, 31)), acquired(SISTER, GROUP, LONG_AGO))
    graph = dated(*links, jobs=[])
    assert graph.group_root(CONTRACTOR) == CONTRACTOR and graph.group_root(SISTER) == GROUP
    assert graph.graph_stats().edges_by_kind["parent_of"] == 2


@pytest.mark.parametrize(
    ("links", "message"),
    [
        ((acquired(CONTRACTOR, GROUP, date(2021, 1, 1), date(2020, 1, 1)),), "结束早于开始"),
        (
            (acquired(CONTRACTOR, GROUP, date(2019, 1, 1)), acquired(CONTRACTOR, SISTER, date(2021, 1, 1))),
            "两个上级",
        ),
        (
            (
                acquired(CONTRACTOR, GROUP, date(2019, 1, 1), date(2021, 6, 30)),
                acquired(CONTRACTOR, SISTER, date(2021, 6, 30)),
            ),
            "两个上级",
        ),  # fmt: skip
        (
            (acquired(GROUP, CONTRACTOR, date(2022, 1, 1)), acquired(CONTRACTOR, GROUP, date(2019, 1, 1))),
            "成环",
        ),
    ],
)
def test_links_that_cannot_be_are_refused(links, message):
    with pytest.raises(ConflictDataError, match=message):
        dated(*links, jobs=[])


def test_a_group_that_swapped_parent_and_child_over_time_is_no_cycle():
    links = (
        acquired(GROUP, CONTRACTOR, date(2015, 1, 1), date(2018, 12, 31)),
        acquired(CONTRACTOR, GROUP, date(2019, 1, 1)),
    )
    graph = dated(*links, jobs=[job(GROUP, date(2017, 1, 1), date(2018, 6, 30))])
    assert rules_of(conflicts(graph, on=date(2020, 1, 1))) == [
        "same_group"
    ]  # a subsidiary of the contractor then


# --- both readings agree, and with a day-by-day oracle -----------------------------------------------------

DAYS = st.dates(date(2019, 1, 1), date(2021, 12, 31))


@st.composite
def dated_worlds(draw: st.DrawFn) -> tuple[GraphData, date, ConflictPolicy]:
    n = draw(st.integers(2, 6))
    links: list[GroupLink] = []
    for child in range(2, n + 1):
        days = sorted(draw(st.sets(DAYS, min_size=4, max_size=4)))
        spells = [(days[0], days[1]), (days[2], draw(st.none() | st.just(days[3])))]
        for start, end in spells[: draw(st.integers(0, 2))]:
            links.append(GroupLink(child, draw(st.integers(1, child - 1)), start, end))

    def spell() -> tuple[date, date | None]:
        start, end = sorted((draw(DAYS), draw(DAYS)))
        return start, draw(st.none() | st.just(end))

    data = GraphData(
        experts=[ExpertNode(i, f"专家{i}") for i in (1, 2, 3)],
        enterprises=[EnterpriseNode(i, f"企业{i}") for i in range(1, n + 1)],
        group_links=links,
        projects=[ProjectNode(1, "项目")],
        works=[WorkNode(10, "工程", 1)],
        employments=[
            Employment(draw(st.integers(1, 3)), draw(st.integers(1, n)), *spell())
            for _ in range(draw(st.integers(1, 5)))
        ],
        participations=draw(
            st.lists(st.builds(Participation, st.just(1), st.integers(1, n), st.just("owner")), max_size=3)
        ),
    )
    on = draw(st.dates(date(2019, 6, 1), date(2023, 6, 1)))
    return data, on, ConflictPolicy(draw(st.integers(0, 2)), draw(st.none() | st.integers(1, 3)))


def _oracle(data: GraphData, on: date, policy: ConflictPolicy) -> set[tuple[int, int, int]]:
    """(expert, employer, unit) of every rule-3 tie, found by walking every day of every job's counted span."""

    def up(e: int, day: date) -> list[int]:
        chain = [e]
        while parent := next(
            (k.parent_id for k in data.group_links
             if k.enterprise_id == chain[-1] and k.start <= day and (k.end is None or day <= k.end)),
            None,
        ):  # fmt: skip
            chain.append(parent)
        return chain

    cutoff, units = (
        years_before(on, policy.former_employment_years),
        {p.enterprise_id for p in data.participations},
    )
    found = set()
    for j in data.employments:
        day, last = max(j.start, cutoff), min(j.end or on, on)
        while day <= last:
            for unit in units - {j.enterprise_id}:
                a, b = up(j.enterprise_id, day), up(unit, day)
                common = [(i + b.index(x)) for i, x in enumerate(a) if x in b]
                if common and (policy.group_depth is None or common[0] <= policy.group_depth):
                    found.add((j.expert_id, j.enterprise_id, unit))
            day += timedelta(days=1)
    return found


@settings(max_examples=120, deadline=None)
@given(dated_worlds())
def test_both_readings_agree_with_each_other_and_with_every_day_checked(case):
    data, on, policy = case
    graph = ConflictGraph.build(data)
    fast = conflicted_experts(graph, 10, 1, on=on, policy=policy)
    slow = {e: paths for e in (1, 2, 3) if (paths := find_conflicts(graph, e, 10, 1, on=on, policy=policy))}
    assert fast == slow
    grouped = {
        (
            int(p.steps[0].node.split(":")[1]),
            int(p.steps[1].node.split(":")[1]),
            int(p.steps[-2].node.split(":")[1]),
        )
        for paths in fast.values()
        for p in paths
        if p.rule == "same_group"
    }
    assert grouped == _oracle(data, on, policy)
