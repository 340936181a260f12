"""Fixtures the search index tests share: an empty index per test and the labelled corpus per module."""

from __future__ import annotations

import pytest

from search_index.index import SearchIndex
from tests.integration.search_recall import DOCS


@pytest.fixture
def index(tmp_path) -> SearchIndex:
    return SearchIndex(tmp_path / "index", lock_timeout=0.2)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> SearchIndex:
    built = SearchIndex(tmp_path_factory.mktemp("corpus"))
    assert built.upsert(DOCS).ok
    return built
