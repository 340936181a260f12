"""Fixtures in the flaskr manner: app, client, runner, session, and a database per test.

SQLite (default): the schema is built once into a template file, copied for each test.
PostgreSQL (TEST_DATABASE_URL): one schema per run, emptied after each test, dropped at the end.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from werkzeug.routing import Rule

import expert_pool.conflicts.models  # noqa: F401 - every table on the metadata
import expert_pool.draws.models  # noqa: F401
import expert_pool.experts.models  # noqa: F401
import expert_pool.integrity.models  # noqa: F401
import expert_pool.precedents.models  # noqa: F401
import expert_pool.precedents.stored_prechecks  # noqa: F401
import expert_pool.reviews.models  # noqa: F401
import expert_pool.reviews.rating_models  # noqa: F401
import expert_pool.supervision_report.models  # noqa: F401
import knowledge.accounts.models  # noqa: F401
import knowledge.audit  # noqa: F401
import knowledge.cranes.inspection_models  # noqa: F401
import knowledge.cranes.models  # noqa: F401
import knowledge.cranes.site_models  # noqa: F401
import knowledge.enterprises.models  # noqa: F401
import knowledge.outbox  # noqa: F401
import knowledge.plans.models  # noqa: F401
import knowledge.registry.models  # noqa: F401
import knowledge.settings  # noqa: F401
import knowledge.site.hazard_models  # noqa: F401
import knowledge.site.inspection_models  # noqa: F401
import knowledge.site.models  # noqa: F401
from expert_pool.draws import funnel
from knowledge.db import Base
from search_index.backend import default_backend
from webapp import create_app
from webapp.config import TestConfig
from webapp.extensions import db

PG_URL = os.environ.get("TEST_DATABASE_URL", "")

# Each test makes its own app, and Werkzeug compiles a URL builder for each of its ~300 rules with ``ast`` and
# ``compile`` (most of create_app's ~0.2 s). The builder's code depends only on the rule's text, its parsed trace,
# its defaults and ``append_unknown`` (it reaches the rule's converters through ``self`` at call time), so the
# suite compiles each once per process. Production makes one app per process and is untouched.
_BUILDERS: dict[tuple[Any, ...], Any] = {}
_compile_builder = Rule._compile_builder


def _cached_builder(self: Rule, append_unknown: bool = True) -> Any:
    key = (self.rule, self.subdomain, self.host, tuple(self._trace), repr(sorted((self.defaults or {}).items())),
           self.merge_slashes, append_unknown)  # fmt: skip
    if key not in _BUILDERS:
        _BUILDERS[key] = _compile_builder(self, append_unknown)
    return _BUILDERS[key]


Rule._compile_builder = _cached_builder  # type: ignore[method-assign]


@dataclass
class TestDatabase:
    url: str
    options: dict[str, Any] = field(default_factory=dict)
    schema: str = ""


def pg_options(schema: str) -> dict[str, Any]:
    return {"connect_args": {"options": f"-csearch_path={schema}"}}


@pytest.fixture(scope="session")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestDatabase]:
    if PG_URL:
        schema = f"test_{uuid.uuid4().hex[:12]}"
        admin = create_engine(PG_URL)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine = create_engine(PG_URL, **pg_options(schema))
        Base.metadata.create_all(engine)
        engine.dispose()
        try:
            yield TestDatabase(PG_URL, pg_options(schema), schema)
        finally:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
    else:
        template = tmp_path_factory.mktemp("db") / "template.db"
        engine = create_engine(f"sqlite:///{template}")
        Base.metadata.create_all(engine)
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        yield TestDatabase(str(template))


@pytest.fixture
def test_db(database: TestDatabase, tmp_path: Path) -> Iterator[TestDatabase]:
    """A database for one test: a fresh copy on SQLite, emptied tables afterwards on PostgreSQL."""
    if not database.schema:
        path = tmp_path / "test.db"
        shutil.copyfile(database.url, path)
        yield TestDatabase(f"sqlite:///{path}")
        return
    yield database
    engine = create_engine(database.url, **database.options)
    try:
        empty_tables(engine)
    finally:
        engine.dispose()
    funnel.forget()  # the next test's ids start again at 1 under the same address


SEARCH_TABLES = "search_document, search_document_build, search_lexeme, search_meta"  # search_index.pg_store


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With the apps searching on PostgreSQL (the default there, or TEST_SEARCH_BACKEND=postgres), tests of
    Whoosh's internals skip: they run on SQLite, where the apps search with Whoosh."""
    if (os.environ.get("TEST_SEARCH_BACKEND") or default_backend(PG_URL)) == "postgres":
        skip = pytest.mark.skip(reason="a test of the Whoosh index; the apps search on PostgreSQL")
        for item in items:
            if item.get_closest_marker("whoosh_only"):
                item.add_marker(skip)


def empty_tables(engine: Any) -> None:
    """Delete every row and restart the sequences: a test's rows are few, and DELETE on ~90 small tables takes tens
    of milliseconds where one TRUNCATE of them all takes seconds (each truncated table gets new files). The
    append-only triggers (audit log, draws, reports) are set aside for this session only, as a replica does
    (``session_replication_role``, a superuser's right); without that right it falls back to TRUNCATE."""
    try:
        with engine.begin() as conn:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())
            conn.execute(text(RESTART_SEQUENCES))
            conn.execute(
                text(f"DROP TABLE IF EXISTS {SEARCH_TABLES}")
            )  # an app's search table (PostgreSQL backend)
    except DBAPIError:
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


RESTART_SEQUENCES = """
SELECT setval(c.oid, 1, false) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'S' AND n.nspname = current_schema()
"""


@pytest.fixture
def app(test_db: TestDatabase, tmp_path: Path) -> Iterator[Flask]:
    app = create_app(
        TestConfig(tmp_path / "instance"),
        SQLALCHEMY_DATABASE_URI=test_db.url,
        SQLALCHEMY_ENGINE_OPTIONS=test_db.options,
        SEARCH_INDEX_DIR=str(tmp_path / "index"),
        UPLOAD_DIR=str(tmp_path / "uploads"),
    )
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """A plain session on the test's database, outside any request (requests get their own)."""
    with app.app_context():
        engine = db.engine
    s = Session(engine, expire_on_commit=False)
    yield s
    s.close()
