"""The SQLite FTS5 baseline with the trigram tokenizer: each query word of three characters or more must
match as a substring (MATCH), a shorter one through LIKE; ranked by bm25 with the title weighing 3."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from typing import Any

from search_index.documents import to_fields


def fts_ranker(docs: Iterable[dict[str, Any]], depth: int = 100) -> Callable[[str], list[str]]:
    con = sqlite3.connect(":memory:")
    con.execute("CREATE VIRTUAL TABLE fts USING fts5(doc_id UNINDEXED, title, body, tokenize = 'trigram')")
    for doc in docs:
        fields = to_fields(doc)
        con.execute(
            "INSERT INTO fts VALUES (?, ?, ?)", (fields["doc_id"], fields["title"], fields.get("body", ""))
        )

    def rank(q: str) -> list[str]:
        words = q.split()
        long = [w for w in words if len(w) >= 3]
        short = [w for w in words if len(w) < 3]
        where = ["fts MATCH ?"] if long else []
        params: list[str] = [" AND ".join('"' + w.replace('"', '""') + '"' for w in long)] if long else []
        for word in short:
            where.append("(title LIKE ? OR body LIKE ?)")
            params += [f"%{word}%"] * 2
        order = "bm25(fts, 0, 3.0, 1.0)" if long else "rowid"
        sql = f"SELECT doc_id FROM fts WHERE {' AND '.join(where)} ORDER BY {order} LIMIT {depth}"
        return [row[0] for row in con.execute(sql, params)]

    return rank
