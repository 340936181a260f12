"""The one statement that answers a results page on the search table: the documents found, folded to their
heads (one per plan: its newest version found), counted by facet, the page's heads ranked (or newest first),
and the older versions found under each."""

from __future__ import annotations

from collections import Counter
from typing import Any, NamedTuple

from sqlalchemy import Connection, text

from search_index.documents import placed_snippets
from search_index.facet_counts import top
from search_index.pg_query import SqlQuery
from search_index.pg_store import TABLE
from search_index.query import Hit
from search_index.view import FACETS

FACET_COLUMNS = ("kind", "city", "category", "verdict", "conclusion", "year")
HEADS = f"""
WITH found AS (
    SELECT d.doc_id, d.plan_key, d.plan_version, d.date, {", ".join("d." + c for c in FACET_COLUMNS)},
           d.enterprise_ids{{pre}}
    FROM {{table}} d WHERE {{where}}
), ranked AS (
    SELECT found.*, row_number() OVER (PARTITION BY plan_key COLLATE "C"
                                       ORDER BY plan_version COLLATE "C" DESC, doc_id COLLATE "C" DESC) AS rn
    FROM found WHERE kind = 'plan' AND plan_key <> ''
), heads AS (
    SELECT found.*, CAST(1 AS bigint) AS rn FROM found WHERE NOT (kind = 'plan' AND plan_key <> '')
    UNION ALL SELECT * FROM ranked WHERE rn = 1
)
"""


def heads_cte(where: str, *, pre: str | None) -> str:
    """The found documents and their heads (one per plan: its newest version found); ``pre``, a pre-ranking
    score over the row (alias ``d``), is computed as each found row is read, so the found rows stay narrow (the
    vectors it reads are not copied along with them). The versions are sorted by their codes' bytes (COLLATE
    "C": a version code is zero-padded digits), which PostgreSQL sorts by abbreviated keys - a locale's
    collation compares every pair through strcoll."""
    return HEADS.format(table=TABLE, where=where, pre=f", {pre} AS pre" if pre else "")


class Answer(NamedTuple):
    total: int
    facets: dict[str, list[tuple[Any, int]]]
    page: list[tuple[str, float]]  # (doc_id, score) of the heads, best (or newest) first
    older: dict[str, list[str]]  # a head's older versions found, newest first


def answer(conn: Connection, sql: SqlQuery, cte: str, page: str, by_date: bool) -> Answer:
    """``cte`` from ``heads_cte``; ``page`` the statement choosing the page's heads from ``heads``.

    The facets of single values are counted by their combinations (one grouping of the heads; a result holds a
    few hundred), summed here per facet: one hash table instead of one per facet (grouping sets)."""
    columns = ", ".join(FACET_COLUMNS)
    blanks = ", ".join(["NULL"] * (len(FACET_COLUMNS) - 3))
    statement = (
        f"{cte}, counts AS (SELECT {columns}, count(*) AS n FROM heads GROUP BY {columns}), "
        "firms AS (SELECT e, count(*) AS n FROM (SELECT unnest(enterprise_ids) AS e FROM heads) AS x GROUP BY e "
        "ORDER BY n DESC, e LIMIT 1000), "
        f"page AS MATERIALIZED ({page}), "
        "older AS (SELECT p.doc_id AS head, r.doc_id, r.plan_version FROM page p JOIN ranked r "
        "ON p.kind = 'plan' AND p.plan_key <> '' AND r.kind = 'plan' AND r.plan_key = p.plan_key AND r.rn > 1) "
        f"SELECT 'c' AS part, NULL AS g, {columns}, n, CAST(NULL AS float8) AS score FROM counts "
        f"UNION ALL SELECT 'e', NULL, CAST(e AS text), NULL, NULL, {blanks}, n, NULL FROM firms "
        f"UNION ALL SELECT 'p', NULL, doc_id, date, NULL, {blanks}, NULL, score FROM page "
        f"UNION ALL SELECT 'o', NULL, head, doc_id, plan_version, {blanks}, NULL, NULL FROM older"
    )  # fmt: skip
    total = 0
    by_value: dict[str, Counter[str]] = {column: Counter() for column in FACET_COLUMNS}
    counted: dict[str, list[tuple[str, int]]] = {name: [] for name in FACETS}
    width = len(FACET_COLUMNS)
    ranked: list[tuple[str, str, float]] = []
    folded: list[tuple[str, str, str]] = []
    for r in conn.execute(text(statement), sql.params):
        part, values, n = r[0], r[2 : 2 + width], r[2 + width]
        if part == "c":
            total += int(n)
            for column, value in zip(FACET_COLUMNS, values, strict=True):
                if value:
                    by_value[column][value] += int(n)
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
    for column in FACET_COLUMNS:
        counted[column] = list(by_value[column].items())
    older: dict[str, list[str]] = {}
    for head, doc_id, _ in sorted(folded, key=lambda o: (o[2], o[1]), reverse=True):
        older.setdefault(head, []).append(doc_id)
    facets: dict[str, list[tuple[Any, int]]] = {}
    for name in FACETS:
        facets[name] = [(int(v) if name in ("year", "enterprise") else v, n) for v, n in top(counted[name])]
    return Answer(total, facets, [(d, score) for d, _, score in ranked], older)


def hit_of(stored: dict[str, Any], score: float, terms: tuple[str, ...]) -> Hit:
    """A stored row as a hit: its snippets placed where the words are."""
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
