"""One searcher on one state of the index: permission filters, facets, result pages and similar documents."""

from __future__ import annotations

import heapq
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from functools import partial
from typing import Any, cast

from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.searching import Searcher

from search_index import ranking
from search_index.documents import likeness_text, placed_snippets
from search_index.facet_counts import FACET_LIMIT as FACET_LIMIT
from search_index.facet_counts import count_combined, count_many
from search_index.facet_counts import top as _top
from search_index.folding import PLAN_KEY, PLAN_VERSION, PlanVersions
from search_index.postings import SegmentCache, TermPostings, open_files, union
from search_index.query import (
    BROADER_BELOW,
    Allowed,
    Contains,
    Hit,
    OlderVersion,
    ParsedQuery,
    SearchRequest,
    SearchResult,
    parse_query,
)
from search_index.schema import FACET_FIELDS

FACETS = {name: name for name in FACET_FIELDS} | {"enterprise": "enterprise_ids"}
MORE_LIKE_TEXT = 4000
KEY_TERMS = 12
# A result of up to this many documents is ranked by scoring every one of them.
EXACT_MAX = 2000
# Documents in the term sets a searcher keeps (combined over segments) before it starts again: about 60 MB.
TERM_SET_BUDGET = 1_000_000


class View:
    """One searcher on one state of the index, and the document-number sets computed on it.

    Matching, permission filters and facet counts are set operations on frozensets of document numbers read
    from the postings (``postings``), which beat Whoosh's matchers, a filter query and Whoosh's groupedby alike:
    with groupedby Whoosh scores and sorts every hit, whatever the limit. What is read from a segment is kept
    by the ``SegmentCache`` of that segment, shared by the views of later searchers.

    Threads share a view (a web process's searches, its warm-up); Whoosh reads by seek-then-read on the searcher's
    file objects, so every read through this searcher (its own, and the segment caches' it made) holds ``lock``;
    no code holding it waits for another view's lock, so two threads never wait on each other."""

    def __init__(
        self, generation: str, ix: whoosh_index.Index, is_current: bool,
        segments: dict[tuple[str, int], SegmentCache] | None = None,
    ) -> None:  # fmt: skip
        self.generation = generation
        self.ix = ix
        self.is_current = is_current
        self.searcher: Searcher = ix.searcher(weighting=ranking.Weighting())  # what ranking.score computes
        self.lock = threading.RLock()
        registry = {} if segments is None else segments
        self.segments: list[SegmentCache] = []
        deleted: set[int] = set()
        for leaf, offset in self.searcher.reader().leaf_readers():
            segment = leaf.segment()
            if segment is None:  # an empty index
                continue
            open_files(leaf)
            key = (segment.segment_id(), offset)
            if key not in registry:
                registry[key] = SegmentCache(leaf, offset, self.lock)
            self.segments.append(registry[key])
            if segment.has_deletions():
                deleted.update(offset + n for n in segment.deleted_docs())
        for key in set(registry) - {(s.leaf.segment().segment_id(), s.offset) for s in self.segments}:
            del registry[key]  # a segment merged away: its cache goes with it
        self.deleted = frozenset(deleted)
        self.doc_count_all = self.searcher.reader().doc_count_all()
        self._offsets = [s.offset for s in self.segments]
        self._live: frozenset[int] | None = None
        self._terms: dict[tuple[str, bytes], frozenset[int]] = {}
        self._docs: dict[tuple[str, str], frozenset[int]] = {}
        self._kept = 0
        self._facets: dict[str, list[tuple[str, list[frozenset[int]], int]]] = {}
        self._allowed: dict[Allowed, frozenset[int]] = {}
        self._dates: list[str] | None = None
        self._lists: dict[str, list[tuple[str, ...]]] = {}
        self._plans: PlanVersions | None = None
        self._codes: list[tuple[str, ...]] | None = None
        self._mixed = False  # a document with two values of a single-valued facet field

    # ---- sets

    def live(self) -> frozenset[int]:
        if self._live is None:
            self._live = frozenset(range(self.doc_count_all)) - self.deleted
        return self._live

    def term_docs(self, fieldname: str, text: str | bytes) -> frozenset[int]:
        """Documents (deleted ones too) with a term, cached per searcher."""
        btext = text.encode("utf-8") if isinstance(text, str) else text
        key = (fieldname, btext)
        found = self._terms.get(key)
        if found is None:
            found = union(p.docs for s in self.segments if (p := s.term(fieldname, btext)) is not None)
            self._remember(self._terms, key, found)
        return found

    def docs(self, fieldname: str, value: str) -> frozenset[int]:
        """Documents (deleted ones too) with a value of a code field."""
        key = (fieldname, value)
        found = self._docs.get(key)
        if found is None:
            found = union(s.values(fieldname).get(value, frozenset()) for s in self.segments)
            self._remember(self._docs, key, found)
        return found

    def _remember(self, cache: dict[Any, frozenset[int]], key: Any, found: frozenset[int]) -> None:
        if self._kept + len(found) > TERM_SET_BUDGET:
            self._terms.clear()
            self._docs.clear()
            self._kept = 0
        cache[key] = found
        self._kept += len(found)

    def evaluate(self, q: wq.Query) -> frozenset[int]:
        """The documents (deleted ones too) a query of ``query.parse_query`` matches, by set operations."""
        if isinstance(q, wq.Term):
            return self.term_docs(q.fieldname, q.text)
        if isinstance(q, Contains):
            return union(self.term_docs(q.fieldname, t) for t in self.btexts(q))
        if isinstance(q, wq.Or | ranking.BestOf):
            return union(self.evaluate(c) for c in q.subqueries)
        if isinstance(q, wq.AndMaybe):  # the second part only adds to the score
            return self.evaluate(q.a)
        if isinstance(q, wq.And):
            wanted = sorted((self.evaluate(c) for c in q.subqueries if not isinstance(c, wq.Not)), key=len)
            unwanted = [self.evaluate(c.query) for c in q.subqueries if isinstance(c, wq.Not)]
            found = wanted[0].intersection(*wanted[1:]) if wanted else self.live()
            return frozenset(found.difference(*unwanted)) if unwanted else frozenset(found)
        if isinstance(q, wq.Not):
            return self.live() - self.evaluate(q.query)
        if isinstance(q, wq.Every):
            return self.live()
        if isinstance(q, wq.NullQuery.__class__):
            return frozenset()
        with self.lock:
            return frozenset(self.searcher.docs_for_query(q))

    def btexts(self, q: Contains) -> list[bytes]:
        """The words of the field a ``Contains`` query stands for (read from the segments' lexicons)."""
        with self.lock:
            return q.btexts(self.searcher.reader())

    def document_number(self, doc_id: str) -> int | None:
        with self.lock:
            return cast("int | None", self.searcher.document_number(doc_id=doc_id))

    def stored_fields(self, docnum: int) -> dict[str, Any]:
        with self.lock:
            return cast("dict[str, Any]", self.searcher.stored_fields(docnum))

    def allowed(self, grant: Allowed) -> frozenset[int] | None:
        """The documents a grant may see, None for all of them; cached per grant on this searcher."""
        if grant.everything:
            return None
        found = self._allowed.get(grant)
        if found is None:
            docs: set[int] = set()
            for fieldname, values in (("city", grant.cities), ("enterprise_ids", grant.enterprise_ids)):
                docs.update(*(self.docs(fieldname, str(v)) for v in values))
            docs.update(*(self.docs("expert_ids", str(v)) for v in grant.expert_ids))
            docs.update(self.docs("published", "1") if grant.published else ())
            numbers = (self.document_number(d) for d in grant.doc_ids)
            docs.update(n for n in numbers if n is not None)
            if len(self._allowed) > 256:
                self._allowed.clear()
            self._allowed[grant] = found = frozenset(docs)
        return found

    def column(self, fieldname: str) -> list[str]:
        """A column's value for every document number, "" where none.

        Not ``reader.column_reader()``: on a multi-segment index it skips the segments that lack the column, so
        its values shift onto the wrong documents (Whoosh 2.7.5) - one undated document misdated the rest.
        """
        values: list[str] = []
        with self.lock:
            for reader, _ in self.searcher.reader().leaf_readers():
                has = reader.has_column(fieldname)
                values.extend(reader.column_reader(fieldname) if has else [""] * reader.doc_count_all())
        return values

    def versions(self) -> dict[str, str]:
        ids, versions = self.column("doc_id"), self.column("version")
        return {ids[n]: versions[n] for n in self.searcher.reader().all_doc_ids()}

    def matches(self, q: wq.Query, request: SearchRequest) -> set[int]:
        allowed = self.allowed(request.allowed)  # type: ignore[arg-type]
        if isinstance(q, wq.Every) and allowed is not None:
            found = set(allowed)
        else:
            found = set(self.evaluate(q))
            if allowed is not None:
                found &= allowed
        found -= self.deleted
        for fieldname, value in request.filters.terms():
            found &= self.docs(fieldname, value)
        return found

    # ---- ranking

    def segment_term(self, fieldname: str, btext: bytes) -> list[tuple[SegmentCache, TermPostings]]:
        """A term's postings in each segment that has it."""
        return [(s, p) for s in self.segments if (p := s.term(fieldname, btext)) is not None]

    def avg_length(self, fieldname: str) -> float:
        with self.lock:
            return (self.searcher.reader().field_length(fieldname) / self.doc_count_all) or 1.0

    def rank(self, q: wq.Query, found: set[int], count: int) -> list[tuple[int, float]]:
        """The ``count`` best documents of ``found`` (``ranking.rank``: BM25F with an IDF floor, synonyms scored
        once; champion lists past ``EXACT_MAX`` documents)."""
        return ranking.rank(self, q, found, count, EXACT_MAX)

    def dates(self) -> list[str]:
        """The date of every document number, read once per searcher."""
        if self._dates is None:
            self._dates = self.column("date")
        return self._dates

    def newest(self, found: set[int], count: int) -> list[int]:
        """The ``count`` newest documents; the date column is read once per searcher, not per document and query
        (Whoosh's sortedby reads it per matching document: 70 ms for 5,000 hits)."""
        dates = self.dates()
        return heapq.nlargest(count, found, key=lambda n: (dates[n], n))

    def facet_values(self, fieldname: str) -> list[tuple[str, list[frozenset[int]], int]]:
        """Each value of a field with its documents per segment, most documents first."""
        if fieldname not in self._facets:
            parts: dict[str, list[frozenset[int]]] = {}
            for segment in self.segments:
                for value, docs in segment.values(fieldname).items():
                    parts.setdefault(value, []).append(docs)
            entries = [(v, p, sum(map(len, p))) for v, p in parts.items()]
            self._facets[fieldname] = sorted(entries, key=lambda e: -e[2])
        return self._facets[fieldname]

    def facets(self, found: set[int], names: Iterable[str] = FACETS) -> dict[str, list[tuple[object, int]]]:
        """Counts of the top values of each facet among ``found`` (all facets unless ``names`` says which).

        The single-valued fields (kind, city, category…) are counted together, in one pass over the found
        documents' combinations of their values (``codes``); a field of many values (30,000 enterprises) as
        ``facet_counts.count_many`` chooses."""
        facets: dict[str, list[tuple[object, int]]] = {}
        codes = self.codes() if any(name in FACET_FIELDS for name in names) else None
        combos = Counter(map(codes.__getitem__, found)) if codes is not None else Counter()
        for name in names:
            if codes is not None and name in FACET_FIELDS:
                counted = count_combined(combos, FACET_FIELDS.index(name))
            else:
                fieldname = FACETS[name]
                counted = count_many(found, self.facet_values(fieldname), partial(self.forward, fieldname),
                                     self.doc_count_all)  # fmt: skip
            facets[name] = [(int(v) if name in ("year", "enterprise") else v, n) for v, n in _top(counted)]
        return facets

    def codes(self) -> list[tuple[str, ...]] | None:
        """Every document's values of the single-valued facet fields (``FACET_FIELDS``; "" where it has none), by
        document number (per searcher, from the segments'). None when a document holds two values of one of them
        (then each is counted value by value)."""
        if self._codes is None and not self._mixed:
            parts = [s.codes(FACET_FIELDS) for s in self.segments]
            self._mixed = any(p is None for p in parts)
            self._codes = None if self._mixed else [combo for p in parts for combo in p or ()]
        return self._codes

    def forward(self, fieldname: str) -> list[tuple[str, ...]]:
        """Every document's values of a field, by document number (per searcher, from the segments')."""
        key = f"forward:{fieldname}"
        if key not in self._lists:
            self._lists[key] = [values for s in self.segments for values in s.forward(fieldname)]
        return self._lists[key]

    def plans(self) -> PlanVersions:
        """Which plan versions have a newer one (one hit per plan), read once per searcher."""
        if self._plans is None:
            plans = self.docs("kind", "plan") - self.deleted
            self._plans = PlanVersions(self.column(PLAN_KEY), self.column(PLAN_VERSION), plans)
        return self._plans

    def search(self, request: SearchRequest) -> SearchResult:
        parsed = parse_query(request.q)
        found, folded = self.plans().fold(self.matches(parsed.query, request))
        start, end = (request.page - 1) * request.per_page, request.page * request.per_page
        hits = []
        if found and start < len(found):
            if request.sort == "date" or isinstance(parsed.query, wq.Every):
                page = [(n, 0.0) for n in self.newest(found, end)[start:]]
            else:
                page = self.rank(parsed.query, found, end)[start:]
            hits = [self.fold_under(self.hit(n, score, parsed.terms), folded.get(n)) for n, score in page]
        partial, partial_total = self.partial(parsed, request, found, start, end)
        return SearchResult(
            total=len(found),
            hits=hits,
            facets=self.facets(found),
            page=request.page,
            per_page=request.per_page,
            message=parsed.message,
            used_fallback=parsed.used_fallback,
            broader_query=parsed.broader if len(found) < BROADER_BELOW or partial else "",
            partial=partial,
            partial_total=partial_total,
        )

    def partial(
        self, parsed: ParsedQuery, request: SearchRequest, found: set[int], start: int, end: int
    ) -> tuple[list[Hit], int]:
        """The page where a strict AND's results run out is filled with the best documents that hold only some
        of its words (the OR, ``parsed.broader``), after all that hold every word; with their count. A plan
        shown among the strict results is not shown again."""
        if not parsed.broader or request.sort != "relevance" or not start <= len(found) < end:
            return [], 0
        broad = parse_query(parsed.broader)
        plans = self.plans()
        others, folded = plans.fold(self.matches(broad.query, request) - found)
        shown_plans = {plans.keys[n] for n in found if plans.keys[n]}
        others = {n for n in others if not plans.keys[n] or plans.keys[n] not in shown_plans}
        if not others:
            return [], 0
        ranked = self.rank(broad.query, others, end - len(found))
        hits = [self.fold_under(self.hit(n, score, broad.terms), folded.get(n)) for n, score in ranked]
        return hits, len(others)

    def fold_under(self, hit: Hit, older: list[int] | None) -> Hit:
        """A plan's hit with the older versions found too (newest first) folded under it."""
        olds = [self.stored_fields(n) for n in older or ()]
        found = [
            OlderVersion(o["doc_id"], o.get("title", ""), o.get("url", ""), o.get("date", "")) for o in olds
        ]
        return replace(hit, older=found) if found else hit

    def hit(self, docnum: int, score: float | None, terms: tuple[str, ...]) -> Hit:
        stored = self.stored_fields(docnum)
        placed = placed_snippets(stored.get("passages"), terms)
        return Hit(
            doc_id=stored["doc_id"],
            kind=stored.get("kind", ""),
            title=stored.get("title", ""),
            url=stored.get("url", ""),
            city=stored.get("city", ""),
            category=stored.get("category", ""),
            date=stored.get("date", ""),
            score=float(score or 0.0),
            snippets=[fragment for _, fragment in placed],
            places=[label for label, _ in placed],
        )

    def more_like_this(
        self, doc_id: str, *, same_category: bool, limit: int, allowed: Allowed, kind: str | None = None,
        before: str | None = None,
    ) -> list[Hit]:  # fmt: skip
        """Documents like this one: its key terms, among those the grant may see, of its category, of ``kind``,
        dated on or before ``before`` (an ISO date), never itself."""
        docnum = self.document_number(doc_id)
        if docnum is None:
            return []
        stored = self.stored_fields(docnum)
        pool = self.allowed(allowed)
        narrower = []
        if same_category and stored.get("category"):
            narrower.append(self.docs("category", stored["category"]))
        if kind is not None:
            narrower.append(self.docs("kind", kind))
        for docs in sorted(narrower, key=len):
            pool = docs if pool is None else pool & docs
        if before is not None:
            dates = self.dates()
            candidates = pool if pool is not None else range(len(dates))
            pool = frozenset(n for n in candidates if dates[n] and dates[n] <= before)
        if pool is not None:
            pool = pool - {docnum}
            if not pool:
                return []
        text = likeness_text(stored.get("title", ""), stored.get("passages"))[:MORE_LIKE_TEXT]
        with self.lock:
            key_terms = self.searcher.key_terms_from_text("body", text, numterms=KEY_TERMS + 8)
        # Numbers and single characters say nothing of what a document is about.
        key_terms = [
            (w, weight) for w, weight in key_terms if len(w) > 1 and not w.replace(".", "").isdigit()
        ]
        q = wq.Or([wq.Term("body", word, boost=weight) for word, weight in key_terms[:KEY_TERMS]])
        found = set(self.evaluate(q)) - self.deleted - {docnum}
        if pool is not None:
            found &= pool
        return [self.hit(n, score, ()) for n, score in self.rank(q, found, limit)]
