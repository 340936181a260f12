"""The Whoosh schema: which fields are searched, which filter, which are stored for showing a hit."""

from __future__ import annotations

from collections import Counter
from typing import Any

from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema

from search_index.analysis import PairTokenizer, WordTokenizer
from search_index.whoosh_private import frequency_value

# Bump with any change below: an index with another version is reported outdated and rebuilt.
SCHEMA_VERSION = "3"

# Free text without a field prefix searches these; they store plain frequencies (no field_boost), the query
# weighs them (expansion.FIELD_WEIGHTS), so the weights are tuned without a rebuild.
TEXT_FIELDS = ("title", "units", "body")

# Single-valued codes: a filter and a facet each.
FACET_FIELDS = ("kind", "city", "category", "verdict", "conclusion", "year")


class WordsField(TEXT):  # type: ignore[misc]
    """TEXT without positions whose terms are counted straight from the tokenizer: the postings of Whoosh's
    Frequency format (weight = frequency × field boost, the frequency packed as the value) without a Token
    object per word, which cost a third of a rebuild."""

    def __init__(
        self, analyzer: WordTokenizer | PairTokenizer, field_boost: float = 1.0, **kwargs: Any
    ) -> None:
        super().__init__(analyzer=analyzer, phrase=False, field_boost=field_boost, **kwargs)

    def index(self, value: str, **kwargs: Any) -> list[tuple[bytes, int, float, bytes]]:
        boost = self.format.field_boost
        mode = kwargs.get("mode", "index")
        terms = (
            self.analyzer.index_terms(value)
            if mode == "index"
            else (t for t, _ in self.analyzer.terms(value, mode))
        )
        counts = Counter(terms)
        return [(term.encode("utf-8"), n, n * boost, frequency_value(n)) for term, n in counts.items()]


def build_schema() -> Schema:
    """Stored: only what a hit shows (doc_id, kind, title, url, city, category, date) and the passages that
    snippets are cut from. Positions are kept nowhere: phrases are answered by the pairs field."""
    short_text = WordTokenizer()
    return Schema(
        doc_id=ID(stored=True, unique=True, sortable=True),
        version=ID(sortable=True),
        kind=ID(stored=True),
        title=WordsField(short_text, stored=True),
        url=STORED(),
        city=ID(stored=True),
        district=ID(),
        place=WordsField(short_text),
        category=ID(stored=True),
        category_name=WordsField(short_text),
        verdict=ID(),
        conclusion=ID(),
        enterprise_ids=KEYWORD(),
        expert_ids=KEYWORD(),
        published=ID(),
        project_id=ID(),
        plan_key=ID(sortable=True),  # one hit per plan (folding.py): the plan a version belongs to
        plan_version=ID(sortable=True),
        year=ID(),
        date=ID(stored=True, sortable=True),
        units=WordsField(short_text),
        body=WordsField(WordTokenizer()),
        pairs=WordsField(PairTokenizer()),
        passages=STORED(),
    )


def is_current(schema: Schema) -> bool:
    """Whether an index on disk was built with this schema (same fields); else it needs a rebuild."""
    return sorted(schema.names()) == sorted(build_schema().names())
