"""One searcher on one state of the index: permission filters, facets, result pages and similar documents."""

from __future__ import annotations

import heapq

from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.searching import Searcher

from search_index.documents import snippets, unpack
from search_index.query import Allowed, Hit, SearchRequest, SearchResult, parse_query
from search_index.schema import FACET_FIELDS

FACETS = {name: name for name in FACET_FIELDS} | {"enterprise": "enterprise_ids"}
FACET_LIMIT = 30
MORE_LIKE_TEXT = 4000


class View:
    """One searcher on one state of the index, and the document-number sets computed on it.

    Permission filters and facet counts are set operations on cached frozensets of document numbers (one per
    field value), which beat both a filter query and Whoosh's groupedby: with groupedby Whoosh scores and sorts
    every hit, whatever the limit.
    """

    def __init__(self, generation: str, ix: whoosh_index.Index, is_current: bool) -> None:
        self.generation = generation
        self.ix = ix
        self.is_current = is_current
        self.searcher: Searcher = ix.searcher()
        self._values: dict[str, dict[str, frozenset[int]]] = {}
        self._allowed: dict[Allowed, frozenset[int]] = {}
        self._dates: list[str] | None = None

    def values(self, fieldname: str) -> dict[str, frozenset[int]]:
        """Every value of a field with the documents that have it."""
        if fieldname not in self._values:
            reader = self.searcher.reader()
            self._values[fieldname] = {
                value: frozenset(reader.postings(fieldname, value).all_ids())
                for value in reader.field_terms(fieldname)
            }
        return self._values[fieldname]

    def docs(self, fieldname: str, value: str) -> frozenset[int]:
        return self.values(fieldname).get(value, frozenset())

    def allowed(self, grant: Allowed) -> frozenset[int] | None:
        """The documents a grant may see, None for all of them; cached per grant on this searcher."""
        if grant.everything:
            return None
        if grant not in self._allowed:
            docs: set[int] = set()
            for fieldname, values in (("city", grant.cities), ("enterprise_ids", grant.enterprise_ids)):
                docs.update(*(self.docs(fieldname, str(v)) for v in values))
            docs.update(*(self.docs("expert_ids", str(v)) for v in grant.expert_ids))
            docs.update(self.docs("published", "1") if grant.published else ())
            numbers = (self.searcher.document_number(doc_id=d) for d in grant.doc_ids)
            docs.update(n for n in numbers if n is not None)
            if len(self._allowed) > 256:
                self._allowed.clear()
            self._allowed[grant] = frozenset(docs)
        return self._allowed[grant]

    def column(self, fieldname: str) -> list[str]:
        """A column's value for every document number, "" where none.

        Not ``reader.column_reader()``: on a multi-segment index it skips the segments that lack the column, so
        its values shift onto the wrong documents (Whoosh 2.7.5) - one undated document misdated the rest.
        """
        values: list[str] = []
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
            found = set(self.searcher.docs_for_query(q))
            if allowed is not None:
                found &= allowed
        for fieldname, value in request.filters.terms():
            found &= self.docs(fieldname, value)
        return found

    def newest(self, found: set[int], count: int) -> list[int]:
        """The ``count`` newest documents; the date column is read once per searcher, not per document and query
        (Whoosh's sortedby reads it per matching document: 70 ms for 5,000 hits)."""
        if self._dates is None:
            self._dates = self.column("date")
        dates = self._dates
        return heapq.nlargest(count, found, key=lambda n: (dates[n], n))

    def facets(self, found: set[int]) -> dict[str, list[tuple[object, int]]]:
        facets = {}
        for name, fieldname in FACETS.items():
            counts = [(v, len(found & docs)) for v, docs in self.values(fieldname).items()]
            counts = sorted((c for c in counts if c[1]), key=lambda c: (-c[1], c[0]))[:FACET_LIMIT]
            facets[name] = [(int(v) if name in ("year", "enterprise") else v, n) for v, n in counts]
        return facets

    def search(self, request: SearchRequest) -> SearchResult:
        parsed = parse_query(request.q)
        found = self.matches(parsed.query, request)
        start, end = (request.page - 1) * request.per_page, request.page * request.per_page
        hits = []
        if found and start < len(found):
            if request.sort == "date" or isinstance(parsed.query, wq.Every):
                page = [(n, 0.0) for n in self.newest(found, end)[start:]]
            else:
                results = self.searcher.search(parsed.query, filter=found, limit=min(end, len(found)))
                page = [(r.docnum, r.score) for r in results[start:end]]
            hits = [self._hit(docnum, score, parsed.terms) for docnum, score in page]
        return SearchResult(
            total=len(found),
            hits=hits,
            facets=self.facets(found),
            page=request.page,
            per_page=request.per_page,
            message=parsed.message,
            used_fallback=parsed.used_fallback,
        )

    def _hit(self, docnum: int, score: float | None, terms: tuple[str, ...]) -> Hit:
        stored = self.searcher.stored_fields(docnum)
        return Hit(
            doc_id=stored["doc_id"],
            kind=stored.get("kind", ""),
            title=stored.get("title", ""),
            url=stored.get("url", ""),
            city=stored.get("city", ""),
            category=stored.get("category", ""),
            date=stored.get("date", ""),
            score=float(score or 0.0),
            snippets=snippets(stored.get("passages"), terms),
        )

    def more_like_this(self, doc_id: str, *, same_category: bool, limit: int, allowed: Allowed) -> list[Hit]:
        docnum = self.searcher.document_number(doc_id=doc_id)
        if docnum is None:
            return []
        stored = self.searcher.stored_fields(docnum)
        pool = self.allowed(allowed)
        if same_category and stored.get("category"):
            same = self.docs("category", stored["category"])
            pool = same if pool is None else pool & same
        if pool is not None:
            pool = pool - {docnum}
            if not pool:
                return []
        text = "\n".join([stored.get("title", ""), *(t for _, t in unpack(stored.get("passages")))])
        key_terms = self.searcher.key_terms_from_text("body", text[:MORE_LIKE_TEXT], numterms=12)
        q = wq.Or([wq.Term("body", word, boost=weight) for word, weight in key_terms])
        results = self.searcher.search(q, limit=limit, filter=pool and set(pool), mask={docnum})
        return [self._hit(r.docnum, r.score, ()) for r in results]
