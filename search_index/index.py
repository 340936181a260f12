"""The on-disk Whoosh index: opened lazily, created on first use, checked by /healthz."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from jieba.analyse import ChineseAnalyzer
from whoosh import index as whoosh_index
from whoosh.fields import ID, TEXT, Schema


def build_schema() -> Schema:
    """Documents are plain dicts made by the domain packages; the index knows no model."""
    analyzer = ChineseAnalyzer()
    return Schema(
        doc_id=ID(stored=True, unique=True),
        kind=ID(stored=True),
        title=TEXT(analyzer=analyzer, stored=True),
        body=TEXT(analyzer=analyzer),
    )


@dataclass(frozen=True)
class IndexHealth:
    ok: bool
    documents: int
    detail: str = ""


class SearchIndex:
    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self._index: whoosh_index.Index | None = None
        self._lock = threading.Lock()

    def open(self) -> whoosh_index.Index:
        with self._lock:
            if self._index is None:
                self.directory.mkdir(parents=True, exist_ok=True)
                if whoosh_index.exists_in(str(self.directory)):
                    self._index = whoosh_index.open_dir(str(self.directory))
                else:
                    self._index = whoosh_index.create_in(str(self.directory), build_schema())
            return self._index

    def health(self) -> IndexHealth:
        """Open the index and read from it; any failure is reported, not raised."""
        try:
            idx = self.open()
            with idx.searcher() as searcher:
                return IndexHealth(ok=True, documents=searcher.doc_count())
        except Exception as exc:  # noqa: BLE001 - a health check reports every failure
            return IndexHealth(ok=False, documents=0, detail=type(exc).__name__)
