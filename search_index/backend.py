"""What the application asks of a search backend: the Whoosh index (``index.SearchIndex``, the embedded default)
or the PostgreSQL search table (``pg_index.PgSearchIndex``, the default on PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

from search_index.documents import SearchDocument
from search_index.index import IndexCheck, IndexHealth, Progress, RebuildReport, WriteReport
from search_index.query import Allowed, Hit, SearchRequest, SearchResult

BACKENDS = ("whoosh", "postgres")


class SearchBackend(Protocol):
    def search(self, request: SearchRequest) -> SearchResult: ...

    def more_like_this(
        self, doc_id: str, *, same_category: bool = True, limit: int = 5, allowed: Allowed | str,
        kind: str | None = None, before: str | None = None,
    ) -> list[Hit]: ...  # fmt: skip

    def upsert(self, docs: Iterable[SearchDocument]) -> WriteReport: ...

    def delete(self, doc_ids: Iterable[str]) -> WriteReport: ...

    def rebuild(
        self, iter_docs: Iterable[SearchDocument], total: int | None = None, progress: Progress | None = None
    ) -> RebuildReport: ...

    def contains(self, doc_id: str) -> bool: ...

    def doc_count(self) -> int: ...

    def check(self, expected: Mapping[str, str]) -> IndexCheck: ...

    def health(self) -> IndexHealth: ...

    def warm(self) -> None: ...


def default_backend(database_url: str) -> str:
    """PostgreSQL serves search itself (every application node reads the same table); elsewhere the embedded
    Whoosh index under the instance folder."""
    return "postgres" if database_url.startswith("postgresql") else "whoosh"


def check_backend(name: str, database_url: str) -> str:
    """:raises ValueError: for an unknown backend, or the PostgreSQL one on another database."""
    if name not in BACKENDS:
        raise ValueError(f"SEARCH_BACKEND must be one of {', '.join(BACKENDS)}, not {name!r}")
    if name == "postgres" and not database_url.startswith("postgresql"):
        raise ValueError("SEARCH_BACKEND=postgres needs DATABASE_URL to be a PostgreSQL database")
    return name
