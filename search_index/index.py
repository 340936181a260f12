"""The on-disk Whoosh index: generations swapped atomically, one writer at a time, one shared searcher."""

from __future__ import annotations

import os
import pickle
import secrets
import shutil
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, Protocol, TypeVar

from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.index import LockError
from whoosh.util.filelock import FileLock, try_for

from search_index import bulk, whoosh_private
from search_index.documents import DocumentError, SearchDocument, to_fields
from search_index.postings import SegmentCache
from search_index.query import Allowed, Hit, SearchRequest, SearchResult
from search_index.schema import build_schema, is_current
from search_index.segcache import FILENAME as SEGCACHE_FILE
from search_index.view import FACET_LIMIT as FACET_LIMIT
from search_index.view import FACETS as FACETS
from search_index.view import MORE_LIKE_TEXT as MORE_LIKE_TEXT
from search_index.view import View

POINTER = "CURRENT"
# A rebuild of at least this many documents is written by several processes (starting one takes a second).
PARALLEL_MIN_DOCS = 5000
MAX_BUILD_PROCS = 2
# Memory for each writer's postings before it sorts them out to disk: a larger pool means fewer, longer runs.
BUILD_LIMIT_MB = 512
GENERATION_PREFIX = "gen-"
Progress = Callable[[int, int | None], None]
T = TypeVar("T")
# What a read raises when another process's commit took away (merged, deleted) files its searcher still named:
# a file gone, or cut short. Whoosh opens some files lazily (columns, stored fields), after the searcher.
VANISHED = (OSError, EOFError, zlib.error, pickle.UnpicklingError, struct.error)
# Reads of a state the index has since left, tried again each on the newer state (a writer commits every 50 ms).
STALE_RETRIES = 3


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


class Writing(Protocol):
    """What an update asks of Whoosh's writer."""

    def update_document(self, **fields: Any) -> None: ...

    def delete_by_term(self, fieldname: str, text: str) -> None: ...


BUSY = "检索索引正由另一个写入者占用（写锁等待超时），请稍后重试"
OUTDATED = "检索索引结构已过期，请重建（flask search reindex）"


class SearchIndex:
    """A directory of index generations and a ``CURRENT`` file naming the live one.

    A rebuild writes a new generation and replaces ``CURRENT`` with a rename, so searches (in this process and
    others) keep reading the old generation until they notice the new name; the previous generation is kept
    for one more rebuild so a slower process can finish with it.
    """

    def __init__(
        self, directory: str | Path, *, lock_timeout: float = 5.0, build_procs: int | None = None
    ) -> None:
        self.directory = Path(directory)
        self.lock_timeout = lock_timeout
        self.build_procs = build_procs or min(MAX_BUILD_PROCS, os.cpu_count() or 1)
        self._lock = threading.Lock()
        self._view: View | None = None
        self._segments: dict[tuple[str, int], SegmentCache] = {}  # what was read from each segment
        whoosh_private.check_version()  # at start-up, so the log says at once when searches will be slow

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
                view = self._open_view(name, ix, is_current(ix.schema))
            elif not view.searcher.up_to_date():
                view = self._open_view(name, view.ix, view.is_current)
            self._view = view
            return view

    def _open_view(self, name: str, ix: whoosh_index.Index, current: bool) -> View:
        """A view that opened its every file (``postings.open_files``) before a commit could delete one: made
        again when the index changed meanwhile (Whoosh deletes files only after writing the next state)."""
        for attempt in range(STALE_RETRIES):
            try:
                view = View(name, ix, current, self._segments)
            except VANISHED:  # a file deleted between reading the state and opening the file
                if attempt == STALE_RETRIES - 1:
                    raise
                continue
            if view.searcher.up_to_date():
                break
        return view

    def view(self) -> View:
        """The searcher on the live generation (fresh if the index changed), with its cached sets."""
        return self._current()

    def _read(self, read: Callable[[View], T]) -> T:
        """``read`` on the live view, whole. Should it fail as a read of vanished files does while the index
        has moved on meanwhile (another process committed and deleted files this searcher had not opened yet),
        it runs again, whole, on a view of the newer state: an answer always comes from one state."""
        view = self._current()
        for _attempt in range(STALE_RETRIES):
            try:
                return read(view)
            except VANISHED:
                fresh = self._current()
                if fresh is view:  # the index has not changed: not a vanished file but a real failure
                    raise
                view = fresh
        return read(view)

    def warm(self) -> None:
        """Read now what the first search of a process would: every segment's facet values (30,000 enterprises
        take seconds), who may see what, the documents' facet codes and which plan versions have a newer one (a
        province's first search spent 0.5 s reading these two). Later searchers reuse it; only new segments are
        read again."""

        def read(view: View) -> None:
            for fieldname in {*FACETS.values(), "expert_ids", "published"}:
                view.facet_values(fieldname)
            view.forward("enterprise_ids")
            view.dates()
            view.codes()
            view.plans()

        self._read(read)

    def open(self) -> whoosh_index.Index:
        return self._current().ix

    # ---- writes

    def upsert(self, docs: Iterable[SearchDocument]) -> WriteReport:
        """Add or replace documents by doc_id. :raises DocumentError: for a document of the wrong shape."""
        prepared = [to_fields(doc) for doc in docs]

        def replace(writer: Writing) -> None:
            for fields in prepared:
                writer.update_document(**fields)

        return self._write(replace, len(prepared))

    def delete(self, doc_ids: Iterable[str]) -> WriteReport:
        ids = list(doc_ids)

        def remove(writer: Writing) -> None:
            for doc_id in ids:
                writer.delete_by_term("doc_id", doc_id)

        return self._write(remove, len(ids))

    def _write(self, apply: Callable[[Writing], None], count: int) -> WriteReport:
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
                count = _fill(
                    ix, iter_docs, total, progress, self.build_procs, self.directory / SEGCACHE_FILE
                )
            except BaseException:
                shutil.rmtree(self.directory / name, ignore_errors=True)
                raise
            self._swap(name)
        finally:
            lock.release()
        return RebuildReport(ok=True, count=count, seconds=time.perf_counter() - started, generation=name)

    # ---- reads

    def search(self, request: SearchRequest) -> SearchResult:
        def answer(view: View) -> SearchResult:
            if not view.is_current:
                return SearchResult(0, [], {}, request.page, request.per_page, message=OUTDATED)
            return view.search(request)

        return self._read(answer)

    def more_like_this(
        self, doc_id: str, *, same_category: bool = True, limit: int = 5, allowed: Allowed | str,
        kind: str | None = None, before: str | None = None,
    ) -> list[Hit]:  # fmt: skip
        """Documents like this one (its key terms), in its category by default, never itself; only of ``kind``
        and dated on or before ``before`` (ISO date) when given."""
        grant = Allowed.all() if allowed == "all" else allowed
        if not isinstance(grant, Allowed):
            raise TypeError("allowed must be an Allowed or 'all'")
        return self._read(
            lambda view: view.more_like_this(
                doc_id, same_category=same_category, limit=limit, allowed=grant, kind=kind, before=before
            )
        )

    def contains(self, doc_id: str) -> bool:
        return self._read(lambda view: view.document_number(doc_id) is not None)

    def doc_count(self) -> int:
        return int(self._current().searcher.doc_count())

    def check(self, expected: Mapping[str, str]) -> IndexCheck:
        """Compare with {doc_id: version_of(doc)} from the database: what is missing, stale, or extra."""
        indexed = self._read(View.versions)
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
            with view.lock:
                view.searcher.search(wq.Every(), limit=1)
        except Exception as exc:  # noqa: BLE001 - a health check reports every failure
            return IndexHealth(ok=False, documents=0, detail=type(exc).__name__)
        if not view.is_current:
            return IndexHealth(ok=False, documents=documents, detail=OUTDATED)
        return IndexHealth(ok=True, documents=documents, detail=view.generation)


def _fill(
    ix: whoosh_index.Index, docs: Iterable[SearchDocument], total: int | None, progress: Progress | None,
    procs: int, cache_path: Path | None = None,
) -> int:  # fmt: skip
    """Write every document into the empty index ``ix``: a large rebuild with several writer processes
    (``bulk``), each making one segment that is kept as it is; merging them would cost as much again as writing
    them, and a search reads two segments about as fast as one."""
    parallel = procs > 1 and (total or 0) >= PARALLEL_MIN_DOCS
    count = bulk.fill(ix, _checked(docs), procs=procs if parallel else 1, limitmb=BUILD_LIMIT_MB, total=total,
                      progress=progress, cache_path=cache_path)  # fmt: skip
    if progress:
        progress(count, total)
    return count


def _checked(docs: Iterable[SearchDocument]) -> Iterator[dict[str, Any]]:
    seen: set[str] = set()
    for doc in docs:
        fields = to_fields(doc)
        if fields["doc_id"] in seen:
            raise DocumentError(fields["doc_id"], "重复的 doc_id")
        seen.add(fields["doc_id"])
        yield fields
