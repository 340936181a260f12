"""Who may write on an expert (issue 18): one pure predicate, checked by every write service on an expert."""

from __future__ import annotations

from collections.abc import Collection

from expert_pool.experts.models import Expert
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.errors import PermissionDenied

# The roles that look after the pool: the draw office (and the admin) edit experts and their status.
OFFICE_ROLES = (Role.DRAW_OFFICE, Role.ADMIN)
# The roles that record credit events by hand, reverse them and decide appeals (DOMAIN 6).
CREDIT_ROLES = (Role.REGULATOR, Role.ADMIN)


def may_manage_expert(scope: Scope, expert: Expert) -> bool:
    """Admin and provincial office/regulator: every expert; a city office/regulator: experts living in
    its city (Expert.city); every other role: none (an expert edits only his own contact, leave, declarations)."""
    if scope.role is Role.ADMIN:
        return True
    if not scope.role.has_city_scope:
        return False
    return scope.city is None or scope.city == expert.city


def check_manage(scope: Scope, expert: Expert, roles: Collection[Role], what: str) -> None:
    """Raise PermissionDenied unless the scope's role is one of ``roles`` and the expert is within its scope."""
    if scope.role not in roles:
        raise PermissionDenied(f"当前账号无权{what}")
    if not may_manage_expert(scope, expert):
        raise PermissionDenied(f"该专家不属于本账号管辖的城市，不能{what}")


def may_view_full_id(scope: Scope) -> bool:
    """The full ID number is shown to the admin only, each view audited; everyone else sees the mask."""
    return scope.role is Role.ADMIN
