"""Top-up draws (补充抽取, DOMAIN.md §4 "Decline"): a valid panel exactly when one exists, else an exact refusal with the counts."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from expert_pool.draws.feasibility import DrawInfeasible
from expert_pool.draws.panel import Candidate, PanelPolicy
from expert_pool.draws.top_up import draw_top_up
from knowledge.errors import ValidationError
from tests.unit.selection_helpers import HOME, by_id, expert
from tests.unit.top_up_helpers import (
    assert_valid_top_up,
    drawable,
    has_valid_top_up,
    large_top_ups,
    small_top_ups,
    tight_top_ups,
)

# --- valid panels, or a refusal that is right ------------------------------------------------------


@settings(max_examples=500, deadline=None)
@given(st.one_of(small_top_ups(), tight_top_ups()))
def test_small_top_ups_give_a_valid_panel_exactly_when_one_exists(case):
    pool, policy, staying, seats, alternates, exclude, seed = case
    members = by_id(pool)
    feasible = (
        sum(members[i].city is HOME for i in staying) <= policy.max_local
        and len(drawable(staying, pool, exclude)) >= seats + alternates
        and has_valid_top_up(staying, pool, policy, seats, exclude)
    )
    rng = random.Random(seed)
    state = rng.getstate()
    try:
        panel = draw_top_up(staying, pool, policy, rng, seats=seats, alternates=alternates, exclude=exclude)
    except DrawInfeasible as refusal:
        assert not feasible
        assert str(refusal).startswith("补充抽取：")
        assert rng.getstate() == state  # refused before any random number
    else:
        assert feasible
        assert_valid_top_up(panel, staying, pool, policy, alternates=alternates, exclude=exclude)


@settings(max_examples=200, deadline=None)
@given(large_top_ups())
def test_large_top_ups_give_valid_panels_or_name_the_counts(case):
    pool, policy, staying, seats, alternates, exclude, seed = case
    try:
        panel = draw_top_up(
            staying, pool, policy, random.Random(seed), seats=seats, alternates=alternates, exclude=exclude
        )
    except DrawInfeasible as refusal:
        assert refusal.constraint in {"pool_size", "max_local", "specialty", "combination"}
        assert str(refusal).startswith("补充抽取：")
        assert any(ch.isdigit() for ch in str(refusal))
    else:
        assert_valid_top_up(panel, staying, pool, policy, alternates=alternates, exclude=exclude)


def test_the_alternates_default_to_the_policy_and_may_be_none():
    pool = [expert(i) for i in range(1, 16)]
    policy = PanelPolicy(HOME, alternates=3)
    assert len(draw_top_up([1, 2, 3, 4], pool, policy, random.Random(1)).alternates) == 3
    assert draw_top_up([1, 2, 3, 4], pool, policy, random.Random(1), alternates=0).alternates == ()
    assert len(draw_top_up([1, 2, 3], pool, policy, random.Random(1), seats=2, alternates=5).alternates) == 5


# --- refusals with the counts ------------------------------------------------------------------------


def assert_refused(
    staying: list[int], pool: list[Candidate], policy: PanelPolicy, constraint: str, message: str, **kwargs
) -> None:
    rng = random.Random(7)
    state = rng.getstate()
    with pytest.raises(DrawInfeasible, match=message) as refusal:
        draw_top_up(staying, pool, policy, rng, **kwargs)
    assert refusal.value.constraint == constraint
    assert rng.getstate() == state


def test_no_outsider_left_when_the_staying_locals_fill_the_quota_is_refused():
    pool = [expert(1, HOME), expert(2, HOME), expert(3), expert(4), expert(5, HOME), expert(6, HOME)]
    assert_refused(
        [1, 2, 3, 4],
        pool,
        PanelPolicy(HOME, alternates=0),
        "max_local",
        r"^补充抽取：苏州市以外的可用专家仅0名，需要1名（已有本地专家2名，本地至多2名）$",
    )


def test_staying_locals_over_the_quota_are_refused():
    pool = [expert(1, HOME), expert(2, HOME), expert(3, HOME), expert(4)] + [expert(i) for i in range(5, 9)]
    assert_refused(
        [1, 2, 3, 4],
        pool,
        PanelPolicy(HOME, alternates=0),
        "max_local",
        "补充抽取：留任专家中苏州市本地专家已有3名，超过本地至多2名",
    )


def test_too_few_candidates_for_seats_and_alternates_is_refused():
    pool = [expert(i) for i in range(1, 8)]
    assert_refused(
        [1, 2, 3, 4],
        pool,
        PanelPolicy(HOME),
        "pool_size",
        r"补充抽取：可用专家仅2名，需要4名（补充正选1名、候补3名；留任及排除的5名不计入）",
        exclude=[5],
    )


def test_a_specialty_only_the_leaving_member_had_is_refused():
    pool = [expert(i) for i in range(1, 5)] + [expert(5, specialties=["excavation"])]
    pool += [expert(i) for i in range(6, 12)]
    policy = PanelPolicy(HOME, required_specialties=("excavation",))
    assert_refused(
        [1, 2, 3, 4],
        pool,
        policy,
        "specialty",
        r"补充抽取：基坑工程专业可用专家为0名，需要至少1名（留任专家均不具备该专业）",
        exclude=[5],
    )


def test_a_specialty_only_locals_have_is_refused_when_the_staying_locals_fill_the_quota():
    pool = [expert(1, HOME), expert(2, HOME), expert(3), expert(4)]
    pool += [expert(5, HOME, ["lifting"]), expert(6, HOME, ["lifting"])] + [expert(i) for i in range(7, 12)]
    policy = PanelPolicy(HOME, required_specialties=("lifting",))
    assert_refused(
        [1, 2, 3, 4],
        pool,
        policy,
        "specialty",
        r"补充抽取：苏州市以外的起重吊装及起重机械安装拆卸工程专业可用专家为0名，需要至少1名"
        r"（苏州市本地2名，已有本地专家2名，本地至多2名）",
    )


def test_two_lost_specialties_and_one_seat_without_a_versatile_expert_is_refused():
    pool = [expert(i) for i in range(1, 5)] + [expert(10, specialties=["excavation"])]
    pool += [expert(11, specialties=["lifting"])] + [expert(i) for i in range(12, 16)]
    policy = PanelPolicy(HOME, required_specialties=("excavation", "lifting"))
    assert_refused(
        [1, 2, 3, 4],
        pool,
        policy,
        "combination",
        r"补充抽取：无法以补充1名同时满足苏州市本地至多2名（已有本地专家0名）并覆盖基坑工程、起重吊装及起重机械安装拆卸工程"
        r"：可用专家中基坑工程1名（苏州市以外1名），起重吊装及起重机械安装拆卸工程1名（苏州市以外1名）",
    )
    # Two seats can cover both.
    panel = draw_top_up([1, 2, 3], pool, policy, random.Random(1), seats=2)
    assert set(panel.seated[3:]) == {10, 11}


@pytest.mark.parametrize(
    ("staying", "kwargs", "message"),
    [
        ([1, 2, 3], {}, "留任3名加补充1名共4名，与抽取规则的正选5名不符"),
        ([1, 2, 3, 4], {"seats": 2}, "留任4名加补充2名共6名"),
        ([1, 2, 3, 4, 5], {"seats": 0}, "至少补充1名正选专家，请求为0名"),
        ([1, 2, 3, 4], {"alternates": -1}, "候补人数不能为负数"),
        ([1, 2, 3, 3], {}, "留任专家3重复出现"),
        ([1, 2, 3, 99], {}, "候选名单中缺少留任专家99"),
        ([1, 2, 3, 4], {"exclude": [4]}, "专家4既是留任专家又被排除"),
    ],
)
def test_a_request_that_makes_no_sense_is_refused(staying, kwargs, message):
    pool = [expert(i) for i in range(1, 12)]
    with pytest.raises(ValidationError, match=message) as refusal:
        draw_top_up(staying, pool, PanelPolicy(HOME), random.Random(1), **kwargs)
    assert not isinstance(refusal.value, DrawInfeasible)


def test_a_repeated_candidate_is_refused():
    pool = [expert(i) for i in range(1, 12)] + [expert(7)]
    with pytest.raises(ValidationError, match="专家7重复"):
        draw_top_up([1, 2, 3, 4], pool, PanelPolicy(HOME), random.Random(1))
