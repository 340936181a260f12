"""Read routing: lag-tolerant pages read the replica, other pages and a session that just wrote read the primary.

The "replica" is a second database holding different rows (a second file on SQLite, a second schema on
PostgreSQL), so which one a page read shows in what it lists.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from knowledge.accounts.models import Account, Role
from knowledge.db import Base
from knowledge.enterprises.models import Enterprise, EnterpriseType
from knowledge.regions import City
from tests import conftest
from tests.conftest import PG_URL, empty_tables, pg_options
from tests.factories import credit_code, login, make_account, make_enterprise
from webapp import create_app, replica
from webapp.config import TestConfig
from webapp.extensions import db

WINDOW = 10.0


@pytest.fixture(scope="module")
def replica_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[conftest.TestDatabase]:
    """An empty second database with the schema: its URL, and the options a writable test engine needs."""
    if not PG_URL:
        path = tmp_path_factory.mktemp("replica") / "replica.db"
        engine = sa.create_engine(f"sqlite:///{path}")
        Base.metadata.create_all(engine)
        engine.dispose()
        yield conftest.TestDatabase(f"sqlite:///{path}")
        return
    schema = f"replica_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine = sa.create_engine(PG_URL, **pg_options(schema))
    Base.metadata.create_all(engine)
    engine.dispose()
    url = sa.make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield conftest.TestDatabase(url.render_as_string(hide_password=False), pg_options(schema), schema)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def replica_db(replica_database: conftest.TestDatabase, tmp_path: Path) -> Iterator[conftest.TestDatabase]:
    if not replica_database.schema:
        path = tmp_path / "replica.db"
        shutil.copyfile(sa.make_url(replica_database.url).database or "", path)
        yield conftest.TestDatabase(f"sqlite:///{path}")
        return
    yield replica_database
    engine = sa.create_engine(replica_database.url)
    try:
        empty_tables(engine)
    finally:
        engine.dispose()


@pytest.fixture
def app(test_db: conftest.TestDatabase, replica_db: conftest.TestDatabase, tmp_path: Path) -> Iterator[Flask]:
    app = create_app(
        TestConfig(tmp_path / "instance"),
        SQLALCHEMY_DATABASE_URI=test_db.url,
        SQLALCHEMY_ENGINE_OPTIONS=test_db.options,
        DATABASE_REPLICA_URL=replica_db.url,
        REPLICA_AFTER_WRITE_SECONDS=WINDOW,
        SEARCH_INDEX_DIR=str(tmp_path / "index"),
        UPLOAD_DIR=str(tmp_path / "uploads"),
    )
    yield app
    with app.app_context():
        db.engine.dispose()
    app.extensions[replica.EXTENSION].dispose()


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The read-your-writes window's clock only (sign-in's idle checks keep the real one)."""
    fake = Clock()
    monkeypatch.setattr(replica, "time", fake)
    return fake


@pytest.fixture
def admin(session: Session, replica_db: conftest.TestDatabase) -> Account:
    """An admin on the primary, copied to the replica as streaming would have copied it."""
    account = make_account(session, Role.ADMIN)
    make_enterprise(session, name="主库里的单位")
    columns = {c.key: getattr(account, c.key) for c in sa.inspect(Account).column_attrs}
    engine = sa.create_engine(replica_db.url)
    with Session(engine) as copy:
        copy.add(Account(**columns))
        make_enterprise(copy, name="副本里的单位")
    engine.dispose()
    return account


def test_lag_tolerant_page_reads_the_replica_and_other_pages_the_primary(
    app: Flask, admin: Account, clock: Clock
) -> None:
    client = app.test_client()
    login(client, admin)
    clock.now += WINDOW + 1  # past the sign-in POST's window

    listed = client.get("/enterprises/").get_data(as_text=True)
    assert "副本里的单位" in listed and "主库里的单位" not in listed
    detail = client.get("/enterprises/1").get_data(as_text=True)
    assert "主库里的单位" in detail and "副本里的单位" not in detail


def test_a_session_that_wrote_reads_the_primary_for_the_window_then_the_replica_again(
    app: Flask, admin: Account, clock: Clock
) -> None:
    writer, other = app.test_client(), app.test_client()
    login(writer, admin)
    login(other, admin)
    clock.now += WINDOW + 1

    form = {"name": "刚登记的单位", "credit_code": credit_code(), "type": EnterpriseType.CONSTRUCTOR.value,
            "city": City.SUZHOU.value}  # fmt: skip
    assert writer.post("/enterprises/new", data=form).status_code == 302
    assert "刚登记的单位" in writer.get("/enterprises/").get_data(as_text=True)  # its own write, at once
    assert "副本里的单位" in other.get("/enterprises/").get_data(as_text=True)  # another session: the replica

    clock.now += WINDOW - 1
    assert "刚登记的单位" in writer.get("/enterprises/").get_data(as_text=True)
    clock.now += 2
    listed = writer.get("/enterprises/").get_data(as_text=True)
    assert "副本里的单位" in listed and "刚登记的单位" not in listed


def test_a_write_that_reaches_the_replica_engine_fails(app: Flask, admin: Account) -> None:
    engine: sa.Engine = app.extensions[replica.EXTENSION]
    with pytest.raises(sa.exc.DBAPIError), engine.begin() as conn:
        conn.execute(sa.update(Enterprise).values(name="不应写入"))
    with engine.connect() as conn:
        assert conn.scalar(sa.select(Enterprise.name)) == "副本里的单位"


def test_every_lag_tolerant_name_is_a_get_page(app: Flask) -> None:
    pages = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in (rule.methods or ())}
    assert replica.LAG_TOLERANT - pages == set()


def test_without_a_replica_every_page_reads_the_primary(
    test_db: conftest.TestDatabase, admin: Account, tmp_path: Path
) -> None:
    plain = create_app(
        TestConfig(tmp_path / "plain"),
        SQLALCHEMY_DATABASE_URI=test_db.url,
        SQLALCHEMY_ENGINE_OPTIONS=test_db.options,
        SEARCH_INDEX_DIR=str(tmp_path / "plain-index"),
        UPLOAD_DIR=str(tmp_path / "plain-uploads"),
    )
    client = plain.test_client()
    login(client, admin)
    assert "主库里的单位" in client.get("/enterprises/").get_data(as_text=True)
    assert replica.EXTENSION not in plain.extensions
    with plain.app_context():
        db.engine.dispose()


def test_the_search_table_is_read_where_the_page_reads(app: Flask, admin: Account, clock: Clock) -> None:
    """With the PostgreSQL search backend, the search page reads the replica's search table like its other reads,
    and a session that just wrote reads the primary's."""
    if not PG_URL:
        pytest.skip("the PostgreSQL search backend runs on PostgreSQL")
    from search_index.pg_index import PgSearchIndex
    from webapp.extensions import search_index

    app.config["SEARCH_BACKEND"] = "postgres"
    replica_url = app.config["DATABASE_REPLICA_URL"]
    for url, options, title in ((app.config["SQLALCHEMY_DATABASE_URI"], app.config["SQLALCHEMY_ENGINE_OPTIONS"],
                                 "主库里的深基坑方案"), (replica_url, {}, "副本里的深基坑方案")):  # fmt: skip
        writer = PgSearchIndex(sa.create_engine(url, **options))
        assert writer.upsert([{"doc_id": "plan:1", "kind": "plan", "title": title, "body": "深基坑 支护"}]).ok
        writer.engine.dispose()
    with app.app_context():
        assert isinstance(search_index(), PgSearchIndex)
    client = app.test_client()
    login(client, admin)
    clock.now += WINDOW + 1

    found = client.get("/search/?q=深基坑").get_data(as_text=True)
    assert "副本里的深基坑方案" in found and "主库里的深基坑方案" not in found
    form = {"name": "刚登记的单位", "credit_code": credit_code(), "type": EnterpriseType.CONSTRUCTOR.value,
            "city": City.SUZHOU.value}  # fmt: skip
    assert client.post("/enterprises/new", data=form).status_code == 302
    found = client.get("/search/?q=深基坑").get_data(as_text=True)
    assert "主库里的深基坑方案" in found and "副本里的深基坑方案" not in found
