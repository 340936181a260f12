"""Shared by the panel and top-up draw tests: candidates, brute-force checks of a panel, pools Hypothesis draws."""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence

from hypothesis import strategies as st

from expert_pool.draws.panel import Candidate, Panel, PanelPolicy
from expert_pool.draws.selection import is_valid_panel
from knowledge.regions import City
from knowledge.registry.rules import catalogue

HOME = City.SUZHOU
CODES = [c.code for c in catalogue()]
FEW_CITIES = [City.SUZHOU, City.NANJING, City.WUXI]


def expert(
    expert_id: int, city: City = City.NANJING, specialties: Sequence[str] = ("formwork",), reviews: int = 0
) -> Candidate:
    return Candidate(expert_id, f"专家{expert_id}", city, frozenset(specialties), reviews)


def by_id(pool: Sequence[Candidate]) -> dict[int, Candidate]:
    return {c.expert_id: c for c in pool}


def has_valid_seating(pool: Sequence[Candidate], policy: PanelPolicy) -> bool:
    """Brute force, independent of the module's own feasibility check."""
    return any(is_valid_panel(seats, policy) for seats in itertools.combinations(pool, policy.panel_size))


def could_take_a_seat(who: Candidate, seated: Sequence[Candidate], policy: PanelPolicy) -> bool:
    return any(is_valid_panel([*seated[:k], who, *seated[k + 1 :]], policy) for k in range(len(seated)))


def assert_valid(panel: Panel, pool: Sequence[Candidate], policy: PanelPolicy) -> None:
    members = by_id(pool)
    seated = [members[i] for i in panel.seated]
    assert len(set(panel.seated)) == len(panel.seated) == policy.panel_size
    assert is_valid_panel(seated, policy)
    assert sum(c.city is policy.home_city for c in seated) <= policy.max_local
    covered = set().union(*(c.specialties for c in seated))
    assert set(policy.required_specialties) <= covered
    assert not set(panel.alternates) & set(panel.seated)
    assert len(set(panel.alternates)) == len(panel.alternates) <= policy.alternates
    assert all(could_take_a_seat(members[i], seated, policy) for i in panel.alternates)
    able = [c for c in pool if c.expert_id not in panel.seated and could_take_a_seat(c, seated, policy)]
    assert len(panel.alternates) == min(policy.alternates, len(able))
    assert dict(panel.weights) == {c.expert_id: policy.weight(c.recent_reviews) for c in pool}


@st.composite
def small_draws(draw: st.DrawFn) -> tuple[list[Candidate], PanelPolicy, int]:
    """Pools small enough to check by brute force."""
    size = draw(st.integers(5, 11))
    pool = [
        expert(
            i * 7 + 3,
            draw(st.sampled_from(FEW_CITIES)),
            draw(st.sets(st.sampled_from(CODES[:4]), max_size=3)),
            draw(st.integers(0, 12)),
        )
        for i in range(size)
    ]
    policy = PanelPolicy(
        HOME,
        panel_size=draw(st.integers(5, 6)),
        alternates=draw(st.integers(0, 3)),
        max_local=draw(st.integers(0, 3)),
        required_specialties=tuple(draw(st.lists(st.sampled_from(CODES[:4]), max_size=3, unique=True))),
        weight_exponent=draw(st.sampled_from([0.0, 0.5, 1.0, 2.0])),
    )
    return draw(st.permutations(pool)), policy, draw(st.integers(0, 2**32))


@st.composite
def tight_draws(draw: st.DrawFn) -> tuple[list[Candidate], PanelPolicy, int]:
    """Small pools where the local experts hold the rare specialties: the quota and the cover collide."""
    local_count, outside_count = draw(st.integers(2, 5)), draw(st.integers(4, 6))
    rare, common = CODES[:4], CODES[2:6]
    pool = [
        expert(i, HOME, draw(st.sets(st.sampled_from(rare), min_size=1, max_size=2)), draw(st.integers(0, 5)))
        for i in range(1, local_count + 1)
    ] + [
        expert(i, City.NANJING, draw(st.sets(st.sampled_from(common), max_size=2)), draw(st.integers(0, 5)))
        for i in range(local_count + 1, local_count + outside_count + 1)
    ]
    policy = PanelPolicy(
        HOME,
        alternates=draw(st.integers(0, 1)),
        max_local=draw(st.integers(1, 2)),
        required_specialties=tuple(
            draw(st.lists(st.sampled_from(rare), min_size=2, max_size=4, unique=True))
        ),
    )
    return pool, policy, draw(st.integers(0, 2**32))


@st.composite
def large_draws(draw: st.DrawFn) -> tuple[list[Candidate], PanelPolicy, int]:
    size = draw(st.integers(12, 80))
    rng = random.Random(draw(st.integers(0, 2**32)))
    pool = [
        expert(i, rng.choice(list(City)), rng.sample(CODES, rng.randint(1, 3)), rng.randint(0, 25))
        for i in range(1, size + 1)
    ]
    policy = PanelPolicy(
        rng.choice(list(City)),
        panel_size=draw(st.sampled_from([5, 7])),
        alternates=draw(st.integers(0, 3)),
        max_local=draw(st.integers(0, 2)),
        required_specialties=tuple(draw(st.lists(st.sampled_from(CODES), max_size=3, unique=True))),
    )
    return pool, policy, draw(st.integers(0, 2**32))
