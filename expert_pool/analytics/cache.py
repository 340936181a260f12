"""The dashboard's figures kept per period and area (issue 22 item 9: the page under 500 ms at province scale,
where computing it takes about a second of aggregate queries).

A kept dashboard is served while two things hold: the data version read from the database is the one it was
computed at (no change has passed the search outbox: works, plans, reviews and reports record one there in the
transaction of the change, ``knowledge.outbox``; and no sweep was opened, which the common problems' section
shows at once), and it is younger than ``FRESH_SECONDS`` (the site's and the cranes' records do not pass the
outbox; the page says when its figures were computed). Each process keeps its own (``KEPT`` entries, the least
recently used leave first): nothing is shared that could leak across scopes, as the key holds the reader's area
and reach. As the version is read from the database on each view, a change made through any process or node is
seen by all of them; nothing is invalidated by hand in one process only.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from knowledge.outbox import SearchOutbox
from knowledge.site.inspection_models import Sweep

FRESH_SECONDS = 60.0
KEPT = 64
T = TypeVar("T")


def data_version(session: Session) -> tuple[int, int]:
    """The newest change recorded in the outbox and the newest sweep (0 when none): a new one means the kept
    figures are stale."""
    newest = [select(func.max(m.id)).scalar_subquery() for m in (SearchOutbox, Sweep)]
    found = session.execute(select(*newest)).one()
    return found[0] or 0, found[1] or 0


@dataclass(frozen=True)
class Kept(Generic[T]):
    value: T
    version: Hashable
    at: float


class FigureCache(Generic[T]):
    """Values by key, each valid for one data version and ``fresh_seconds``; safe across a process's threads."""

    def __init__(
        self,
        *,
        fresh_seconds: float = FRESH_SECONDS,
        kept: int = KEPT,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.fresh_seconds, self.kept, self.clock = fresh_seconds, kept, clock
        self._entries: OrderedDict[Hashable, Kept[T]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, version: Hashable, build: Callable[[], T]) -> tuple[T, float]:
        """The kept value and when it was computed (the clock's reading: seconds since the epoch), or a new one
        built now and kept."""
        now = self.clock()
        with self._lock:
            found = self._entries.get(key)
            if found is not None and found.version == version and now - found.at < self.fresh_seconds:
                self._entries.move_to_end(key)
                return found.value, found.at
        value = (
            build()
        )  # outside the lock: two readers of a new key may both compute it, none waits for another
        with self._lock:
            self._entries[key] = Kept(value, version, now)
            self._entries.move_to_end(key)
            while len(self._entries) > self.kept:
                self._entries.popitem(last=False)
        return value, now

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
