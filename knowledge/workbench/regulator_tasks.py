"""A regulator's tasks in his area (his city, or the province when he has none): hazards waiting for the authority
(核验销号, 挂牌督办 of the overdue, follow-up of the supervised), system flags to confirm or dismiss, and crane
spot-check flags to act on (order a spot check, record its result).

The area is the one the lists check: ``site.hazard_queries.visible_hazards``, the flags' city as in
``site.flag_services.list_flags``, ``cranes.spot_check_services.visible_bodies``. Each list is one statement; the
hazards and the system flags, which run to tens of thousands in a province, are counted in the database and load
their ``LOADED`` most urgent rows (the rest go to ``Unloaded``).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select, true
from sqlalchemy.orm import Session, joinedload

from knowledge.accounts.permissions import Scope
from knowledge.cranes.inspection_models import InspectionBody, SpotCheck, SpotCheckFlag, SpotCheckRun
from knowledge.cranes.spot_check_services import visible_bodies
from knowledge.cranes.spot_checks import FlagKind
from knowledge.registry.models import Work
from knowledge.site.flags import RULE_LABELS
from knowledge.site.hazard_loop import State
from knowledge.site.hazard_models import Hazard
from knowledge.site.hazard_queries import AWAITING_UNIT, overdue, visible_hazards
from knowledge.site.inspection_models import FlagState, SystemFlag
from knowledge.workbench.subjects import subject
from knowledge.workbench.tasks import LOADED, Task, Unloaded


def regulator_tasks(session: Session, scope: Scope, today: date, unloaded: Unloaded) -> list[Task]:
    return [
        *hazard_tasks(session, scope, today, unloaded),
        *system_flag_tasks(session, scope, today, unloaded),
        *spot_flag_tasks(session, scope),
        *spot_result_tasks(session, scope),
    ]


def _hazard_task(hazard: Hazard) -> Task:
    """What the authority does next on a hazard the query selected (hazard_loop: FROM_STATES, PARTY_OF)."""
    if hazard.state is State.SUBMITTED:
        kind, label, due = "hazard_verify", "核验隐患整改并销号", None
    elif hazard.is_supervised:
        kind, label, due = "hazard_supervised", "跟踪挂牌督办隐患整改", hazard.deadline
    else:
        kind, label, due = "hazard_overdue", "督办逾期未整改隐患", hazard.deadline
    work = hazard.work
    return Task(
        kind=kind,
        label=label,
        target="hazard",
        target_id=hazard.id,
        due=due,
        subject=subject(work.project.name, work.name, detail=f"{hazard.level.label}：{hazard.description}"),
    )


def hazard_tasks(session: Session, scope: Scope, today: date, unloaded: Unloaded) -> list[Task]:
    """Submitted rectifications to verify (no deadline is set for it), hazards past their rectification deadline
    (``Hazard.deadline``, set from ``site.deadlines`` when found) and the supervised ones still open, due then.
    The most urgent ``LOADED`` of each: the earliest deadlines, then the oldest submissions."""
    submitted = Hazard.state == State.SUBMITTED
    dated = and_(~submitted, or_(and_(Hazard.state.in_(AWAITING_UNIT), Hazard.is_supervised), overdue(today)))
    area = visible_hazards(scope)
    late = and_(dated, Hazard.deadline < today)
    row = session.execute(
        select(func.count(), func.coalesce(func.sum(case((late, 1), else_=0)), 0)).where(
            area, or_(submitted, dated)
        )
    ).one()
    total, late_count = int(row[0]), int(row[1])

    def first(stmt: Select[Hazard]) -> list[Hazard]:
        stmt = stmt.options(joinedload(Hazard.work).joinedload(Work.project)).limit(LOADED)
        return list(session.scalars(stmt.execution_options(populate_existing=True)))

    hazards = [
        *first(select(Hazard).where(area, dated).order_by(Hazard.deadline, Hazard.id)),
        *first(select(Hazard).where(area, submitted).order_by(Hazard.id)),
    ]
    tasks = [_hazard_task(h) for h in hazards]
    unloaded.add(total, late_count, tasks, today)
    return tasks


def _flag_area(scope: Scope) -> ColumnElement[bool]:
    return true() if scope.city is None else SystemFlag.city == scope.city


def system_flag_tasks(session: Session, scope: Scope, today: date, unloaded: Unloaded) -> list[Task]:
    """Current open system flags of the area, to confirm into a hazard or dismiss (``site.flag_services``): the
    oldest ``LOADED``, the rest counted."""
    where = (SystemFlag.is_current, SystemFlag.state == FlagState.OPEN, _flag_area(scope))
    total = session.scalar(select(func.count()).select_from(SystemFlag).where(*where)) or 0
    stmt = (
        select(SystemFlag)
        .where(*where)
        .options(joinedload(SystemFlag.work).joinedload(Work.project))
        .order_by(SystemFlag.id)
        .limit(LOADED)
        .execution_options(populate_existing=True)
    )
    tasks = [
        Task(
            kind="site_flag_decide",
            label="核实系统预警（确认为隐患或排除）",
            subject=subject(f.work.project.name, f.work.name, detail=RULE_LABELS.get(f.rule, f.rule)),
            target="site_flag",
            target_id=f.id,
        )
        for f in session.scalars(stmt)
    ]
    unloaded.add(total, 0, tasks, today)
    return tasks


def _body_name(body: InspectionBody) -> str:
    return body.enterprise.name


def spot_flag_tasks(session: Session, scope: Scope) -> list[Task]:
    """Flags of the list the pages show (the newest run finished without error, as
    ``cranes.spot_check_job.last_finished_run``) on bodies of the area, with no spot check ordered yet."""
    last_run = (
        select(func.max(SpotCheckRun.id))
        .where(SpotCheckRun.finished_at.is_not(None), SpotCheckRun.error == "")
        .scalar_subquery()
    )
    stmt = (
        select(SpotCheckFlag)
        .join(InspectionBody, InspectionBody.id == SpotCheckFlag.body_id)
        .outerjoin(SpotCheck, SpotCheck.flag_id == SpotCheckFlag.id)
        .where(SpotCheckFlag.run_id == last_run, SpotCheck.id.is_(None), visible_bodies(scope))
        .options(joinedload(SpotCheckFlag.body).joinedload(InspectionBody.enterprise))
        .order_by(SpotCheckFlag.id)
        .execution_options(populate_existing=True)
    )
    return [
        Task(
            kind="spot_flag_order",
            label="处理检验机构抽查预警（下达抽查）",
            subject=subject(_body_name(f.body), f.machine_type.label, detail=FlagKind(f.kind).label),
            target="spot_flag",
            target_id=f.id,
        )
        for f in session.scalars(stmt)
    ]


def spot_result_tasks(session: Session, scope: Scope) -> list[Task]:
    """Spot checks ordered on bodies of the area whose result is not recorded yet (``record_result``)."""
    stmt = (
        select(SpotCheck)
        .join(InspectionBody, InspectionBody.id == SpotCheck.body_id)
        .where(SpotCheck.result.is_(None), visible_bodies(scope))
        .options(
            joinedload(SpotCheck.flag),
            joinedload(SpotCheck.body).joinedload(InspectionBody.enterprise),
        )
        .order_by(SpotCheck.id)
        .execution_options(populate_existing=True)
    )
    return [
        Task(
            kind="spot_check_result",
            label="记录起重机械检验抽查结果",
            subject=subject(
                _body_name(c.body), c.flag.machine_type.label, detail=f"{c.ordered_on.isoformat()}下达抽查"
            ),
            target="spot_flag",
            target_id=c.flag_id,
        )
        for c in session.scalars(stmt)
    ]
