"""What may be done next with a work, from its status and verdict: pure predicates for its page and the API."""

from __future__ import annotations

from knowledge.registry.rules import Verdict
from knowledge.registry.workflow import MANUAL_MOVES, RECLASSIFIABLE, WorkStatus


def can_request_review(status: WorkStatus, verdict: Verdict, *, is_builder: bool) -> bool:
    """Decree 37 Art. 12: the builder of an over-scale work asks for the expert review of the plan the chief
    supervising engineer has signed."""
    return status is WorkStatus.SUPERVISOR_SIGNED and verdict is Verdict.OVER_SCALE and is_builder


def can_reclassify(status: WorkStatus, *, may_register: bool) -> bool:
    """Whoever may register the work corrects its parameters until the plan goes to review."""
    return status in RECLASSIFIABLE and may_register


def manual_move(status: WorkStatus, *, may_record: bool) -> WorkStatus | None:
    """The move a person records by hand next (briefing, start, acceptance, close), if this one may."""
    target = MANUAL_MOVES.get(status)
    return target if target and may_record else None
