"""Writing a whole new index generation fast: several writer processes, each making one segment with the bulk
writer (``whoosh_private.writing.BulkWriter``: a cheaper posting pool and postings writer than Whoosh's).

A rebuild's time goes with the number of postings (a plan makes about 1,400), and Whoosh spends most of it per
posting in Python: estimating each posting's size, pickling it to a run file and back one by one, looking up the
document's field length on disk, and four type checks and two calls to add it to a block. The bulk writer keeps
Whoosh's segment format (tests compare every term, posting and statistic with Whoosh's own writer) and changes
only those steps; the writer processes split the documents between them. Whoosh's public writers took 1.6 times
as long (``whoosh.multiproc``, two processes) to 3 times (analysed in two processes, one public writer) on 20,000
documents (``scripts/bench/search_bulk.py``). On a whoosh-reloaded other than the verified one, one process writes
with Whoosh's own SegmentWriter instead (the multiprocessing writer forks, which a web process must not).

Segmenting the texts with jieba took most of the writer processes' time (issue 19: 25,000 province
documents, 115 s of one core for the title, units and body texts alone); a writer process reads a batch's words
from the segmentation cache (``segcache``) a previous rebuild left, and segments only the texts it lacks.
"""

from __future__ import annotations

import multiprocessing
import queue
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index

from search_index import analysis, whoosh_private
from search_index.segcache import SegCache
from search_index.whoosh_private import writing

JOB_BATCH = 200
# The fields whose texts the segmentation cache keeps; ``pairs`` is their join (documents.to_fields).
CACHED_FIELDS = ("title", "units", "body")
WAIT = 1.0  # seconds between checks that the writer processes are still alive

Fields = dict[str, Any]
Progress = Callable[[int, int | None], None]


class BuildError(RuntimeError):
    """A writer process failed; the generation being built is unusable."""


def fill(
    ix: whoosh_index.Index, docs: Iterable[Fields], *, procs: int, limitmb: int, total: int | None = None,
    progress: Progress | None = None, cache_path: Path | None = None,
) -> int:  # fmt: skip
    """Write the field dicts into the empty index ``ix`` with ``procs`` writer processes (1: in this one), each
    making one segment; returns how many. The caller removes the index directory if this raises. The texts'
    words come from the segmentation cache file ``cache_path`` where it has them (``segcache``; None: none)."""
    if procs <= 1 or not whoosh_private.check_version():
        writer = writing.new_writer(ix, limitmb=limitmb)
        cache = SegCache(cache_path)
        try:
            count = _feed(docs, lambda batch: _write(writer, batch, cache), total, progress)
        except BaseException:
            writer.cancel()
            cache.close()
            raise
        writer.commit(optimize=False)
    else:
        count = _parallel(ix, docs, procs, limitmb, total, progress, cache_path)
        cache = SegCache(cache_path)
    cache.prune()
    cache.close()
    return count


def _feed(
    docs: Iterable[Fields], add: Callable[[list[Fields]], None], total: int | None, progress: Progress | None
) -> int:
    """The documents to ``add`` in batches of JOB_BATCH; returns how many."""
    count = 0
    batch: list[Fields] = []
    for count, fields in enumerate(docs, 1):
        batch.append(fields)
        if len(batch) >= JOB_BATCH:
            add(batch)
            batch = []
            if progress:
                progress(count, total)
    if batch:
        add(batch)
    return count


def _write(writer: Any, batch: list[Fields], cache: SegCache) -> None:
    """A batch into ``writer``, its texts' words first read from (or written to) the cache in one go."""
    words = cache.words_of(fields.get(name, "") for fields in batch for name in CACHED_FIELDS)
    known = analysis.known_words
    known.update(words)
    for fields in batch:
        parts = [fields.get(name, "") for name in CACHED_FIELDS]
        if fields.get("pairs") == "\n".join(parts):  # words never cross a line break
            known[fields["pairs"]] = [word for part in parts if part for word in words[part]]
    try:
        for fields in batch:
            writer.add_document(**fields)
    finally:
        known.clear()


def _parallel(
    ix: whoosh_index.Index, docs: Iterable[Fields], procs: int, limitmb: int, total: int | None,
    progress: Progress | None, cache_path: Path | None,
) -> int:  # fmt: skip
    # spawn, not fork: the caller may have threads (a web process's index writer) and open database connections.
    ctx = multiprocessing.get_context("spawn")
    jobs: Any = ctx.Queue(maxsize=procs * 4)
    results: Any = ctx.Queue()
    folder = ix.storage.folder
    strict = whoosh_private.fast_path.strict
    workers = [ctx.Process(target=_work, args=(folder, ix.indexname, limitmb, strict, cache_path, jobs,
                                               results), daemon=True) for _ in range(procs)]  # fmt: skip
    # The parent's writer holds the generation's lock and writes its table of contents.
    parent = writing.BulkWriter(ix, limitmb=16)
    try:
        for worker in workers:
            worker.start()
        count = _feed(docs, lambda batch: _put(jobs, batch, workers, results), total, progress)
        for _ in workers:
            _put(jobs, None, workers, results)
        segments = []
        for _ in workers:
            segment, counts = _result(results, workers)
            segments.append(segment)
            whoosh_private.fast_path.add(counts)
        for worker in workers:
            worker.join()
    except BaseException:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
        parent.cancel()
        raise
    writing.commit_segments(parent, segments)
    return count


def _put(jobs: Any, item: object, workers: list[Any], results: Any) -> None:
    while True:
        try:
            jobs.put(item, timeout=WAIT)
            return
        except queue.Full:
            if not all(w.is_alive() for w in workers):
                try:
                    ok, value = results.get(timeout=WAIT)
                except queue.Empty:
                    ok, value = False, "没有留下错误信息"
                raise BuildError(f"检索索引写入进程意外退出：{value if not ok else '已提前结束'}") from None


def _result(results: Any, workers: list[Any]) -> Any:
    while True:
        try:
            ok, value = results.get(timeout=WAIT)
        except queue.Empty:
            if not any(w.is_alive() for w in workers):
                raise BuildError("检索索引写入进程意外退出") from None
            continue
        if not ok:
            raise BuildError(f"检索索引写入进程出错：{value}")
        return value


def _work(
    folder: str, indexname: str, limitmb: int, strict: bool, cache_path: Path | None, jobs: Any, results: Any
) -> None:
    """One writer process: documents from the queue into a segment of its own, handed back to the parent with
    the counts of the paths taken."""
    try:
        analysis.warm_up()
        whoosh_private.fast_path.strict = strict
        writer = writing.BulkWriter(whoosh_index.open_dir(folder, indexname), limitmb=limitmb, locked=False)
        cache = SegCache(cache_path)
        while (batch := jobs.get()) is not None:
            _write(writer, batch, cache)
        cache.close()
        segment = writing.finish_segment(writer)
        results.put((True, (segment, whoosh_private.fast_path.counts())))
    except BaseException:
        results.put((False, traceback.format_exc(limit=5)))
