"""Top-up draws (补充抽取, DOMAIN.md §4 "Decline"): fair weights, leaning towards experts with fewer recent reviews, all recorded."""

from __future__ import annotations

import itertools
import random
from collections import Counter
from collections.abc import Sequence
from fractions import Fraction

from expert_pool.draws.panel import Candidate, PanelPolicy
from expert_pool.draws.selection import is_valid_panel
from expert_pool.draws.top_up import draw_top_up
from knowledge.regions import City
from tests.unit.selection_helpers import HOME, expert
from tests.unit.top_up_helpers import drawable


def test_idle_experts_are_topped_up_far_more_often_than_busy_ones():
    staying = [1, 2, 3, 4]
    idle = [expert(i, City.NANJING, reviews=0) for i in range(10, 50)]
    busy = [expert(i, City.WUXI, reviews=10) for i in range(50, 90)]
    pool = [expert(i) for i in staying] + idle + busy
    policy = PanelPolicy(HOME, alternates=0)
    seats = Counter(
        draw_top_up(staying, pool, policy, random.Random(seed)).seated[-1] for seed in range(3000)
    )
    idle_rate = sum(seats[c.expert_id] for c in idle) / len(idle)
    busy_rate = sum(seats[c.expert_id] for c in busy) / len(busy)
    assert idle_rate > 5 * busy_rate > 0


def reference_new_sets(
    staying: Sequence[int], pool: Sequence[Candidate], policy: PanelPolicy, seats: int
) -> dict[frozenset[int], Fraction]:
    """Exact law of the new seats under sequential roulette among admissible candidates (brute force)."""
    kept = [c for c in pool if c.expert_id in staying]
    rest = drawable(staying, pool)
    law: Counter[frozenset[int]] = Counter()

    def extendable(chosen: list[Candidate]) -> bool:
        others = [c for c in rest if c not in chosen]
        return any(
            is_valid_panel(kept + chosen + list(more), policy)
            for more in itertools.combinations(others, seats - len(chosen))
        )

    def walk(chosen: list[Candidate], chance: Fraction) -> None:
        if len(chosen) == seats:
            law[frozenset(c.expert_id for c in chosen)] += chance
            return
        able = [c for c in rest if c not in chosen and extendable([*chosen, c])]
        total = sum(Fraction(1, 1 + c.recent_reviews) for c in able)
        for c in able:
            walk([*chosen, c], chance * Fraction(1, 1 + c.recent_reviews) / total)

    walk([], Fraction(1))
    return dict(law)


def test_new_seats_follow_weighted_sampling_restricted_to_valid_panels():
    pool = [
        expert(1, HOME, ["formwork"]),
        expert(2, City.NANJING, ["formwork"]),
        expert(3, City.WUXI, ["formwork"]),
        expert(4, HOME, ["excavation"], 0),
        expert(5, HOME, ["underground"], 3),
        expert(6, City.CHANGZHOU, ["formwork"], 0),
        expert(7, City.YANGZHOU, ["formwork"], 4),
        expert(8, City.XUZHOU, ["underground", "formwork"], 9),
        expert(9, City.NANTONG, ["lifting"], 1),
    ]
    policy = PanelPolicy(HOME, alternates=0, required_specialties=("excavation", "underground"))
    staying = [1, 2, 3]
    exact = reference_new_sets(staying, pool, policy, 2)
    runs = 20_000
    seen = Counter(
        frozenset(draw_top_up(staying, pool, policy, random.Random(seed), seats=2).seated[3:])
        for seed in range(runs)
    )
    distance = sum(abs(seen[s] / runs - float(p)) for s, p in exact.items()) / 2
    assert set(seen) <= set(exact)
    assert distance < 0.02


def test_the_top_up_names_every_weight_it_used():
    pool = [expert(i, reviews=i) for i in range(1, 10)]
    panel = draw_top_up([1, 2, 3, 4], pool, PanelPolicy(HOME), random.Random("seed"), exclude=[9])
    assert panel.weight_of(5) == 1 / 6
    assert set(dict(panel.weights)) == {5, 6, 7, 8}
