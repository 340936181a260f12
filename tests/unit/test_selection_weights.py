"""Panel draws (DOMAIN.md §4): fair weights, leaning towards experts with fewer recent reviews, all recorded."""

from __future__ import annotations

import itertools
import random
from collections import Counter
from collections.abc import Sequence
from fractions import Fraction

from expert_pool.draws.panel import Candidate, PanelPolicy
from expert_pool.draws.selection import draw_panel, is_valid_panel
from knowledge.regions import City
from tests.unit.selection_helpers import CODES, HOME, expert


def test_different_seeds_give_different_panels_in_a_large_pool():
    pool = [expert(i, list(City)[i % 13], [CODES[i % 7]], i % 11) for i in range(1, 301)]
    policy = PanelPolicy(HOME, required_specialties=("excavation",))
    panels = {draw_panel(pool, policy, random.Random(seed)).seated for seed in range(100)}
    assert len(panels) >= 98


def test_experts_with_no_recent_reviews_are_drawn_far_more_often_than_busy_ones():
    idle = [expert(i, City.NANJING, reviews=0) for i in range(1, 41)]
    busy = [expert(i, City.WUXI, reviews=10) for i in range(41, 81)]
    policy = PanelPolicy(HOME, alternates=0)
    seats = Counter(
        i for seed in range(2000) for i in draw_panel(idle + busy, policy, random.Random(seed)).seated
    )
    idle_rate = sum(seats[c.expert_id] for c in idle) / len(idle)
    busy_rate = sum(seats[c.expert_id] for c in busy) / len(busy)
    assert idle_rate > 5 * busy_rate > 0


def reference_seat_sets(pool: Sequence[Candidate], policy: PanelPolicy) -> dict[frozenset[int], Fraction]:
    """Exact law of the seat set under sequential roulette among admissible candidates (brute force)."""
    law: Counter[frozenset[int]] = Counter()

    def extendable(chosen: list[Candidate]) -> bool:
        rest = [c for c in pool if c not in chosen]
        need = policy.panel_size - len(chosen)
        return any(is_valid_panel(chosen + list(more), policy) for more in itertools.combinations(rest, need))

    def walk(chosen: list[Candidate], chance: Fraction) -> None:
        if len(chosen) == policy.panel_size:
            law[frozenset(c.expert_id for c in chosen)] += chance
            return
        able = [c for c in pool if c not in chosen and extendable([*chosen, c])]
        total = sum(Fraction(1, 1 + c.recent_reviews) for c in able)
        for c in able:
            walk([*chosen, c], chance * Fraction(1, 1 + c.recent_reviews) / total)

    walk([], Fraction(1))
    return dict(law)


def test_seat_sets_follow_weighted_sampling_restricted_to_valid_panels():
    pool = [
        expert(1, HOME, ["excavation"], 0),
        expert(2, HOME, ["underground"], 3),
        expert(3, HOME, ["formwork"], 0),
        expert(4, City.NANJING, ["formwork"], 0),
        expert(5, City.WUXI, ["formwork"], 4),
        expert(6, City.XUZHOU, ["underground", "formwork"], 9),
        expert(7, City.NANTONG, ["lifting"], 1),
    ]
    policy = PanelPolicy(HOME, alternates=0, required_specialties=("excavation", "underground"))
    exact = reference_seat_sets(pool, policy)
    runs = 20_000
    seen = Counter(frozenset(draw_panel(pool, policy, random.Random(seed)).seated) for seed in range(runs))
    distance = sum(abs(seen[s] / runs - float(p)) for s, p in exact.items()) / 2
    assert set(seen) <= set(exact)
    assert distance < 0.02


def test_the_panel_names_every_weight_it_used():
    pool = [expert(i, reviews=i) for i in range(1, 10)]
    panel = draw_panel(pool, PanelPolicy(HOME), random.Random("seed"))
    assert panel.weight_of(4) == 1 / 5
    assert len(panel.weights) == len(pool)
    assert panel.to_dict()["weights"]["9"] == 1 / 10
