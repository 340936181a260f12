"""With the PostgreSQL search backend, a transaction's outbox rows are applied to the search table in that same
transaction, just before it commits: the change and its search document become visible together, on every node,
with no writer to run. The rows are marked done in the same commit.

What is not applied here stays pending for ``flask search worker`` (or the web process's writer thread), exactly
as with Whoosh: more than ``INLINE_MAX`` documents in one transaction (a bulk import), a document its builder
cannot make, a rebuild in progress (it holds the writers' lock), or any database error in the search write, which
is rolled back to a savepoint so the user's own change still commits.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from expert_pool.reviews.search_docs import CATALOGUE
from knowledge import outbox
from knowledge.db import utcnow
from search_index.documents import to_fields
from search_index.pg_index import PgSearchIndex
from search_index.pg_store import LOCK_KEY, Store, row
from webapp.extensions import search_index
from webapp.replica import RoutingSession
from webapp.search.worker import beyond_registry

INLINE_MAX = 200
ROWS = "search_outbox_rows"
logger = logging.getLogger(__name__)


def _active() -> bool:
    return has_app_context() and current_app.config.get("SEARCH_BACKEND") == "postgres"


@event.listens_for(RoutingSession, "before_flush")
def _collect(session: Session, flush_context: Any, instances: Any) -> None:
    if _active():
        rows = [o for o in session.new if isinstance(o, outbox.SearchOutbox)]
        if rows:
            session.info.setdefault(ROWS, []).extend(rows)


@event.listens_for(RoutingSession, "after_soft_rollback")
def _forget(session: Session, previous_transaction: Any) -> None:
    session.info.pop(ROWS, None)


@event.listens_for(RoutingSession, "before_commit")
def _apply(session: Session) -> None:
    if not _active():
        return
    session.flush()
    rows = [r for r in session.info.pop(ROWS, []) if r.id is not None and r.done_at is None]
    if not rows or len({r.doc_id for r in rows}) > INLINE_MAX:
        return
    try:
        with session.begin_nested():
            apply_rows(session, rows)
    except SQLAlchemyError:  # the search write only: the change commits, its rows wait for the writer
        logger.warning("search rows left for the writer", exc_info=True)


def apply_rows(session: Session, rows: list[outbox.SearchOutbox]) -> None:
    """Write the documents of ``rows`` (the newest action of each) and mark the rows done; a rebuild in progress
    (the writers' lock held) leaves them pending."""
    conn = session.connection()
    if not conn.execute(text(f"SELECT pg_try_advisory_xact_lock_shared({LOCK_KEY})")).scalar():
        return
    if conn.execute(text("SELECT to_regclass('search_document') IS NULL")).scalar():
        return  # no search table yet: the first search or rebuild makes it, the writer applies the rows
    last: dict[str, str] = {}
    for r in sorted(rows, key=lambda r: r.id):
        last[r.doc_id] = r.action
    for doc_id in beyond_registry(session, last):
        last.setdefault(doc_id, outbox.OutboxAction.UPSERT)
    written: list[dict[str, Any]] = []
    deletes: list[str] = []
    done: list[int] = []
    for doc_id, action in last.items():
        try:
            doc = None if action == outbox.OutboxAction.DELETE else CATALOGUE.document_for(session, doc_id)
            fields = None if doc is None else row(to_fields(doc))
        except SQLAlchemyError:
            raise
        except Exception:  # noqa: BLE001 - a document its builder cannot make: its rows wait for the writer
            logger.warning("search document %s left for the writer", doc_id, exc_info=True)
            continue
        if fields is None:
            deletes.append(doc_id)
        else:
            written.append(fields)
        done.extend(r.id for r in rows if r.doc_id == doc_id)
    store = Store()
    store.write(conn, written)
    if deletes:
        store.delete(conn, deletes)
    outbox.mark_done(session, done, now=utcnow())
    index = search_index()
    if isinstance(index, PgSearchIndex):
        index.changed()
