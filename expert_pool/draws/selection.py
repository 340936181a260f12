"""Panel draws (抽取): weighted, cross-region, covering the specialties, replayable (DOMAIN.md §4)."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from functools import reduce
from operator import or_
from typing import Any

from expert_pool.draws.feasibility import check_distinct, check_feasible, full_mask
from expert_pool.draws.panel import (
    ALGORITHM_VERSION,
    BY_ID,
    LOCAL,
    Candidate,
    Panel,
    PanelPolicy,
    Profile,
    profiles_of,
    replay_seed,
)
from expert_pool.draws.sampling import Crowded, Urn, pick_alternates, seat_picks
from knowledge.errors import ValidationError


def draw_panel(
    candidates: Sequence[Candidate], policy: PanelPolicy, rng: random.Random,
    apart: Iterable[Sequence[int]] = (),
) -> Panel:  # fmt: skip
    """Draw the seats, then the alternates, of a panel; raises ``DrawInfeasible`` before any random number.

    Method: sequential roulette (weighted sampling without replacement) with rejection. Candidates are
    sorted by expert id; each pick takes one from the urn with chance proportional to its weight. A pick
    is seated when *admissible*: the seats so far plus him can still be completed to a valid panel (size,
    local quota, every required specialty), which ``can_complete`` decides exactly; otherwise he is set
    aside. Admissibility only shrinks as seats fill, so a candidate set aside would never be admissible
    later: each seat is thus a weighted pick among the candidates admissible at that moment, and since
    the feasibility check holds before the first pick, an admissible candidate is always left (no short
    panel). Then those set aside go back into the urn and alternates are picked the same way among the
    candidates who could take at least one seat, in pick order.

    The pairs of ``apart`` (expert ids; DOMAIN.md 5 soft limit, ``soft_limits.crowded_pairs``) are kept apart:
    a pick whose partner already holds a seat is set aside too. Should that leave the seats impossible to fill,
    the seats are drawn again, with the same generator going on, as if there were no such pairs: a soft limit
    never makes a draw fail. Without pairs the draw is exactly the one before pairs existed (old records replay).
    """
    pool = sorted(candidates, key=BY_ID)
    check_distinct([c.expert_id for c in pool])
    profiles = profiles_of(pool, policy)
    counts = Counter(profiles)
    check_feasible(counts, len(pool), policy)
    partners = partners_of(pool, apart)
    if partners:
        try:
            return draw_seats(pool, profiles, Counter(counts), policy, rng, staying=(), seats=policy.panel_size,
                         partners=partners)  # fmt: skip
        except Crowded:
            pass
    return draw_seats(pool, profiles, counts, policy, rng, staying=(), seats=policy.panel_size)


def partners_of(
    pool: Sequence[Candidate], apart: Iterable[Sequence[int]], staying: Sequence[int] = ()
) -> dict[int, frozenset[int]]:
    """The pairs to keep apart as indices into ``pool``; the members who stay seated (a top-up draw) are
    -1, -2, … in their order. Pairs with an expert outside both, or between two staying members, drop out."""
    index = {c.expert_id: i for i, c in enumerate(pool)} | {e: -1 - k for k, e in enumerate(staying)}
    found: dict[int, set[int]] = {}
    for a, b in apart:
        if a in index and b in index and max(index[a], index[b]) >= 0:
            found.setdefault(index[a], set()).add(index[b])
            found.setdefault(index[b], set()).add(index[a])
    return {i: frozenset(p) for i, p in found.items()}


def draw_seats(
    pool: Sequence[Candidate],
    profiles: Sequence[Profile],
    counts: Counter[Profile],
    policy: PanelPolicy,
    rng: random.Random,
    *,
    staying: Sequence[Profile],
    seats: int,
    alternates: int | None = None,
    partners: Mapping[int, frozenset[int]] | None = None,
    taken: frozenset[int] = frozenset(),
) -> Panel:
    """The sampling behind ``draw_panel`` and the top-up draw, once the feasibility check has passed.

    ``pool`` is sorted by expert id, ``profiles`` and ``counts`` describe it (``counts`` is used up);
    ``staying`` are the profiles of members already seated (none for a fresh draw): they use up local
    quota and cover specialties. Returns the new seats only, then ``alternates`` (default the policy's)
    who could each take at least one seat of the whole panel, and the weight of everyone in ``pool``.
    """
    ids = [c.expert_id for c in pool]
    weight_of = {n: policy.weight(n) for n in {c.recent_reviews for c in pool}}
    weights = [weight_of[c.recent_reviews] for c in pool]
    urn = Urn(weights)
    uncovered = full_mask(policy) & ~reduce(or_, (p >> 1 for p in staying), 0)
    quota = policy.max_local - sum(p & LOCAL for p in staying)
    seated, set_aside = seat_picks(urn, profiles, counts, rng, uncovered=uncovered, seats=seats, quota=quota,
                              partners=partners, taken=taken)  # fmt: skip
    urn.put_back(set_aside)
    wanted = policy.alternates if alternates is None else alternates
    panel = [*staying, *(profiles[i] for i in seated)]
    chosen = pick_alternates(urn, profiles, panel, policy, wanted, rng)
    seated_ids, alternate_ids = (tuple(ids[i] for i in picks) for picks in (seated, chosen))
    return Panel(seated_ids, alternate_ids, tuple(zip(ids, weights, strict=True)))


def next_alternate(
    panel: Panel,
    leaving_id: int,
    candidates: Sequence[Candidate],
    policy: PanelPolicy,
    apart: Iterable[Sequence[int]] = (),
) -> int | None:
    """The first alternate, in draw order, whose taking the seat of ``leaving_id`` keeps the panel valid; the
    first such one who forms none of the ``apart`` pairs (DOMAIN.md 5 soft limit) with the staying members
    when there is one."""
    if leaving_id not in panel.seated:
        raise ValidationError(f"专家{leaving_id}不在正选名单中")
    by_id = {c.expert_id: c for c in candidates}
    missing = [i for i in panel.seated + panel.alternates if i not in by_id]
    if missing:
        raise ValidationError(f"候选名单中缺少专家{missing[0]}")
    staying = [by_id[i] for i in panel.seated if i != leaving_id]
    valid = [a for a in panel.alternates if is_valid_panel([*staying, by_id[a]], policy)]
    crowded = {frozenset(pair) for pair in apart}
    for alternate in valid:
        if not any(frozenset((alternate, s.expert_id)) in crowded for s in staying):
            return alternate
    return valid[0] if valid else None


def is_valid_panel(members: Sequence[Candidate], policy: PanelPolicy) -> bool:
    """The local quota holds and every required specialty is covered (the size is the caller's)."""
    locals_ = sum(1 for c in members if c.city is policy.home_city)
    covered = set().union(*(c.specialties for c in members))
    return locals_ <= policy.max_local and set(policy.required_specialties) <= covered


def replay_inputs(
    candidates: Sequence[Candidate], policy: PanelPolicy, seed: str | int, apart: Iterable[Sequence[int]] = ()
) -> dict[str, Any]:
    """What a draw record stores so that ``replay`` gives the same panel (JSON-ready)."""
    return {
        "algorithm_version": ALGORITHM_VERSION,
        "candidates": [c.to_dict() for c in sorted(candidates, key=BY_ID)],
        "policy": policy.to_dict(),
        "seed": seed,
        "apart": sorted([list(p) for p in apart]),
    }


def replay_panel(record_inputs: Mapping[str, Any]) -> Panel:
    """Redraw a stored whole-panel draw from its candidates, policy and seed: the same panel, bit for bit."""
    seed = replay_seed(record_inputs)
    candidates = [Candidate.from_dict(d) for d in record_inputs["candidates"]]
    policy = PanelPolicy.from_dict(record_inputs["policy"])
    return draw_panel(candidates, policy, random.Random(seed), apart=record_inputs.get("apart") or ())
