"""Posting lists as sets of document numbers, read a block at a time and kept per index segment.

Whoosh's matchers step through postings one document at a time in Python: matching a word found in half the
index (80,000 documents) took about 120 ms, and as long again to score it. Here a term's postings are read once,
a block at a time, into arrays and a frozenset of document numbers, and queries become set operations (done in
C). A segment never changes its postings (a deletion only marks a document), so what is read from one is kept
for as long as the segment lives: a searcher reopened after an outbox write reads only the new small segment.

Tied to whoosh-reloaded 2.7.5's W3 codec (the leaf matcher's block arrays, the length column's bytes); when a
segment is not of that shape the slower public calls are used instead. A test compares both.
"""

from __future__ import annotations

import heapq
import threading
from array import array
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from typing import Any

from whoosh.util.numeric import byte_to_length

# BM25 (Whoosh's defaults, whoosh.scoring.BM25F).
B = 0.75
K1 = 1.2
# The best documents kept per term and segment for ranking a large result ("champion lists", Manning, Raghavan
# and Schütze, Introduction to Information Retrieval, 7.1.3): a result larger than EXACT_MAX is ranked among
# the champions of its words only.
CHAMPIONS = 300
# Postings kept per segment (arrays and sets, about 70 bytes each) before the least recently used terms go.
TERM_BUDGET = 1_500_000
_LENGTHS = [byte_to_length(b) for b in range(256)]
_EMPTY: frozenset[int] = frozenset()


class TermPostings:
    """One term's postings in one segment, in the index's document numbers (the segment's offset added)."""

    __slots__ = ("champions", "docs", "ids", "weights")

    def __init__(self, ids: array[int], weights: array[float]) -> None:
        self.ids = ids
        self.weights = weights
        self.docs = frozenset(ids)
        self.champions: frozenset[int] | None = None

    def weight(self, docnum: int) -> float:
        """The term's weight (frequency × field boost) in a document of ``docs``."""
        return self.weights[bisect_left(self.ids, docnum)]


class SegmentCache:
    """What has been read from one segment at one offset: term postings (least recently used dropped past
    ``TERM_BUDGET``), every value of the facet fields, field lengths."""

    def __init__(self, leaf: Any, offset: int) -> None:
        self.leaf = leaf
        self.offset = offset
        self.count = leaf.doc_count_all()
        self._terms: OrderedDict[tuple[str, bytes], TermPostings] = OrderedDict()
        self._size = 0
        self._values: dict[str, dict[str, frozenset[int]]] = {}
        self._lengths: dict[str, array[float]] = {}
        self._forward: dict[str, list[tuple[str, ...]]] = {}
        self._lock = threading.Lock()

    def term(self, fieldname: str, btext: bytes) -> TermPostings | None:
        key = (fieldname, btext)
        with self._lock:
            found = self._terms.get(key)
            if found is not None:
                self._terms.move_to_end(key)
                return found
        if key not in self.leaf:
            return None
        ids, weights = read_postings(self.leaf, fieldname, btext)
        if self.offset:
            ids = array("I", (n + self.offset for n in ids))
        found = TermPostings(ids, weights)
        with self._lock:
            self._terms[key] = found
            self._size += len(ids)
            while self._size > TERM_BUDGET and len(self._terms) > 1:
                _, dropped = self._terms.popitem(last=False)
                self._size -= len(dropped.ids)
        return found

    def values(self, fieldname: str) -> dict[str, frozenset[int]]:
        """Every value of a (code) field with its documents in this segment."""
        if fieldname not in self._values:
            offset, found = self.offset, {}
            for btext, ids in field_postings(self.leaf, fieldname):
                found[btext.decode("utf-8")] = (
                    frozenset(n + offset for n in ids) if offset else frozenset(ids)
                )
            self._values[fieldname] = found
        return self._values[fieldname]

    def forward(self, fieldname: str) -> list[tuple[str, ...]]:
        """The values of a field per document of this segment: the facet values inverted."""
        if fieldname not in self._forward:
            found: list[list[str]] = [[] for _ in range(self.count)]
            for value, docs in self.values(fieldname).items():
                for docnum in docs:
                    found[docnum - self.offset].append(value)
            self._forward[fieldname] = [tuple(v) for v in found]
        return self._forward[fieldname]

    def lengths(self, fieldname: str) -> array[float]:
        """Every document's length of a field (as Whoosh stores it, one byte)."""
        if fieldname not in self._lengths:
            self._lengths[fieldname] = read_lengths(self.leaf, fieldname, self.count)
        return self._lengths[fieldname]

    def champions(self, fieldname: str, posting: TermPostings, avgfl: float) -> frozenset[int]:
        """The term's best documents in this segment by its BM25 weight (its idf is the same for all)."""
        if posting.champions is None:
            if len(posting.ids) <= CHAMPIONS:
                posting.champions = posting.docs
            else:
                lengths, offset = self.lengths(fieldname), self.offset
                norm = K1 * (1 - B)
                slope = K1 * B / avgfl

                def quality(i: int) -> float:
                    w = posting.weights[i]
                    return w / (w + norm + slope * lengths[posting.ids[i] - offset])

                best = heapq.nlargest(CHAMPIONS, range(len(posting.ids)), key=quality)
                posting.champions = frozenset(posting.ids[i] for i in best)
        return posting.champions


def field_postings(leaf: Any, fieldname: str) -> Iterator[tuple[bytes, array[int]]]:
    """Every term of a field with its document numbers, in one pass over the segment's term table (looking
    each term up again, as ``leaf.postings`` does, was most of the time for the 30,000 enterprises)."""
    if fieldname not in leaf.indexed_field_names():
        return
    terms = getattr(leaf, "_terms", None)
    if not all(hasattr(terms, a) for a in ("items_from", "_codec", "_postfile")):
        for btext in leaf.lexicon(fieldname):
            yield btext, read_postings(leaf, fieldname, btext)[0]
        return
    fmt = leaf.schema[fieldname].format
    for (name, btext), info in terms.items_from(fieldname, b""):
        if name != fieldname:
            return
        matcher = terms._codec.postings_reader(terms._postfile, info, fmt, term=(name, btext))
        yield btext, _read_matcher(matcher)[0]


def read_postings(leaf: Any, fieldname: str, btext: bytes) -> tuple[array[int], array[float]]:
    """A term's document numbers (within the segment) and weights, a block at a time."""
    return _read_matcher(leaf.postings(fieldname, btext))


def _read_matcher(matcher: Any) -> tuple[array[int], array[float]]:
    ids, weights = array("I"), array("f")
    if not all(hasattr(matcher, a) for a in ("_read_ids", "_read_weights", "_next_block", "_blocklength")):
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
        return ids, weights
    while matcher.is_active():
        matcher._read_ids()
        matcher._read_weights()
        ids.extend(matcher._ids)
        weights.extend(matcher._weights)
        matcher._next_block()
    return ids, weights


def read_lengths(leaf: Any, fieldname: str, count: int) -> array[float]:
    """Field lengths of every document: the length column's bytes when they can be read at once."""
    column = None
    perdoc = getattr(leaf, "_perdoc", None)
    if perdoc is not None and hasattr(perdoc, "_cached_reader"):
        from whoosh.codec.whoosh3 import LENGTHS_COLUMN

        column = perdoc._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
    if column is not None and hasattr(column, "_dbfile") and getattr(column, "_fixedlen", 0) == 1:
        raw = column._dbfile.get(column._basepos, min(column._count, count))
        found = array("f", map(_LENGTHS.__getitem__, raw))
        found.extend([0.0] * (count - len(found)))
        return found
    return array("f", (leaf.doc_field_length(n, fieldname, 0) or 0 for n in range(count)))


def union(parts: Iterable[frozenset[int]]) -> frozenset[int]:
    parts = [p for p in parts if p]
    if not parts:
        return _EMPTY
    if len(parts) == 1:
        return parts[0]
    return frozenset().union(*parts)


def bm25(idf: float, weight: float, length: float, avgfl: float) -> float:
    return idf * (weight * (K1 + 1)) / (weight + K1 * ((1 - B) + B * length / avgfl))
