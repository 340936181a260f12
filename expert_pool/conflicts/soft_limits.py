"""Soft limits (DOMAIN.md 5) the draw weighs and regulators review: shared panels, repeat constructors."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date, timedelta
from itertools import combinations

from expert_pool.conflicts.records import PanelSeat, Participation, WorkNode

# The smallest limit on panels two experts share: the conflict index keeps the pairs that shared at least this
# many, so a draw looks at a few hundred pairs, not every pair that ever sat together.
MIN_PAIR_LIMIT = 2

# Decree 37 Art. 10: the constructor (施工单位) writes the plan; a subcontracted work's plan, the subcontractor.
CONSTRUCTOR_ROLES = ("general_contractor", "subcontractor")


def _in_window(day: date, on: date, window_days: int) -> bool:
    """The ``window_days`` days ending on ``on``: a seat exactly ``window_days`` days before falls out."""
    return on - timedelta(days=window_days) < day <= on


def pair_counts(seats: Iterable[PanelSeat], on: date, window_days: int = 365) -> dict[tuple[int, int], int]:
    """How many panels each two experts (lower id first) shared in the window."""
    panels: dict[int, set[int]] = defaultdict(set)
    for s in seats:
        if _in_window(s.day, on, window_days):
            panels[s.review_id].add(s.expert_id)
    counts: Counter[tuple[int, int]] = Counter()
    for members in panels.values():
        counts.update(combinations(sorted(members), 2))
    return dict(counts)


def constructor_counts(
    seats: Iterable[PanelSeat],
    works: Iterable[WorkNode],
    participations: Iterable[Participation],
    *,
    on: date,
    window_days: int = 365,
    roles: Sequence[str] = CONSTRUCTOR_ROLES,
) -> dict[tuple[int, int], int]:
    """How many reviews in the window each expert sat on for plans of each constructor: (expert, enterprise)."""
    project_of = {w.id: w.project_id for w in works}
    builders: dict[int, set[int]] = defaultdict(set)
    for p in participations:
        if p.role in roles:
            builders[p.project_id].add(p.enterprise_id)
    reviewed = {(s.expert_id, s.review_id, s.work_id) for s in seats if _in_window(s.day, on, window_days)}
    counts: Counter[tuple[int, int]] = Counter()
    for expert_id, _, work_id in reviewed:
        if (project_id := project_of.get(work_id)) is not None:
            counts.update((expert_id, unit) for unit in builders.get(project_id, ()))
    return dict(counts)


def shared_days(seats: Iterable[PanelSeat]) -> dict[tuple[int, int], tuple[date, ...]]:
    """The days each two experts (lower id first) sat on one concluded panel, oldest first: only the pairs that
    shared at least ``MIN_PAIR_LIMIT`` panels (DOMAIN.md 5, soft limit on experts sitting together)."""
    panels: dict[int, set[int]] = defaultdict(set)
    days: dict[int, date] = {}
    for s in seats:
        panels[s.review_id].add(s.expert_id)
        days[s.review_id] = s.day
    found: dict[tuple[int, int], list[date]] = defaultdict(list)
    for review_id, members in panels.items():
        for pair in combinations(sorted(members), 2):
            found[pair].append(days[review_id])
    return {pair: tuple(sorted(d)) for pair, d in found.items() if len(d) >= MIN_PAIR_LIMIT}


def crowded_pairs(
    shared: Mapping[tuple[int, int], Sequence[date]], candidates: Collection[int], *, on: date, limit: int,
    window_days: int = 365,
) -> list[tuple[int, int]]:  # fmt: skip
    """DOMAIN.md 5, soft limit (policy ``max_pair_sittings``; 0 turns it off): the pairs of candidates who sat
    together on at least ``limit`` panels in the ``window_days`` days ending on ``on``. The draw keeps each
    such pair apart where the panel can still be completed without them together."""
    if limit <= 0:
        return []
    return sorted(
        pair for pair, days in shared.items()
        if pair[0] in candidates and pair[1] in candidates
        and sum(1 for d in days if _in_window(d, on, window_days)) >= limit
    )  # fmt: skip
