"""Panel draws (DOMAIN.md §4): a valid panel exactly when one exists, else a refusal that names the counts."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from expert_pool.draws.feasibility import DrawInfeasible
from expert_pool.draws.panel import Candidate, PanelPolicy
from expert_pool.draws.selection import draw_panel
from knowledge.errors import ValidationError
from knowledge.regions import City
from tests.unit.selection_helpers import (
    CODES,
    HOME,
    assert_valid,
    expert,
    has_valid_seating,
    large_draws,
    small_draws,
    tight_draws,
)

# --- valid panels, or a refusal that is right ------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.one_of(small_draws(), tight_draws()))
def test_small_pools_give_a_valid_panel_exactly_when_one_exists(case):
    pool, policy, seed = case
    feasible = len(pool) >= policy.panel_size + policy.alternates and has_valid_seating(pool, policy)
    try:
        panel = draw_panel(pool, policy, random.Random(seed))
    except DrawInfeasible:
        assert not feasible
    else:
        assert feasible
        assert_valid(panel, pool, policy)


@settings(max_examples=200, deadline=None)
@given(large_draws())
def test_large_pools_give_valid_panels_or_name_the_counts(case):
    pool, policy, seed = case
    try:
        panel = draw_panel(pool, policy, random.Random(seed))
    except DrawInfeasible as refusal:
        assert refusal.constraint in {"pool_size", "max_local", "specialty", "combination"}
        assert any(ch.isdigit() for ch in str(refusal))
    else:
        assert_valid(panel, pool, policy)


# --- refusals, before any random number, with the counts ---------------------------------------------


def assert_refused(pool: list[Candidate], policy: PanelPolicy, constraint: str, message: str) -> None:
    rng = random.Random(7)
    state = rng.getstate()
    with pytest.raises(DrawInfeasible, match=message) as refusal:
        draw_panel(pool, policy, rng)
    assert refusal.value.constraint == constraint
    assert rng.getstate() == state


def test_too_few_candidates_for_seats_and_alternates_is_refused():
    pool = [expert(i) for i in range(1, 7)]
    assert_refused(pool, PanelPolicy(HOME), "pool_size", "可用专家仅6名，需要8名（正选5名、候补3名）")


def test_too_few_experts_from_other_cities_is_refused():
    pool = [expert(i, HOME) for i in range(1, 9)] + [expert(9), expert(10)]
    assert_refused(
        pool,
        PanelPolicy(HOME),
        "max_local",
        "苏州市以外的可用专家仅2名，需要3名（正选5名，苏州市本地至多2名）",
    )


def test_a_required_specialty_nobody_covers_is_refused():
    pool = [expert(i) for i in range(1, 11)]
    policy = PanelPolicy(HOME, required_specialties=("underground",))
    assert_refused(pool, policy, "specialty", "暗挖工程专业可用专家为0名")


def test_a_specialty_only_local_experts_cover_is_refused_without_a_local_seat():
    pool = [expert(i) for i in range(1, 9)] + [
        expert(9, HOME, ["excavation"]),
        expert(10, HOME, ["excavation"]),
    ]
    policy = PanelPolicy(HOME, max_local=0, required_specialties=("excavation",))
    assert_refused(
        pool, policy, "specialty", "苏州市以外的基坑工程专业可用专家为0名.*苏州市本地2名，本地名额0名"
    )


def test_specialties_that_need_more_local_seats_than_allowed_are_refused():
    pool = [expert(i) for i in range(1, 9)] + [
        expert(9, HOME, ["excavation"]),
        expert(10, HOME, ["lifting"]),
        expert(11, HOME, ["demolition"]),
    ]
    policy = PanelPolicy(HOME, required_specialties=("excavation", "lifting", "demolition"))
    assert_refused(
        pool, policy, "combination", "无法同时满足正选5名、苏州市本地至多2名.*基坑工程1名（苏州市以外0名）"
    )


def test_more_specialties_than_seats_without_versatile_experts_is_refused():
    pool = [expert(i, City.NANJING, [code]) for i, code in enumerate(CODES[:6], start=1)] + [
        expert(7),
        expert(8),
    ]
    policy = PanelPolicy(HOME, required_specialties=tuple(CODES[:6]))
    assert_refused(pool, policy, "combination", "无法同时满足正选5名")


def test_a_repeated_expert_is_refused():
    pool = [expert(i) for i in range(1, 9)] + [expert(3)]
    with pytest.raises(ValidationError, match="专家3重复"):
        draw_panel(pool, PanelPolicy(HOME), random.Random(1))


def test_a_tight_pool_is_still_filled_through_the_only_valid_panel():
    # Only expert 1 covers excavation and he is local; the quota is 1, so local 2 must never be seated.
    pool = [expert(1, HOME, ["excavation"]), expert(2, HOME, ["formwork"], 0)] + [
        expert(i) for i in range(3, 9)
    ]
    policy = PanelPolicy(HOME, max_local=1, required_specialties=("excavation",))
    for seed in range(200):
        panel = draw_panel(pool, policy, random.Random(seed))
        assert 1 in panel.seated and 2 not in panel.seated
        assert_valid(panel, pool, policy)
