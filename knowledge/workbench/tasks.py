"""A task on a workbench: what to do, on what, by when; and the order a person reads them in."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

# A list that can run long (a province's open system flags: 100,000 at province scale) is counted in the database
# and only its LOADED most urgent rows are loaded: the page shows the 100 most urgent of all lists.
LOADED = 100


@dataclass(frozen=True)
class Task:
    """One thing an account has to do.

    ``kind`` is a stable code (``"plan_sign"``, ``"hazard_rectify"`` …) the API returns and tests match on;
    ``label`` says it in Chinese for the page ("签署专项施工方案"); ``subject`` names the object in words a
    person recognises (project · work · version). ``target``/``target_id`` name the object the task opens
    (``"plan"``, ``"review"``, ``"hazard"`` …); the web edge turns them into a link. ``due`` is the deadline
    the rules set (None where none is set)."""

    kind: str
    label: str
    subject: str
    target: str
    target_id: int
    due: date | None = None

    def days_late(self, today: date) -> int:
        """Whole days past the deadline (0 when not late or without one)."""
        return max(0, (today - self.due).days) if self.due is not None else 0

    def is_due_soon(self, today: date, *, within: int = 3) -> bool:
        """Not late yet, but the deadline falls within ``within`` days."""
        return self.due is not None and 0 <= (self.due - today).days <= within


def ordered(tasks: Iterable[Task], today: date) -> list[Task]:
    """The latest first, then by deadline, tasks without one last; ties by kind and object, so the same
    tasks always read in the same order."""

    def key(t: Task) -> tuple[int, int, str, str, int]:
        no_due = t.due is None
        return (int(no_due), -(t.days_late(today)) if not no_due else 0,
                t.due.isoformat() if t.due else "", t.kind, t.target_id)  # fmt: skip

    return sorted(tasks, key=key)


@dataclass
class Unloaded:
    """Tasks of long lists that were counted in the database but not loaded (beyond ``LOADED`` of a list)."""

    open: int = 0
    late: int = 0

    def add(self, total: int, late: int, loaded: Iterable[Task], today: date) -> None:
        shown = list(loaded)
        self.open += total - len(shown)
        self.late += late - sum(1 for t in shown if t.days_late(today) > 0)


@dataclass(frozen=True)
class Board:
    """An account's workbench: its loaded tasks in reading order, and how many are open and late in all."""

    tasks: list[Task] = field(default_factory=list)
    open: int = 0
    late: int = 0
