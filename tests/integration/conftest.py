"""Fixtures the search tests share: an empty index per test and the labelled corpus per module, each on both
search backends (the Whoosh index, and the PostgreSQL search table when the suite runs on PostgreSQL). A test of
one backend's own internals is marked ``whoosh_only``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from search_index.backend import BACKENDS
from search_index.index import SearchIndex
from search_index.pg_index import PgSearchIndex
from tests.conftest import pg_options
from tests.integration.search_recall import DOCS


def _pg_index(request: pytest.FixtureRequest, suffix: str = "") -> PgSearchIndex:
    """A search table in the test database's schema, or (``suffix``) a schema of its own beside it, so a
    module's corpus and a test's empty index do not share tables."""
    if request.node.get_closest_marker("whoosh_only"):
        pytest.skip("a test of the Whoosh index's own internals")
    database = request.getfixturevalue("database")
    if not database.schema:
        pytest.skip(
            "the PostgreSQL search backend runs when the suite runs on PostgreSQL (TEST_DATABASE_URL)"
        )
    schema = database.schema + suffix
    engine = create_engine(database.url, **pg_options(schema))
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    built = PgSearchIndex(engine, lock_timeout=0.2)
    built.drop()
    return built


@pytest.fixture(params=BACKENDS)
def index(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[SearchIndex | PgSearchIndex]:
    if request.param == "whoosh":
        yield SearchIndex(tmp_path / "index", lock_timeout=0.2)
        return
    built = _pg_index(request)
    yield built
    built.drop()
    built.engine.dispose()


@pytest.fixture(scope="module", params=BACKENDS)
def corpus(request: pytest.FixtureRequest, tmp_path_factory: Any) -> Iterator[SearchIndex | PgSearchIndex]:
    built: SearchIndex | PgSearchIndex
    if request.param == "whoosh":
        built = SearchIndex(tmp_path_factory.mktemp("corpus"))
    else:
        built = _pg_index(request, "_corpus")
    assert built.upsert(DOCS).ok
    yield built
    if isinstance(built, PgSearchIndex):
        with built.engine.begin() as conn:
            schema = conn.execute(text("SELECT current_schema()")).scalar()
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))  # the module's own schema
        built.engine.dispose()
