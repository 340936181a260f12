"""The SQLite FTS5 baseline of ``scripts/bench/search.py``: the same documents as the Whoosh index, each field
segmented by the same jieba analysis and space-joined, with the unicode61 tokenizer; facets in a plain table; the
permission filter written as ``+rowid IN (SELECT ...)`` so the full-text match drives the query."""

from __future__ import annotations

import sqlite3
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from expert_pool.reviews.search_docs import CATALOGUE  # noqa: E402
from search_index.analysis import query_words, word_list  # noqa: E402
from search_index.documents import to_fields  # noqa: E402
from webapp.extensions import db  # noqa: E402

PERMISSION_SHARE = 0.30


def segmented(text: str) -> str:
    return " ".join(word_list(text)) if text else ""


def build_fts(app: Flask, path: Path) -> sqlite3.Connection:
    path.unlink(missing_ok=True)
    con = sqlite3.connect(path)
    con.executescript("""
        CREATE VIRTUAL TABLE fts USING fts5(title, units, body, tokenize = 'unicode61');
        CREATE TABLE meta (rowid INTEGER PRIMARY KEY, doc_id TEXT, kind TEXT, city TEXT, category TEXT,
                           verdict TEXT, conclusion TEXT, year TEXT, date TEXT);
        CREATE TABLE meta_enterprise (rowid INTEGER, enterprise_id INTEGER);
    """)
    started = time.perf_counter()
    with app.app_context(), Session(db.engine) as session:
        for rowid, doc in enumerate(CATALOGUE.iter_all(session), 1):
            fields = to_fields(doc)
            con.execute("INSERT INTO fts (rowid, title, units, body) VALUES (?, ?, ?, ?)",
                        (rowid, segmented(fields["title"]), segmented(fields.get("units", "")),
                         segmented(fields.get("body", ""))))  # fmt: skip
            con.execute(
                "INSERT INTO meta VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (rowid, *(fields.get(k, "") for k in ("doc_id", "kind", "city", "category", "verdict")),
                 fields.get("conclusion", ""), fields.get("year", ""), fields.get("date", "")),
            )  # fmt: skip
            con.executemany(
                "INSERT INTO meta_enterprise VALUES (?, ?)",
                [(rowid, int(e)) for e in fields.get("enterprise_ids", "").split()],
            )
            if rowid % 20_000 == 0:
                print(f"    FTS5 {rowid:,} documents  {time.perf_counter() - started:.0f} s", flush=True)
    con.executescript("""
        CREATE INDEX meta_city ON meta (city);
        CREATE INDEX meta_enterprise_rowid ON meta_enterprise (rowid);
        INSERT INTO fts (fts) VALUES ('optimize');
    """)
    con.commit()
    print(f"FTS5 built in {time.perf_counter() - started:.0f} s (segmentation included), "
          f"{path.stat().st_size / 2**20:.0f} MB", flush=True)  # fmt: skip
    return con


def fts_match(q: str) -> str:
    """The FTS5 MATCH for a search-box query: words AND-ed, a quoted phrase as an FTS5 phrase."""
    if q.startswith('"'):
        return '"' + " ".join(query_words(q.strip('"'))) + '"'
    return " AND ".join(f'"{w}"' for w in query_words(q))


class Fts:
    def __init__(self, con: sqlite3.Connection, allowed_cities: Sequence[str]) -> None:
        self.con = con
        cities = ", ".join(f"'{c}'" for c in allowed_cities)
        self.allowed_sql = f"SELECT rowid FROM meta WHERE city IN ({cities})"

    def query(
        self, q: str, *, facets: Sequence[str] = (), snippets: bool = False, allowed: bool = False
    ) -> int:
        where = "fts MATCH :q" + (f" AND +rowid IN ({self.allowed_sql})" if allowed else "")
        match = {"q": fts_match(q)}
        total = self.con.execute(f"SELECT count(*) FROM fts WHERE {where}", match).fetchone()[0]
        shown = "rowid, snippet(fts, 2, '<mark>', '</mark>', '…', 24)" if snippets else "rowid"
        self.con.execute(f"SELECT {shown} FROM fts WHERE {where} ORDER BY rank LIMIT 10", match).fetchall()
        if facets:
            parts = [f"SELECT '{f}', m.{f}, count(*) FROM hits JOIN meta m ON m.rowid = hits.rowid GROUP BY 2"
                     for f in facets if f != "enterprise"]  # fmt: skip
            if "enterprise" in facets:
                parts.append("SELECT 'enterprise', e.enterprise_id, count(*) FROM hits "
                             "JOIN meta_enterprise e ON e.rowid = hits.rowid GROUP BY 2")  # fmt: skip
            sql = f"WITH hits AS MATERIALIZED (SELECT rowid FROM fts WHERE {where}) " + " UNION ALL ".join(
                parts
            )
            rows = self.con.execute(sql, match).fetchall()
            by_facet: dict[str, list[tuple[Any, int]]] = {}
            for name, value, count in rows:
                by_facet.setdefault(name, []).append((value, count))
            for values in by_facet.values():
                values.sort(key=lambda c: -c[1])
                del values[30:]
        return int(total)


def permission_cities(con: sqlite3.Connection) -> tuple[list[str], float]:
    """Cities whose documents make up about 30% of all: the grant of a regulator of several cities."""
    rows = con.execute("SELECT city, count(*) FROM meta WHERE city <> '' GROUP BY city ORDER BY 2").fetchall()
    total = con.execute("SELECT count(*) FROM meta").fetchone()[0]
    chosen, share = [], 0.0
    for city, n in sorted(rows, key=lambda r: -r[1]):
        if share + n / total <= PERMISSION_SHARE + 0.03:
            chosen.append(city)
            share += n / total
    return chosen, share
