"""The on-disk Whoosh index: generations swapped atomically, one writer at a time, one shared searcher."""

from __future__ import annotations

import heapq
import os
import secrets
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.index import LockError
from whoosh.searching import Searcher
from whoosh.util.filelock import FileLock, try_for

from search_index.documents import DocumentError, SearchDocument, snippets, to_fields, unpack
from search_index.query import Allowed, Hit, SearchRequest, SearchResult, parse_query
from search_index.schema import FACET_FIELDS, build_schema, is_current

POINTER = "CURRENT"
FACETS = {name: name for name in FACET_FIELDS} | {"enterprise": "enterprise_ids"}
FACET_LIMIT = 30
MORE_LIKE_TEXT = 4000
GENERATION_PREFIX = "gen-"
Progress = Callable[[int, int | None], None]


@dataclass(frozen=True)
class IndexHealth:
    ok: bool
    documents: int
    detail: str = ""


@dataclass(frozen=True)
class WriteReport:
    """What a write did; ``ok`` is False (never an exception) when the write lock could not be had."""

    ok: bool
    count: int = 0
    detail: str = ""


@dataclass(frozen=True)
class RebuildReport:
    ok: bool
    count: int = 0
    seconds: float = 0.0
    generation: str = ""
    detail: str = ""


class IndexCheck(NamedTuple):
    missing: list[str]
    stale: list[str]
    extra: list[str]


BUSY = "检索索引正由另一个写入者占用（写锁等待超时），请稍后重试"
OUTDATED = "检索索引结构已过期，请重建（flask search reindex）"


class SearchIndex:
    """A directory of index generations and a ``CURRENT`` file naming the live one.

    A rebuild writes a new generation and replaces ``CURRENT`` with a rename, so searches (in this process and
    others) keep reading the old generation until they notice the new name; the previous generation is kept
    for one more rebuild so a slower process can finish with it.
    """

    def __init__(self, directory: str | Path, *, lock_timeout: float = 5.0) -> None:
        self.directory = Path(directory)
        self.lock_timeout = lock_timeout
        self._lock = threading.Lock()
        self._view: View | None = None

    # ---- generations

    def _pointer(self) -> str | None:
        try:
            return (self.directory / POINTER).read_text(encoding="utf-8").strip() or None
        except FileNotFoundError:
            return None

    def _create_generation(self) -> tuple[str, whoosh_index.Index]:
        name = f"{GENERATION_PREFIX}{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"
        path = self.directory / name
        path.mkdir(parents=True)
        return name, whoosh_index.create_in(str(path), build_schema())

    def _swap(self, name: str) -> None:
        previous = self._pointer()
        temporary = self.directory / f"{POINTER}.{secrets.token_hex(4)}.tmp"
        temporary.write_text(name, encoding="utf-8")
        os.replace(temporary, self.directory / POINTER)
        for old in self.directory.glob(f"{GENERATION_PREFIX}*"):
            if old.name not in (name, previous):
                shutil.rmtree(old, ignore_errors=True)

    def _live(self) -> str:
        """The live generation's name; the first caller creates an empty one (under a file lock, as several
        web processes may start at once)."""
        name = self._pointer()
        if name is not None:
            return name
        self.directory.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.directory / "CREATE.lock"))
        if not try_for(lock.acquire, timeout=self.lock_timeout, delay=0.05):
            raise LockError("another process is creating the index")
        try:
            name = self._pointer()
            if name is None:
                name, _ = self._create_generation()
                self._swap(name)
        finally:
            lock.release()
        return name

    def _current(self) -> View:
        """The view on the live generation, reopened when CURRENT names another one or the index changed."""
        with self._lock:
            name = self._live()
            view = self._view
            if view is None or view.generation != name:
                ix = whoosh_index.open_dir(str(self.directory / name))
                view = View(name, ix, is_current(ix.schema))
            elif not view.searcher.up_to_date():
                view = View(name, view.ix, view.is_current)
            self._view = view
            return view

    def open(self) -> whoosh_index.Index:
        return self._current().ix

    # ---- writes

    def upsert(self, docs: Iterable[SearchDocument]) -> WriteReport:
        """Add or replace documents by doc_id. :raises DocumentError: for a document of the wrong shape."""
        prepared = [to_fields(doc) for doc in docs]
        return self._write(
            lambda writer: [writer.update_document(**fields) for fields in prepared], len(prepared)
        )

    def delete(self, doc_ids: Iterable[str]) -> WriteReport:
        ids = list(doc_ids)
        return self._write(lambda writer: [writer.delete_by_term("doc_id", i) for i in ids], len(ids))

    def _write(self, apply: Callable[[object], object], count: int) -> WriteReport:
        if count == 0:
            return WriteReport(ok=True)
        for _attempt in range(2):
            view = self._current()
            if not view.is_current:
                return WriteReport(ok=False, detail=OUTDATED)
            try:
                writer = view.ix.writer(timeout=self.lock_timeout)
            except LockError:
                return WriteReport(ok=False, detail=BUSY)
            if self._pointer() == view.generation:
                break
            writer.cancel()  # a rebuild made another generation live while this writer waited for the lock
        else:
            return WriteReport(ok=False, detail=BUSY)
        try:
            apply(writer)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        return WriteReport(ok=True, count=count)

    def rebuild(
        self, iter_docs: Iterable[SearchDocument], total: int | None = None, progress: Progress | None = None
    ) -> RebuildReport:
        """Index every document into a new generation, then make it live with one rename.

        The live generation's write lock is held throughout: an upsert meanwhile waits (then writes into the new
        generation) or reports the lock, never writes into the one being replaced. Searches go on reading the old
        generation until the rename. :raises DocumentError: and leaves the live index as it was.
        """
        started = time.perf_counter()
        lock = self._current().ix.lock("WRITELOCK")
        if not try_for(lock.acquire, timeout=self.lock_timeout, delay=0.1):
            return RebuildReport(ok=False, detail=BUSY)
        try:
            name, ix = self._create_generation()
            try:
                count = _fill(ix, iter_docs, total, progress)
            except BaseException:
                shutil.rmtree(self.directory / name, ignore_errors=True)
                raise
            self._swap(name)
        finally:
            lock.release()
        return RebuildReport(ok=True, count=count, seconds=time.perf_counter() - started, generation=name)

    # ---- reads

    def search(self, request: SearchRequest) -> SearchResult:
        view = self._current()
        if not view.is_current:
            return SearchResult(0, [], {}, request.page, request.per_page, message=OUTDATED)
        return view.search(request)

    def more_like_this(
        self, doc_id: str, *, same_category: bool = True, limit: int = 5, allowed: Allowed | str
    ) -> list[Hit]:
        """Documents like this one (its key terms), in its category by default, never itself."""
        grant = Allowed.all() if allowed == "all" else allowed
        if not isinstance(grant, Allowed):
            raise TypeError("allowed must be an Allowed or 'all'")
        return self._current().more_like_this(doc_id, same_category=same_category, limit=limit, allowed=grant)

    def doc_count(self) -> int:
        return self._current().searcher.doc_count()

    def check(self, expected: Mapping[str, str]) -> IndexCheck:
        """Compare with {doc_id: version_of(doc)} from the database: what is missing, stale, or extra."""
        indexed = self._current().versions()
        return IndexCheck(
            missing=sorted(set(expected) - set(indexed)),
            stale=sorted(k for k in set(expected) & set(indexed) if expected[k] != indexed[k]),
            extra=sorted(set(indexed) - set(expected)),
        )

    def health(self) -> IndexHealth:
        """Open the index and read from it; any failure is reported, not raised."""
        try:
            view = self._current()
            documents = view.searcher.doc_count()
            view.searcher.search(wq.Every(), limit=1)
        except Exception as exc:  # noqa: BLE001 - a health check reports every failure
            return IndexHealth(ok=False, documents=0, detail=type(exc).__name__)
        if not view.is_current:
            return IndexHealth(ok=False, documents=documents, detail=OUTDATED)
        return IndexHealth(ok=True, documents=documents, detail=view.generation)


def _fill(
    ix: whoosh_index.Index, docs: Iterable[SearchDocument], total: int | None, progress: Progress | None
) -> int:
    writer = ix.writer(limitmb=128)
    seen: set[str] = set()
    try:
        for count, doc in enumerate(docs, 1):
            fields = to_fields(doc)
            if fields["doc_id"] in seen:
                raise DocumentError(fields["doc_id"], "重复的 doc_id")
            seen.add(fields["doc_id"])
            writer.add_document(**fields)
            if progress and count % 200 == 0:
                progress(count, total)
    except BaseException:
        writer.cancel()
        raise
    writer.commit(optimize=True)
    if progress:
        progress(len(seen), total)
    return len(seen)


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
