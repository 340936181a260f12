"""The search table of the PostgreSQL backend: one row per document, a ``tsvector`` per text field.

The tokens are ours, not PostgreSQL's: the same analysis as the Whoosh index (``WordTokenizer`` with jieba, our
dictionary, sub-words and number tokens; ``PairTokenizer`` for phrases) produces them, and they are written as
``tsvector`` literals (each lexeme quoted, with positions), which PostgreSQL stores as given: no parser, no
dictionary of its own, the ``simple`` configuration in effect. One vector per field rather than one weighted
vector: a GIN search of a plain lexeme is then exact (no recheck of the rows), and a field's weight is applied at
query time, as the Whoosh backend does (``expansion.FIELD_WEIGHTS``).

The table is derived data, rebuilt from the database like the Whoosh index (``flask search reindex``), so it is
made here (``ensure``) rather than by a migration, and named with the analysis version: a change of analysis is a
new table, filled by a rebuild while searches go on reading the old one, then swapped in one transaction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from search_index.analysis import ANALYSIS_VERSION, PairTokenizer, WordTokenizer
from search_index.schema import SCHEMA_VERSION

TABLE = "search_document"
LEXICON = "search_lexeme"
DELTA = "search_lexeme_delta"
META = "search_meta"
# The advisory lock of the search table's writers: one per schema (the table lives in the connection's schema).
LOCK_KEY = "hashtext(current_schema() || '.search_document')"
VERSION = f"{SCHEMA_VERSION}.{ANALYSIS_VERSION}.pg4"
# Field -> (vector column, length column); the vectors of free text, places and category names, and word pairs.
VECTORS: dict[str, tuple[str, str]] = {
    "title": ("title_v", "title_len"),
    "units": ("units_v", "units_len"),
    "body": ("body_v", "body_len"),
    "place": ("place_v", "place_len"),
    "category_name": ("category_v", "category_len"),
    "pairs": ("pairs_v", "pairs_len"),
}
# Single-valued codes compared as columns (filters, facets, field-prefixed query words).
CODES = ("kind", "city", "district", "category", "verdict", "conclusion", "year", "project_id", "plan_key",
         "plan_version", "date")  # fmt: skip
# The key vector: a document's most frequent body words (with their counts, as positions), small and kept in the
# row itself, so a large result is pre-ranked without reading each document's whole body vector.
KEY_WORDS = 24
# Positions kept per lexeme: a word's weight in ts_rank stops growing long before (sum of 1/i², i ≤ 8, is 96 %
# of its limit), and fewer positions keep a long plan's vector small.
MAX_POSITIONS = 8
MAX_POSITION = 16383  # PostgreSQL's largest position
MAX_LEXEME_BYTES = 2046  # PostgreSQL's limit is 2047

_WORDS, _PAIRS = WordTokenizer(), PairTokenizer()

COLUMNS = f"""
    doc_id text PRIMARY KEY,
    version text NOT NULL,
    kind text NOT NULL,
    {", ".join(f"{c} text NOT NULL DEFAULT ''" for c in CODES if c != "kind")},
    published boolean NOT NULL DEFAULT false,
    enterprise_ids integer[] NOT NULL DEFAULT '{{}}',
    expert_ids integer[] NOT NULL DEFAULT '{{}}',
    title text NOT NULL DEFAULT '',
    url text NOT NULL DEFAULT '',
    passages bytea,
    {", ".join(f"{v} tsvector NOT NULL DEFAULT ''" for v, _ in VECTORS.values())},
    {", ".join(f"{n} integer NOT NULL DEFAULT 0" for _, n in VECTORS.values())},
    key_v tsvector NOT NULL DEFAULT ''
"""
# The row keeps only codes, titles, lengths and the key vector: the large vectors and passages go to TOAST, so a
# search reads a few thousand narrow pages, not a page per document; the key vector is never moved out.
NARROW = [
    "ALTER TABLE {t} SET (toast_tuple_target = 128)",
    *(f"ALTER TABLE {{t}} ALTER COLUMN {c} SET STORAGE MAIN"
      for c in ("key_v", "title_v", "units_v", "place_v", "category_v", "enterprise_ids", "expert_ids")),
]  # fmt: skip
# No index of a code the grants and filters compare (city, category, kind): with one, PostgreSQL chose to read
# every document of four cities and test each one's words (their vectors read out of TOAST: 560 ms for one
# character's words) where the words' GIN index finds them in 12 ms. A table made before loses them on first use.
OBSOLETE = [f"DROP INDEX IF EXISTS {{t}}_{c}" for c in ("city", "category", "kind")]
INDEXES = [
    *(f"CREATE INDEX IF NOT EXISTS {{t}}_{v} ON {{t}} USING gin ({v})" for v, _ in VECTORS.values()),
    "CREATE INDEX IF NOT EXISTS {t}_enterprises ON {t} USING gin (enterprise_ids)",
    "CREATE INDEX IF NOT EXISTS {t}_experts ON {t} USING gin (expert_ids)",
    *(f"CREATE INDEX IF NOT EXISTS {{t}}_{c} ON {{t}} ({c})" for c in ("plan_key", "date")),
    *OBSOLETE,
]  # fmt: skip
INSERT_COLUMNS = ("doc_id", "version", *CODES, "published", "enterprise_ids", "expert_ids", "title", "url",
                  "passages", *(v for v, _ in VECTORS.values()), *(n for _, n in VECTORS.values()), "key_v")  # fmt: skip


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def vector(terms: Iterable[str]) -> tuple[str, int]:
    """A ``tsvector`` literal of the terms in order (each with up to ``MAX_POSITIONS`` positions), and how many
    terms there were (the field's length, as Whoosh counts it)."""
    positions: dict[str, list[int]] = {}
    count = 0
    for count, term in enumerate(terms, 1):
        if not term or len(term.encode("utf-8")) > MAX_LEXEME_BYTES:
            continue
        seen = positions.setdefault(term, [])
        if len(seen) < MAX_POSITIONS:
            seen.append(min(count, MAX_POSITION))
    literal = " ".join(f"{_quote(t)}:{','.join(map(str, dict.fromkeys(p)))}" for t, p in positions.items())
    return literal, count


def tsquery_term(lexeme: str) -> str:
    """A ``tsquery`` literal that matches one lexeme as it is (no parsing, no stemming)."""
    return _quote(lexeme)


def row(fields: dict[str, Any]) -> dict[str, Any]:
    """The table row of a document's fields (``documents.to_fields``)."""
    values: dict[str, Any] = {
        "doc_id": fields["doc_id"],
        "version": fields["version"],
        **{c: fields.get(c, "") for c in CODES},
        "published": fields.get("published") == "1",
        "enterprise_ids": [int(v) for v in fields.get("enterprise_ids", "").split()],
        "expert_ids": [int(v) for v in fields.get("expert_ids", "").split()],
        "title": fields.get("title", ""),
        "url": fields.get("url", ""),
        "passages": fields.get("passages"),
    }
    for name, (column, length) in VECTORS.items():
        source = fields.get(name, "")
        terms = _PAIRS.index_terms(source) if name == "pairs" else _WORDS.index_terms(source)
        values[column], values[length] = vector(terms) if source else ("", 0)
        if name == "body":
            values["key_v"] = key_vector(terms)
    return values


def key_vector(terms: list[str]) -> str:
    """The ``KEY_WORDS`` most frequent words of a body (two characters or more), each with its count (up to
    ``MAX_POSITIONS``) as positions: what ts_rank reads of the body for a pre-ranking."""
    counts = Counter(t for t in terms if len(t) > 1)
    chosen = [t for t, _ in counts.most_common(KEY_WORDS)]
    return vector(t for word in chosen for t in [word] * min(counts[word], MAX_POSITIONS))[0]


# Document frequencies of the words (not of the word pairs: a phrase's pairs are few and rare, counted through
# their index). A count through a word's GIN index still visits every row holding it (GIN keeps no counts):
# 50-100 ms for a common word, 5.5 s for the key words of one review's "similar reviews" at province scale. So the
# lexicon keeps each word's count, exact after a rebuild (``pg_build``), and a trigger on the live table records
# each change as +1/-1 rows in an insert-only delta table (writers never wait on one another's counters), which
# ``fold`` sums into the lexicon now and then. A frequency is the lexicon's count plus its deltas.
COUNTED = {field: column for field, (column, _) in VECTORS.items() if field != "pairs"}
_DELTA_ROWS = "\n    UNION ALL ".join(
    f"SELECT '{field}', t, {sign} FROM unnest(tsvector_to_array({row}.{column})) AS t"
    for field, column in COUNTED.items()
    for row, sign in (("NEW", 1), ("OLD", -1))
)
COUNTING = [
    f"ALTER TABLE {LEXICON} ADD COLUMN IF NOT EXISTS df integer NOT NULL DEFAULT 0",
    f"CREATE TABLE IF NOT EXISTS {DELTA} (field text NOT NULL, term text NOT NULL, n integer NOT NULL)",
    f"CREATE INDEX IF NOT EXISTS {DELTA}_term ON {DELTA} (field, term)",
    f"""CREATE OR REPLACE FUNCTION {DELTA}_record() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- OLD is NULL on INSERT and NEW on DELETE (PostgreSQL 11 and later): their vectors add no rows.
  INSERT INTO {DELTA} (field, term, n)
  SELECT field, term, sum(n) FROM (
    {_DELTA_ROWS}
  ) AS x(field, term, n) GROUP BY field, term HAVING sum(n) <> 0;
  RETURN NULL;
END $$""",
    "DROP TRIGGER IF EXISTS {t}_df ON {t}",
    f"CREATE TRIGGER {{t}}_df AFTER INSERT OR UPDATE OR DELETE ON {{t}} FOR EACH ROW EXECUTE FUNCTION {DELTA}_record()",
]
FREQUENCIES = f"""
SELECT coalesce((SELECT df FROM {LEXICON} l WHERE l.field = a.field AND l.term = a.term), 0)
       + coalesce((SELECT sum(n) FROM {DELTA} d WHERE d.field = a.field AND d.term = a.term), 0)
FROM unnest(CAST(:fields AS text[]), CAST(:terms AS text[])) WITH ORDINALITY AS a(field, term, i) ORDER BY a.i
"""
# The deltas summed into the lexicon, by one process at a time (the others go on).
FOLD = f"""
WITH moved AS (DELETE FROM {DELTA} RETURNING field, term, n)
INSERT INTO {LEXICON} (field, term, df) SELECT field, term, sum(n) FROM moved GROUP BY field, term
ORDER BY field, term
ON CONFLICT (field, term) DO UPDATE SET df = {LEXICON}.df + EXCLUDED.df
"""
FOLD_LOCK = "hashtext(current_schema() || '.search_lexeme_delta')"

INSERT = "INSERT INTO {t} ({cols}) VALUES ({vals}) ON CONFLICT (doc_id) DO UPDATE SET {sets}"


def _insert_sql(table: str) -> str:
    casts = {v: "::tsvector" for v, _ in VECTORS.values()} | {"key_v": "::tsvector"}
    vals = ", ".join(f"CAST(:{c} AS tsvector)" if c in casts else f":{c}" for c in INSERT_COLUMNS)
    sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in INSERT_COLUMNS if c != "doc_id")
    return INSERT.format(t=table, cols=", ".join(INSERT_COLUMNS), vals=vals, sets=sets)


LEXICON_SQL = f"""
INSERT INTO {LEXICON} (field, term)
SELECT DISTINCT f, t FROM (VALUES {{values}}) AS v(f, vec), unnest(tsvector_to_array(CAST(vec AS tsvector))) AS t
ORDER BY f, t
ON CONFLICT DO NOTHING
"""


@dataclass(frozen=True)
class Store:
    """The search table's statements on a connection (the caller owns the transaction)."""

    table: str = TABLE

    def create(self, conn: Connection, *, indexes: bool = True) -> None:
        if conn.execute(text("SELECT to_regclass(:t) IS NULL"), {"t": self.table}).scalar():
            # (a table of an earlier layout is left as it is: outdated until a rebuild replaces it)
            conn.execute(text(f"CREATE TABLE {self.table} ({COLUMNS})"))
            for statement in NARROW:
                conn.execute(text(statement.format(t=self.table)))
        conn.execute(text(f"CREATE TABLE IF NOT EXISTS {LEXICON} (field text, term text, "
                          "df integer NOT NULL DEFAULT 0, PRIMARY KEY (field, term))"))  # fmt: skip
        conn.execute(text(f"CREATE TABLE IF NOT EXISTS {META} (key text PRIMARY KEY, value text NOT NULL)"))
        if indexes:
            self.index(conn)
        if self.table == TABLE:
            self.count(conn)

    def count(self, conn: Connection) -> None:
        """The live table's words counted from now on (``COUNTING``)."""
        for statement in COUNTING:
            conn.execute(text(statement.format(t=self.table)))

    def index(self, conn: Connection) -> None:
        for statement in INDEXES:
            conn.execute(text(statement.format(t=self.table)))

    def write(self, conn: Connection, rows: list[dict[str, Any]], *, lexicon: bool = True) -> None:
        if not rows:
            return
        conn.execute(text(_insert_sql(self.table)), rows)
        if lexicon:
            add_lexemes(conn, rows)

    def delete(self, conn: Connection, doc_ids: list[str]) -> int:
        found = conn.execute(text(f"DELETE FROM {self.table} WHERE doc_id = ANY(:ids)"), {"ids": doc_ids})
        return int(found.rowcount or 0)


def add_lexemes(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """The words of the short fields in the lexicon (one-character query words stand for the words containing
    them, ``query.Contains``); body words too, as Whoosh's lexicon has them."""
    params: dict[str, Any] = {}
    values = []
    for n, r in enumerate(rows):
        for field, (column, _) in VECTORS.items():
            if field != "pairs" and r[column]:
                params[f"f{n}_{column}"], params[f"v{n}_{column}"] = field, r[column]
                values.append(f"(:f{n}_{column}, :v{n}_{column})")
    if values:
        conn.execute(text(LEXICON_SQL.format(values=", ".join(values))), params)


def frequencies(conn: Connection, leaves: list[tuple[str, str]]) -> list[int]:
    """Document frequencies of (field, word) pairs of the counted fields, in order."""
    found = conn.execute(
        text(FREQUENCIES), {"fields": [f for f, _ in leaves], "terms": [t for _, t in leaves]}
    )
    counts: list[Any] = list(found.scalars())
    return [int(n) for n in counts]


def fold(conn: Connection) -> bool:
    """The deltas summed into the lexicon's counts; False when another process is folding them."""
    if not conn.execute(text(f"SELECT pg_try_advisory_xact_lock({FOLD_LOCK})")).scalar():
        return False
    conn.execute(text(FOLD))
    return True


def chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
