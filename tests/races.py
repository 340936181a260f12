"""Widening a race window in a test: the interleaving that a loaded server produces now and then, every time."""

import threading
import time
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

from webapp.extensions import db


def linger_after_flush(session: Session, seconds: float = 0.3) -> None:
    """Each flush of ``session`` waits ``seconds`` once written, holding what it wrote (its locks) uncommitted,
    so that parallel transactions all reach the statement after their insert before any of them commits."""
    event.listen(session, "after_flush", lambda *_: time.sleep(seconds))


def parallel(app, n: int, run: Callable[[Session, int], object]) -> list[object]:
    """Run ``run(own_session, i)`` in ``n`` threads released together; each result or exception in a list."""
    with app.app_context():
        engine = db.engine
    barrier = threading.Barrier(n)
    results: list[object] = []

    def worker(i: int) -> None:
        with Session(engine) as own:
            barrier.wait()
            try:
                results.append(run(own, i))
            except Exception as exc:  # noqa: BLE001 - anything but the expected refusal is the failure under test
                results.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results
