"""The read side of cranes on sites: which installations a scope sees, one installation with its acceptances,
the latest inspection report, installers' qualifications, and who may read a machine's file or a certificate.

Project teams see the installations their enterprise is a party to (user, lessor, installer, supervisor or
maintainer); regulators those of their city (the city of the works) or the whole province; administrators all.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, exists, false, or_, select, true
from sqlalchemy.orm import Session, selectinload

from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope, visible_projects
from knowledge.cranes import queries
from knowledge.cranes.inspection_models import InspectionReport, ReportState
from knowledge.cranes.models import Certificate, CertificateKind, Machine
from knowledge.cranes.site_models import (
    AcceptanceParty,
    Installation,
    InstallerQualification,
    JointAcceptance,
    UseRegistration,
)
from knowledge.enterprises.models import Project
from knowledge.errors import NotFoundError
from knowledge.pagination import Page, paginate
from knowledge.registry.models import Work
from knowledge.registry.scope_tables import LIFTING

# 附件1 三（三）: 起重机械安装和拆卸工程, the sub-type of 起重吊装及起重机械安装拆卸工程 a crane's erection is.
ERECTION_SUB_TYPE = "machinery_erection"


def party_ids(installation: Installation) -> dict[AcceptanceParty, int]:
    """The enterprise of each party of the joint acceptance (166号令 第十六条)."""
    return {
        AcceptanceParty.USER: installation.user_id,
        AcceptanceParty.LESSOR: installation.lessor_id,
        AcceptanceParty.INSTALLER: installation.installer_id,
        AcceptanceParty.SUPERVISOR: installation.supervisor_id,
    }


def parties_of_scope(scope: Scope, installation: Installation) -> list[AcceptanceParty]:
    """The parties the scope's account may sign as: a project team of that party's enterprise."""
    if scope.role is not Role.PROJECT_TEAM:
        return []
    return [party for party, eid in party_ids(installation).items() if eid == scope.enterprise_id]


def visible_installations(scope: Scope) -> ColumnElement[bool]:
    if scope.role is Role.ADMIN or (scope.role is Role.REGULATOR and scope.city is None):
        return true()
    if scope.role is Role.REGULATOR:
        return Installation.city == scope.city
    if scope.role is Role.PROJECT_TEAM and scope.enterprise_id is not None:
        eid = scope.enterprise_id
        return or_(
            Installation.user_id == eid, Installation.lessor_id == eid, Installation.installer_id == eid,
            Installation.supervisor_id == eid, Installation.maintainer_id == eid,
        )  # fmt: skip
    return false()


def installations_stmt(
    scope: Scope, *, machine_id: int | None = None, open_only: bool = False
) -> Select[Installation]:
    stmt = (
        select(Installation)
        .where(visible_installations(scope))
        .options(selectinload(Installation.machine), selectinload(Installation.project))
        .order_by(Installation.id.desc())
    )
    if machine_id is not None:
        stmt = stmt.where(Installation.machine_id == machine_id)
    if open_only:
        stmt = stmt.where(Installation.ended_on.is_(None))
    return stmt


def installations_page(
    session: Session, scope: Scope, *, machine_id: int | None = None, open_only: bool = False, page: int = 1,
    per_page: int = 20,
) -> Page[Installation]:  # fmt: skip
    return paginate(
        session, installations_stmt(scope, machine_id=machine_id, open_only=open_only), page, per_page
    )


def get_installation_for(session: Session, scope: Scope, installation_id: int) -> Installation:
    """The installation with its acceptances (and signatures) and use registrations, if the scope may see it."""
    found = session.scalar(
        select(Installation)
        .where(Installation.id == installation_id, visible_installations(scope))
        .options(
            selectinload(Installation.acceptances).selectinload(JointAcceptance.signatures),
            selectinload(Installation.use_registrations),
        )
    )
    if found is None:
        raise NotFoundError("安装记录不存在或无权查看")
    return found


def erection_works(session: Session, scope: Scope, *, limit: int = 200) -> list[Work]:
    """The crane-erection 危大 works (起重机械安装和拆卸工程) of the projects the scope sees, newest first."""
    stmt = (
        select(Work)
        .join(Project, Project.id == Work.project_id)
        .where(Work.category == LIFTING.code, Work.sub_type == ERECTION_SUB_TYPE, visible_projects(scope))
        .options(selectinload(Work.project))
        .order_by(Work.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def open_installation(session: Session, machine_id: int) -> Installation | None:
    return session.scalar(
        select(Installation).where(Installation.machine_id == machine_id, Installation.ended_on.is_(None))
    )


def latest_report(session: Session, *, installation_id: int | None = None, machine_id: int | None = None) -> (
    InspectionReport | None
):  # fmt: skip
    """The latest published inspection report of an installation (or of a machine on any site)."""
    stmt = select(InspectionReport).where(InspectionReport.state == ReportState.PUBLISHED)
    if installation_id is not None:
        stmt = stmt.where(InspectionReport.installation_id == installation_id)
    if machine_id is not None:
        stmt = stmt.where(InspectionReport.machine_id == machine_id)
    return session.scalar(
        stmt.order_by(InspectionReport.published_on.desc(), InspectionReport.id.desc()).limit(1)
    )


def qualifications(session: Session, scope: Scope, *, limit: int = 200) -> list[InstallerQualification]:
    """Installers' qualifications: all for administrators and province regulators, a city's for its regulators,
    a project team's own."""
    stmt = (
        select(InstallerQualification)
        .options(selectinload(InstallerQualification.enterprise))
        .order_by(InstallerQualification.id.desc())
        .limit(limit)
    )
    if scope.role is Role.REGULATOR and scope.city is not None:
        from_city = InstallerQualification.enterprise.has(city=scope.city)
        stmt = stmt.where(from_city)
    elif scope.role is Role.PROJECT_TEAM:
        stmt = stmt.where(InstallerQualification.enterprise_id == scope.enterprise_id)
    elif scope.role is not Role.ADMIN and scope.role is not Role.REGULATOR:
        return []
    return list(session.scalars(stmt))


def can_read_file(session: Session, scope: Scope, machine: Machine) -> bool:
    """The machine's file: whoever sees the machine in the register, or any installation of it."""
    seen = session.scalar(select(Machine.id).where(Machine.id == machine.id, queries.visible_machines(scope)))
    if seen is not None:
        return True
    on_site = exists(
        select(Installation.id).where(Installation.machine_id == machine.id, visible_installations(scope))
    )
    return bool(session.scalar(select(on_site)))


def get_file_machine_for(session: Session, scope: Scope, machine_id: int) -> Machine:
    machine = session.get(Machine, machine_id)
    if machine is None or not can_read_file(session, scope, machine):
        raise NotFoundError("起重机械不存在或无权查看")
    return machine


def use_registration_of(session: Session, certificate: Certificate) -> UseRegistration | None:
    if certificate.use_registration_id is None:
        return None
    return session.get(UseRegistration, certificate.use_registration_id)


def get_certificate_for(session: Session, scope: Scope, certificate_id: int) -> Certificate:
    """A certificate the scope may see: an ownership certificate of a machine it sees in the register, or a use
    sign of an installation it sees (or of a machine it sees)."""
    certificate = session.get(Certificate, certificate_id)
    if certificate is None:
        raise NotFoundError("证书不存在或无权查看")
    if certificate.kind is CertificateKind.USE_SIGN:
        registration = use_registration_of(session, certificate)
        if registration is not None:
            seen = session.scalar(
                select(Installation.id).where(
                    Installation.id == registration.installation_id, visible_installations(scope)
                )
            )
            if seen is not None:
                return certificate
    return queries.get_certificate_for(session, scope, certificate_id)
