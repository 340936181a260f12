"""More-like-this on the search table: a document's key terms (weighed as Whoosh's Bo1 model does, from the
lexicon's document frequencies) and the match of the documents like it."""

from __future__ import annotations

import math
from collections import Counter

from whoosh import query as wq

from search_index.analysis import words as analysed_words
from search_index.pg_query import Compiler, Stats
from search_index.pg_store import VECTORS
from search_index.query import Allowed
from search_index.view import KEY_TERMS


def likeness_query(stats: Stats, content: str) -> wq.Query | None:
    """Any of the text's key terms in a body, each weighed; None when it has none."""
    terms = key_terms(stats, content)
    return wq.Or([wq.Term("body", word, boost=weight) for word, weight in terms]) if terms else None


def likeness_where(compiler: Compiler, q: wq.Query, grant: Allowed, doc_id: str, category: str | None,
                   kind: str | None, before: str | None) -> str:  # fmt: skip
    """The documents matching ``q`` that the grant may see, of ``category`` and ``kind`` when given, dated on or
    before ``before`` when given, never ``doc_id`` itself."""
    sql = compiler.sql
    parts = [compiler.match(q), compiler.allowed(grant), f"d.doc_id <> {sql.bind(doc_id)}"]
    if category:
        parts.append(f"d.category = {sql.bind(category)}")
    if kind is not None:
        parts.append(f"d.kind = {sql.bind(kind)}")
    if before is not None:
        parts.append(f"d.date <> '' AND d.date <= {sql.bind(before)}")
    return " AND ".join(p for p in parts if p != "TRUE")


def key_terms(stats: Stats, content: str) -> list[tuple[str, float]]:
    counts = Counter(
        w for w, _, _ in analysed_words(content) if len(w) > 1 and not w.replace(".", "").isdigit()
    )
    candidates = [w for w, _ in counts.most_common(60)]
    column = VECTORS["body"][0]
    frequency = stats.frequencies([(column, w) for w in candidates])
    n = max(stats.doc_count, 1)
    weights = []
    for word in candidates:
        f = frequency[(column, word)] / n
        if f <= 0:
            continue
        weights.append((word, counts[word] * math.log2((1 + f) / f) + math.log2(1 + f)))
    weights.sort(key=lambda item: -item[1])
    return weights[:KEY_TERMS]
