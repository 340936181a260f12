"""The one writer of the search index: applies the outbox under an OS file lock, from a CLI loop, cron or a
thread of the web process.

Several processes may try at once (every web process of ``make run``-style deployments, a cron job, a
``flask search worker``): the lock file under the instance folder lets one through and the others skip
their turn, so Whoosh's own write lock is never contended and nobody sees a lock error. The outbox rows are
marked done only after the index write succeeded; whatever dies in between, the next pass does it again.
"""

from __future__ import annotations

import fcntl
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from expert_pool.reviews.search_docs import BEYOND_REGISTRY, CATALOGUE
from knowledge import outbox, search_docs
from knowledge.db import utcnow
from knowledge.registry.models import Work
from search_index.analysis import warm_up
from search_index.backend import SearchBackend
from search_index.documents import DocumentError, to_fields
from search_index.index import WriteReport
from search_index.pg_index import PgSearchIndex
from webapp.extensions import db, search_index

LOCK_NAME = "search-writer.lock"
BATCH = 200
DEFAULT_INTERVAL = 2.0
KEEP_DONE = timedelta(days=7)
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DrainReport:
    applied: int = 0
    failed: int = 0


def lock_path(app: Flask) -> Path:
    return Path(app.instance_path) / LOCK_NAME


@contextmanager
def writer_lock(path: Path, *, wait: float = 0.0) -> Iterator[bool]:
    """Hold the writer lock, waiting up to ``wait`` seconds; yields False when another holder keeps it.

    ``flock`` locks belong to the open file, so two threads of one process exclude each other too, and the
    operating system releases the lock of a process that dies."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                acquired = True
            except BlockingIOError:
                acquired = False
            if acquired or time.monotonic() >= deadline:
                break
            time.sleep(0.05)
        try:
            yield acquired
        finally:
            if acquired:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _outcome(ids: list[str], write: WriteReport | BaseException) -> dict[str, tuple[str, bool] | None]:
    """doc_id -> None when written, else (error, whether it counts as an attempt against the documents).

    A busy or failing index (lock, disk, outdated schema) is no fault of the documents: their rows wait, however
    long, and are never set aside for it. The documents were converted before, so a bad one cannot get here."""
    if isinstance(write, BaseException):
        return dict.fromkeys(ids, (_error(write), isinstance(write, DocumentError)))
    return dict.fromkeys(ids, None if write.ok else (write.detail, False))


def _write(
    index: SearchBackend, docs: list[search_docs.Document], deletes: list[str]
) -> dict[str, tuple[str, bool] | None]:
    outcome: dict[str, tuple[str, bool] | None] = {}
    for ids, is_delete in (([d["doc_id"] for d in docs], False), (deletes, True)):
        if not ids:
            continue
        try:
            result: WriteReport | BaseException = index.delete(ids) if is_delete else index.upsert(docs)
        except Exception as exc:  # noqa: BLE001 - recorded on the rows; the next pass tries again
            result = exc
        outcome.update(_outcome(ids, result))
    return outcome


def beyond_registry(session: Session, last_action: dict[str, str]) -> list[str]:
    """Documents of kinds the registry's services cannot queue (review conclusions) that repeat facts of the works
    changed in this batch: written with them, so a reclassified work's reviews show its new verdict."""
    works = [int(key) for doc_id, action in last_action.items() if action != outbox.OutboxAction.DELETE
             for kind, _, key in [doc_id.partition(":")] if kind == "work" and key.isdigit()]  # fmt: skip
    if not works:
        return []
    return BEYOND_REGISTRY.doc_ids_for_works(session, select(Work.id).where(Work.id.in_(works)))


def _apply_batch(session: Session, index: SearchBackend, limit: int, after_id: int) -> tuple[int, int, int]:
    rows = outbox.pending(session, limit, after_id=after_id)
    if not rows:
        session.rollback()
        return 0, 0, after_id
    row_ids: dict[str, list[int]] = {}
    last_action: dict[str, str] = {}
    for row in rows:  # oldest first: the newest action of a document wins
        row_ids.setdefault(row.doc_id, []).append(row.id)
        last_action[row.doc_id] = row.action
    last_id = rows[-1].id
    for doc_id in beyond_registry(session, last_action):
        last_action.setdefault(doc_id, outbox.OutboxAction.UPSERT)
        row_ids.setdefault(doc_id, [])
    docs: list[search_docs.Document] = []
    deletes: list[str] = []
    outcome: dict[str, tuple[str, bool] | None] = {}
    for doc_id, action in last_action.items():
        try:
            doc = None if action == outbox.OutboxAction.DELETE else CATALOGUE.document_for(session, doc_id)
            if doc is not None:
                to_fields(doc)  # the index's own conversion: a bad document fails here, alone
        except SQLAlchemyError:
            raise  # the database, not the document: the whole pass fails and the rows wait untouched
        except Exception as exc:  # noqa: BLE001 - one document its builder cannot make must not hold back the rest
            logger.warning("search outbox: cannot build %s: %s", doc_id, exc)
            outcome[doc_id] = (_error(exc), True)
            continue
        if doc is None:
            deletes.append(doc_id)
        else:
            docs.append(doc)
    # End the read transaction before the index write, which may wait seconds for Whoosh: no transaction
    # stays open meanwhile, and the marks below start a short write transaction of their own.
    session.rollback()
    outcome.update(_write(index, docs, deletes))
    done = [i for doc_id, result in outcome.items() if result is None for i in row_ids[doc_id]]
    outbox.mark_done(session, done, now=utcnow())
    failures: dict[tuple[str, bool], list[int]] = {}
    for doc_id, result in outcome.items():
        if result is not None:
            failures.setdefault(result, []).extend(row_ids[doc_id])
    for (error, counts), ids in failures.items():
        outbox.mark_failed(session, ids, error, counts=counts)
    session.commit()
    return len(done), len(rows) - len(done), last_id


def apply_outbox(session: Session, index: SearchBackend, limit: int = BATCH) -> tuple[int, int]:
    """Apply up to ``limit`` pending rows: (rows applied, rows failed). Each document is built from the
    database as it is now, so several rows of one document make one write. Rolls back whatever the session
    held; the caller must hold the writer lock (or be a test that is the only writer)."""
    applied, failed, _ = _apply_batch(session, index, limit, 0)
    return applied, failed


def drain(session: Session, index: SearchBackend, *, batch: int = BATCH) -> DrainReport:
    """Apply every pending row, batch by batch; a failing row is tried once per drain."""
    applied = failed = last_id = 0
    while True:
        done, bad, last_id = _apply_batch(session, index, batch, last_id)
        applied, failed = applied + done, failed + bad
        if done + bad < batch or (bad and not done):
            return DrainReport(applied, failed)


def write_pending(
    session: Session, index: SearchBackend, path: Path, *, wait: float = 0.0
) -> DrainReport | None:
    """One writer pass under the lock; None when another writer holds it (that one does the work)."""
    with writer_lock(path, wait=wait) as acquired:
        if not acquired:
            return None
        report = drain(session, index)
        if report.applied:  # an idle pass writes nothing to the database
            outbox.purge_done(session, before=utcnow() - KEEP_DONE)
            session.commit()
        if isinstance(index, PgSearchIndex):  # the words' counts of the writes since (inline ones too)
            index.fold()
        return report


class BackgroundWriter:
    """A daemon thread that runs a writer pass every ``interval`` seconds until stopped."""

    def __init__(self, app: Flask, interval: float) -> None:
        with app.app_context():
            self.engine = db.engine
            self.index = search_index()
        self.path = lock_path(app)
        self.interval = interval
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="search-writer", daemon=True)

    def _run(self) -> None:
        warm_up()
        while not self._stop.is_set():
            try:
                with Session(self.engine) as session:
                    report = write_pending(session, self.index, self.path)
                if report and report.failed:
                    logger.warning("search writer: %d applied, %d failed", report.applied, report.failed)
                # This process's searches then find the facet values read (a new segment's only, after a write).
                self.index.warm()
            except Exception:  # noqa: BLE001 - the thread outlives a database restart; the rows wait
                logger.exception("search writer pass failed")
            self._stop.wait(self.interval)

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self.thread.join(timeout)


def warm_on_first_request(app: Flask) -> None:
    """After the process's first request, read in a daemon thread what its first search would: jieba's
    dictionary and the index's facet values (not at start-up: CLI commands build the app too)."""
    started = threading.Event()

    def warm() -> None:
        warm_up()
        try:
            with app.app_context():
                search_index().warm()
        except Exception:  # noqa: BLE001 - no index yet, or one being rebuilt: the first search reads it
            logger.info("search index not warmed", exc_info=True)

    @app.before_request
    def start_warming() -> None:
        if not started.is_set():
            started.set()
            threading.Thread(target=warm, name="search-warm", daemon=True).start()


def start_background_writer(app: Flask, interval: float | None = None) -> BackgroundWriter:
    """Start the writer thread of this web process (``make run``); other processes doing the same just skip
    the passes while one holds the lock."""
    writer = BackgroundWriter(
        app, interval or float(app.config.get("SEARCH_WRITER_INTERVAL", DEFAULT_INTERVAL))
    )
    app.extensions["search_writer"] = writer
    writer.thread.start()
    return writer
