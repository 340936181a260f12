"""Draws refused for lack of eligible experts (DOMAIN.md §4): each kept as a ``DrawFailure`` row, audited, so the
regulators see where the pool runs thin although a refused draw leaves no draw record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from expert_pool.draws.feasibility import DrawInfeasible
from expert_pool.draws.models import DrawFailure, FailureKind
from knowledge import audit
from knowledge.regions import City
from knowledge.registry.models import Work

MESSAGE_MAX = 500  # DrawFailure.message


@dataclass(frozen=True)
class Refusal:
    """What was asked of the pool and what it had: read before the refused draw's transaction is rolled back
    (which expires the work)."""

    work_id: int
    city: City
    category: str
    kind: FailureKind
    seats: int
    alternates: int
    eligible: int

    @classmethod
    def of(cls, work: Work, kind: FailureKind, *, seats: int, alternates: int, eligible: int) -> Refusal:
        return cls(work.id, work.city, work.category, kind, seats, alternates, eligible)


def record_failure(
    session: Session, refusal: Refusal, exc: DrawInfeasible, *, actor_id: int | None, now: datetime
) -> DrawFailure:
    """Add the failure and its audit row to the session; the caller commits."""
    row = DrawFailure(
        work_id=refusal.work_id, city=refusal.city, category=refusal.category, kind=refusal.kind,
        seats_requested=refusal.seats, alternates_requested=refusal.alternates, eligible=refusal.eligible,
        constraint=exc.constraint, message=str(exc)[:MESSAGE_MAX], account_id=actor_id,
        occurred_at=now.astimezone(UTC),
    )  # fmt: skip
    session.add(row)
    session.flush()
    audit.record(session, actor_id=actor_id, action="draw", obj=("work", refusal.work_id), outcome="failed",
                 after={"draw_failure": row.id, "kind": refusal.kind.value, "constraint": exc.constraint,
                        "seats": refusal.seats, "alternates": refusal.alternates, "eligible": refusal.eligible})  # fmt: skip
    return row


def keep_failure(
    session: Session, refusal: Refusal, exc: DrawInfeasible, *, actor_id: int | None, now: datetime
) -> None:
    """Roll the refused draw's transaction back, then commit its failure row on its own: the caller's rollback
    on the error that follows cannot take the row with it, and nothing of the refused draw is kept."""
    session.rollback()
    record_failure(session, refusal, exc, actor_id=actor_id, now=now)
    session.commit()
