"""The weighted roulette of a draw (DOMAIN.md §4): the urn, the seats picked from it, then the alternates."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from functools import cache, reduce
from operator import or_

from expert_pool.draws.feasibility import admits, full_mask
from expert_pool.draws.panel import LOCAL, PanelPolicy, Profile

_NONE: frozenset[int] = frozenset()


class Crowded(Exception):  # noqa: N818 - a signal between two functions of the draw, never shown
    """The seats could not be filled while keeping the pairs apart."""


class Urn:
    """Candidate indices grouped by weight (a handful of groups), to pick from by roulette."""

    def __init__(self, weights: Sequence[float]) -> None:
        self.weights = weights
        self.groups: defaultdict[float, list[int]] = defaultdict(list)
        for i, weight in enumerate(weights):
            self.groups[weight].append(i)
        self.order = sorted(self.groups)  # the walk over groups does not depend on insertion order

    def pick(self, rng: random.Random) -> int | None:
        """An index with chance proportional to its weight among those left (one ``u`` and one index)."""
        shares = [(w * len(self.groups[w]), self.groups[w]) for w in self.order]
        target = rng.random() * sum(share for share, _ in shares)
        chosen: list[int] = []
        for share, members in shares:
            if members:
                chosen = members
                if target < share:
                    break
                target -= share
        if not chosen:
            return None
        k = rng.randrange(len(chosen))
        chosen[k], chosen[-1] = chosen[-1], chosen[k]
        return chosen.pop()

    def put_back(self, indices: Iterable[int]) -> None:
        for i in sorted(indices):
            self.groups[self.weights[i]].append(i)


def seat_picks(
    urn: Urn,
    profiles: Sequence[Profile],
    counts: Counter[Profile],
    rng: random.Random,
    *,
    uncovered: int,
    seats: int,
    quota: int,
    partners: Mapping[int, frozenset[int]] | None = None,
    taken: frozenset[int] = frozenset(),
) -> tuple[list[int], list[int]]:
    """The ``seats`` new seats in pick order, and the candidates set aside as not admissible on the way.

    ``uncovered`` are the specialties still to cover and ``quota`` the local seats still free. ``partners``
    (indices) are kept apart: a pick whose partner is already seated is set aside, and no longer counted as
    available; ``taken`` are the (negative) indices of members already seated before this draw.
    Since that may leave the panel impossible to complete, running out raises ``Crowded`` then.
    """
    present = set(taken)
    seated: list[int] = []
    set_aside: list[int] = []
    verdicts: dict[Profile, bool] = {}  # admissibility per profile, until the next seat is filled
    while seats:
        i = urn.pick(rng)
        if i is None:
            if partners:
                raise Crowded
            raise RuntimeError("admissible candidates ran out after a feasibility check that passed")
        profile = profiles[i]
        if partners and not partners.get(i, _NONE).isdisjoint(present):
            set_aside.append(i)
            counts[profile] -= 1
            verdicts.clear()
            continue
        if profile not in verdicts:
            verdicts[profile] = admits(counts, profile, uncovered, seats, quota)
        if not verdicts[profile]:
            set_aside.append(i)
            continue
        seated.append(i)
        present.add(i)
        counts[profile] -= 1
        uncovered &= ~(profile >> 1)
        seats, quota = seats - 1, quota - (profile & LOCAL)
        verdicts.clear()
    return seated, set_aside


def pick_alternates(
    urn: Urn,
    profiles: Sequence[Profile],
    seated: Sequence[Profile],
    policy: PanelPolicy,
    wanted: int,
    rng: random.Random,
) -> list[int]:
    """Up to ``wanted`` alternates in pick order, among the candidates who could take at least one seat.

    ``seated`` holds the profiles of the whole panel (staying members included).
    """
    full = full_mask(policy)
    masks = [profile >> 1 for profile in seated]
    local = [profile & LOCAL for profile in seated]
    others = [reduce(or_, masks[:k] + masks[k + 1 :], 0) for k in range(len(seated))]

    @cache
    def could_sit(profile: Profile) -> bool:
        return any(
            others[k] | profile >> 1 == full and sum(local) - local[k] + (profile & LOCAL) <= policy.max_local
            for k in range(len(seated))
        )

    chosen: list[int] = []
    while len(chosen) < wanted and (i := urn.pick(rng)) is not None:
        if could_sit(profiles[i]):
            chosen.append(i)
    return chosen
