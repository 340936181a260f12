"""What every background job (scans, recomputations, bulletins) does when it fails: its work is rolled back and its
run row keeps why and when, so the page polling it shows the failure and a retry starts afresh."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from knowledge.db import utcnow

ERROR_MAX = 500  # the run tables' ``error`` column


def keep_failure(session: Session, run: Any, exc: BaseException) -> None:
    """Roll back, then commit ``run.error`` and ``run.finished_at`` (``run``: a job's row with those columns)."""
    session.rollback()
    run.error, run.finished_at = f"{type(exc).__name__}: {exc}"[:ERROR_MAX], utcnow()
    session.commit()
