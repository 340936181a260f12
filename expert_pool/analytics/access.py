"""Who may read the dashboard and for which area: regulators (a city's only their city) and the admin."""

from __future__ import annotations

from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.errors import PermissionDenied
from knowledge.regions import City

READERS = (Role.REGULATOR, Role.ADMIN)


def may_see_dashboard(scope: Scope) -> bool:
    return scope.role in READERS


def area_for(scope: Scope, requested: City | None, *, asked: bool) -> City | None:
    """The area the figures count: what was asked, within the scope. A city regulator who asked for nothing gets
    his city; asking for another city or the province is refused.

    :raises PermissionDenied: with a Chinese message.
    """
    if not may_see_dashboard(scope):
        raise PermissionDenied("只有监管部门可以查看监管数据看板")
    if scope.is_province_wide:
        return requested
    if not asked:
        return scope.city
    if requested != scope.city:
        mine = scope.city.label if scope.city else ""
        raise PermissionDenied(f"您的账号只能查看{mine}的监管数据，不能查看其他设区市或全省的数据")
    return requested
