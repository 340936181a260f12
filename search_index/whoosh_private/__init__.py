"""Every read of whoosh-reloaded's private names, allowed only on the version they were verified on.

The set-based search (``postings``) reads postings a block at a time and the length column as bytes, and the
bulk rebuild (``bulk``) writes postings with a cheaper pool and postings writer: all through Whoosh's private
attributes and codec internals, which a new version may rename or reshape. Here each of them is named once,
with what it relies on. Against any other installed version than ``VERIFIED_VERSION`` nothing private is read:
every caller takes Whoosh's public (slower) path, and the start-up check says so in the log. ``fast_path``
counts which path each read and write took, so a test can tell a silent fallback from the fast path.
"""

from __future__ import annotations

import logging
import os
from array import array
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from importlib import metadata
from typing import Any, TypeAlias

from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3Codec, _lenfield
from whoosh.reading import SegmentReader
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length

from search_index.pinned import PinnedFiles

DISTRIBUTION = "Whoosh-Reloaded"
# The one version whose private names below were read and tested (tests/integration/test_search_fastpath*.py).
VERIFIED_VERSION = "2.7.5"
# Set to 1 (tests, a benchmark) and a fallback to a public path raises instead of being counted.
STRICT_ENV = "SEARCH_INDEX_STRICT_FAST_PATH"


logger = logging.getLogger(__name__)
Postings: TypeAlias = "tuple[array[int], array[float]]"

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
                "Verify search_index/whoosh_private/ on %s and raise VERIFIED_VERSION, or install %s.",
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
