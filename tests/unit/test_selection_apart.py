"""Panel draws and the soft limit on experts sitting together (DOMAIN.md 5): apart when possible, never a failure."""

from __future__ import annotations

import random

from expert_pool.draws.panel import PanelPolicy
from expert_pool.draws.replay import replay
from expert_pool.draws.selection import draw_panel, replay_inputs
from tests.unit.selection_helpers import FEW_CITIES, HOME, assert_valid, expert


def test_pairs_kept_apart_never_sit_together_when_the_panel_allows_it():
    pool = [expert(i, FEW_CITIES[i % 3], reviews=i % 4) for i in range(1, 16)]
    policy = PanelPolicy(HOME, required_specialties=("formwork",))
    apart = [(1, 2), (1, 3), (2, 3), (4, 5), (6, 7), (8, 9), (10, 11)]
    together_without = 0
    for seed in range(300):
        panel = draw_panel(pool, policy, random.Random(seed), apart=apart)
        assert_valid(panel, pool, policy)
        assert not any(a in panel.seated and b in panel.seated for a, b in apart), (seed, panel.seated)
        assert replay(replay_inputs(pool, policy, seed, apart)) == panel
        free = draw_panel(pool, policy, random.Random(seed))
        together_without += any(a in free.seated and b in free.seated for a, b in apart)
    assert together_without > 100  # without the limit those pairs sit together often


def test_a_soft_limit_never_makes_a_draw_fail():
    pool = [expert(i, FEW_CITIES[1 + i % 2]) for i in range(1, 6)]  # exactly five: all must sit
    policy = PanelPolicy(HOME, alternates=0)
    panel = draw_panel(pool, policy, random.Random(7), apart=[(1, 2), (3, 4)])
    assert sorted(panel.seated) == [1, 2, 3, 4, 5]
    assert replay(replay_inputs(pool, policy, 7, [(1, 2), (3, 4)])) == panel


def test_without_pairs_the_draw_is_the_one_before_pairs_existed():
    pool = [expert(i, FEW_CITIES[i % 3], reviews=i % 3) for i in range(1, 30)]
    policy = PanelPolicy(HOME)
    for seed in range(50):
        assert draw_panel(pool, policy, random.Random(seed), apart=[(900, 901)]) == draw_panel(
            pool, policy, random.Random(seed)
        )
        old_record = {k: v for k, v in replay_inputs(pool, policy, seed).items() if k != "apart"}
        assert replay(old_record) == draw_panel(pool, policy, random.Random(seed))
