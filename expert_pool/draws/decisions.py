"""Who may ask for a draw and read conflict checks: pure predicates over a role and a work's status."""

from __future__ import annotations

from knowledge.accounts.models import Role
from knowledge.registry.workflow import WorkStatus

DRAW_ROLES = frozenset({Role.DRAW_OFFICE, Role.ADMIN})
CONFLICT_READERS = frozenset({Role.DRAW_OFFICE, Role.ADMIN, Role.REGULATOR})


def can_request_draw(role: Role, status: WorkStatus) -> bool:
    """Decree 37 Art. 12: the draw office draws the panel once the constructor has asked for the review."""
    return role in DRAW_ROLES and status is WorkStatus.REVIEW_REQUESTED


def can_check_conflicts(role: Role) -> bool:
    """The office checks conflicts before a draw; regulators may check how any panel was kept clean."""
    return role in CONFLICT_READERS
