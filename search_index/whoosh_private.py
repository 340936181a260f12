"""Every read of whoosh-reloaded's private names, allowed only on the version they were verified on.

The set-based search (``postings``) reads postings a block at a time and the length column as bytes, and the
bulk rebuild (``bulk``) writes postings with a cheaper pool and postings writer: all through Whoosh's private
attributes and codec internals, which a new version may rename or reshape. Here each of them is named once,
with what it relies on. Against any other installed version than ``VERIFIED_VERSION`` nothing private is read:
every caller takes Whoosh's public (slower) path, and the start-up check says so in the log. ``fast_path``
counts which path each read and write took, so a test can tell a silent fallback from the fast path.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import marshal
import os
import struct
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from importlib import metadata
from typing import Any, TypeAlias

from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3Codec, W3FieldWriter, _lenfield
from whoosh.reading import SegmentReader
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length
from whoosh.writing import PostingPool, SegmentWriter

from search_index.pinned import PinnedFiles

DISTRIBUTION = "Whoosh-Reloaded"
# The one version whose private names below were read and tested (tests/integration/test_search_fastpath*.py).
VERIFIED_VERSION = "2.7.5"
# Set to 1 (tests, a benchmark) and a fallback to a public path raises instead of being counted.
STRICT_ENV = "SEARCH_INDEX_STRICT_FAST_PATH"

# The memory of one posting in the pool (a 5-tuple with its term, number, weight and value objects, and the list's
# slot), measured; Whoosh's own estimate (about 160 bytes) let a pool of "512 MB" grow past 700.
POSTING_BYTES = 230
RUN_CHUNK = 2_000  # groups (terms) per marshal chunk of a run
_CHUNK_SIZE = struct.Struct("<I")

logger = logging.getLogger(__name__)
Postings: TypeAlias = "tuple[array[int], array[float]]"
Posting: TypeAlias = tuple[str, bytes, int, float, bytes | None]
Group: TypeAlias = tuple[str, bytes, list[Posting]]  # a field, a term, its postings in document order

# whoosh.util.numeric.byte_to_length: Whoosh keeps a field's length per document as one byte (length_to_byte).
BYTE_LENGTHS = [byte_to_length(b) for b in range(256)]
# whoosh.system.pack_uint: the value the Frequency format stores with each posting (formats.Frequency.word_values).
frequency_value = pack_uint


class FastPathUnavailable(RuntimeError):
    """In strict mode: a read or write would have left the private path for the public one."""


def installed_version() -> str:
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "not installed"


class FastPath:
    """Whether the private names may be read here, and how often each kind of read or write took the private
    (``fast``) path or the ``public`` one: "postings", "field" (a field's every term), "lengths", "writer"."""

    def __init__(self) -> None:
        self.strict = os.environ.get(STRICT_ENV, "") == "1"
        self.fast: Counter[str] = Counter()
        self.public: Counter[str] = Counter()
        self.verdict: bool | None = None
        self.installed = ""
        self.warned: set[str] = set()

    @property
    def allowed(self) -> bool:
        return self.verify() if self.verdict is None else self.verdict

    def verify(self) -> bool:
        """The start-up check: the installed whoosh-reloaded against the verified one, a warning if not it."""
        self.installed = installed = installed_version()
        self.verdict = installed == VERIFIED_VERSION
        if not self.verdict:
            logger.warning(
                "search index: whoosh-reloaded %s is installed, but the fast search and bulk rebuild read Whoosh "
                "internals verified only on whoosh-reloaded %s; using Whoosh's public (much slower) path instead. "
                "Verify search_index/whoosh_private.py on %s and raise VERIFIED_VERSION, or install %s.",
                installed, VERIFIED_VERSION, installed, VERIFIED_VERSION,
            )  # fmt: skip
        return self.verdict

    def took(self, kind: str) -> None:
        self.fast[kind] += 1

    def fell_back(self, kind: str, why: str) -> None:
        if self.strict:
            raise FastPathUnavailable(f"{kind}: {why}")
        self.public[kind] += 1
        if self.verdict and kind not in self.warned:  # expected on another version, a surprise on this one
            self.warned.add(kind)
            logger.warning("search index: %s read by Whoosh's public (slower) path: %s", kind, why)

    def counts(self) -> dict[str, dict[str, int]]:
        return {"fast": dict(self.fast), "public": dict(self.public)}

    def add(self, counts: Mapping[str, Mapping[str, int]]) -> None:
        """Count what another process (a rebuild's writer) counted."""
        self.fast.update(counts.get("fast", {}))
        self.public.update(counts.get("public", {}))

    def reset(self) -> None:
        self.fast.clear()
        self.public.clear()


fast_path = FastPath()


def check_version() -> bool:
    """Whether the private path may be used; the first call (at start-up) logs why not."""
    return fast_path.allowed


# ---- reads


def _segment_reader(leaf: Any, kind: str) -> SegmentReader | None:
    """The leaf when it is a W3 segment reader (the only shape verified), else None and a counted fallback."""
    if not fast_path.allowed:
        fast_path.fell_back(kind, f"whoosh-reloaded {fast_path.installed} is not {VERIFIED_VERSION}")
        return None
    if type(leaf) is not SegmentReader or not isinstance(leaf.codec(), W3Codec):
        fast_path.fell_back(kind, f"a {type(leaf).__name__} of codec {type(leaf.codec()).__name__}")
        return None
    return leaf


def _block_reader(leaf: SegmentReader, fieldname: str) -> Callable[[Any], Postings]:
    """Reads a term's postings of the field from its term info (W3TermInfo), a block at a time."""
    # SegmentReader._terms: the segment's W3TermsReader; its _postfile: the open postings file. Through the
    # codec's postings_reader the matcher is not wrapped in the FilterMatcher that leaf.postings() adds on a
    # segment with deletions (it hides the blocks): deleted documents are read too, and left out by the caller.
    postings_reader, postfile = leaf.codec().postings_reader, leaf._terms._postfile
    fmt = leaf.schema[fieldname].format

    def read(info: Any) -> Postings:
        if info.is_inlined():  # W3TermInfo: a term may keep a few postings in the term table itself
            ids, weights, _ = info.inlined_postings()
            return array("I", ids), array("f", weights)
        matcher = postings_reader(postfile, info, fmt)
        found_ids, found_weights = array("I"), array("f")
        # W3LeafMatcher (whoosh.codec.whoosh3): _read_ids() and _read_weights() decode the current block into
        # _ids (a tuple of document numbers, ascending) and _weights (an array of floats, one per id);
        # _next_block() moves on, and is_active() turns False after the last block. A block holds up to 128
        # postings (W3Codec's blocklimit).
        while matcher.is_active():
            matcher._read_ids()
            matcher._read_weights()
            found_ids.extend(matcher._ids)
            found_weights.extend(matcher._weights)
            matcher._next_block()
        return found_ids, found_weights

    return read


def block_postings(leaf: Any, fieldname: str, btext: bytes) -> Postings | None:
    """A term's document numbers in a segment (deleted ones too) and weights, a block at a time; None when
    only the public path may be used."""
    reader = _segment_reader(leaf, "postings")
    if reader is None:
        return None
    found = _block_reader(reader, fieldname)(reader.term_info(fieldname, btext))
    fast_path.took("postings")
    return found


def field_postings(leaf: Any, fieldname: str) -> Iterator[tuple[bytes, array[int]]] | None:
    """Every term of a field with its document numbers (deleted ones too), in one pass over the term table
    (looking each term up again, as ``leaf.postings`` does, was most of the time for 30,000 enterprises)."""
    reader = _segment_reader(leaf, "field")
    if reader is None:
        return None
    read = _block_reader(reader, fieldname)
    fast_path.took("field")
    return ((btext, read(info)[0]) for btext, info in reader.iter_field(fieldname))


def field_lengths(leaf: Any, fieldname: str, count: int) -> array[float] | None:
    """Every document's length of a field from the length column's bytes at once; None when only the public
    path (a call per document) may be used."""
    reader = _segment_reader(leaf, "lengths")
    if reader is None:
        return None
    # SegmentReader._perdoc: the W3PerDocReader; its _cached_reader(name, LENGTHS_COLUMN) opens the column
    # whoosh3._lenfield(fieldname) names ("_body_len"), None when no document has the field.
    column = reader._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    if column is None:
        fast_path.took("lengths")
        return array("f", [0.0] * count)
    # NumericColumn.Reader ("B"): _fixedlen bytes a document (1) from _basepos of _dbfile, for the first _count
    # documents (the later ones have no length), each byte a length_to_byte() code.
    if getattr(column, "_fixedlen", None) != 1:
        fast_path.fell_back("lengths", f"a length column of {type(column).__name__}")
        return None
    raw = column._dbfile.get(column._basepos, min(column._count, count))
    found = array("f", map(BYTE_LENGTHS.__getitem__, raw))
    found.extend([0.0] * (count - len(found)))
    fast_path.took("lengths")
    return found


def open_columns(leaf: Any) -> bool:
    """Open now the column files (stored fields, lengths, sortable columns) of a segment of plain files, which
    Whoosh opens at their first read: open, they stay readable after another process's commit deletes them.
    False (nothing opened; no read, so not counted) when the private names may not be used here."""
    if not fast_path.allowed or type(leaf) is not SegmentReader or not isinstance(leaf.codec(), W3Codec):
        return False
    # SegmentReader._perdoc (W3PerDocReader): _colfiles, filled by _get_column_file(name) at a column's first read
    # if has_column(name) (_storage.file_exists) finds "<segment id>.<name>.col" (W3Codec.column_filename).
    perdoc, prefix, suffix = leaf._perdoc, f"{leaf.segment().segment_id()}.", W3Codec.COLUMN_EXT
    opened = [f for f in perdoc._storage.list() if f.startswith(prefix) and f.endswith(suffix)]
    for name in (f[len(prefix) : -len(suffix)] for f in opened):
        if name not in perdoc._colfiles:
            perdoc._colfiles[name] = perdoc._get_column_file(name)
    perdoc._storage = PinnedFiles(perdoc._storage, opened)
    return True


class ExpandingTerm(wq.MultiTerm):  # type: ignore[misc]
    """A query of the terms ``btexts(reader)`` names: whoosh.query.MultiTerm learns its terms through the
    private hook _btexts(ixreader) (matcher(), simplify(), estimate_size(), expanded_terms() call it)."""

    def btexts(self, ixreader: Any) -> list[bytes]:
        raise NotImplementedError

    def _btexts(self, ixreader: Any) -> list[bytes]:
        return self.btexts(ixreader)


# ---- the bulk writer


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
            fast_path.fell_back("writer", f"a {type(self.fieldwriter).__name__}")
            super()._flush_segment()
            return
        self.perdocwriter.close()
        lengths = self.per_document_reader()
        _write_postings(self.fieldwriter, self.schema, lengths, self.pool.iter_groups())
        self.fieldwriter.close()
        lengths.close()
        fast_path.took("writer")


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
    if not fast_path.allowed:
        fast_path.fell_back("writer", f"whoosh-reloaded {fast_path.installed} is not {VERIFIED_VERSION}")
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
