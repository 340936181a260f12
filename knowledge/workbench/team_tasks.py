"""A project team's registry and site tasks: plan versions to sign, acceptances to sign, hazards to rectify.

Which of them an enterprise gets follows from its role on the project, through the same predicates the services
check (``plans.services.may_sign``, ``site.records.may_sign_acceptance``, ``site.access.can_rectify``): the
general contractor (or the subcontractor carrying the work out) signs as the constructor's technical lead, the
supervisor as the chief supervising engineer (Decree 37 Art. 11, 21). Each list is one statement plus a fixed
number of eager loads, whatever the number of projects.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased, contains_eager, selectinload

from knowledge.accounts.permissions import Scope, visible_projects
from knowledge.enterprises.models import Project
from knowledge.plans.models import PlanVersion, SignoffKind
from knowledge.plans.services import may_sign, pending_signoffs
from knowledge.registry.models import Work
from knowledge.registry.workflow import WorkStatus
from knowledge.site.hazard_loop import State
from knowledge.site.hazard_models import Hazard
from knowledge.site.hazard_queries import AWAITING_UNIT
from knowledge.site.models import Acceptance, AcceptanceSigner
from knowledge.site.records import may_sign_acceptance
from knowledge.workbench.subjects import subject
from knowledge.workbench.tasks import Task

# The statuses in which a plan version waits for a signature (plans.services.pending_signoffs).
SIGNING_STATUSES = (WorkStatus.PLAN_DRAFTED, WorkStatus.CONSTRUCTOR_SIGNED)

PLAN_LABELS: dict[SignoffKind, str] = {
    SignoffKind.CONSTRUCTOR: "审核签署专项施工方案（施工单位技术负责人）",
    SignoffKind.SUBCONTRACTOR: "审核签署专项施工方案（专业分包单位技术负责人）",
    SignoffKind.SUPERVISOR: "审查签署专项施工方案（总监理工程师）",
}


def team_tasks(session: Session, scope: Scope, today: date) -> list[Task]:
    """The plans, acceptances and hazards waiting for this team's enterprise."""
    return [
        *plan_tasks(session, scope),
        *acceptance_tasks(session, scope),
        *hazard_tasks(session, scope),
    ]


def plan_tasks(session: Session, scope: Scope) -> list[Task]:
    """The latest version of each visible work that waits for a signature this enterprise gives (Art. 11)."""
    later = aliased(PlanVersion)
    newest = select(func.max(later.number)).where(later.work_id == PlanVersion.work_id).scalar_subquery()
    stmt = (
        select(PlanVersion)
        .join(PlanVersion.work)
        .join(Work.project)
        .where(visible_projects(scope), Work.status.in_(SIGNING_STATUSES), PlanVersion.number == newest)
        .options(
            contains_eager(PlanVersion.work).contains_eager(Work.project).selectinload(Project.participants),
            selectinload(PlanVersion.signoffs),
        )
        .order_by(PlanVersion.id)
        .execution_options(populate_existing=True)
    )
    tasks = []
    for version in session.scalars(stmt):
        work = version.work
        for kind in pending_signoffs(work, version):
            if may_sign(scope, work, kind):
                tasks.append(
                    Task(
                        kind="plan_countersign" if kind is SignoffKind.SUPERVISOR else "plan_sign",
                        label=PLAN_LABELS[kind],
                        subject=subject(work.project.name, work.name, detail=f"方案第{version.number}版"),
                        target="plan_version",
                        target_id=version.id,
                    )
                )
    return tasks


def acceptance_tasks(session: Session, scope: Scope) -> list[Task]:
    """Acceptances of works under way still missing the signature this enterprise gives (Art. 21)."""
    stmt = (
        select(Acceptance)
        .join(Acceptance.work)
        .join(Work.project)
        .where(visible_projects(scope), Work.status == WorkStatus.IN_PROGRESS)
        .options(
            contains_eager(Acceptance.work).contains_eager(Work.project).selectinload(Project.participants),
            selectinload(Acceptance.signatures),
        )
        .order_by(Acceptance.id)
        .execution_options(populate_existing=True)
    )
    tasks = []
    for acceptance in session.scalars(stmt):
        work = acceptance.work
        signed = {s.kind for s in acceptance.signatures}
        for kind in AcceptanceSigner:
            if kind not in signed and may_sign_acceptance(scope, work, kind):
                tasks.append(
                    Task(
                        kind="site_acceptance_sign",
                        label=f"签署危大工程验收记录（{kind.label}）",
                        subject=subject(
                            work.project.name, work.name, detail=f"{acceptance.accepted_on.isoformat()}验收"
                        ),
                        target="site_records",
                        target_id=work.id,
                    )
                )
    return tasks


def hazard_tasks(session: Session, scope: Scope) -> list[Task]:
    """Hazards this enterprise must rectify (``site.access.can_rectify``), due by the deadline set when found
    (``Hazard.deadline``, from the policy of ``site.deadlines``)."""
    if scope.enterprise_id is None:
        return []
    stmt = (
        select(Hazard)
        .join(Hazard.work)
        .join(Work.project)
        .where(
            visible_projects(scope),
            Hazard.responsible_id == scope.enterprise_id,
            Hazard.state.in_(AWAITING_UNIT),
        )
        .options(contains_eager(Hazard.work).contains_eager(Work.project))
        .order_by(Hazard.id)
        .execution_options(populate_existing=True)
    )
    return [
        Task(
            kind="hazard_rectify",
            label="重新提交隐患整改" if h.state is State.SENT_BACK else "整改事故隐患",
            subject=subject(h.work.project.name, h.work.name, detail=f"{h.level.label}：{h.description}"),
            target="hazard",
            target_id=h.id,
            due=h.deadline,
        )
        for h in session.scalars(stmt)
    ]
