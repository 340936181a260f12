"""The files a searcher opened, still there for it after another process's commit deleted them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class PinnedFiles:
    """A segment's storage that still has the files ``open_columns`` opened after another process deleted them
    (Whoosh asks ``file_exists`` before each column read)."""

    def __init__(self, storage: Any, names: Iterable[str]) -> None:
        self.storage, self.names = storage, frozenset(names)

    def file_exists(self, name: str) -> bool:
        return name in self.names or bool(self.storage.file_exists(name))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.storage, name)
