"""The queries of ``query.parse_query`` as SQL over the search table: what matches, and its score.

The same query objects as the Whoosh backend (one parser, one analysis); here each is written as SQL:

- a word in a text field is ``field_v @@ 'word'`` (a GIN lookup of one lexeme: exact, no recheck), the words of
  one field in an OR one ``tsquery`` (``'a' | 'b'``); a code field (city, category, year…) a column comparison;
- the score follows ``ranking.score``: an Or or an And adds its parts up (an And only where it matches), a
  ``BestOf`` takes the best, an ``AndMaybe`` adds its second part; a word scores ``boost × idf × tf × norm`` with
  the same ``ranking.idf`` (floored) from the word's document frequency, ``ts_rank`` of the word alone as its
  saturating term frequency, and BM25's length normalisation from the field's length.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from whoosh import query as wq

from search_index.expansion import Contains
from search_index.pg_store import CODES, VECTORS, tsquery_term
from search_index.postings import B
from search_index.query import Allowed, Filters
from search_index.ranking import BestOf, idf

Leaf = tuple[str, str]  # (vector column, lexeme)
# What the scoring needs of the index: documents, document frequencies, average field lengths, and the words of
# a field that hold one character (``Contains``).
Frequencies = Callable[[Sequence[Leaf]], dict[Leaf, int]]


@dataclass
class Stats:
    doc_count: int
    frequencies: Frequencies
    avg_length: Callable[[str], float]
    containing: Callable[[str, str], list[str]]


@dataclass
class SqlQuery:
    """Bound parameters shared by the fragments of one statement."""

    params: dict[str, Any] = field(default_factory=dict)

    def bind(self, value: Any) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f":{name}"


class Compiler:
    """Renders one parsed query (and the request's grants and filters) against a statement's parameters."""

    def __init__(self, stats: Stats, sql: SqlQuery) -> None:
        self.stats = stats
        self.sql = sql
        self.columns: set[str] = set()  # the vectors the score reads
        # Whether the match holds a word that the GIN indexes find (then never read by testing every row: see
        # ``pg_index.BY_INDEX``); a word under NOT does not count.
        self.indexed = False
        self._negated = False
        self._df: dict[Leaf, int] = {}
        self._approximate, self._alias = False, "v"

    # ---- matching

    def match(self, q: wq.Query, alias: str = "d") -> str:
        if isinstance(q, wq.Every):
            return "TRUE"
        if q is wq.NullQuery or isinstance(q, wq.NullQuery.__class__):
            return "FALSE"
        if isinstance(q, wq.Not):
            negated, self._negated = self._negated, True
            try:
                return f"NOT ({self.match(q.query, alias)})"
            finally:
                self._negated = negated
        if isinstance(q, wq.AndMaybe):
            return self.match(q.a, alias)
        if isinstance(q, wq.And):
            return "(" + " AND ".join(self.match(c, alias) for c in q.subqueries) + ")"
        if isinstance(q, wq.Or | BestOf):
            return self._any(q.subqueries, alias)
        if isinstance(q, Contains):
            return self._vector_match(q.fieldname, self.words(q), alias)
        if isinstance(q, wq.Term):
            return self._term(q.fieldname, q.text, alias)
        raise TypeError(f"no SQL for {q!r}")

    def _any(self, parts: Sequence[wq.Query], alias: str) -> str:
        """An OR: the words of one field in one ``tsquery`` (one index scan per field), through nested ORs."""
        by_field: dict[str, list[str]] = {}
        others: list[str] = []
        pending = list(parts)
        while pending:
            part = pending.pop(0)
            if isinstance(part, wq.Or | BestOf):
                pending.extend(part.subqueries)
            elif isinstance(part, Contains):
                by_field.setdefault(part.fieldname, []).extend(self.words(part))
            elif isinstance(part, wq.Term) and part.fieldname in VECTORS:
                by_field.setdefault(part.fieldname, []).append(_text(part.text))
            else:
                others.append(self.match(part, alias))
        found = [self._vector_match(f, words, alias) for f, words in by_field.items()] + others
        return "(" + " OR ".join(found) + ")" if found else "FALSE"

    def _vector_match(self, fieldname: str, words: Sequence[str], alias: str) -> str:
        if not words:
            return "FALSE"
        column = VECTORS[fieldname][0]
        if alias == "v":  # a match inside a score reads the scored documents' copies
            self.columns.add(fieldname)
        elif not self._negated:
            self.indexed = True
        literal = " | ".join(tsquery_term(w) for w in dict.fromkeys(words))
        return f"{alias}.{column} @@ CAST({self.sql.bind(literal)} AS tsquery)"

    def _term(self, fieldname: str, value: Any, alias: str) -> str:
        word = _text(value)
        if fieldname in VECTORS:
            return self._vector_match(fieldname, [word], alias)
        if fieldname in CODES:
            return f"{alias}.{fieldname} = {self.sql.bind(word)}"
        raise TypeError(f"no column for field {fieldname}")

    def words(self, q: Contains) -> list[str]:
        return self.stats.containing(q.fieldname, q.text)

    def where(self, q: wq.Query, allowed: Allowed, filters: Filters, alias: str = "d") -> str:
        parts = [self.match(q, alias), self.allowed(allowed, alias), *self.filters(filters, alias)]
        return " AND ".join(p for p in parts if p != "TRUE") or "TRUE"

    def allowed(self, grant: Allowed, alias: str = "d") -> str:
        if grant.everything:
            return "TRUE"
        bind, found = self.sql.bind, []
        if grant.cities:
            found.append(f"{alias}.city = ANY({bind(sorted(grant.cities))})")
        if grant.enterprise_ids:
            found.append(f"{alias}.enterprise_ids && CAST({bind(sorted(grant.enterprise_ids))} AS integer[])")
        if grant.expert_ids:
            found.append(f"{alias}.expert_ids && CAST({bind(sorted(grant.expert_ids))} AS integer[])")
        if grant.published:
            found.append(f"{alias}.published")
        if grant.doc_ids:
            found.append(f"{alias}.doc_id = ANY({bind(sorted(grant.doc_ids))})")
        return "(" + " OR ".join(found) + ")" if found else "FALSE"

    def filters(self, filters: Filters, alias: str = "d") -> list[str]:
        found = []
        for name, value in filters.terms():
            if name == "enterprise_ids":
                found.append(f"{self.sql.bind(int(value))} = ANY({alias}.enterprise_ids)")
            else:
                found.append(f"{alias}.{name} = {self.sql.bind(value)}")
        return found

    # ---- scoring

    def prepare(self, q: wq.Query) -> None:
        """Read the document frequencies of every word the query scores, in one round trip."""
        leaves = [leaf for leaf in self._leaves(q) if leaf not in self._df]
        if leaves:
            self._df.update(self.stats.frequencies(leaves))

    def _leaves(self, q: wq.Query) -> list[Leaf]:
        if isinstance(q, Contains):
            return [(VECTORS[q.fieldname][0], w) for w in self.words(q)]
        if isinstance(q, wq.Term):
            return [(VECTORS[q.fieldname][0], _text(q.text))] if q.fieldname in VECTORS else []
        if isinstance(q, wq.Not):
            return []
        if isinstance(q, wq.CompoundQuery | wq.BinaryQuery):
            return [leaf for c in q.subqueries for leaf in self._leaves(c)]
        return []

    def score(self, q: wq.Query, top: bool = True) -> str:
        """The SQL score of the documents of alias ``v`` (whose vectors are plain copies: see ``ranked``)."""
        self._approximate = False
        return self._score(q, top) or "CAST(0 AS float8)"

    def pre_score(self, q: wq.Query, alias: str) -> str:
        """The score read from the row alone (alias ``alias``): the body's words from its key vector (its most
        frequent words), no word pairs, an And nested in an Or counted as if it matched. It chooses the documents
        that ``score`` then ranks exactly."""
        self._approximate, self._alias = True, alias
        try:
            return self._score(q, True) or "CAST(0 AS float8)"
        finally:
            self._approximate, self._alias = False, "v"

    def _score(self, q: wq.Query, top: bool) -> str | None:
        if self._approximate and isinstance(q, Contains | BestOf):
            return self._grouped(q)
        if isinstance(q, Contains):
            return _greatest([self._word(q.fieldname, w, q.boost) for w in self.words(q)])
        if isinstance(q, wq.Term):
            return self._word(q.fieldname, _text(q.text), q.boost) if q.fieldname in VECTORS else None
        if isinstance(q, wq.AndMaybe):
            return _sum([self._score(q.a, top), self._score(q.b, False)])
        if isinstance(q, wq.And):
            summed = _sum(
                [self._score(c, False) for c in q.subqueries if not isinstance(c, wq.Not | wq.Every)]
            )
            if summed is None or top or self._approximate:
                return summed
            return f"CASE WHEN {self.match(q, 'v')} THEN {summed} ELSE 0 END"
        if isinstance(q, BestOf):
            return _greatest([self._score(c, False) for c in q.subqueries])
        if isinstance(q, wq.Or):
            return _sum([self._score(c, False) for c in q.subqueries])
        return None

    def _grouped(self, q: wq.Query) -> str | None:
        """A pre-score of the spellings of one word (or a character's words): one ts_rank per field of all of
        them at once, weighed by the best of their weights, instead of one per spelling and field."""
        groups: dict[str, tuple[list[str], float]] = {}
        pending: list[wq.Query] = [q]
        while pending:
            part = pending.pop()
            if isinstance(part, Contains):
                pending.extend(wq.Term(part.fieldname, w, boost=part.boost) for w in self.words(part))
            elif isinstance(part, wq.Term) and part.fieldname in VECTORS and part.fieldname != "pairs":
                word = _text(part.text)
                df = self._df.get((VECTORS[part.fieldname][0], word), 0)
                if df:
                    words, best = groups.get(part.fieldname, ([], 0.0))
                    groups[part.fieldname] = (
                        [*words, word],
                        max(best, part.boost * idf(max(self.stats.doc_count, df), df)),
                    )
            elif isinstance(part, wq.CompoundQuery | wq.BinaryQuery):
                pending.extend(c for c in part.subqueries if not isinstance(c, wq.Not))
        found = []
        for fieldname, (words, weight) in groups.items():
            column, length = VECTORS[fieldname]
            column = "key_v" if fieldname == "body" else column
            avg = self.stats.avg_length(fieldname) or 1.0
            term = self.sql.bind(" | ".join(tsquery_term(w) for w in dict.fromkeys(words)))
            found.append(f"({weight:.6g} * ts_rank('{{1,1,1,1}}', {self._alias}.{column}, CAST({term} AS tsquery), 0)"
                         f" / ({1 - B:.6g} + {B / avg:.6g} * {self._alias}.{length}))")  # fmt: skip
        return _sum(found)

    def _word(self, fieldname: str, word: str, boost: float) -> str | None:
        column, length = VECTORS[fieldname]
        df = self._df.get((column, word), 0)
        if not df:
            return None
        alias = "v"
        if self._approximate:
            if fieldname == "pairs":
                return None
            column, alias = ("key_v" if fieldname == "body" else column), self._alias
        else:
            self.columns.add(fieldname)
        weight = boost * idf(max(self.stats.doc_count, df), df)  # counts read at different moments
        avg = self.stats.avg_length(fieldname) or 1.0
        term = self.sql.bind(tsquery_term(word))
        return (f"({weight:.6g} * ts_rank('{{1,1,1,1}}', {alias}.{column}, CAST({term} AS tsquery), 0)"
                f" / ({1 - B:.6g} + {B / avg:.6g} * {alias}.{length}))")  # fmt: skip


def _text(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _sum(parts: Sequence[str | None]) -> str | None:
    found = [p for p in parts if p]
    return None if not found else found[0] if len(found) == 1 else "(" + " + ".join(found) + ")"


def _greatest(parts: Sequence[str | None]) -> str | None:
    found = [p for p in parts if p]
    return None if not found else found[0] if len(found) == 1 else "GREATEST(" + ", ".join(found) + ")"
