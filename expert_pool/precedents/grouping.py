"""Near-duplicate wordings merged into problems: the similarity of two wordings, and the grouping (pure).

**Similarity** of two wordings is the cosine of their weighted key-term sets (``terms``): the weight of the
terms they share over the geometric mean of their total weights,

    sim(A, B) = Σ_{t ∈ A∩B} w(t) / √(Σ_{t∈A} w(t) · Σ_{t∈B} w(t)),

and 0 when the shared terms are all generic (two findings are not the same problem because both ask for a
验算). 「未提供抗隆起稳定性验算」 and 「缺少坑底抗隆起验算」 share 抗隆起 (1.5) and 验算 (0.4): 1.9/√(2.3·3.4) = 0.68.

**SAME_PROBLEM** is the threshold above which two wordings state the same problem. It was set on the labelled
pairs of ``tests/unit/precedent_pairs.py`` (written for this purpose, in the field's wording): the test there
asserts its precision and recall, so a change of weights or vocabulary that moves them fails.

**Grouping** is leader clustering: wordings are taken in a fixed order (oldest first) and each joins the
problem it is closest to if that reaches SAME_PROBLEM, or starts a new one. A wording's **closeness** to a
problem is its similarity to the nearest of the problem's wordings (it says the same as one of them), provided
it is not far from the problem as a whole — its similarity to the problem's **centre** (the terms held by at
least half of its distinct wordings) reaches CENTRE_GUARD, half the threshold, so that a chain of near
neighbours cannot drift from one problem into another. A full run then moves each wording once to the problem
it is closest to, if closer than its own (a wording that started a problem before its closer one grew).

A problem's **label** is the wording closest to its centre (the most frequent, then the shortest, on a tie),
and its **key terms** the non-generic terms most of its wordings hold, heaviest first: what the pre-check looks
for in a plan.
"""

from __future__ import annotations

import functools
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from expert_pool.precedents.terms import GENERIC_WEIGHT, key_terms, weight

SAME_PROBLEM = 0.47
CENTRE_SHARE = 0.5
CENTRE_GUARD = SAME_PROBLEM / 2
KEY_SHARE = 0.5
MAX_KEY_TERMS = 3

Weighted = Mapping[str, float]


def similarity(a: Weighted, b: Weighted) -> float:
    """The cosine of two weighted term sets; 0 unless they share a term that is not generic."""
    shared = a.keys() & b.keys()
    if not any(a[t] > GENERIC_WEIGHT for t in shared):
        return 0.0
    # fsum is exact: the order the shared terms come in (which depends on the order of a and b) cannot change it.
    total = math.sqrt(math.fsum(a.values()) * math.fsum(b.values()))
    return math.fsum(a[t] for t in shared) / total if total else 0.0


def weights_of(terms: Iterable[str]) -> dict[str, float]:
    return {t: w for t in terms if (w := weight(t)) > 0}


def text_similarity(a: str, b: str) -> float:
    return similarity(weights_of(key_terms(a)), weights_of(key_terms(b)))


def is_same_problem(a: str, b: str) -> bool:
    return text_similarity(a, b) >= SAME_PROBLEM


@dataclass(frozen=True)
class Wording:
    """One distinct wording (texts that normalise alike are one) and how often it occurs."""

    key: str
    text: str
    terms: tuple[str, ...]
    count: int = 1

    @functools.cached_property
    def weights(self) -> dict[str, float]:
        return weights_of(self.terms)


@dataclass
class Group:
    """A problem as the grouping sees it: its wordings and, over them, how many hold each term."""

    wordings: list[Wording] = field(default_factory=list)
    term_counts: Counter[str] = field(default_factory=Counter)
    _centre: dict[str, float] | None = field(default=None, repr=False, compare=False)

    @property
    def size(self) -> int:
        return len(self.wordings)

    def add(self, wording: Wording) -> None:
        self.wordings.append(wording)
        self.term_counts.update(set(wording.terms))
        self._centre = None

    def centre(self) -> dict[str, float]:
        if self._centre is None:
            self._centre = centre_of(self.term_counts, self.size)
        return self._centre

    def centre_without(self, wording: Wording) -> dict[str, float]:
        counts = self.term_counts.copy()
        counts.subtract(set(wording.terms))
        return centre_of(+counts, self.size - 1)

    @property
    def occurrences(self) -> int:
        return sum(w.count for w in self.wordings)


def closeness(wording: Wording, group: Group, *, member: bool = False) -> float:
    """How close a wording is to a problem: its similarity to the nearest of the problem's wordings, if it is
    not far from the problem as a whole (similarity to the centre at least CENTRE_GUARD), else to the centre.
    With ``member``, the wording is in the group and is left out of it."""
    mine = wording.weights
    centre = group.centre_without(wording) if member else group.centre()
    to_centre = similarity(mine, centre)
    if to_centre < CENTRE_GUARD:
        return to_centre
    others = (w for w in group.wordings if not (member and w is wording))
    return max([to_centre, *(similarity(mine, w.weights) for w in others)])


def centre_of(term_counts: Mapping[str, int], wordings: int) -> dict[str, float]:
    """The terms held by at least CENTRE_SHARE of the wordings (the most held ones if none reach it)."""
    if not term_counts:
        return {}
    needed = max(1.0, CENTRE_SHARE * wordings)
    held = [t for t, n in term_counts.items() if n >= needed]
    if not held:
        top = max(term_counts.values())
        held = [t for t, n in term_counts.items() if n == top]
    return weights_of(held)


def label_of(wordings: Sequence[Wording], centre: Weighted) -> str:
    """The wording closest to the centre; the most frequent, then the shortest, then the first in order on a tie."""
    best = max(
        enumerate(wordings),
        key=lambda p: (round(similarity(p[1].weights, centre), 6), p[1].count, -len(p[1].text), -p[0]),
    )
    return best[1].text


def key_terms_of(
    term_counts: Mapping[str, int], wordings: int, limit: int = MAX_KEY_TERMS
) -> tuple[str, ...]:
    """The non-generic terms held by more than half of the wordings (by all of two), heaviest and most shared
    first, at most ``limit``: the words a plan that meets the problem is expected to use."""
    held = {t: n for t, n in term_counts.items() if n > KEY_SHARE * wordings and weight(t) > GENERIC_WEIGHT}
    ranked = sorted(held, key=lambda t: (-weight(t) * held[t], t))
    return tuple(ranked[:limit])


class Grouper:
    """Leader clustering with an index from each term to the groups whose wordings hold it."""

    def __init__(self, groups: Iterable[Group] = ()) -> None:
        self.groups: list[Group] = []
        self._by_term: dict[str, set[int]] = defaultdict(set)
        for group in groups:
            self._append(group)

    def _append(self, group: Group) -> int:
        self.groups.append(group)
        index = len(self.groups) - 1
        for term in group.term_counts:
            self._by_term[term].add(index)
        return index

    def nearest(self, wording: Wording, *, leave_out: int | None = None) -> tuple[int | None, float]:
        """The group the wording is closest to (lowest index on a tie) and how close."""
        mine = wording.weights
        candidates = {g for t in mine if mine[t] > GENERIC_WEIGHT for g in self._by_term.get(t, ())}
        best, score = None, 0.0
        for index in sorted(candidates):
            group = self.groups[index]
            if index == leave_out or not group.size:
                continue
            s = closeness(wording, group)
            if s > score:
                best, score = index, s
        return best, score

    def add(self, wording: Wording) -> int:
        """Put the wording in its problem (a new one when none is close enough); returns the group's index."""
        index, score = self.nearest(wording)
        if index is None or score < SAME_PROBLEM:
            return self._append(_group_of(wording))
        self.groups[index].add(wording)
        for term in wording.terms:
            self._by_term[term].add(index)
        return index

    def refine(self) -> None:
        """Move each wording once to the group it is closest to, if that is closer than its own group without it
        (a wording that started a problem before its closer problem grew)."""
        moves: list[tuple[int, Wording, int]] = []
        for index, group in enumerate(self.groups):
            for wording in group.wordings:
                own = closeness(wording, group, member=True) if group.size > 1 else 0.0
                target, score = self.nearest(wording, leave_out=index)
                if target is not None and score >= SAME_PROBLEM and score > own + 1e-9:
                    moves.append((index, wording, target))
        for source, wording, target in moves:
            self.groups[source].wordings.remove(wording)
            self.groups[target].add(wording)
        kept = [_rebuilt(g) for g in self.groups if g.wordings]
        self.groups, self._by_term = [], defaultdict(set)
        for group in kept:
            self._append(group)


def _group_of(wording: Wording) -> Group:
    group = Group()
    group.add(wording)
    return group


def _rebuilt(group: Group) -> Group:
    fresh = Group()
    for wording in group.wordings:
        fresh.add(wording)
    return fresh


def is_groupable(wording: Wording) -> bool:
    """A wording with no term but generic ones (「现场检查记录不全」) says too little to be recognised again."""
    return any(w > GENERIC_WEIGHT for w in wording.weights.values())


def group_wordings(wordings: Iterable[Wording]) -> list[Group]:
    """Every groupable wording in one group (a full run): leader clustering in the given order, then one
    refinement."""
    grouper = Grouper()
    for wording in wordings:
        if is_groupable(wording):
            grouper.add(wording)
    grouper.refine()
    return grouper.groups
