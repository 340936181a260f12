"""The read side of the crane register: the machines a scope may see, one machine, one certificate."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, false, select, true
from sqlalchemy.orm import Session, selectinload

from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.cranes.machines import MachineType
from knowledge.cranes.models import Certificate, Machine, OwnershipRegistration
from knowledge.errors import NotFoundError
from knowledge.pagination import Page, paginate
from knowledge.regions import City


def visible_machines(scope: Scope) -> ColumnElement[bool]:
    """Owners' project teams see their own machines; regulators their city (or the province); admins all."""
    if scope.role is Role.ADMIN or (scope.role is Role.REGULATOR and scope.city is None):
        return true()
    if scope.role is Role.REGULATOR:
        return Machine.registration_city == scope.city
    if scope.role is Role.PROJECT_TEAM and scope.enterprise_id is not None:
        return Machine.owner_id == scope.enterprise_id
    return false()


def machines_stmt(
    scope: Scope, machine_type: MachineType | None = None, city: City | None = None
) -> Select[Machine]:
    stmt = select(Machine).where(visible_machines(scope)).order_by(Machine.id.desc())
    if machine_type is not None:
        stmt = stmt.where(Machine.machine_type == machine_type)
    if city is not None:
        stmt = stmt.where(Machine.registration_city == city)
    return stmt


def machines_page(
    session: Session, scope: Scope, *, machine_type: MachineType | None = None, city: City | None = None,
    page: int = 1, per_page: int = 20,
) -> Page[Machine]:  # fmt: skip
    return paginate(session, machines_stmt(scope, machine_type, city), page, per_page)


def get_machine_for(session: Session, scope: Scope, machine_id: int) -> Machine:
    """The machine with its registrations and certificates, if the scope may see it; else NotFoundError."""
    machine = session.scalar(
        select(Machine)
        .where(Machine.id == machine_id, visible_machines(scope))
        .options(selectinload(Machine.registrations).selectinload(OwnershipRegistration.certificates))
    )
    if machine is None:
        raise NotFoundError("起重机械不存在或无权查看")
    return machine


def get_certificate_for(session: Session, scope: Scope, certificate_id: int) -> Certificate:
    """A certificate of a machine the scope may see; else NotFoundError."""
    certificate = session.get(Certificate, certificate_id)
    if certificate is None:
        raise NotFoundError("证书不存在或无权查看")
    get_machine_for(session, scope, certificate.registration.machine_id)
    return certificate
