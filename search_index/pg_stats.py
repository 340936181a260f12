"""What ranking needs to know of the search table (``pg_query.Stats``), read from it and kept for a while: the
number of documents and the fields' average lengths, each word's document frequency, and the words of a field
that a one-character query word stands for."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, text

from search_index.expansion import best_btexts
from search_index.pg_query import Leaf, SqlQuery, Stats
from search_index.pg_store import COUNTED, LEXICON, TABLE, VECTORS, chunks, frequencies, tsquery_term

# Document frequencies change slowly: read again after this many seconds; the table's size and average lengths,
# after SIZES_SECONDS (and at once after this process writes); the words holding a character after STATS_SECONDS.
STATS_SECONDS = 300.0
SIZES_SECONDS = 30.0
CONTAINS_CANDIDATES = 2000
MAX_FREQUENCIES = 200_000  # words whose frequency is kept; past it the cache starts again
COUNT_BY_INDEX = "set_config('enable_seqscan', 'off', true)"
FIELD_OF = {column: field for field, column in COUNTED.items()}


class TableStats:
    """The figures of one search table, kept per process. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._df: dict[Leaf, tuple[float, int]] = {}
        self._sizes: tuple[float, int, dict[str, float]] | None = None
        self._contains: dict[tuple[str, str], tuple[float, list[str]]] = {}

    def of(self, conn: Connection) -> Stats:
        return Stats(
            doc_count=self._sizes_of(conn)[1],
            frequencies=lambda leaves: self._frequencies(conn, leaves),
            avg_length=lambda fieldname: self._sizes_of(conn)[2].get(fieldname, 1.0),
            containing=lambda fieldname, char: self._containing(conn, fieldname, char),
        )

    def forget(self) -> None:
        with self._lock:
            self._df.clear()
            self._sizes = None
            self._contains.clear()

    def changed(self) -> None:
        """After this process wrote: the table's size and average lengths are read again (cheap); the words holding
        a character are kept (``STATS_SECONDS``): scanning the lexicon for them costs more than a search."""
        with self._lock:
            self._sizes = None

    def _sizes_of(self, conn: Connection) -> tuple[float, int, dict[str, float]]:
        sizes = self._sizes
        if sizes is None or time.monotonic() - sizes[0] > SIZES_SECONDS:
            lengths = ", ".join(f"coalesce(avg({n}), 0)" for _, n in VECTORS.values())
            found = conn.execute(text(f"SELECT count(*), {lengths} FROM {TABLE}")).one()
            averages = {f: float(found[i + 1]) or 1.0 for i, f in enumerate(VECTORS)}
            sizes = self._sizes = (time.monotonic(), int(found[0]), averages)
        return sizes

    def _frequencies(self, conn: Connection, leaves: Sequence[Leaf]) -> dict[Leaf, int]:
        now = time.monotonic()
        found: dict[Leaf, int] = {}
        missing = []
        for leaf in dict.fromkeys(leaves):
            known = self._df.get(leaf)
            if known is not None and now - known[0] < STATS_SECONDS:
                found[leaf] = known[1]
            else:
                missing.append(leaf)
        if not missing:
            return found
        counted = [leaf for leaf in missing if leaf[0] in FIELD_OF]
        if counted:  # the lexicon's counts (pg_store.COUNTED)
            numbers = frequencies(conn, [(FIELD_OF[column], word) for column, word in counted])
            self._keep(found, now, zip(counted, numbers, strict=True))
        pairs = [leaf for leaf in missing if leaf[0] not in FIELD_OF]
        if not pairs:
            return found
        # A word pair's count through its GIN index, never a sequential scan testing every row's vector out of
        # TOAST: the planner chose that (in parallel) for common words, 90 s a statement under load. For this
        # transaction's counts only; the caller's setting is put back after them.
        before = conn.execute(text(f"SELECT current_setting('enable_seqscan'), {COUNT_BY_INDEX}")).scalar()
        for batch in chunks(pairs, 50):
            sql = SqlQuery()
            counts = ", ".join(
                f"(SELECT count(*) FROM {TABLE} WHERE {column} @@ CAST({sql.bind(tsquery_term(word))} AS tsquery))"
                for column, word in batch
            )
            values: list[Any] = list(conn.execute(text(f"SELECT {counts}"), sql.params).one())
            self._keep(found, now, zip(batch, values, strict=True))
        conn.execute(text("SELECT set_config('enable_seqscan', :v, true)"), {"v": before})
        return found

    def _keep(self, found: dict[Leaf, int], now: float, counts: Iterable[tuple[Leaf, Any]]) -> None:
        with self._lock:
            if len(self._df) > MAX_FREQUENCIES:
                self._df.clear()
            for leaf, n in counts:
                found[leaf] = int(n)
                self._df[leaf] = (now, int(n))

    def _containing(self, conn: Connection, fieldname: str, char: str) -> list[str]:
        """The words of a field holding one character that a one-character query word stands for: the
        ``expansion.MAX_PER_CHAR`` most documents use (as the Whoosh backend chooses them)."""
        key = (fieldname, char)
        known = self._contains.get(key)
        if known is not None and time.monotonic() - known[0] < STATS_SECONDS:
            return known[1]
        terms = [r[0] for r in conn.execute(
            text(f"SELECT term FROM {LEXICON} WHERE field = :f AND strpos(term, :c) > 0 ORDER BY length(term), term "
                 "LIMIT :n"), {"f": fieldname, "c": char, "n": CONTAINS_CANDIDATES})]  # fmt: skip
        column = VECTORS[fieldname][0]
        frequency = self._frequencies(conn, [(column, t) for t in terms])
        chosen = [b.decode() for b in best_btexts([t.encode() for t in terms],
                                                  {t.encode(): frequency[(column, t)] for t in terms})]  # fmt: skip
        with self._lock:
            self._contains[key] = (time.monotonic(), chosen)
        return chosen
