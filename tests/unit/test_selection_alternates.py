"""Panel alternates (DOMAIN.md §4): the next alternate keeps the panel valid and takes the seat in place."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings

from expert_pool.draws.feasibility import DrawInfeasible
from expert_pool.draws.panel import Panel, PanelPolicy
from expert_pool.draws.selection import draw_panel, is_valid_panel, next_alternate
from knowledge.errors import ValidationError
from knowledge.regions import City
from tests.unit.selection_helpers import HOME, by_id, expert, small_draws


def test_next_alternate_skips_one_who_would_break_the_local_quota():
    pool = [expert(1, HOME), expert(2, HOME)] + [expert(i) for i in range(3, 6)]
    pool += [expert(6, HOME), expert(7, City.WUXI)]
    panel = Panel((1, 2, 3, 4, 5), (6, 7), ())
    policy = PanelPolicy(HOME)
    assert next_alternate(panel, 3, pool, policy) == 7
    assert next_alternate(panel, 1, pool, policy) == 6


def test_next_alternate_keeps_the_specialties_covered():
    pool = [expert(1, specialties=["excavation"])] + [expert(i) for i in range(2, 7)]
    pool += [expert(7, specialties=["excavation", "lifting"])]
    panel = Panel((1, 2, 3, 4, 5), (6, 7), ())
    policy = PanelPolicy(HOME, required_specialties=("excavation",))
    assert next_alternate(panel, 1, pool, policy) == 7
    assert next_alternate(panel, 2, pool, policy) == 6
    assert next_alternate(Panel((1, 2, 3, 4, 5), (6,), ()), 1, pool, policy) is None


def test_next_alternate_refuses_a_leaving_expert_who_is_not_seated():
    pool = [expert(i) for i in range(1, 7)]
    with pytest.raises(ValidationError, match="专家6不在正选名单中"):
        next_alternate(Panel((1, 2, 3, 4, 5), (6,), ()), 6, pool, PanelPolicy(HOME))


def test_an_alternate_takes_the_seat_in_place():
    panel = Panel((1, 2, 3, 4, 5), (6, 7), ((1, 1.0),))
    assert panel.replace(3, 7) == Panel((1, 2, 7, 4, 5), (6,), ((1, 1.0),))
    with pytest.raises(ValidationError):
        panel.replace(6, 7)


@settings(max_examples=150, deadline=None)
@given(small_draws())
def test_the_next_alternate_keeps_the_panel_valid_and_none_before_him_would(case):
    pool, policy, seed = case
    try:
        panel = draw_panel(pool, policy, random.Random(seed))
    except DrawInfeasible:
        return
    members = by_id(pool)
    for leaving in panel.seated:
        staying = [members[i] for i in panel.seated if i != leaving]
        chosen = next_alternate(panel, leaving, pool, policy)
        passed_over = (
            list(panel.alternates) if chosen is None else panel.alternates[: panel.alternates.index(chosen)]
        )
        assert not any(is_valid_panel([*staying, members[i]], policy) for i in passed_over)
        if chosen is not None:
            assert is_valid_panel([members[i] for i in panel.replace(leaving, chosen).seated], policy)
