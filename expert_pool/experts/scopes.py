"""Who may write on an expert (issue 18): one pure predicate, checked by every write service on an expert."""

from __future__ import annotations

from collections.abc import Collection

from expert_pool.experts.models import Expert
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.errors import PermissionDenied
from knowledge.regions import City

# The roles that look after the pool: the draw office (and the admin) edit experts and their status.
OFFICE_ROLES = (Role.DRAW_OFFICE, Role.ADMIN)
# The roles that record credit events by hand, reverse them and decide appeals (DOMAIN 6), and read an
# expert's integrity figures (reservations and refusals on reports, Decree 37 Art. 25-27).
CREDIT_ROLES = (Role.REGULATOR, Role.ADMIN)
# The roles that read the pool: who is in it, and which plan author is a pool expert.
POOL_READERS = (Role.DRAW_OFFICE, Role.REGULATOR, Role.ADMIN)


def may_manage_expert(scope: Scope, expert: Expert) -> bool:
    """Admin and provincial office/regulator: every expert; a city office/regulator: experts living in
    its city (Expert.city); every other role: none (an expert edits only his own contact, leave, declarations)."""
    return may_manage_city(scope, expert.city)


def may_manage_city(scope: Scope, city: City) -> bool:
    """The same rule for the pool of one city: where an expert lives, or will live once added."""
    if scope.role is Role.ADMIN:
        return True
    if not scope.role.has_city_scope:
        return False
    return scope.city is None or scope.city == city


def check_manage(scope: Scope, expert: Expert, roles: Collection[Role], what: str) -> None:
    """Raise PermissionDenied unless the scope's role is one of ``roles`` and the expert is within its scope."""
    if scope.role not in roles:
        raise PermissionDenied(f"当前账号无权{what}")
    if not may_manage_expert(scope, expert):
        raise PermissionDenied(f"该专家不属于本账号管辖的城市，不能{what}")


def check_add(scope: Scope, city: City) -> None:
    """Raise PermissionDenied unless the scope may add an expert living in ``city`` to the pool (the form, the
    spreadsheet import and the API alike): an office role, and the city within its scope."""
    if scope.role not in OFFICE_ROLES:
        raise PermissionDenied("当前账号无权添加专家")
    if not may_manage_city(scope, city):
        raise PermissionDenied(f"不能添加{city.label}的专家：该城市不属于本账号管辖", field="city")


def may_read_pool(scope: Scope) -> bool:
    return scope.role in POOL_READERS


def may_read_integrity(scope: Scope) -> bool:
    return scope.role in CREDIT_ROLES


def may_view_full_id(scope: Scope) -> bool:
    """The full ID number is shown to the admin only, each view audited; everyone else sees the mask."""
    return scope.role is Role.ADMIN
