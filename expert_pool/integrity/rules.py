"""The pure rules of the integrity scan: what chance predicts, how far the records sit from it, and when that
becomes a finding. No regulation sets these numbers: every threshold here is **policy** (``IntegrityPolicy``),
chosen so that a finding rests on enough cases to be worth a regulator's look and that, over a whole run, the
chance of even one finding arising by chance alone stays at ``alpha`` (Bonferroni: each of the ``m`` subjects
tested is held to ``alpha/m``; a province tests thousands of pairs, and a per-pair 1 ‰ would bury the real
findings under chance ones).

- Pairs (DOMAIN 5, "how often the same two experts sit together"): a draw seats ``k`` of its candidates with
  chance proportional to their weights (``expert_pool.draws.sampling``). Expert ``i``'s chance to be seated is
  taken as ``π_i = min(1, k·w_i/W)`` and two experts' joint chance as ``π_i·π_j·(k−1)/k·n/(n−1)``, which is
  exact for equal weights (``k(k−1)/(n(n−1))``) and close for the draw's mild weights. Summed over every draw
  where both were candidates, it is the number of panels the pair is *expected* to share; the pair is a finding
  when it shared at least ``min_together`` panels and a Poisson count with that mean reaches its number with
  probability at most ``alpha/m``.
- Constructors (DOMAIN 5, "how often one expert reviews the same constructor's plans"): an expert who sat on
  ``s`` of the window's ``R`` reviews is expected on ``n·s/R`` of a constructor's ``n``; the same Poisson test.
- Pass rates: an expert's share of opinions proposing 通过/修改后通过 in one category against the category's share
  over every expert; a finding when he gave at least ``min_opinions`` and the binomial z-score's two-sided normal
  p-value is at most ``alpha/m``.
- Near-identical opinions: two opinions of one panel whose findings texts, normalised as the search index does
  (``search_index.analysis.normalize``), share at least ``similarity`` of their character bigrams (Jaccard), and
  are at least ``min_chars`` long: experts are to examine the plan each on his own (Decree 37 Art. 12-13).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise


@dataclass(frozen=True)
class IntegrityPolicy:
    window_days: int = 365
    min_together: int = 3
    min_shared_reviews: int = 3  # an expert and a constructor
    alpha: float = 0.01  # family-wise, per kind of finding and run
    min_opinions: int = 10
    similarity: float = 0.9
    min_chars: int = 30


def inclusion(weights: Sequence[float], seats: int) -> list[float]:
    """Each candidate's chance to be seated when ``seats`` are drawn with chance proportional to weight."""
    total = sum(weights)
    if total <= 0 or seats <= 0:
        return [0.0] * len(weights)
    return [min(1.0, seats * w / total) for w in weights]


def joint(p_i: float, p_j: float, seats: int, candidates: int) -> float:
    """Two candidates' chance to sit on the same panel (exact for equal weights)."""
    if seats < 2 or candidates < 2:
        return 0.0
    return min(p_i, p_j, p_i * p_j * (seats - 1) / seats * candidates / (candidates - 1))


def poisson_tail(observed: int, expected: float) -> float:
    """P(X ≥ observed) for X ~ Poisson(expected)."""
    if observed <= 0:
        return 1.0
    if expected <= 0:
        return 0.0
    term = math.exp(-expected)
    below = term
    for k in range(1, observed):
        term *= expected / k
        below += term
    return max(0.0, 1.0 - below)


def per_test(alpha: float, tested: int) -> float:
    """Bonferroni: the level each of ``tested`` subjects is held to so the run's level stays ``alpha``."""
    return alpha / max(1, tested)


def is_unlikely(observed: int, expected: float, *, minimum: int, level: float) -> bool:
    return observed >= minimum and poisson_tail(observed, expected) <= level


def two_sided(z: float) -> float:
    """The two-sided normal p-value of a z-score."""
    return math.erfc(abs(z) / math.sqrt(2))


def z_score(successes: int, trials: int, rate: float) -> float:
    """How many standard deviations ``successes`` of ``trials`` sit from the rate (0 when undefined)."""
    if trials == 0 or rate <= 0 or rate >= 1:
        return 0.0
    return (successes - trials * rate) / math.sqrt(trials * rate * (1 - rate))


def bigrams(normalised: str) -> frozenset[str]:
    """The character bigrams of a text with spaces and punctuation already removed."""
    return frozenset(a + b for a, b in pairwise(normalised))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def similar_pairs(
    texts: Iterable[tuple[int, str]], *, threshold: float, min_chars: int
) -> list[tuple[int, int, float]]:
    """The pairs of (id, normalised text) whose bigram sets overlap at least ``threshold``, ids ascending."""
    kept = sorted((i, t) for i, t in texts if len(t) >= min_chars)
    grams = [(i, bigrams(t)) for i, t in kept]
    found = []
    for n, (i, a) in enumerate(grams):
        for j, b in grams[n + 1 :]:
            score = jaccard(a, b)
            if score >= threshold:
                found.append((i, j, round(score, 3)))
    return found
