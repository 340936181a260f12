"""Facet counting helpers of ``view.View.facets``: the top values, and counting value by value."""

from __future__ import annotations

import heapq

FACET_LIMIT = 30


def top(counted: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """The FACET_LIMIT largest counts, ties by value; sorting all 20,000 enterprises with a key took 30 ms."""
    if len(counted) > FACET_LIMIT:
        least = heapq.nlargest(FACET_LIMIT, (n for _, n in counted))[-1]
        counted = [c for c in counted if c[1] >= least]
    return sorted(counted, key=lambda c: (-c[1], c[0]))[:FACET_LIMIT]


def count_inverted(
    found: set[int], values: list[tuple[str, list[frozenset[int]], int]]
) -> list[tuple[str, int]]:
    """Counts of the values (most documents first) among ``found``, stopping at a value with fewer documents
    than the FACET_LIMIT-th count so far: it cannot enter the list."""
    counted: list[tuple[str, int]] = []
    best: list[int] = []  # the FACET_LIMIT largest counts, smallest first
    for value, parts, size in values:
        if len(best) == FACET_LIMIT and size < best[0]:
            break
        n = sum(len(found & docs) if len(docs) < len(found) else len(docs & found) for docs in parts)
        if n:
            counted.append((value, n))
            (heapq.heappushpop if len(best) == FACET_LIMIT else heapq.heappush)(best, n)
    return counted
