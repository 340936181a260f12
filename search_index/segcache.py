"""Segmentation kept across rebuilds: the words jieba made of a text, by the hash of the text, in a SQLite file
next to the index generations.

Segmenting is most of a rebuild's time, and nearly every text is the same as at the previous rebuild (a plan
version never changes). The key is the SHA-256 of the normalized text with the analysis' fingerprint (its
version, jieba's, the domain dictionary and the stop words), so a changed analysis finds nothing and segments
anew. The file is shared by the writer processes of a rebuild (WAL, each batch one transaction) and bounded in
size: after a rebuild the entries of another analysis go, then the least recently used ones past ``max_bytes``.
Any failure of the file (full disk, corrupt, locked too long) only makes the rebuild segment the texts itself.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import sqlite3
import time
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path

from search_index import analysis

FILENAME = "segcache.sqlite"
MAX_BYTES = 2 * 2**30
SEPARATOR = "\x1f"  # no word holds a control character (words are runs of letters, digits and CJK)
BUSY_TIMEOUT_S = 30.0

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS words (
    key BLOB PRIMARY KEY,
    fingerprint BLOB NOT NULL,
    used REAL NOT NULL,
    size INTEGER NOT NULL,
    words BLOB NOT NULL
) WITHOUT ROWID
"""


@functools.cache
def fingerprint() -> bytes:
    """What the words of a text depend on besides the text: a changed dictionary misses every entry."""
    import jieba

    groups = [" ".join(group) for group in analysis.SYNONYM_GROUPS]
    parts = [analysis.ANALYSIS_VERSION, jieba.__version__, str(analysis.TERM_FREQ), *analysis.DOMAIN_TERMS, "|",
             *groups, "|", repr(sorted(analysis.NARROWER.items())), "|", *sorted(analysis.STOP_WORDS)]  # fmt: skip
    return hashlib.sha256("\n".join(parts).encode()).digest()[:8]


def key_of(text: str) -> bytes:
    return hashlib.sha256(fingerprint() + analysis.normalize(text).encode("utf-8", "surrogatepass")).digest()


def _pack(words: Sequence[str]) -> bytes:
    return zlib.compress(SEPARATOR.join(words).encode("utf-8", "surrogatepass"), 1)


def _unpack(blob: bytes) -> list[str]:
    text = zlib.decompress(blob).decode("utf-8", "surrogatepass")
    return text.split(SEPARATOR) if text else []


class SegCache:
    """One process's connection to the cache file (None: no file, every text is segmented); after a failure of
    the file it answers nothing and keeps nothing."""

    def __init__(self, path: str | Path | None, *, max_bytes: int = MAX_BYTES) -> None:
        self.path = Path(path) if path is not None else None
        self.max_bytes = max_bytes
        self.hits = self.misses = 0
        self._con: sqlite3.Connection | None = None
        if self.path is None:
            return
        try:
            con = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=NORMAL")
            con.execute(_SCHEMA)
            self._con = con
        except sqlite3.Error as exc:
            self._failed(exc)

    def _failed(self, exc: Exception) -> None:
        log.warning("分词缓存 %s 不可用，本次重建自行分词：%s", self.path, exc)
        if self._con is not None:
            self._con.close()
        self._con = None

    def words_of(self, texts: Iterable[str]) -> dict[str, list[str]]:
        """The words of each text (``analysis.word_list``): from the file where it has them, else segmented
        here and written to it, in one transaction."""
        wanted = {key_of(t): t for t in dict.fromkeys(texts) if t}
        found: dict[str, list[str]] = {}
        if self._con is not None and wanted:
            try:
                marks = ",".join("?" * len(wanted))
                rows = self._con.execute(f"SELECT key, words FROM words WHERE key IN ({marks})", list(wanted))
                found = {wanted[bytes(key)]: _unpack(blob) for key, blob in rows}  # noqa: S608 - only marks
            except (sqlite3.Error, zlib.error, UnicodeDecodeError) as exc:
                self._failed(exc)
                found = {}
        new = [(key, text, analysis.word_list(text)) for key, text in wanted.items() if text not in found]
        self.hits += len(found)
        self.misses += len(new)
        if self._con is not None:
            now, fp = time.time(), fingerprint()
            rows_new = [(key, fp, now, len(blob), blob) for key, _, words in new if (blob := _pack(words))]
            try:
                with self._con:
                    self._con.execute("BEGIN IMMEDIATE")
                    self._con.executemany("INSERT OR REPLACE INTO words VALUES (?, ?, ?, ?, ?)", rows_new)
                    if found:
                        hit_keys = [(now, k) for k, t in wanted.items() if t in found]
                        self._con.executemany("UPDATE words SET used = ? WHERE key = ?", hit_keys)
            except sqlite3.Error as exc:
                self._failed(exc)
        found.update((text, words) for _, text, words in new)
        return found

    def prune(self) -> None:
        """Entries of another analysis out, then the least recently used past ``max_bytes``."""
        if self._con is None:
            return
        try:
            with self._con:
                self._con.execute("BEGIN IMMEDIATE")
                self._con.execute("DELETE FROM words WHERE fingerprint != ?", (fingerprint(),))
                total = self._con.execute("SELECT coalesce(sum(size), 0) FROM words").fetchone()[0]
                if total > self.max_bytes:
                    excess, cutoff = total - self.max_bytes, None
                    for used, size in self._con.execute("SELECT used, size FROM words ORDER BY used"):
                        excess -= size
                        cutoff = used
                        if excess <= 0:
                            break
                    self._con.execute("DELETE FROM words WHERE used <= ?", (cutoff,))
            self._con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as exc:
            self._failed(exc)

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None
