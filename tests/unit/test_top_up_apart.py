"""Top-up draws (补充抽取, DOMAIN.md §4 "Decline"): the soft limit on experts sitting together (DOMAIN.md 5) with the staying members."""

from __future__ import annotations

import json
import random

from expert_pool.draws.panel import Panel, PanelPolicy
from expert_pool.draws.selection import next_alternate
from expert_pool.draws.top_up import draw_top_up, replay_top_up, top_up_inputs
from tests.unit.selection_helpers import FEW_CITIES, HOME, expert


def test_a_top_up_keeps_new_members_apart_from_staying_ones_they_sat_with_too_often():
    pool = [expert(i, FEW_CITIES[1 + i % 2], reviews=i % 3) for i in range(1, 16)]
    policy = PanelPolicy(HOME, alternates=0)
    staying = [1, 2, 3]
    apart = [(1, 4), (2, 5), (3, 6), (1, 7), (4, 5), (8, 9)]  # 4 and 5 may not both come either
    together_without = 0
    for seed in range(200):
        panel = draw_top_up(staying, pool, policy, random.Random(seed), seats=2, alternates=0, apart=apart)
        new = set(panel.seated[3:])
        assert not new & {4, 5, 6, 7} and not {8, 9} <= new, (seed, panel.seated)
        inputs = top_up_inputs(staying, pool, policy, seed, seats=2, alternates=0, apart=apart)
        assert replay_top_up(json.loads(json.dumps(inputs))) == panel
        free = draw_top_up(staying, pool, policy, random.Random(seed), seats=2, alternates=0)
        together_without += bool(set(free.seated[3:]) & {4, 5, 6, 7})
        old = {k: v for k, v in top_up_inputs(staying, pool, policy, seed, seats=2, alternates=0).items()
               if k != "apart"}  # fmt: skip
        assert replay_top_up(old) == free  # a record from before pairs replays as it was drawn
    assert together_without > 50


def test_a_top_up_fills_its_seats_even_when_every_candidate_sat_too_often_with_a_staying_member():
    pool = [expert(i, FEW_CITIES[1 + i % 2]) for i in range(1, 7)]
    policy = PanelPolicy(HOME, alternates=0)
    panel = draw_top_up([1, 2, 3, 4], pool, policy, random.Random(3), seats=1, alternates=0,
                        apart=[(1, 5), (2, 6)])  # fmt: skip
    assert len(panel.seated) == 5 and panel.seated[4] in (5, 6)


def test_the_next_alternate_is_one_who_did_not_sit_too_often_with_the_staying_members():
    pool = [expert(i, FEW_CITIES[1 + i % 2]) for i in range(1, 11)]
    policy = PanelPolicy(HOME)
    panel = Panel((1, 2, 3, 4, 5), (6, 7, 8), ())
    assert next_alternate(panel, 5, pool, policy) == 6
    assert next_alternate(panel, 5, pool, policy, apart=[(6, 2)]) == 7
    assert next_alternate(panel, 5, pool, policy, apart=[(6, 5)]) == 6  # the leaving member does not count
    assert (
        next_alternate(panel, 5, pool, policy, apart=[(6, 1), (7, 2), (8, 3)]) == 6
    )  # soft: the first valid
