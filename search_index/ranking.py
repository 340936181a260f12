"""Ranking: BM25F with an IDF floor, a disjunction scored as its best member, and the same scores computed on
the fast path's sets (``score``) as Whoosh's matchers compute them (``Weighting``, ``BestOf``).

Whoosh's idf, log(N / (df + 1)) + 1, leaves a word found in every document a weight of 1 against 6 to 11 for a
rare one: 工程 and 概况 of 工程概况 kept near-full weight. Here the +1 goes and the idf stops at ``IDF_FLOOR``,
so a word of almost every document counts for little beside the words that tell documents apart.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from math import log
from typing import Any, Protocol

from whoosh import query as wq
from whoosh.matching import ListMatcher, NullMatcher
from whoosh.scoring import BM25F

from search_index.postings import SegmentCache, TermPostings, bm25

# The weight of a word found in (almost) every document, against log(N / df) for the others. Tuned with the
# field weights on the labelled set (the grid: expansion.py).
IDF_FLOOR = 0.05


def idf(doc_count: int, doc_frequency: int) -> float:
    return max(IDF_FLOOR, log(doc_count / (doc_frequency + 1)))


class Weighting(BM25F):  # type: ignore[misc]
    """Whoosh's BM25F with ``idf`` above: what the fast path's scores are checked against."""

    def idf(self, searcher: Any, fieldname: str, text: bytes) -> float:
        parent = searcher.get_parent()
        return idf(parent.doc_count_all(), parent.doc_frequency(fieldname, text))


class BestOf(wq.CompoundQuery):  # type: ignore[misc]
    """Matches what any subquery matches, scored by the best of them: the spellings of one concept (高支模,
    高大模板) count once, not once per spelling."""

    JOINT = " BESTOF "
    intersect_merge = False

    def _matcher(self, subs: list[wq.Query], searcher: Any, context: Any) -> Any:
        # Whoosh's DisjunctionMaxMatcher (2.7.5) takes the larger of both sides' scores even when they stand on
        # different documents: the best score of each document is collected here instead, through the public
        # matcher calls, for Whoosh's own searches (tests and the reference ranking; the engine uses ``score``).
        best: dict[int, float] = {}
        for q in subs:
            m = q.matcher(searcher, context)
            while m.is_active():
                n, found = m.id(), float(m.score())
                if found > best.get(n, -1.0):
                    best[n] = found
                m.next()
        if not best:
            return NullMatcher()
        ids = sorted(best)
        return ListMatcher(ids, weights=[best[n] for n in ids])


class Scored(Protocol):
    """What ``score`` reads of a view (search_index.view.View)."""

    doc_count_all: int

    def term_docs(self, fieldname: str, text: str | bytes) -> frozenset[int]: ...

    def evaluate(self, q: wq.Query) -> frozenset[int]: ...

    def btexts(self, q: Any) -> list[bytes]: ...

    def segment_term(self, fieldname: str, btext: bytes) -> list[tuple[SegmentCache, TermPostings]]: ...

    def avg_length(self, fieldname: str) -> float: ...


def score(view: Scored, q: wq.Query, candidates: frozenset[int] | set[int]) -> dict[int, float]:
    """The score of every candidate document a query's words match, as Whoosh's matchers add them up: an And or
    an Or the sum of its parts (an And only where all of them match), a ``BestOf`` the best part, an ``AndMaybe``
    the first part plus the second where both match."""
    found: dict[int, float] = {}
    _add_scores(view, q, candidates, found)
    return found


def _add_scores(
    view: Scored, q: wq.Query, candidates: frozenset[int] | set[int], into: dict[int, float]
) -> None:
    """``score`` added into ``into``: sums go straight in, only a best-of needs its parts apart."""
    if isinstance(q, wq.Term):
        btext = q.text.encode("utf-8") if isinstance(q.text, str) else q.text
        _term(view, q.fieldname, btext, q.boost, candidates, into)
    elif hasattr(q, "btexts"):  # query.Contains: the words holding one character, the best of them
        _best(view, [wq.Term(q.fieldname, t, boost=q.boost) for t in view.btexts(q)], candidates, into)
    elif isinstance(q, wq.AndMaybe):
        first = score(view, q.a, candidates)
        _add_scores(view, q.b, frozenset(first), first)
        for n, s in first.items():
            into[n] = into.get(n, 0.0) + s
    elif isinstance(q, wq.And):
        matched = view.evaluate(q)
        inside = candidates & matched if len(candidates) < len(matched) else matched & candidates
        for n in inside:
            into.setdefault(n, 0.0)
        for c in q.subqueries:
            if not isinstance(c, wq.Not | wq.Every):
                _add_scores(view, c, inside, into)
    elif isinstance(q, BestOf):
        _best(view, q.subqueries, candidates, into)
    elif isinstance(q, wq.Or):
        for c in q.subqueries:
            _add_scores(view, c, candidates, into)


def _best(
    view: Scored, parts: Iterable[wq.Query], candidates: frozenset[int] | set[int], into: dict[int, float]
) -> None:
    best: dict[int, float] = {}
    for part in parts:
        for n, s in score(view, part, candidates).items():
            if s > best.get(n, -1.0):
                best[n] = s
    for n, s in best.items():
        into[n] = into.get(n, 0.0) + s


def terms(q: wq.Query, btexts: Callable[[Any], list[bytes]]) -> list[tuple[str, bytes]]:
    """(field, term) of every word the query scores (not those it excludes)."""
    if isinstance(q, wq.Term):
        return [(q.fieldname, q.text.encode("utf-8") if isinstance(q.text, str) else q.text)]
    if hasattr(q, "btexts"):
        return [(q.fieldname, t) for t in btexts(q)]
    if isinstance(q, wq.CompoundQuery | wq.BinaryQuery):
        return [t for c in q.subqueries if not isinstance(c, wq.Not) for t in terms(c, btexts)]
    return []


def _term(
    view: Scored, fieldname: str, btext: bytes, boost: float, candidates: frozenset[int] | set[int],
    into: dict[int, float],
) -> None:  # fmt: skip
    docs = view.term_docs(fieldname, btext)
    if not docs:
        return
    weight = idf(view.doc_count_all, len(docs))
    inside = docs & candidates if len(docs) > len(candidates) else candidates & docs
    avgfl = view.avg_length(fieldname)
    get = into.get
    for segment, posting in view.segment_term(fieldname, btext):
        lengths, offset, here = segment.lengths(fieldname), segment.offset, posting.docs
        for n in inside & here if len(inside) > len(here) else here & inside:
            into[n] = get(n, 0.0) + boost * bm25(weight, posting.weight(n), lengths[n - offset], avgfl)


def rank(view: Scored, q: wq.Query, found: set[int], count: int, exact_max: int) -> list[tuple[int, float]]:
    """The ``count`` best documents of ``found`` by ``score``.

    A result of more than ``exact_max`` documents is ranked among the champions of its words (their best
    documents, ``postings.CHAMPIONS`` per word and segment): scoring 80,000 documents in Python takes longer
    than the whole page may. Should the champions hold fewer than ``count`` documents, all are scored."""
    words = [t for t in dict.fromkeys(terms(q, view.btexts)) if view.term_docs(*t)]
    if not words:
        return [(n, 0.0) for n in sorted(found)[:count]]
    candidates: set[int] | frozenset[int] = found
    if len(found) > exact_max:
        best: set[int] = set()
        for fieldname, btext in words:
            avgfl = view.avg_length(fieldname)
            for segment, posting in view.segment_term(fieldname, btext):
                best.update(segment.champions(fieldname, posting, avgfl))
        best &= found
        if len(best) >= count:
            candidates = best
    scores = dict.fromkeys(candidates, 0.0)
    scores.update(score(view, q, frozenset(candidates)))
    return heapq.nlargest(count, scores.items(), key=lambda item: (item[1], -item[0]))
