"""Seeded sampling helpers shared by the demo generators: weighted picks, the enterprise pool, dates."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import accumulate
from typing import Any

from knowledge.demo import vocabulary as vocab
from knowledge.enterprises.models import EnterpriseType
from knowledge.regions import DISTRICTS, City

Row = dict[str, Any]

YEAR_SECONDS = 365 * 24 * 3600

# A kind refines EnterpriseType: general contractors and specialist subcontractors are both constructors.
KIND_TYPES: Mapping[str, EnterpriseType] = {
    "owner": EnterpriseType.OWNER,
    "general": EnterpriseType.CONSTRUCTOR,
    "specialty": EnterpriseType.CONSTRUCTOR,
    "supervisor": EnterpriseType.SUPERVISOR,
    "surveyor": EnterpriseType.SURVEYOR,
    "designer": EnterpriseType.DESIGNER,
    "monitor": EnterpriseType.MONITOR,
}
KINDS: tuple[str, ...] = tuple(KIND_TYPES)


class Picker:
    """Weighted choice with cumulative weights computed once (rng.choices would redo them per call)."""

    def __init__(self, weights: Mapping[Any, int] | Sequence[tuple[Any, int]]) -> None:
        pairs = list(weights.items()) if isinstance(weights, Mapping) else list(weights)
        self.values = [value for value, _ in pairs]
        self.cumulative = list(accumulate(weight for _, weight in pairs))

    def __call__(self, rng: random.Random) -> Any:
        return rng.choices(self.values, cum_weights=self.cumulative)[0]


CITY_PICKER = Picker(vocab.CITY_WEIGHTS)
# Sorted, so a pick never depends on the order a dict was written in.
DISTRICT_CODES: Mapping[City, tuple[str, ...]] = {city: tuple(sorted(DISTRICTS[city])) for city in City}


@dataclass
class EnterprisePool:
    """Enterprise ids by kind and city, in id order, and each one's group root: what projects draw from."""

    by_kind: dict[str, list[int]] = field(default_factory=lambda: {kind: [] for kind in KINDS})
    by_kind_city: dict[tuple[str, City], list[int]] = field(default_factory=dict)
    root_of: dict[int, int] = field(default_factory=dict)

    def add(self, enterprise_id: int, kind: str, city: City, root_id: int) -> None:
        self.by_kind[kind].append(enterprise_id)
        self.by_kind_city.setdefault((kind, city), []).append(enterprise_id)
        self.root_of[enterprise_id] = root_id

    def pick(self, rng: random.Random, kind: str, city: City, local_share: float) -> int | None:
        """A local unit with probability ``local_share`` (when the city has one), else any in the province."""
        local = self.by_kind_city.get((kind, city))
        if local and rng.random() < local_share:
            return rng.choice(local)
        everyone = self.by_kind[kind]
        return rng.choice(everyone) if everyone else None

    def pick_outside_group(
        self, rng: random.Random, kind: str, city: City, local_share: float, other: int, attempts: int = 8
    ) -> int | None:
        """Like ``pick``, but not in ``other``'s group when a few tries can avoid it."""
        chosen = self.pick(rng, kind, city, local_share)
        for _ in range(attempts):
            if chosen is None or self.root_of[chosen] != self.root_of[other]:
                break
            chosen = self.pick(rng, kind, city, local_share)
        return chosen


def created_before(rng: random.Random, anchor: datetime) -> datetime:
    """A moment in the year before ``anchor``: records look entered over time, yet never read the clock."""
    return anchor - timedelta(seconds=rng.randrange(YEAR_SECONDS))
