"""Crane tasks: joint acceptances the user has to organise and a party to sign, use registrations the user has
to make (建设部令第166号 第十六、十七条), and the inspection reports an inspection body has left in draft.

A team's crane tasks follow its party on the installation (``cranes.site_queries.party_ids``: user, lessor,
installer, supervisor), the tie the crane services check, not its role on the project: a lessor signs the
acceptance without taking part in the project. Each list is one statement plus a fixed number of eager loads.
"""

from __future__ import annotations

from sqlalchemy import and_, exists, not_, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from knowledge.accounts.permissions import Scope
from knowledge.cranes.inspection_models import Conclusion, InspectionBody, InspectionReport, ReportState
from knowledge.cranes.site_acceptance import complete_acceptance
from knowledge.cranes.site_models import Installation, JointAcceptance, UseRegistration
from knowledge.cranes.site_queries import parties_of_scope
from knowledge.cranes.use_registration import use_registration_deadline
from knowledge.workbench.subjects import subject
from knowledge.workbench.tasks import Task


def machine_name(installation: Installation) -> str:
    machine = installation.machine
    return f"{machine.machine_type.label}{machine.registration_number or machine.serial_number}"


def crane_team_tasks(session: Session, scope: Scope) -> list[Task]:
    return [
        *acceptance_to_open_tasks(session, scope),
        *crane_acceptance_tasks(session, scope),
        *use_registration_tasks(session, scope),
    ]


def acceptance_to_open_tasks(session: Session, scope: Scope) -> list[Task]:
    """Installations of this user whose latest published report (``site_queries.latest_report``) passes and has no
    acceptance yet, none being under way: the user organises the joint acceptance (第十六条; no deadline is set)."""
    if scope.enterprise_id is None:
        return []
    latest = (
        select(InspectionReport.id)
        .where(
            InspectionReport.installation_id == Installation.id,
            InspectionReport.state == ReportState.PUBLISHED,
        )
        .order_by(InspectionReport.published_on.desc(), InspectionReport.id.desc())
        .limit(1)
        .correlate(Installation)
        .scalar_subquery()
    )
    taken = exists().where(
        JointAcceptance.installation_id == Installation.id,
        or_(JointAcceptance.accepted_on.is_(None), JointAcceptance.report_id == InspectionReport.id),
    )
    stmt = (
        select(Installation, InspectionReport)
        .join(InspectionReport, InspectionReport.id == latest)
        .where(
            Installation.user_id == scope.enterprise_id,
            Installation.ended_on.is_(None),
            InspectionReport.conclusion == Conclusion.PASS,
            not_(taken),
        )
        .options(joinedload(Installation.machine), joinedload(Installation.project))
        .order_by(Installation.id)
        .execution_options(populate_existing=True)
    )
    return [
        Task(
            kind="crane_acceptance_open",
            label="组织起重机械联合验收",
            subject=subject(
                installation.project.name,
                machine_name(installation),
                detail=f"检验报告{report.number or report.id}合格",
            ),
            target="crane_installation",
            target_id=installation.id,
        )
        for installation, report in session.execute(stmt)
    ]


def crane_acceptance_tasks(session: Session, scope: Scope) -> list[Task]:
    """Open joint acceptances of installations still on site that lack the signature of a party this enterprise
    is (第十六条: the four parties sign, each in its own account). No rule sets a deadline for signing."""
    eid = scope.enterprise_id
    if eid is None:
        return []
    stmt = (
        select(JointAcceptance)
        .join(JointAcceptance.installation)
        .where(
            JointAcceptance.accepted_on.is_(None),
            Installation.ended_on.is_(None),
            or_(
                Installation.user_id == eid,
                Installation.lessor_id == eid,
                Installation.installer_id == eid,
                Installation.supervisor_id == eid,
            ),
        )
        .options(
            joinedload(JointAcceptance.installation).joinedload(Installation.machine),
            joinedload(JointAcceptance.installation).joinedload(Installation.project),
            selectinload(JointAcceptance.signatures),
        )
        .order_by(JointAcceptance.id)
        .execution_options(populate_existing=True)
    )
    tasks = []
    for acceptance in session.scalars(stmt):
        installation = acceptance.installation
        signed = {s.party for s in acceptance.signatures}
        for party in parties_of_scope(scope, installation):
            if party not in signed:
                tasks.append(
                    Task(
                        kind="crane_acceptance_sign",
                        label=f"签署起重机械联合验收（{party.label}）",
                        subject=subject(
                            installation.project.name,
                            machine_name(installation),
                            detail=installation.position,
                        ),
                        target="crane_installation",
                        target_id=installation.id,
                    )
                )
    return tasks


def use_registration_tasks(session: Session, scope: Scope) -> list[Task]:
    """Installations of this user whose latest complete acceptance is not registered yet, due 30 days after it
    (第十七条, ``use_registration.use_registration_deadline``)."""
    if scope.enterprise_id is None:
        return []
    unregistered = exists().where(
        JointAcceptance.installation_id == Installation.id,
        JointAcceptance.accepted_on.is_not(None),
        not_(exists().where(UseRegistration.acceptance_id == JointAcceptance.id)),
    )
    stmt = (
        select(Installation)
        .where(
            and_(Installation.user_id == scope.enterprise_id, Installation.ended_on.is_(None), unregistered)
        )
        .options(
            joinedload(Installation.machine),
            joinedload(Installation.project),
            selectinload(Installation.acceptances),
            selectinload(Installation.use_registrations),
        )
        .order_by(Installation.id)
        .execution_options(populate_existing=True)
    )
    tasks = []
    for installation in session.scalars(stmt):
        acceptance = complete_acceptance(installation)
        if acceptance is None or acceptance.accepted_on is None:
            continue
        if any(r.acceptance_id == acceptance.id for r in installation.use_registrations):
            continue
        tasks.append(
            Task(
                kind="crane_use_register",
                label="办理起重机械使用登记",
                subject=subject(
                    installation.project.name,
                    machine_name(installation),
                    detail=f"{acceptance.accepted_on.isoformat()}验收合格",
                ),
                target="crane_installation",
                target_id=installation.id,
                due=use_registration_deadline(acceptance.accepted_on),
            )
        )
    return tasks


def report_draft_tasks(session: Session, scope: Scope) -> list[Task]:
    """Inspection reports of this inspector's body still in draft (``cranes.inspection_queries.is_own_body``:
    any inspector of the body may finish them). No rule sets a deadline."""
    if scope.enterprise_id is None:
        return []
    stmt = (
        select(InspectionReport)
        .join(InspectionReport.body)
        .where(
            InspectionBody.enterprise_id == scope.enterprise_id, InspectionReport.state == ReportState.DRAFT
        )
        .options(joinedload(InspectionReport.machine))
        .order_by(InspectionReport.id)
        .execution_options(populate_existing=True)
    )
    return [
        Task(
            kind="crane_report_draft",
            label="完成起重机械检验报告",
            subject=subject(
                f"{r.machine_type.label}{r.machine.registration_number or r.machine.serial_number}",
                detail=ReportState.DRAFT.label,
            ),
            target="crane_report",
            target_id=r.id,
        )
        for r in session.scalars(stmt)
    ]
