"""A rebuild of the search table: a new table filled with every document (tokenized in worker processes for a
large set) while searches read the old one, then swapped in with its indexes and its lexicon."""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Iterable
from contextlib import nullcontext
from typing import Any

from sqlalchemy import Connection, Engine, text

from search_index.analysis import warm_up
from search_index.documents import DocumentError, SearchDocument, to_fields
from search_index.index import BUSY, MAX_BUILD_PROCS, PARALLEL_MIN_DOCS, Progress, RebuildReport
from search_index.pg_store import COUNTED, DELTA, LEXICON, LOCK_KEY, META, TABLE, VERSION, Store, chunks, row

BUILD_TABLE = f"{TABLE}_build"
BUILD_LEXICON = f"{LEXICON}_build"
BATCH = 200


def rebuild(
    engine: Engine, docs: Iterable[SearchDocument], total: int | None, progress: Progress | None, *,
    lock_timeout: float,
) -> RebuildReport:  # fmt: skip
    """Fill the build table and swap it in, holding the writers' lock whole throughout (writers wait, so no
    change made meanwhile is lost). :raises DocumentError: and leaves the live table as it was."""
    started = time.perf_counter()
    with engine.connect() as conn:
        deadline = time.monotonic() + lock_timeout
        while not conn.execute(text(f"SELECT pg_try_advisory_lock({LOCK_KEY})")).scalar():
            if time.monotonic() >= deadline:
                conn.rollback()
                return RebuildReport(ok=False, detail=BUSY)
            time.sleep(0.1)
        conn.commit()
        try:
            count = _fill(conn, Store(BUILD_TABLE), docs, total, progress)
            _swap(conn)
        except BaseException:
            conn.rollback()
            with conn.begin():
                conn.execute(text(f"DROP TABLE IF EXISTS {BUILD_TABLE}, {BUILD_LEXICON}"))
            raise
        finally:
            conn.execute(text(f"SELECT pg_advisory_unlock({LOCK_KEY})"))
            conn.commit()
    return RebuildReport(ok=True, count=count, seconds=time.perf_counter() - started, generation=VERSION)


def _fill(conn: Connection, build: Store, docs: Iterable[SearchDocument], total: int | None,
          progress: Progress | None) -> int:  # fmt: skip
    conn.execute(text(f"DROP TABLE IF EXISTS {BUILD_TABLE}"))
    build.create(conn, indexes=False)
    conn.commit()
    seen: set[str] = set()
    count = 0
    procs = min(MAX_BUILD_PROCS, os.cpu_count() or 1) if (total or 0) >= PARALLEL_MIN_DOCS else 1
    with multiprocessing.Pool(procs, initializer=warm_up) if procs > 1 else nullcontext() as pool:
        converted = pool.imap(_row_of, docs, chunksize=20) if pool is not None else map(_row_of, docs)
        for rows in chunks(converted, BATCH):
            for r in rows:
                if r["doc_id"] in seen:
                    raise DocumentError(r["doc_id"], "重复的 doc_id")
                seen.add(r["doc_id"])
            build.write(conn, rows, lexicon=False)
            conn.commit()
            count += len(rows)
            if progress:
                progress(count, total)
    build.index(conn)
    conn.execute(text(f"ANALYZE {BUILD_TABLE}"))
    conn.commit()
    _fill_lexicon(conn)
    return count


def _swap(conn: Connection) -> None:
    """The build table and its lexicon put in place of the live ones, in one short transaction; the changes
    counted from now on (the deltas of the old table dropped: the new lexicon counts every row)."""
    names = [r[0] for r in conn.execute(
        text("SELECT indexname FROM pg_indexes WHERE tablename = :t AND schemaname = current_schema()"),
        {"t": BUILD_TABLE})]  # fmt: skip
    conn.execute(text(f"DROP TABLE IF EXISTS {TABLE}, {LEXICON}"))
    conn.execute(text(f"ALTER TABLE {BUILD_TABLE} RENAME TO {TABLE}"))
    for name in names:
        conn.execute(text(f"ALTER INDEX {name} RENAME TO {TABLE}{name[len(BUILD_TABLE) :]}"))
    conn.execute(text(f"ALTER TABLE {BUILD_LEXICON} RENAME TO {LEXICON}"))
    conn.execute(text(f"ALTER INDEX {BUILD_LEXICON}_pkey RENAME TO {LEXICON}_pkey"))
    Store().count(conn)
    conn.execute(text(f"TRUNCATE {DELTA}"))
    conn.execute(text(f"INSERT INTO {META} VALUES ('version', :v) ON CONFLICT (key) DO UPDATE "
                      "SET value = EXCLUDED.value"), {"v": VERSION})  # fmt: skip
    conn.commit()


def _fill_lexicon(conn: Connection) -> None:
    """The build table's words and the number of documents holding each (a vector holds a word once)."""
    conn.execute(text(f"DROP TABLE IF EXISTS {BUILD_LEXICON}"))
    conn.execute(text(f"CREATE TABLE {BUILD_LEXICON} (field text, term text, df integer NOT NULL DEFAULT 0, "
                      "PRIMARY KEY (field, term))"))  # fmt: skip
    for field, column in COUNTED.items():
        conn.execute(text(f"INSERT INTO {BUILD_LEXICON} (field, term, df) SELECT :f, t, count(*) FROM {BUILD_TABLE}, "
                          f"unnest(tsvector_to_array({column})) AS t GROUP BY t"), {"f": field})  # fmt: skip
        conn.commit()


def _row_of(doc: SearchDocument) -> dict[str, Any]:
    """A document's table row: the tokenizing, done by the rebuild's worker processes."""
    return row(to_fields(doc))
