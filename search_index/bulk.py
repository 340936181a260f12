"""Writing a whole new index generation fast: several writer processes, each making one segment, with a cheaper
posting pool and posting writer than Whoosh's.

A rebuild's time goes with the number of postings (a plan makes about 1,400), and Whoosh spends most of it per
posting in Python: estimating each posting's size, pickling it to a run file and back one by one, looking up the
document's field length on disk, and four type checks and two calls to add it to a block. ``BulkWriter`` keeps
Whoosh's segment format (a test compares every term, posting and statistic with Whoosh's own writer) and changes
only those steps; the writer processes split the documents between them. Tied to whoosh-reloaded 2.7.5's
internals (``SegmentWriter._flush_segment``, ``_finalize_segment``, ``_commit_toc``, ``W3PostingsWriter``'s block
buffers).
"""

from __future__ import annotations

import itertools
import marshal
import multiprocessing
import queue
import struct
import traceback
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3FieldWriter
from whoosh.filedb.filestore import FileStorage
from whoosh.writing import PostingPool, SegmentWriter

# The memory of one posting in the pool (a 5-tuple with its term, number, weight and value objects, and the list's
# slot), measured; Whoosh's own estimate (about 160 bytes) let a pool of "512 MB" grow past 700.
POSTING_BYTES = 230
RUN_CHUNK = 50_000
JOB_BATCH = 200
WAIT = 1.0  # seconds between checks that the writer processes are still alive

_CHUNK_SIZE = struct.Struct("<I")

Fields = dict[str, Any]
Progress = Callable[[int, int | None], None]


class BuildError(RuntimeError):
    """A writer process failed; the generation being built is unusable."""


class BulkPool(PostingPool):  # type: ignore[misc]
    """Postings kept as a plain list until ``limitmb`` is reached, then sorted and written as marshal chunks."""

    def __init__(self, tempstore: Any, segment: Any, limitmb: int) -> None:
        super().__init__(tempstore, segment, limitmb=limitmb)
        self.max_items = max(1_000, limitmb * 1024 * 1024 // POSTING_BYTES)

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        self.current.append(item)
        if len(self.current) >= self.max_items:
            self.save()

    def _write_run(self, f: Any, items: Iterable[Any]) -> None:
        # Length-prefixed marshal chunks: marshal.load() from a file reads in small pieces and took 2 µs a posting.
        it = iter(items)
        while chunk := list(itertools.islice(it, RUN_CHUNK)):
            data = marshal.dumps(chunk)
            f.write(_CHUNK_SIZE.pack(len(data)))
            f.write(data)
        f.close()

    def _read_run(self, path: str) -> Iterator[Any]:
        f = self._open_run(path)
        try:
            while header := f.read(_CHUNK_SIZE.size):
                yield from marshal.loads(f.read(_CHUNK_SIZE.unpack(header)[0]))
        finally:
            f.close()
            self._remove_run(path)


class _Lengths:
    """The segment's field lengths read once per field, instead of from disk once per posting."""

    def __init__(self, reader: Any, doc_count: int) -> None:
        self.reader = reader
        self.doc_count = doc_count
        self.by_field: dict[str, list[int]] = {}

    def field(self, fieldname: str) -> list[int]:
        lengths = self.by_field.get(fieldname)
        if lengths is None:
            read = self.reader.doc_field_length
            lengths = self.by_field[fieldname] = [read(n, fieldname, 0) or 0 for n in range(self.doc_count)]
        return lengths

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        return self.field(fieldname)[docnum] or default

    def close(self) -> None:
        self.reader.close()


class BulkWriter(SegmentWriter):  # type: ignore[misc]
    """A SegmentWriter for a new generation: the cheaper pool, lengths read once, no compound file (it would copy
    the whole segment once more)."""

    def __init__(self, ix: whoosh_index.Index, *, limitmb: int, **kwargs: Any) -> None:
        super().__init__(ix, limitmb=limitmb, compound=False, **kwargs)
        self.pool = BulkPool(self._tempstorage, self.newsegment, limitmb)

    def per_document_reader(self) -> Any:
        return _Lengths(super().per_document_reader(), self.docnum)

    def _flush_segment(self) -> None:
        if not isinstance(self.fieldwriter, W3FieldWriter) or not self.codec.length_stats:
            super()._flush_segment()
            return
        self.perdocwriter.close()
        lengths = self.per_document_reader()
        _write_postings(self.fieldwriter, self.schema, lengths, self.pool.iter_postings())
        self.fieldwriter.close()
        lengths.close()


def _write_postings(writer: W3FieldWriter, schema: Any, lengths: _Lengths, postings: Iterable[Any]) -> None:
    """``FieldWriter.add_postings`` for postings the pool has sorted, with W3PostingsWriter.add_posting inlined:
    the same blocks and statistics, without four type checks and two calls per posting (a third of the
    rebuild's last minutes)."""
    lastfield: str | None = None
    lasttext: bytes | None = None
    pw: Any = None
    field_lengths: list[int] = []
    blocklimit = 0
    for fieldname, btext, docnum, weight, value in postings:
        if fieldname != lastfield:
            if lasttext is not None:
                writer.finish_term()
            if lastfield is not None:
                writer.finish_field()
            writer.start_field(fieldname, schema[fieldname])
            field_lengths, lastfield, lasttext = lengths.field(fieldname), fieldname, None
        if btext != lasttext:
            if lasttext is not None:
                writer.finish_term()
            writer.start_term(btext)
            pw, lasttext = writer._postwriter, btext
            blocklimit = pw._blocklimit
        if len(pw._ids) >= blocklimit:
            pw._write_block()
        pw._ids.append(docnum)
        pw._weights.append(weight)
        if weight > pw._maxweight:
            pw._maxweight = weight
        if value:
            pw._values.append(value)
        length = field_lengths[docnum]
        if length:
            if pw._minlength is None or length < pw._minlength:
                pw._minlength = length
            if length > pw._maxlength:
                pw._maxlength = length
    if lasttext is not None:
        writer.finish_term()
    if lastfield is not None:
        writer.finish_field()


def fill(
    ix: whoosh_index.Index, docs: Iterable[Fields], *, procs: int, limitmb: int, total: int | None = None,
    progress: Progress | None = None,
) -> int:  # fmt: skip
    """Write the field dicts into the empty index ``ix`` with ``procs`` writer processes (1: in this one), each
    making one segment; returns how many. The caller removes the index directory if this raises."""
    if procs <= 1:
        writer = BulkWriter(ix, limitmb=limitmb)
        try:
            count = _feed(docs, writer.add_document, total, progress)
        except BaseException:
            writer.cancel()
            raise
        writer.commit(optimize=False)
        return count
    return _parallel(ix, docs, procs, limitmb, total, progress)


def _feed(
    docs: Iterable[Fields], add: Callable[..., Any], total: int | None, progress: Progress | None
) -> int:
    count = 0
    for count, fields in enumerate(docs, 1):
        add(**fields)
        if progress and count % JOB_BATCH == 0:
            progress(count, total)
    return count


def _parallel(
    ix: whoosh_index.Index, docs: Iterable[Fields], procs: int, limitmb: int, total: int | None,
    progress: Progress | None,
) -> int:  # fmt: skip
    # spawn, not fork: the caller may have threads (a web process's index writer) and open database connections.
    ctx = multiprocessing.get_context("spawn")
    jobs: Any = ctx.Queue(maxsize=procs * 4)
    results: Any = ctx.Queue()
    folder = ix.storage.folder
    workers = [ctx.Process(target=_work, args=(folder, ix.indexname, limitmb, jobs, results), daemon=True)
               for _ in range(procs)]  # fmt: skip
    parent = BulkWriter(ix, limitmb=16)  # holds the generation's lock and writes its table of contents
    try:
        for worker in workers:
            worker.start()
        batch: list[Fields] = []

        def add(**fields: Any) -> None:
            batch.append(fields)
            if len(batch) >= JOB_BATCH:
                _put(jobs, list(batch), workers, results)
                batch.clear()

        count = _feed(docs, add, total, progress)
        if batch:
            _put(jobs, batch, workers, results)
        for _ in workers:
            _put(jobs, None, workers, results)
        segments = [_result(results, workers) for _ in workers]
        for worker in workers:
            worker.join()
    except BaseException:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
        parent.cancel()
        raise
    parent._close_segment()
    parent._commit_toc([s for s in segments if s.doc_count_all()])
    parent._finish()
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


def _work(folder: str, indexname: str, limitmb: int, jobs: Any, results: Any) -> None:
    """One writer process: documents from the queue into a segment of its own, handed back to the parent."""
    from search_index.analysis import warm_up

    try:
        warm_up()
        ix = FileStorage(folder).open_index(indexname)
        writer = BulkWriter(ix, limitmb=limitmb, _lk=False)
        while (batch := jobs.get()) is not None:
            for fields in batch:
                writer.add_document(**fields)
        results.put((True, writer._finalize_segment()))
    except BaseException:
        results.put((False, traceback.format_exc(limit=5)))
