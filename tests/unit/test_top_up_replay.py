"""Top-up draws (补充抽取, DOMAIN.md §4 "Decline"): the same seed gives the same top-up, a stored top-up replays bit for bit."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from expert_pool.draws.feasibility import DrawInfeasible
from expert_pool.draws.panel import ALGORITHM_VERSION, PanelPolicy
from expert_pool.draws.replay import replay
from expert_pool.draws.top_up import draw_top_up, replay_top_up, top_up_inputs
from knowledge.errors import ValidationError
from tests.unit.selection_helpers import HOME, expert
from tests.unit.top_up_helpers import large_top_ups, small_top_ups


@settings(max_examples=100, deadline=None)
@given(small_top_ups(), st.randoms(use_true_random=False))
def test_the_same_seed_gives_the_same_top_up_whatever_the_input_order(case, shuffler):
    pool, policy, staying, seats, alternates, exclude, seed = case
    kwargs = {"seats": seats, "alternates": alternates, "exclude": exclude}
    try:
        first = draw_top_up(staying, pool, policy, random.Random(seed), **kwargs)
    except DrawInfeasible:
        return
    shuffled_pool, shuffled_staying = list(pool), list(staying)
    shuffler.shuffle(shuffled_pool)
    shuffler.shuffle(shuffled_staying)
    again = draw_top_up(staying, list(reversed(pool)), policy, random.Random(seed), **kwargs)
    assert again == first
    other = draw_top_up(shuffled_staying, shuffled_pool, policy, random.Random(seed), **kwargs)
    assert other.seated == (*shuffled_staying, *first.seated[len(staying) :])  # staying order is kept
    assert (other.alternates, other.weights) == (first.alternates, first.weights)


@settings(max_examples=100, deadline=None)
@given(large_top_ups(), st.one_of(st.integers(0, 2**64), st.text(min_size=1, max_size=40)))
def test_a_stored_top_up_replays_bit_for_bit(case, seed):
    pool, policy, staying, seats, alternates, exclude, _ = case
    kwargs = {"seats": seats, "alternates": alternates, "exclude": exclude}
    try:
        panel = draw_top_up(staying, pool, policy, random.Random(seed), **kwargs)
    except DrawInfeasible:
        return
    stored = json.loads(json.dumps(top_up_inputs(staying, pool, policy, seed, **kwargs), ensure_ascii=False))
    assert stored["kind"] == "top_up"
    assert stored["algorithm_version"] == ALGORITHM_VERSION
    assert (stored["staying"], stored["seats"], stored["alternates"]) == (list(staying), seats, alternates)
    assert replay(stored) == panel
    assert replay_top_up(stored) == panel


def test_a_stored_top_up_records_the_alternates_the_policy_gave():
    pool = [expert(i) for i in range(1, 12)]
    policy = PanelPolicy(HOME, alternates=2)
    stored = top_up_inputs([1, 2, 3, 4], pool, policy, "s", exclude=[9, 5, 9])
    assert (stored["alternates"], stored["exclude"], stored["seats"]) == (2, [5, 9], 1)
    assert replay(stored) == draw_top_up([1, 2, 3, 4], pool, policy, random.Random("s"), exclude=[5, 9])


def test_replay_of_a_top_up_refuses_odd_records():
    pool = [expert(i) for i in range(1, 12)]
    stored = top_up_inputs([1, 2, 3, 4], pool, PanelPolicy(HOME), "2025-06-01/abc")
    with pytest.raises(ValidationError, match="算法版本"):
        replay({**stored, "algorithm_version": "weighted-sample/0"})
    with pytest.raises(ValidationError, match="随机种子"):
        replay({**stored, "seed": 1.5})
    with pytest.raises(ValidationError, match="staying须为专家编号列表"):
        replay({**stored, "staying": "1,2,3,4"})
    with pytest.raises(ValidationError, match="seats须为整数"):
        replay({**stored, "seats": True})
    with pytest.raises(ValidationError, match="不是补充抽取"):
        replay_top_up({**stored, "kind": "panel"})
    with pytest.raises(ValidationError, match="未知的抽取类型：redraw"):
        replay({**stored, "kind": "redraw"})
