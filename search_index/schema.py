"""The Whoosh schema: which fields are searched, which filter, which are stored for showing a hit."""

from __future__ import annotations

from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema

from search_index.analysis import CharTokenizer, PairTokenizer, WordTokenizer

# Bump with any change below: an index with another version is reported outdated and rebuilt.
SCHEMA_VERSION = "1"

# Free text without a field prefix searches these; BM25F weighs them by their field_boost.
TEXT_FIELDS = ("title", "units", "body")
# One-character words are looked up here instead: body has no single characters (see analysis.CharTokenizer).
CHAR_FIELDS = ("title", "units", "chars")

# Single-valued codes: a filter and a facet each.
FACET_FIELDS = ("kind", "city", "category", "verdict", "conclusion", "year")


def build_schema() -> Schema:
    """Stored: only what a hit shows (doc_id, kind, title, url, city, category, date) and the passages that
    snippets are cut from. Positions are kept nowhere: phrases are answered by the pairs field."""
    short_text = WordTokenizer(unigrams=True)
    return Schema(
        doc_id=ID(stored=True, unique=True, sortable=True),
        version=ID(sortable=True),
        kind=ID(stored=True),
        title=TEXT(analyzer=short_text, phrase=False, stored=True, field_boost=3.0),
        url=STORED(),
        city=ID(stored=True),
        district=ID(),
        place=TEXT(analyzer=short_text, phrase=False),
        category=ID(stored=True),
        category_name=TEXT(analyzer=short_text, phrase=False),
        verdict=ID(),
        conclusion=ID(),
        enterprise_ids=KEYWORD(),
        expert_ids=KEYWORD(),
        published=ID(),
        project_id=ID(),
        year=ID(),
        date=ID(stored=True, sortable=True),
        units=TEXT(analyzer=short_text, phrase=False, field_boost=1.5),
        body=TEXT(analyzer=WordTokenizer(), phrase=False),
        chars=TEXT(analyzer=CharTokenizer(), phrase=False, field_boost=0.5),
        pairs=TEXT(analyzer=PairTokenizer(), phrase=False),
        passages=STORED(),
    )


def is_current(schema: Schema) -> bool:
    """Whether an index on disk was built with this schema (same fields); else it needs a rebuild."""
    return sorted(schema.names()) == sorted(build_schema().names())
