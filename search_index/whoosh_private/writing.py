"""The bulk rebuild's writer (``search_index.bulk``): a cheaper posting pool and postings writer than Whoosh's,
through Whoosh's private writer and codec internals, named here with what each relies on. The other half of the
door to Whoosh's private names (``search_index.whoosh_private``): only on the verified version (``fast_path``).
"""

from __future__ import annotations

import heapq
import itertools
import marshal
import struct
from collections.abc import Iterable, Iterator
from typing import Any, TypeAlias

from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3FieldWriter
from whoosh.writing import PostingPool, SegmentWriter

from search_index import whoosh_private  # its fast_path read at each use: a test puts a fresh one in place

# The memory of one posting in the pool (a 5-tuple with its term, number, weight and value objects, and the list's
# slot), measured; Whoosh's own estimate (about 160 bytes) let a pool of "512 MB" grow past 700.
POSTING_BYTES = 230
RUN_CHUNK = 2_000  # groups (terms) per marshal chunk of a run
_CHUNK_SIZE = struct.Struct("<I")
Posting: TypeAlias = tuple[str, bytes, int, float, bytes | None]
Group: TypeAlias = tuple[str, bytes, list[Posting]]  # a field, a term, its postings in document order


class BulkPool(PostingPool):  # type: ignore[misc]
    """Postings grouped by field and term as they come, until ``limitmb`` is reached; then written as a run, in
    order of field and term, as length-prefixed marshal chunks of groups.

    Whoosh's pool (whoosh.externalsort.SortingPool) sorts every posting as a tuple and merges the runs posting by
    posting (a fifth of a rebuild's time). Here only the terms are sorted, and the runs are merged term by term:
    a writer adds documents in the order of their numbers, and a document adds a term once per field, so a term's
    postings within a run, and the runs one after the other, are already in Whoosh's order.

    PostingPool: ``runs`` lists the runs written; _new_run() makes one in the writer's temporary storage,
    _add_run(path) lists it, _open_run and _remove_run open and delete it. ``iter_postings()`` is what Whoosh's
    own writer reads (at a fallback); the bulk writer reads ``iter_groups()``."""

    def __init__(self, tempstore: Any, segment: Any, limitmb: int) -> None:
        super().__init__(tempstore, segment, limitmb=limitmb)
        self.max_items = max(1_000, limitmb * 1024 * 1024 // POSTING_BYTES)
        self.terms: dict[str, dict[bytes, list[Posting]]] = {}
        self.count = 0
        self.runs: list[str] = []  # (SortingPool's, empty until a run is written)

    def add(self, item: Posting) -> None:
        try:
            self.terms[item[0]][item[1]].append(item)
        except KeyError:  # the term's first posting in this run
            self.terms.setdefault(item[0], {})[item[1]] = [item]
        self.count += 1
        if self.count >= self.max_items:
            self.save()

    def _sorted(self) -> Iterator[Group]:
        for fieldname in sorted(self.terms):
            by_term = self.terms[fieldname]
            for btext in sorted(by_term):
                yield fieldname, btext, by_term[btext]

    def save(self) -> None:
        if self.terms:
            path, f = self._new_run()
            self._write_run(f, self._sorted())
            self._add_run(path)
            self.terms, self.count = {}, 0

    def iter_groups(self) -> Iterator[Group]:
        """(field, term, postings) in Whoosh's order; a term held by several runs comes once from each, in the
        order of the runs (of the documents)."""
        if not self.runs:
            yield from self._sorted()
            return
        self.save()
        runs, self.runs = self.runs, []
        yield from heapq.merge(*(self._read_run(path) for path in runs), key=_group_key)

    def iter_postings(self) -> Iterator[Posting]:
        for _, _, postings in self.iter_groups():
            yield from postings

    def cleanup(self) -> None:
        self.terms = {}
        super().cleanup()

    def _write_run(self, f: Any, groups: Iterable[Group]) -> None:
        # Length-prefixed marshal chunks: marshal.load() from a file reads in small pieces and took 2 µs a posting.
        it = iter(groups)
        while chunk := list(itertools.islice(it, RUN_CHUNK)):
            data = marshal.dumps(chunk)
            f.write(_CHUNK_SIZE.pack(len(data)))
            f.write(data)
        f.close()

    def _read_run(self, path: str) -> Iterator[Group]:
        f = self._open_run(path)
        try:
            while header := f.read(_CHUNK_SIZE.size):
                yield from marshal.loads(f.read(_CHUNK_SIZE.unpack(header)[0]))
        finally:
            f.close()
            self._remove_run(path)


def _group_key(group: Group) -> tuple[str, bytes]:
    return group[0], group[1]


class Lengths:
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
    the whole segment once more).

    whoosh.writing.SegmentWriter: ``pool``, ``newsegment``, ``_tempstorage`` (where the runs go), ``docnum``
    (documents added), ``perdocwriter`` and ``fieldwriter`` (the codec's), ``codec.length_stats``; _lk=False
    takes no write lock (a rebuild's parent holds it); _flush_segment() writes the pool's postings at commit."""

    def __init__(self, ix: whoosh_index.Index, *, limitmb: int, locked: bool = True) -> None:
        super().__init__(ix, limitmb=limitmb, compound=False, _lk=locked)
        self.pool = BulkPool(self._tempstorage, self.newsegment, limitmb)

    def per_document_reader(self) -> Lengths:
        return Lengths(super().per_document_reader(), self.docnum)

    def _flush_segment(self) -> None:
        if not isinstance(self.fieldwriter, W3FieldWriter) or not self.codec.length_stats:
            whoosh_private.fast_path.fell_back("writer", f"a {type(self.fieldwriter).__name__}")
            super()._flush_segment()
            return
        self.perdocwriter.close()
        lengths = self.per_document_reader()
        _write_postings(self.fieldwriter, self.schema, lengths, self.pool.iter_groups())
        self.fieldwriter.close()
        lengths.close()
        whoosh_private.fast_path.took("writer")


def _write_postings(writer: Any, schema: Any, lengths: Lengths, groups: Iterable[Group]) -> None:
    """``FieldWriter.add_postings`` for the pool's groups of postings, with W3PostingsWriter.add_posting done a
    block's worth at a time: the same blocks and statistics, without four type checks and two calls per posting.

    W3FieldWriter: start_field/start_term/finish_term/finish_field as add_postings calls them; _postwriter is the
    term's W3PostingsWriter. W3PostingsWriter: _ids, _weights, _values buffer the block, _maxweight, _minlength
    and _maxlength are its statistics, _blocklimit (128) its size; _write_block() writes the block and starts a
    new one (new buffers), which add_posting does only when one more posting comes to a full block."""
    lastfield: str | None = None
    lasttext: bytes | None = None
    pw: Any = None
    field_lengths: list[int] = []
    blocklimit = 0
    for fieldname, btext, postings in groups:
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
        start, count = 0, len(postings)
        while start < count:
            room = blocklimit - len(pw._ids)
            if room <= 0:
                pw._write_block()
                continue
            chunk = postings[start : start + room]
            start += room
            weights = [p[3] for p in chunk]
            docnums = [p[2] for p in chunk]
            pw._ids.extend(docnums)
            pw._weights.extend(weights)
            pw._maxweight = max(pw._maxweight, *weights)
            pw._values.extend([p[4] for p in chunk if p[4]])
            found = [n for n in map(field_lengths.__getitem__, docnums) if n]
            if found:
                least = min(found)
                if pw._minlength is None or least < pw._minlength:
                    pw._minlength = least
                pw._maxlength = max(pw._maxlength, *found)
    if lasttext is not None:
        writer.finish_term()
    if lastfield is not None:
        writer.finish_field()


def new_writer(ix: whoosh_index.Index, *, limitmb: int) -> Any:
    """The bulk writer, or Whoosh's own SegmentWriter (public, slower) when the private path may not be used."""
    if not whoosh_private.fast_path.allowed:
        whoosh_private.fast_path.fell_back(
            "writer",
            f"whoosh-reloaded {whoosh_private.fast_path.installed} is not {whoosh_private.VERIFIED_VERSION}",
        )
        return ix.writer(limitmb=limitmb, compound=False)
    return BulkWriter(ix, limitmb=limitmb)


def finish_segment(writer: BulkWriter) -> Any:
    """A writer process's segment, written and closed, for the parent to list (SegmentWriter._finalize_segment:
    flush the pool, close the files; the segment object pickles)."""
    return writer._finalize_segment()


def commit_segments(writer: BulkWriter, segments: list[Any]) -> None:
    """Make ``segments`` (written by other processes) the index's, by the writer that holds its lock: what
    whoosh.multiproc.MpWriter does with SegmentWriter's _close_segment(), _commit_toc(segments) and _finish()."""
    writer._close_segment()
    writer._commit_toc([s for s in segments if s.doc_count_all()])
    writer._finish()
