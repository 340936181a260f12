"""Who may do what on site: pure predicates over an account's scope and a work's project.

The constructor records briefings, acceptances and its own checks (Decree 37 Art. 15, 21); the owner engages the
monitoring unit, which records its alarms (Art. 20); the supervisor signs acceptances (Art. 21). Regulators of
the work's city, or of the province, inspect and run the hazard loop (Art. 24-26); a project team rectifies the
hazards its enterprise is responsible for.
"""

from __future__ import annotations

from collections.abc import Iterable

from knowledge.accounts.models import Role
from knowledge.accounts.permissions import BUILDER_ROLES, Scope, can_view_project, roles_of
from knowledge.enterprises.models import ParticipantRole
from knowledge.regions import City

Participants = Iterable[tuple[int, ParticipantRole]]


def is_authority_for(scope: Scope, city: City) -> bool:
    """A regulator of the province, or of the work's city."""
    return scope.role is Role.REGULATOR and (scope.city is None or scope.city == city)


def can_view_site(scope: Scope, city: City, participants: Participants) -> bool:
    """The site records of a work: whoever may see its project (the draw office only reads them)."""
    return can_view_project(scope, city, (e for e, _ in participants))


def is_builder(scope: Scope, participants: Participants) -> bool:
    return bool(roles_of(scope, participants) & BUILDER_ROLES)


def is_supervisor(scope: Scope, participants: Participants) -> bool:
    return ParticipantRole.SUPERVISOR in roles_of(scope, participants)


def can_record_briefing(scope: Scope, participants: Participants) -> bool:
    return is_builder(scope, participants)


def can_engage_monitoring(scope: Scope, participants: Participants) -> bool:
    """Art. 20: the owner engages the monitoring unit; the constructor may record it on the owner's behalf."""
    roles = roles_of(scope, participants)
    return bool(roles & (BUILDER_ROLES | {ParticipantRole.OWNER}))


def can_record_alarm(scope: Scope, participants: Participants, monitor_id: int) -> bool:
    """The monitoring unit itself, or the constructor that received its alarm."""
    return (
        scope.enterprise_id == monitor_id
        and scope.role is Role.PROJECT_TEAM
        or is_builder(scope, participants)
    )


def can_handle_alarm(scope: Scope, participants: Participants) -> bool:
    return is_builder(scope, participants) or is_supervisor(scope, participants)


def can_rectify(scope: Scope, responsible_id: int) -> bool:
    """The responsible unit's own project team submits the rectification."""
    return scope.role is Role.PROJECT_TEAM and scope.enterprise_id == responsible_id
