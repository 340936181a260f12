"""With the PostgreSQL search backend a change is searchable when its transaction commits (issue 24): the outbox
rows of a request's session are applied to the search table inside that transaction and marked done; a rollback
writes nothing; a rebuild in progress leaves them for the writer; and the change itself always commits."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select, text

from knowledge import outbox
from knowledge.registry.models import Work
from search_index.documents import make_doc_id
from search_index.pg_index import PgSearchIndex
from search_index.pg_store import LOCK_KEY
from search_index.query import Allowed, SearchRequest
from tests.factories import make_project, make_work
from webapp.extensions import db, search_index


@pytest.fixture
def pg_app(app: Flask) -> Iterator[Flask]:
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("the PostgreSQL search backend runs on PostgreSQL (TEST_DATABASE_URL)")
    app.config["SEARCH_BACKEND"] = "postgres"
    with app.app_context():
        index = search_index()
        assert isinstance(index, PgSearchIndex)
        index.drop()
        index.ensure()
    yield app


def _work(name: str) -> Work:
    project = make_project(db.session)
    work = make_work(db.session, project, name=name)
    outbox.record(db.session, make_doc_id("work", work.id))
    return work


def _found(q: str) -> set[str]:
    result = search_index().search(SearchRequest(allowed=Allowed.all(), q=q))
    return {hit.doc_id for hit in result.hits}


def _pending() -> list[str]:
    rows = db.session.scalars(select(outbox.SearchOutbox).where(outbox.SearchOutbox.done_at.is_(None)))
    return [r.doc_id for r in rows]


def test_a_change_is_found_when_its_transaction_commits(pg_app):
    with pg_app.test_request_context():
        work = _work("地铁站深基坑降水工程")
        db.session.commit()
        assert make_doc_id("work", work.id) in _found("深基坑 降水")
        assert _pending() == []  # the row was applied and marked done in the same commit


def test_a_rolled_back_change_writes_nothing(pg_app):
    with pg_app.test_request_context():
        work = make_work(
            db.session, make_project(db.session), name="落地式脚手架工程"
        )  # committed, not indexed
        outbox.record(db.session, make_doc_id("work", work.id))
        work.name = "吊篮安装工程"
        db.session.flush()
        db.session.rollback()
        assert _found("吊篮") == set() and _found("脚手架") == set() and _pending() == []


def test_a_rebuild_in_progress_leaves_the_rows_for_the_writer(pg_app):
    with pg_app.test_request_context():
        with db.engine.connect() as holder:
            holder.execute(text(f"SELECT pg_advisory_lock({LOCK_KEY})"))  # as a rebuild holds it
            try:
                work = _work("塔式起重机基础工程")
                db.session.commit()  # the change commits; its document waits
            finally:
                holder.execute(text(f"SELECT pg_advisory_unlock({LOCK_KEY})"))
                holder.commit()
        doc_id = make_doc_id("work", work.id)
        assert _found("塔式起重机") == set() and _pending() == [doc_id]
        assert pg_app.test_cli_runner().invoke(args=["search", "worker", "--once"]).exit_code == 0
        assert _found("塔式起重机") == {doc_id}
