"""Search served by PostgreSQL: the interface of ``index.SearchIndex`` over the search table (``pg_store``).

Any application node reads the same table, so two nodes see the same results after a change on either. Writes
(the outbox's writer, a rebuild) hold a PostgreSQL advisory lock instead of a file under one node's instance
folder. A rebuild fills a new table while searches read the old one, then swaps them in one transaction.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import ProgrammingError
from whoosh import query as wq

from search_index import pg_build
from search_index.documents import SearchDocument, likeness_text, to_fields
from search_index.index import (
    BUSY,
    OUTDATED,
    IndexCheck,
    IndexHealth,
    Progress,
    RebuildReport,
    WriteReport,
)
from search_index.pg_answer import Answer, answer, heads_cte, hit_of
from search_index.pg_build import BATCH, BUILD_LEXICON, BUILD_TABLE
from search_index.pg_query import Compiler, SqlQuery
from search_index.pg_similar import likeness_query, likeness_where
from search_index.pg_stats import TableStats
from search_index.pg_store import (
    DELTA,
    LEXICON,
    LOCK_KEY,
    META,
    OBSOLETE,
    TABLE,
    VECTORS,
    VERSION,
    Store,
    chunks,
    fold,
    row,
)
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
from search_index.view import MORE_LIKE_TEXT

# The documents of a result ranked exactly (reading their whole vectors), chosen by a score read from their rows.
RERANK = 400
# Memory for one search's bitmaps and sorts: with the default 4 MB a bitmap of 100,000 documents turns lossy and
# every row of its pages is checked again (each document's vectors read) - most of a page's time.
# (``set_config``: SET LOCAL as a read, knowledge.db.) A search's statement is planned for its own words each time,
# never by the generic plan a prepared statement falls back to: the words' frequencies decide the plan.
WORK_MEM = (
    "SELECT set_config('work_mem', '64MB', true), set_config('plan_cache_mode', 'force_custom_plan', true)"
)

# A match that holds words is read through their GIN indexes, never by a sequential scan testing each row: the
# planner does not count reading a row's vectors out of TOAST, and chose to test every row (a character's twenty
# words: 820 ms against 310 ms through the indexes). Only where the words are indexed: without them a sequential
# scan is the one way to read, and disabling it sent PostgreSQL down a whole index instead.
BY_INDEX = "SELECT set_config('enable_seqscan', 'off', true)"


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
        self.stats = TableStats()
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
                for statement in OBSOLETE:
                    conn.execute(text(statement.format(t=TABLE)))
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
            for table in (TABLE, BUILD_TABLE, LEXICON, BUILD_LEXICON, DELTA, META):
                conn.execute(text(f"DROP TABLE IF EXISTS {table}"))
        self._ready = False
        self.forget()

    def forget(self) -> None:
        self.stats.forget()

    def changed(self) -> None:
        self.stats.changed()

    def fold(self) -> bool:
        """The words' count deltas summed into the lexicon (each writer pass, ``webapp.search.worker``); False
        when another process is at it."""
        with self.engine.begin() as conn:
            return fold(conn)

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
        """Fill a new table with every document, then swap it in (``pg_build``): searches read the old table
        meanwhile. :raises DocumentError: and leaves the live table as it was."""
        self.ensure()
        report = pg_build.rebuild(self.engine, iter_docs, total, progress, lock_timeout=self.lock_timeout)
        if report.ok:
            self.forget()
        return report

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
            stats = self.stats.of(conn)
            sql = SqlQuery()
            compiler = Compiler(stats, sql)
            where = compiler.where(parsed.query, request.allowed, request.filters)  # type: ignore[arg-type]
            if compiler.indexed:
                conn.execute(text(BY_INDEX))
            start, end = (request.page - 1) * request.per_page, request.page * request.per_page
            by_date = request.sort == "date" or isinstance(parsed.query, wq.Every)
            total, facets, page, older = self._answer(conn, compiler, where, parsed.query, end, by_date)
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

    def _answer(self, conn: Connection, compiler: Compiler, where: str, q: wq.Query, count: int,
                by_date: bool) -> Answer:  # fmt: skip
        """One statement (the documents matched once, ``where``): the total and facets, the ``count`` best (or
        newest) heads, and the older versions folded under them."""
        sql = compiler.sql
        if by_date:
            cte = heads_cte(where, pre=None)
            page = (f"SELECT doc_id, date, kind, plan_key, 0 AS score FROM heads ORDER BY date DESC, doc_id DESC "
                    f"LIMIT {sql.bind(count)}")  # fmt: skip
        else:
            compiler.prepare(q)
            cte = heads_cte(where, pre=compiler.pre_score(q, "d"))
            page = self._scoring(compiler, q, "heads", sql.bind(count), pre_read=True)
        return answer(conn, sql, cte, page, by_date)

    def _scoring(
        self, compiler: Compiler, q: wq.Query, source: str, limit: str, pre_read: bool = False
    ) -> str:
        """The best documents of ``source`` (a CTE of doc_ids): the ``RERANK`` best by ``Compiler.pre_score``
        (read from the rows themselves; ``pre_read``: already in ``source`` as ``pre``), then those by the exact
        score, their vectors read once per document into plain copies (``|| ''``; OFFSET 0 keeps the subquery
        whole) for each word's ts_rank. A result of up to ``RERANK`` documents is ranked exactly; a larger one as
        the Whoosh backend ranks among champions."""
        compiler.prepare(q)
        score = compiler.score(q)
        copies = [f"d.{VECTORS[f][0]} || CAST('' AS tsvector) AS {VECTORS[f][0]}, d.{VECTORS[f][1]}"
                  for f in sorted(compiler.columns)]  # fmt: skip
        codes = ", ".join(f"d.{c}" for c in ("kind", "city", "district", "category", "verdict", "conclusion", "year",
                                             "project_id", "plan_key"))  # fmt: skip
        inner = ", ".join(["d.doc_id", "d.date", codes, *copies])
        if pre_read:
            rows, pre = f"{source} p", "p.pre"
        else:
            rows, pre = f"{source} s JOIN {TABLE} p ON p.doc_id = s.doc_id", compiler.pre_score(q, "p")
        chosen = (
            f"SELECT p.doc_id FROM {rows} ORDER BY {pre} DESC, p.doc_id LIMIT GREATEST({RERANK}, {limit})"
        )
        return (f"SELECT v.doc_id, v.date, v.kind, v.plan_key, {score} AS score FROM (SELECT {inner} FROM ({chosen}) s "
                f"JOIN {TABLE} d ON d.doc_id = s.doc_id OFFSET 0) v ORDER BY score DESC, v.doc_id LIMIT {limit}")  # fmt: skip

    def _scored(self, conn: Connection, compiler: Compiler, q: wq.Query, prefix: str, source: str,
                limit: str) -> list[tuple[str, float]]:  # fmt: skip
        rows = conn.execute(text(prefix + self._scoring(compiler, q, source, limit, pre_read=True)),
                            compiler.sql.params)  # fmt: skip
        return [(r[0], float(r[4])) for r in rows]

    def _hits(self, conn: Connection, page: list[tuple[str, float]], older: dict[str, list[str]],
              terms: tuple[str, ...]) -> list[Hit]:  # fmt: skip
        if not page:
            return []
        heads = [doc_id for doc_id, _ in page]
        stored = self._stored(conn, heads + [d for head in heads for d in older.get(head, ())])
        hits = []
        for doc_id, score in page:
            hit = hit_of(stored[doc_id], score, terms)
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
        compiler = Compiler(self.stats.of(conn), sql)
        where = compiler.where(broad.query, request.allowed, request.filters)  # type: ignore[arg-type]
        shown = compiler.where(parsed.query, request.allowed, request.filters, alias="s")  # type: ignore[arg-type]
        others = (f"({where}) AND NOT ({strict}) AND NOT (d.kind = 'plan' AND d.plan_key <> '' AND d.plan_key IN "
                  f"(SELECT s.plan_key FROM {TABLE} s WHERE {shown} AND s.plan_key <> ''))")  # fmt: skip
        count, _, ranked, older = self._answer(
            conn, compiler, others, broad.query, end - total, by_date=False
        )
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
            stats = self.stats.of(conn)
            content = likeness_text(stored["title"], stored["passages"])[:MORE_LIKE_TEXT]
            q = likeness_query(stats, content)
            if q is None:
                return []
            compiler = Compiler(stats, SqlQuery())
            where = likeness_where(
                compiler, q, grant, doc_id, category if same_category else None, kind, before
            )
            sql = compiler.sql
            if compiler.indexed:
                conn.execute(text(BY_INDEX))
            # the pre-ranking score read as the pool's rows are (as a search's heads), not by a second visit
            compiler.prepare(q)
            pool = f"WITH pool AS (SELECT d.doc_id, {compiler.pre_score(q, 'd')} AS pre FROM {TABLE} d WHERE {where}) "
            ranked = self._scored(conn, compiler, q, pool, "pool", sql.bind(limit))
            found = self._stored(conn, [d for d, _ in ranked])
        return [hit_of(found[d], s, ()) for d, s in ranked]

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
