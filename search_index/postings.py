"""Posting lists as sets of document numbers, read a block at a time and kept per index segment.

Whoosh's matchers step through postings one document at a time in Python: matching a word found in half the
index (80,000 documents) took about 120 ms, and as long again to score it. Here a term's postings are read once,
a block at a time, into arrays and a frozenset of document numbers, and queries become set operations (done in
C). A segment never changes its postings (a deletion only marks a document), so what is read from one is kept
for as long as the segment lives: a searcher reopened after an outbox write reads only the new small segment.

The block and column reads are whoosh-reloaded's internals, read in ``whoosh_private`` only (on the version they
were verified on); elsewhere the public calls (a matcher stepped one document at a time) give the same sets, 30
times slower. Tests compare both with Whoosh's own matcher and scorer, and count which path was taken.
"""

from __future__ import annotations

import heapq
import threading
from array import array
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import suppress
from typing import Any

from whoosh.matching import FilterMatcher

from search_index import whoosh_private

# BM25 (Whoosh's defaults, whoosh.scoring.BM25F).
B = 0.75
K1 = 1.2
# The best documents kept per term and segment for ranking a large result ("champion lists", Manning, Raghavan
# and Schütze, Introduction to Information Retrieval, 7.1.3): a result larger than EXACT_MAX is ranked among
# the champions of its words only.
CHAMPIONS = 300
# Postings kept per segment (arrays and sets, about 70 bytes each) before the least recently used terms go.
TERM_BUDGET = 1_500_000
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
    ``TERM_BUDGET``), every value of the facet fields, field lengths.

    Whoosh reads a segment's files by seek-then-read on one file object per reader: two threads reading through
    the same ``leaf`` at once (a search and the warm-up) mix their reads into garbage (zlib.error,
    UnpicklingError). Every read here holds ``lock``, the lock of the searcher ``leaf`` belongs to
    (``View.lock``), which that searcher's own reads hold too; what another thread read meanwhile is used."""

    def __init__(self, leaf: Any, offset: int, lock: threading.RLock | None = None) -> None:
        self.leaf = leaf
        self.offset = offset
        self.lock = threading.RLock() if lock is None else lock
        self.count = leaf.doc_count_all()
        self._terms: OrderedDict[tuple[str, bytes], TermPostings] = OrderedDict()
        self._size = 0
        self._values: dict[str, dict[str, frozenset[int]]] = {}
        self._lengths: dict[str, array[float]] = {}
        self._forward: dict[str, list[tuple[str, ...]]] = {}
        self._codes: dict[tuple[str, ...], list[tuple[str, ...]] | None] = {}

    def term(self, fieldname: str, btext: bytes) -> TermPostings | None:
        key = (fieldname, btext)
        found = self._terms.get(key)  # no lock for what is read already: not held up by another thread's read
        if found is not None:
            with suppress(KeyError):  # dropped by another thread meanwhile
                self._terms.move_to_end(key)
            return found
        with self.lock:
            found = self._terms.get(key)
            if found is not None:
                return found
            if key not in self.leaf:
                return None
            ids, weights = read_postings(self.leaf, fieldname, btext)
            if self.offset:
                ids = array("I", (n + self.offset for n in ids))
            found = TermPostings(ids, weights)
            self._terms[key] = found
            self._size += len(ids)
            while self._size > TERM_BUDGET and len(self._terms) > 1:
                _, dropped = self._terms.popitem(last=False)
                self._size -= len(dropped.ids)
            return found

    def values(self, fieldname: str) -> dict[str, frozenset[int]]:
        """Every value of a (code) field with its documents in this segment."""
        found = self._values.get(fieldname)
        if found is not None:
            return found
        with self.lock:
            if fieldname not in self._values:  # not read by another thread while this one waited
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
            values = self.values(fieldname)
            found: list[list[str]] = [[] for _ in range(self.count)]
            for value, docs in values.items():
                for docnum in docs:
                    found[docnum - self.offset].append(value)
            self._forward[fieldname] = [tuple(v) for v in found]
        return self._forward[fieldname]

    def codes(self, fieldnames: tuple[str, ...]) -> list[tuple[str, ...]] | None:
        """Each document's values of single-valued fields ("" where none), one tuple shared by the documents of
        one combination; None when a document of this segment holds two values of one of the fields."""
        if fieldnames not in self._codes:
            columns, mixed = [], False
            for fieldname in fieldnames:
                column = [""] * self.count
                for value, docs in self.values(fieldname).items():
                    for docnum in docs:
                        mixed = mixed or bool(column[docnum - self.offset])
                        column[docnum - self.offset] = value
                columns.append(column)
            shared: dict[tuple[str, ...], tuple[str, ...]] = {}
            combos = [shared.setdefault(combo, combo) for combo in zip(*columns, strict=True)]
            self._codes[fieldnames] = None if mixed else combos
        return self._codes[fieldnames]

    def lengths(self, fieldname: str) -> array[float]:
        """Every document's length of a field (as Whoosh stores it, one byte)."""
        found = self._lengths.get(fieldname)
        if found is not None:
            return found
        with self.lock:
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
    """Every term of a field with its document numbers."""
    if fieldname not in leaf.indexed_field_names():
        return iter(())
    found = whoosh_private.field_postings(leaf, fieldname)
    if found is None:
        return ((btext, read_postings(leaf, fieldname, btext)[0]) for btext in leaf.lexicon(fieldname))
    return found


def read_postings(leaf: Any, fieldname: str, btext: bytes) -> tuple[array[int], array[float]]:
    """A term's document numbers (within the segment, deleted documents too) and weights: a block at a time, or
    by the public path one at a time."""
    found = whoosh_private.block_postings(leaf, fieldname, btext)
    if found is not None:
        return found
    ids, weights = array("I"), array("f")
    matcher = leaf.postings(fieldname, btext)
    if isinstance(matcher, FilterMatcher):  # deleted documents count in a term's idf, as in Whoosh's scorer
        matcher = matcher.child
        matcher.reset()  # the filter has moved it past the deleted documents it starts with
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return ids, weights


def read_lengths(leaf: Any, fieldname: str, count: int) -> array[float]:
    """Field lengths of every document: the length column's bytes at once, or a public call per document."""
    found = whoosh_private.field_lengths(leaf, fieldname, count)
    if found is not None:
        return found
    return array("f", (leaf.doc_field_length(n, fieldname, 0) or 0 for n in range(count)))


def open_files(leaf: Any) -> None:
    """Open every file of a segment a search may read, now: Whoosh opens a column (stored fields, lengths, dates)
    at its first read, and by then another process's commit may have merged the segment away and deleted its
    files; a file open stays readable. A compound segment is one file, opened (mapped) with its reader."""
    segment = leaf.segment()
    if segment is None or segment.is_compound() or whoosh_private.open_columns(leaf):
        return
    if leaf.doc_count_all():  # the public path: a first read of each column opens its file
        leaf.stored_fields(0)
    for fieldname, field in leaf.schema.items():
        if leaf.has_column(fieldname):
            leaf.column_reader(fieldname)
        if field.scorable:
            leaf.doc_field_length(0, fieldname)


def union(parts: Iterable[frozenset[int]]) -> frozenset[int]:
    parts = [p for p in parts if p]
    if not parts:
        return _EMPTY
    if len(parts) == 1:
        return parts[0]
    return frozenset().union(*parts)


def bm25(idf: float, weight: float, length: float, avgfl: float) -> float:
    return idf * (weight * (K1 + 1)) / (weight + K1 * ((1 - B) + B * length / avgfl))
