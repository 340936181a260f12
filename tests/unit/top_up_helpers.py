"""Shared by the top-up draw tests: brute-force checks of a topped-up panel, and the cases Hypothesis draws."""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence

from hypothesis import strategies as st

from expert_pool.draws.panel import Candidate, Panel, PanelPolicy
from expert_pool.draws.selection import is_valid_panel
from knowledge.regions import City
from tests.unit.selection_helpers import CODES, FEW_CITIES, HOME, by_id, could_take_a_seat, expert


def drawable(
    staying: Sequence[int], pool: Sequence[Candidate], exclude: Sequence[int] = ()
) -> list[Candidate]:
    return [c for c in pool if c.expert_id not in {*staying, *exclude}]


def has_valid_top_up(
    staying: Sequence[int], pool: Sequence[Candidate], policy: PanelPolicy, seats: int, exclude: Sequence[int]
) -> bool:
    """Brute force, independent of the module's own feasibility check."""
    members = by_id(pool)
    kept = [members[i] for i in staying]
    return any(
        is_valid_panel([*kept, *more], policy)
        for more in itertools.combinations(drawable(staying, pool, exclude), seats)
    )


def assert_valid_top_up(
    panel: Panel,
    staying: Sequence[int],
    pool: Sequence[Candidate],
    policy: PanelPolicy,
    *,
    alternates: int,
    exclude: Sequence[int] = (),
) -> None:
    members = by_id(pool)
    assert panel.seated[: len(staying)] == tuple(staying)
    new = panel.seated[len(staying) :]
    assert len(set(panel.seated)) == len(panel.seated) == policy.panel_size
    assert not set(new) & set(exclude)
    seated = [members[i] for i in panel.seated]
    assert is_valid_panel(seated, policy)
    assert sum(c.city is policy.home_city for c in seated) <= policy.max_local
    assert set(policy.required_specialties) <= set().union(*(c.specialties for c in seated))
    assert not set(panel.alternates) & (set(panel.seated) | set(exclude))
    assert len(set(panel.alternates)) == len(panel.alternates) <= alternates
    assert all(could_take_a_seat(members[i], seated, policy) for i in panel.alternates)
    rest = [c for c in drawable(staying, pool, exclude) if c.expert_id not in new]
    able = [c for c in rest if could_take_a_seat(c, seated, policy)]
    assert len(panel.alternates) == min(alternates, len(able))
    assert dict(panel.weights) == {
        c.expert_id: policy.weight(c.recent_reviews) for c in drawable(staying, pool, exclude)
    }


TopUp = tuple[list[Candidate], PanelPolicy, list[int], int, int, list[int], int]


@st.composite
def small_top_ups(draw: st.DrawFn) -> TopUp:
    """A panel that lost ``seats`` members, over a pool small enough to check by brute force."""
    panel_size = draw(st.integers(5, 6))
    seats = draw(st.integers(1, 3))
    size = draw(st.integers(panel_size - seats, panel_size - seats + 8))
    pool = [
        expert(
            i * 5 + 2,
            draw(st.sampled_from(FEW_CITIES)),
            draw(st.sets(st.sampled_from(CODES[:4]), max_size=3)),
            draw(st.integers(0, 12)),
        )
        for i in range(size)
    ]
    ids = [c.expert_id for c in pool]
    staying = draw(st.permutations(ids))[: panel_size - seats]
    others = [i for i in ids if i not in staying]
    exclude = draw(st.lists(st.sampled_from(others), max_size=2, unique=True)) if others else []
    policy = PanelPolicy(
        HOME,
        panel_size=panel_size,
        alternates=draw(st.integers(0, 3)),
        max_local=draw(st.integers(0, 3)),
        required_specialties=tuple(draw(st.lists(st.sampled_from(CODES[:4]), max_size=3, unique=True))),
        weight_exponent=draw(st.sampled_from([0.0, 0.5, 1.0, 2.0])),
    )
    alternates = draw(st.integers(0, 3))
    return (
        draw(st.permutations(pool)),
        policy,
        staying,
        seats,
        alternates,
        exclude,
        draw(st.integers(0, 2**32)),
    )


@st.composite
def tight_top_ups(draw: st.DrawFn) -> TopUp:
    """Staying outsiders with common specialties; the rare ones held by locals: quota and cover collide."""
    rare, common = CODES[:4], CODES[2:6]
    seats = draw(st.integers(1, 3))
    staying_locals = draw(st.integers(0, 2))
    staying = [
        expert(
            i,
            HOME if i <= staying_locals else City.NANJING,
            draw(st.sets(st.sampled_from(common), max_size=2)),
        )
        for i in range(1, 6 - seats)
    ]
    local_count, outside_count = draw(st.integers(1, 4)), draw(st.integers(1, 5))
    pool = (
        staying
        + [
            expert(
                i, HOME, draw(st.sets(st.sampled_from(rare), min_size=1, max_size=2)), draw(st.integers(0, 5))
            )
            for i in range(10, 10 + local_count)
        ]
        + [
            expert(
                i, City.WUXI, draw(st.sets(st.sampled_from(CODES[:6]), max_size=2)), draw(st.integers(0, 5))
            )
            for i in range(20, 20 + outside_count)
        ]
    )
    policy = PanelPolicy(
        HOME,
        max_local=draw(st.integers(1, 3)),
        required_specialties=tuple(
            draw(st.lists(st.sampled_from(rare), min_size=1, max_size=4, unique=True))
        ),
    )
    staying_ids = [c.expert_id for c in staying]
    return pool, policy, staying_ids, seats, draw(st.integers(0, 1)), [], draw(st.integers(0, 2**32))


@st.composite
def large_top_ups(draw: st.DrawFn) -> TopUp:
    rng = random.Random(draw(st.integers(0, 2**32)))
    size = draw(st.integers(12, 80))
    pool = [
        expert(i, rng.choice(list(City)), rng.sample(CODES, rng.randint(1, 3)), rng.randint(0, 25))
        for i in range(1, size + 1)
    ]
    panel_size = draw(st.sampled_from([5, 7]))
    seats = draw(st.integers(1, 3))
    staying = rng.sample([c.expert_id for c in pool], panel_size - seats)
    exclude = rng.sample([c.expert_id for c in pool if c.expert_id not in staying], rng.randint(0, 3))
    policy = PanelPolicy(
        rng.choice(list(City)),
        panel_size=panel_size,
        alternates=draw(st.integers(0, 3)),
        max_local=draw(st.integers(0, 2)),
        required_specialties=tuple(draw(st.lists(st.sampled_from(CODES), max_size=3, unique=True))),
    )
    return pool, policy, staying, seats, draw(st.integers(0, 3)), exclude, draw(st.integers(0, 2**32))
