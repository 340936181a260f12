"""Search served by PostgreSQL: the interface of ``index.SearchIndex`` over the search table (``pg_store``).

Any application node reads the same table, so two nodes see the same results after a change on either. Writes
(the outbox's writer, a rebuild) hold a PostgreSQL advisory lock instead of a file under one node's instance
folder. A rebuild fills a new table while searches read the old one, then swaps them in one transaction.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import ProgrammingError
from whoosh import query as wq

from search_index.analysis import warm_up
from search_index.analysis import words as analysed_words
from search_index.documents import DocumentError, SearchDocument, likeness_text, placed_snippets, to_fields
from search_index.expansion import best_btexts
from search_index.facet_counts import top
from search_index.index import (
    BUSY,
    MAX_BUILD_PROCS,
    OUTDATED,
    PARALLEL_MIN_DOCS,
    IndexCheck,
    IndexHealth,
    Progress,
    RebuildReport,
    WriteReport,
)
from search_index.pg_query import Compiler, Leaf, SqlQuery, Stats
from search_index.pg_store import LEXICON, META, TABLE, VECTORS, VERSION, Store, chunks, row, tsquery_term
from search_index.query import (
    BROADER_BELOW,
    Allowed,
    Hit,
    OlderVersion,
    ParsedQuery,
    SearchRequest,
    SearchResult,
    parse_query,
)
from search_index.view import FACETS, KEY_TERMS, MORE_LIKE_TEXT

# The advisory lock of the search table's writers: one per schema (the table lives in the connection's schema).
LOCK_KEY = "hashtext(current_schema() || '.search_document')"
BUILD_TABLE = f"{TABLE}_build"
BATCH = 200
# Document frequencies change slowly: read again after this many seconds; the table's size and average lengths,
# after SIZES_SECONDS (and at once after this process writes); the words holding a character after STATS_SECONDS.
STATS_SECONDS = 300.0
SIZES_SECONDS = 30.0
FACET_COLUMNS = ("kind", "city", "category", "verdict", "conclusion", "year")
CONTAINS_CANDIDATES = 2000
# The documents of a result ranked exactly (reading their whole vectors), chosen by a score read from their rows.
RERANK = 400
# Memory for one search's bitmaps and sorts: with the default 4 MB a bitmap of 100,000 documents turns lossy and
# every row of its pages is checked again (each document's vectors read) - most of a page's time.
# (``set_config``: SET LOCAL as a read, knowledge.db.) A search's statement is planned for its own words each time,
# never by the generic plan a prepared statement falls back to: the words' frequencies decide the plan.
WORK_MEM = (
    "SELECT set_config('work_mem', '64MB', true), set_config('plan_cache_mode', 'force_custom_plan', true)"
)

# What a pre-ranking reads of each found row (``Compiler.pre_score``): the small vectors and the lengths.
CARRIED = ", d.title_v, d.units_v, d.place_v, d.category_v, d.key_v, d.title_len, d.units_len, d.body_len, " \
          "d.place_len, d.category_len"  # fmt: skip
HEADS = f"""
WITH found AS (
    SELECT d.doc_id, d.plan_key, d.plan_version, d.date, {", ".join("d." + c for c in FACET_COLUMNS)},
           d.enterprise_ids{{carried}}
    FROM {{table}} d WHERE {{where}}
), ranked AS (
    SELECT found.*, row_number() OVER (PARTITION BY plan_key ORDER BY plan_version DESC, doc_id DESC) AS rn
    FROM found WHERE kind = 'plan' AND plan_key <> ''
), heads AS (
    SELECT found.*, CAST(1 AS bigint) AS rn FROM found WHERE NOT (kind = 'plan' AND plan_key <> '')
    UNION ALL SELECT * FROM ranked WHERE rn = 1
)
"""


def heads_cte(where: str, *, carried: bool) -> str:
    """The found documents and their heads (one per plan: its newest version found); ``carried`` keeps what a
    pre-ranking reads."""
    return HEADS.format(table=TABLE, where=where, carried=CARRIED if carried else "")


class PgSearchIndex:
    """The search table of one database. Thread-safe: each call takes its own connection from the pool."""

    def __init__(
        self, engine: Engine, *, lock_timeout: float = 5.0, reader: Callable[[], Engine | None] | None = None
    ) -> None:
        self.engine = engine
        # Where searches read, when it says (a streaming replica for a lag-tolerant page); else ``engine``.
        self.reader = reader
        self.lock_timeout = lock_timeout
        self.store = Store()
        self._lock = threading.Lock()
        self._df: dict[Leaf, tuple[float, int]] = {}
        self._sizes: tuple[float, int, dict[str, float]] | None = None
        self._contains: dict[tuple[str, str], tuple[float, list[str]]] = {}
        self._ready = False

    # ---- the table

    def ensure(self) -> None:
        """Create the tables on first use (an empty table of this analysis version)."""
        if self._ready:
            return
        with self.engine.begin() as conn:
            present = conn.execute(text("SELECT to_regclass(:t) IS NOT NULL AND to_regclass(:m) IS NOT NULL"),
                                   {"t": TABLE, "m": META}).scalar()  # fmt: skip
            if present:  # no lock to wait for (a rebuild holds it for minutes)
                self._ready = True
                return
            conn.execute(text(f"SELECT pg_advisory_xact_lock({LOCK_KEY})"))
            exists = conn.execute(text("SELECT to_regclass(:t) IS NOT NULL"), {"t": TABLE}).scalar()
            self.store.create(conn)
            if not exists:
                conn.execute(text(f"INSERT INTO {META} VALUES ('version', :v) ON CONFLICT (key) DO UPDATE "
                                  "SET value = EXCLUDED.value"), {"v": VERSION})  # fmt: skip
        self._ready = True

    def is_current(self, conn: Connection) -> bool:
        found = conn.execute(text(f"SELECT value FROM {META} WHERE key = 'version'")).scalar()
        return found == VERSION

    def drop(self) -> None:
        """Remove the tables (tests; a move back to the Whoosh backend)."""
        with self.engine.begin() as conn:
            for table in (TABLE, BUILD_TABLE, LEXICON, META):
                conn.execute(text(f"DROP TABLE IF EXISTS {table}"))
        self._ready = False
        self.forget()

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

    def warm(self) -> None:
        self.ensure()

    # ---- writes

    @contextmanager
    def _writing(self) -> Iterator[Connection | None]:
        """A transaction holding the writers' (shared) lock, or None when a rebuild kept it past ``lock_timeout``."""
        self.ensure()
        with self.engine.begin() as conn:
            deadline = time.monotonic() + self.lock_timeout
            # shared among writers (each row is written whole, the lexicon only grows); a rebuild's is exclusive
            while not conn.execute(text(f"SELECT pg_try_advisory_xact_lock_shared({LOCK_KEY})")).scalar():
                if time.monotonic() >= deadline:
                    yield None
                    return
                time.sleep(0.05)
            yield conn

    def upsert(self, docs: Iterable[SearchDocument]) -> WriteReport:
        """Add or replace documents by doc_id. :raises DocumentError: for a document of the wrong shape."""
        rows = [row(to_fields(doc)) for doc in docs]
        if not rows:
            return WriteReport(ok=True)
        with self._writing() as conn:
            if conn is None:
                return WriteReport(ok=False, detail=BUSY)
            if not self.is_current(conn):
                return WriteReport(ok=False, detail=OUTDATED)
            for batch in chunks(rows, BATCH):
                self.store.write(conn, batch)
        self.changed()
        return WriteReport(ok=True, count=len(rows))

    def delete(self, doc_ids: Iterable[str]) -> WriteReport:
        ids = list(doc_ids)
        if not ids:
            return WriteReport(ok=True)
        with self._writing() as conn:
            if conn is None:
                return WriteReport(ok=False, detail=BUSY)
            self.store.delete(conn, ids)
        self.changed()
        return WriteReport(ok=True, count=len(ids))

    def rebuild(
        self, iter_docs: Iterable[SearchDocument], total: int | None = None, progress: Progress | None = None
    ) -> RebuildReport:
        """Fill a new table with every document, then swap it in: searches read the old table meanwhile, and
        writers wait (the lock is held throughout, so no change made meanwhile is lost). :raises DocumentError:
        and leaves the live table as it was."""
        started = time.perf_counter()
        self.ensure()
        build = Store(BUILD_TABLE)
        with self.engine.connect() as conn:
            deadline = time.monotonic() + self.lock_timeout
            while not conn.execute(text(f"SELECT pg_try_advisory_lock({LOCK_KEY})")).scalar():
                if time.monotonic() >= deadline:
                    conn.rollback()
                    return RebuildReport(ok=False, detail=BUSY)
                time.sleep(0.1)
            conn.commit()
            try:
                count = self._fill(conn, build, iter_docs, total, progress)
                self._swap(conn)
            except BaseException:
                conn.rollback()
                with conn.begin():
                    conn.execute(text(f"DROP TABLE IF EXISTS {BUILD_TABLE}"))
                raise
            finally:
                conn.execute(text(f"SELECT pg_advisory_unlock({LOCK_KEY})"))
                conn.commit()
        self.forget()
        return RebuildReport(ok=True, count=count, seconds=time.perf_counter() - started, generation=VERSION)

    def _fill(self, conn: Connection, build: Store, docs: Iterable[SearchDocument], total: int | None,
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
        return count

    def _swap(self, conn: Connection) -> None:
        names = [r[0] for r in conn.execute(
            text("SELECT indexname FROM pg_indexes WHERE tablename = :t AND schemaname = current_schema()"),
            {"t": BUILD_TABLE})]  # fmt: skip
        conn.execute(text(f"DROP TABLE IF EXISTS {TABLE}"))
        conn.execute(text(f"ALTER TABLE {BUILD_TABLE} RENAME TO {TABLE}"))
        for name in names:
            conn.execute(text(f"ALTER INDEX {name} RENAME TO {TABLE}{name[len(BUILD_TABLE) :]}"))
        conn.execute(text(f"TRUNCATE {LEXICON}"))
        conn.execute(text(f"INSERT INTO {META} VALUES ('version', :v) ON CONFLICT (key) DO UPDATE "
                          "SET value = EXCLUDED.value"), {"v": VERSION})  # fmt: skip
        conn.commit()
        self._fill_lexicon(conn)

    def _fill_lexicon(self, conn: Connection) -> None:
        for field, (column, _) in VECTORS.items():
            if field == "pairs":
                continue
            conn.execute(text(f"INSERT INTO {LEXICON} (field, term) SELECT DISTINCT :f, t FROM {TABLE}, "
                              f"unnest(tsvector_to_array({column})) AS t ON CONFLICT DO NOTHING"), {"f": field})  # fmt: skip
            conn.commit()

    # ---- statistics

    def _stats(self, conn: Connection) -> Stats:
        return Stats(
            doc_count=self._sizes_of(conn)[1],
            frequencies=lambda leaves: self._frequencies(conn, leaves),
            avg_length=lambda fieldname: self._sizes_of(conn)[2].get(fieldname, 1.0),
            containing=lambda fieldname, char: self._containing(conn, fieldname, char),
        )

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
        for batch in chunks(missing, 50):
            sql = SqlQuery()
            counts = ", ".join(
                f"(SELECT count(*) FROM {TABLE} WHERE {column} @@ CAST({sql.bind(tsquery_term(word))} AS tsquery))"
                for column, word in batch
            )
            values: list[Any] = list(conn.execute(text(f"SELECT {counts}"), sql.params).one())
            with self._lock:
                if len(self._df) > 200_000:
                    self._df.clear()
                for leaf, n in zip(batch, values, strict=True):
                    found[leaf] = int(n)
                    self._df[leaf] = (now, int(n))
        return found

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

    # ---- reads

    def _reading(self) -> Engine:
        return (self.reader() if self.reader is not None else None) or self.engine

    def search(self, request: SearchRequest) -> SearchResult:
        self.ensure()
        parsed = parse_query(request.q)
        with self._reading().connect() as conn:
            conn.execute(text(WORK_MEM))
            if not self.is_current(conn):
                return SearchResult(0, [], {}, request.page, request.per_page, message=OUTDATED)
            stats = self._stats(conn)
            sql = SqlQuery()
            compiler = Compiler(stats, sql)
            where = compiler.where(parsed.query, request.allowed, request.filters)  # type: ignore[arg-type]
            start, end = (request.page - 1) * request.per_page, request.page * request.per_page
            by_date = request.sort == "date" or isinstance(parsed.query, wq.Every)
            cte = heads_cte(where, carried=not by_date)
            total, facets, page, older = self._answer(conn, compiler, cte, parsed.query, end, by_date)
            hits = self._hits(conn, page[start:], older, parsed.terms)
            partial, partial_total = self._partial(conn, parsed, request, where, sql, total, start, end)
        return SearchResult(
            total=total,
            hits=hits,
            facets=facets,
            page=request.page,
            per_page=request.per_page,
            message=parsed.message,
            used_fallback=parsed.used_fallback,
            broader_query=parsed.broader if total < BROADER_BELOW or partial else "",
            partial=partial,
            partial_total=partial_total,
        )

    def _answer(self, conn: Connection, compiler: Compiler, cte: str, q: wq.Query, count: int,
                by_date: bool) -> tuple[int, dict[str, list[tuple[Any, int]]], list[tuple[str, float]],
                                        dict[str, list[str]]]:  # fmt: skip
        """One statement (the documents matched once): the total and facets, the ``count`` best (or newest)
        heads, and the older versions folded under them."""
        sql = compiler.sql
        if by_date:
            page = (f"SELECT doc_id, date, kind, plan_key, 0 AS score FROM heads ORDER BY date DESC, doc_id DESC "
                    f"LIMIT {sql.bind(count)}")  # fmt: skip
        else:
            page = self._scoring(compiler, q, "heads", sql.bind(count), carried=True)
        columns = ", ".join(FACET_COLUMNS)
        sets = ", ".join(f"({c})" for c in FACET_COLUMNS)
        blanks = ", ".join(["NULL"] * (len(FACET_COLUMNS) - 3))
        statement = (
            f"{cte}, counts AS (SELECT {columns}, GROUPING({columns}) AS g, count(*) AS n FROM heads "
            f"GROUP BY GROUPING SETS ({sets}, ())), "
            "firms AS (SELECT e, count(*) AS n FROM (SELECT unnest(enterprise_ids) AS e FROM heads) AS x GROUP BY e "
            "ORDER BY n DESC, e LIMIT 1000), "
            f"page AS MATERIALIZED ({page}), "
            "older AS (SELECT p.doc_id AS head, r.doc_id, r.plan_version FROM page p JOIN ranked r "
            "ON p.kind = 'plan' AND p.plan_key <> '' AND r.kind = 'plan' AND r.plan_key = p.plan_key AND r.rn > 1) "
            f"SELECT 'c' AS part, g, {columns}, n, CAST(NULL AS float8) AS score FROM counts "
            f"UNION ALL SELECT 'e', NULL, CAST(e AS text), NULL, NULL, {blanks}, n, NULL FROM firms "
            f"UNION ALL SELECT 'p', NULL, doc_id, date, NULL, {blanks}, NULL, score FROM page "
            f"UNION ALL SELECT 'o', NULL, head, doc_id, plan_version, {blanks}, NULL, NULL FROM older"
        )  # fmt: skip
        total = 0
        counted: dict[str, list[tuple[str, int]]] = {name: [] for name in FACETS}
        width = len(FACET_COLUMNS)
        ranked: list[tuple[str, str, float]] = []
        folded: list[tuple[str, str, str]] = []
        for r in conn.execute(text(statement), sql.params):
            part, values, n = r[0], r[2 : 2 + width], r[2 + width]
            if part == "c":
                if r[1] == (1 << width) - 1:
                    total = int(n)
                for i, column in enumerate(FACET_COLUMNS):
                    if not r[1] & (1 << (width - 1 - i)) and values[i]:
                        counted[column].append((values[i], int(n)))
            elif part == "e":
                counted["enterprise"].append((values[0], int(n)))
            elif part == "p":
                ranked.append((values[0], values[1] or "", float(r[3 + width] or 0.0)))
            else:
                folded.append((values[0], values[1], values[2] or ""))
        if by_date:
            ranked.sort(key=lambda p: (p[1], p[0]), reverse=True)
        else:
            ranked.sort(key=lambda p: (-p[2], p[0]))
        older: dict[str, list[str]] = {}
        for head, doc_id, _ in sorted(folded, key=lambda o: (o[2], o[1]), reverse=True):
            older.setdefault(head, []).append(doc_id)
        facets: dict[str, list[tuple[Any, int]]] = {}
        for name in FACETS:
            facets[name] = [
                (int(v) if name in ("year", "enterprise") else v, n) for v, n in top(counted[name])
            ]
        return total, facets, [(d, score) for d, _, score in ranked], older

    def _scoring(
        self, compiler: Compiler, q: wq.Query, source: str, limit: str, carried: bool = False
    ) -> str:
        """The best documents of ``source`` (a CTE of doc_ids): the ``RERANK`` best by ``Compiler.pre_score``
        (read from the rows themselves), then those by the exact score, their vectors read once per document into
        plain copies (``|| ''``; OFFSET 0 keeps the subquery whole) for each word's ts_rank. A result of up to
        ``RERANK`` documents is ranked exactly; a larger one as the Whoosh backend ranks among champions."""
        compiler.prepare(q)
        score, pre = compiler.score(q), compiler.pre_score(q, "p")
        copies = [f"d.{VECTORS[f][0]} || CAST('' AS tsvector) AS {VECTORS[f][0]}, d.{VECTORS[f][1]}"
                  for f in sorted(compiler.columns)]  # fmt: skip
        codes = ", ".join(f"d.{c}" for c in ("kind", "city", "district", "category", "verdict", "conclusion", "year",
                                             "project_id", "plan_key"))  # fmt: skip
        inner = ", ".join(["d.doc_id", "d.date", codes, *copies])
        rows = f"{source} p" if carried else f"{source} s JOIN {TABLE} p ON p.doc_id = s.doc_id"
        chosen = (
            f"SELECT p.doc_id FROM {rows} ORDER BY {pre} DESC, p.doc_id LIMIT GREATEST({RERANK}, {limit})"
        )
        return (f"SELECT v.doc_id, v.date, v.kind, v.plan_key, {score} AS score FROM (SELECT {inner} FROM ({chosen}) s "
                f"JOIN {TABLE} d ON d.doc_id = s.doc_id OFFSET 0) v ORDER BY score DESC, v.doc_id LIMIT {limit}")  # fmt: skip

    def _scored(self, conn: Connection, compiler: Compiler, q: wq.Query, prefix: str, source: str,
                limit: str) -> list[tuple[str, float]]:  # fmt: skip
        rows = conn.execute(text(prefix + self._scoring(compiler, q, source, limit)), compiler.sql.params)
        return [(r[0], float(r[4])) for r in rows]

    def _hits(self, conn: Connection, page: list[tuple[str, float]], older: dict[str, list[str]],
              terms: tuple[str, ...]) -> list[Hit]:  # fmt: skip
        if not page:
            return []
        heads = [doc_id for doc_id, _ in page]
        stored = self._stored(conn, heads + [d for head in heads for d in older.get(head, ())])
        hits = []
        for doc_id, score in page:
            hit = _hit(stored[doc_id], score, terms)
            olds = [stored[d] for d in older.get(doc_id, ())]
            found = [OlderVersion(o["doc_id"], o["title"], o["url"], o["date"]) for o in olds]
            hits.append(replace(hit, older=found) if found else hit)
        return hits

    def _stored(self, conn: Connection, doc_ids: list[str]) -> dict[str, dict[str, Any]]:
        rows = conn.execute(text(f"SELECT doc_id, kind, title, url, city, category, date, passages FROM {TABLE} "
                                 "WHERE doc_id = ANY(:ids)"), {"ids": doc_ids}).mappings().all()  # fmt: skip
        return {r["doc_id"]: dict(r) for r in rows}

    def _partial(self, conn: Connection, parsed: ParsedQuery, request: SearchRequest, strict: str, sql: SqlQuery,
                 total: int, start: int, end: int) -> tuple[list[Hit], int]:  # fmt: skip
        """As ``View.partial``: the page where a strict AND's results run out is filled with the best documents
        holding only some of its words, after all that hold every word; a plan shown among them not again."""
        if not parsed.broader or request.sort != "relevance" or not start <= total < end:
            return [], 0
        broad = parse_query(parsed.broader)
        compiler = Compiler(self._stats(conn), sql)
        where = compiler.where(broad.query, request.allowed, request.filters)  # type: ignore[arg-type]
        shown = compiler.where(parsed.query, request.allowed, request.filters, alias="s")  # type: ignore[arg-type]
        others = (f"({where}) AND NOT ({strict}) AND NOT (d.kind = 'plan' AND d.plan_key <> '' AND d.plan_key IN "
                  f"(SELECT s.plan_key FROM {TABLE} s WHERE {shown} AND s.plan_key <> ''))")  # fmt: skip
        cte = heads_cte(others, carried=True)
        count, _, ranked, older = self._answer(conn, compiler, cte, broad.query, end - total, by_date=False)
        return self._hits(conn, ranked, older, broad.terms), count

    def more_like_this(
        self, doc_id: str, *, same_category: bool = True, limit: int = 5, allowed: Allowed | str,
        kind: str | None = None, before: str | None = None,
    ) -> list[Hit]:  # fmt: skip
        """Documents like this one (its key terms, weighed as Whoosh's Bo1 model does), among those the grant may
        see, of its category by default, of ``kind``, dated on or before ``before``, never itself."""
        grant = Allowed.all() if allowed == "all" else allowed
        if not isinstance(grant, Allowed):
            raise TypeError("allowed must be an Allowed or 'all'")
        self.ensure()
        with self._reading().connect() as conn:
            stored = self._stored(conn, [doc_id]).get(doc_id)
            if stored is None:
                return []
            category = conn.execute(
                text(f"SELECT category FROM {TABLE} WHERE doc_id = :d"), {"d": doc_id}
            ).scalar()
            stats = self._stats(conn)
            content = likeness_text(stored["title"], stored["passages"])[:MORE_LIKE_TEXT]
            key_terms = self._key_terms(conn, stats, content)
            if not key_terms:
                return []
            q = wq.Or([wq.Term("body", word, boost=weight) for word, weight in key_terms])
            sql = SqlQuery()
            compiler = Compiler(stats, sql)
            parts = [compiler.match(q), compiler.allowed(grant), f"d.doc_id <> {sql.bind(doc_id)}"]
            if same_category and category:
                parts.append(f"d.category = {sql.bind(category)}")
            if kind is not None:
                parts.append(f"d.kind = {sql.bind(kind)}")
            if before is not None:
                parts.append(f"d.date <> '' AND d.date <= {sql.bind(before)}")
            where = " AND ".join(p for p in parts if p != "TRUE")
            ranked = self._scored(conn, compiler, q, f"WITH pool AS (SELECT d.doc_id FROM {TABLE} d WHERE {where}) ",
                                  "pool", sql.bind(limit))  # fmt: skip
            found = self._stored(conn, [d for d, _ in ranked])
        return [_hit(found[d], s, ()) for d, s in ranked]

    def _key_terms(self, conn: Connection, stats: Stats, content: str) -> list[tuple[str, float]]:
        counts = Counter(
            w for w, _, _ in analysed_words(content) if len(w) > 1 and not w.replace(".", "").isdigit()
        )
        candidates = [w for w, _ in counts.most_common(60)]
        column = VECTORS["body"][0]
        frequency = self._frequencies(conn, [(column, w) for w in candidates])
        n = max(stats.doc_count, 1)
        weights = []
        for word in candidates:
            f = frequency[(column, word)] / n
            if f <= 0:
                continue
            weights.append((word, counts[word] * math.log2((1 + f) / f) + math.log2(1 + f)))
        weights.sort(key=lambda item: -item[1])
        return weights[:KEY_TERMS]

    def contains(self, doc_id: str) -> bool:
        self.ensure()
        with self.engine.connect() as conn:
            return bool(conn.execute(text(f"SELECT 1 FROM {TABLE} WHERE doc_id = :d"), {"d": doc_id}).first())

    def doc_count(self) -> int:
        self.ensure()
        with self.engine.connect() as conn:
            return int(conn.execute(text(f"SELECT count(*) FROM {TABLE}")).scalar() or 0)

    def check(self, expected: Mapping[str, str]) -> IndexCheck:
        self.ensure()
        with self.engine.connect() as conn:
            rows = conn.execute(text(f"SELECT doc_id, version FROM {TABLE}")).all()
        indexed: dict[str, str] = {r[0]: r[1] for r in rows}
        return IndexCheck(
            missing=sorted(set(expected) - set(indexed)),
            stale=sorted(k for k in set(expected) & set(indexed) if expected[k] != indexed[k]),
            extra=sorted(set(indexed) - set(expected)),
        )

    def health(self) -> IndexHealth:
        try:
            self.ensure()
            with self.engine.connect() as conn:
                documents = int(conn.execute(text(f"SELECT count(*) FROM {TABLE}")).scalar() or 0)
                current = self.is_current(conn)
        except (ProgrammingError, OSError, Exception) as exc:  # noqa: BLE001 - a health check reports every failure
            return IndexHealth(ok=False, documents=0, detail=type(exc).__name__)
        if not current:
            return IndexHealth(ok=False, documents=documents, detail=OUTDATED)
        return IndexHealth(ok=True, documents=documents, detail=f"postgres:{VERSION}")


def _row_of(doc: SearchDocument) -> dict[str, Any]:
    """A document's table row: the tokenizing, done by the rebuild's worker processes."""
    return row(to_fields(doc))


def _hit(stored: dict[str, Any], score: float, terms: tuple[str, ...]) -> Hit:
    placed = placed_snippets(stored.get("passages"), terms)
    return Hit(
        doc_id=stored["doc_id"],
        kind=stored.get("kind") or "",
        title=stored.get("title") or "",
        url=stored.get("url") or "",
        city=stored.get("city") or "",
        category=stored.get("category") or "",
        date=stored.get("date") or "",
        score=float(score or 0.0),
        snippets=[fragment for _, fragment in placed],
        places=[label for label, _ in placed],
    )
