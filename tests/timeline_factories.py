"""Records for the timeline, sweep and flag tests: sign-offs, monitoring, inspections, hazards, status history."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from knowledge import audit
from knowledge.plans.models import PlanSignoff, PlanVersion, SignoffKind
from knowledge.registry.models import Work
from knowledge.registry.workflow import WorkStatus
from knowledge.site.hazard_loop import Level
from knowledge.site.hazard_models import Hazard, Source
from knowledge.site.hazards import HazardInput, open_hazard
from knowledge.site.inspection_models import Inspection
from knowledge.site.models import Monitoring
from tests.site_factories import SiteWorld


def sign_plan(session: Session, version: PlanVersion, account_id: int,
              kinds: tuple[SignoffKind, ...] = (SignoffKind.CONSTRUCTOR, SignoffKind.SUPERVISOR)) -> None:  # fmt: skip
    for kind in kinds:
        session.add(PlanSignoff(plan_version_id=version.id, kind=kind, account_id=account_id,
                                signer_name=kind.label))  # fmt: skip
    session.commit()


def add_monitoring(session: Session, world: SiteWorld, starts_on: date = date(2025, 5, 1)) -> Monitoring:
    row = Monitoring(work_id=world.work.id, enterprise_id=world.enterprises["monitor"].id, starts_on=starts_on,
                     scheme="基坑监测方案", recorded_by=world.accounts["gc"].id)  # fmt: skip
    session.add(row)
    session.commit()
    return row


def add_inspection(session: Session, work: Work, on: date, recorded_by: int, **over: Any) -> Inspection:
    fields: dict[str, Any] = dict(work_id=work.id, city=work.city, category=work.category, inspected_on=on,
                                  inspectors=["周检查", "吴检查"], catalogue_version="2022", recorded_by=recorded_by)  # fmt: skip
    fields.update(over)
    row = Inspection(**fields)
    session.add(row)
    session.commit()
    return row


def add_hazard(session: Session, world: SiteWorld, found_on: date, level: Level = Level.ORDINARY) -> Hazard:
    key = "2022-5-3" if level is Level.MAJOR else None
    data = HazardInput(level=level, description="基坑临边防护缺失", found_on=found_on, source=Source.INSPECTION,
                       catalogue_key=key)  # fmt: skip
    hazard = open_hazard(session, world.work, data, actor_id=world.accounts["regulator"].id)
    session.commit()
    return hazard


def record_move(session: Session, work: Work, status: WorkStatus, actor_id: int | None = None,
                at: datetime | None = None) -> None:  # fmt: skip
    """A status move in the registry's history (the audit log), without moving the work."""
    row = audit.record(session, actor_id=actor_id, action="work_move", obj=("work", work.id),
                       before={"status": work.status.value}, after={"status": status.value})  # fmt: skip
    if at is not None:
        row.at = at
    session.commit()


NOW = datetime(2025, 6, 10, 2, 0, tzinfo=UTC)


def busy_work(session: Session, world: SiteWorld, *, hazards: int = 3, inspections: int = 3,
              alarms: int = 3) -> dict[str, Any]:  # fmt: skip
    """The world's work with a history: sign-offs, briefings, monitoring alarms (handled), inspections, hazards
    (the first overdue), an acceptance with signatures, a draw with a confirmed expert and a review."""
    from expert_pool.draws.models import Seat, SeatStatus
    from expert_pool.reviews.meetings import open_review
    from knowledge.site.models import (
        Acceptance,
        AcceptanceResult,
        AcceptanceSignature,
        AcceptanceSigner,
        AlarmHandling,
        AlarmLevel,
        Briefing,
        BriefingKind,
        MonitoringAlarm,
    )  # fmt: skip
    from tests.factories import make_draw_record, make_expert

    gc = world.accounts["gc"].id
    sign_plan(session, world.version, gc)
    for kind in BriefingKind:
        session.add(Briefing(work_id=world.work.id, plan_version_id=world.version.id, kind=kind,
                             briefed_on=date(2025, 3, 2), briefer="李技术", audience="项目部管理人员",
                             attendees=["张三", "李四"], recorded_by=gc))  # fmt: skip
    monitoring = add_monitoring(session, world, date(2025, 3, 1))
    for n in range(alarms):
        alarm = MonitoringAlarm(monitoring_id=monitoring.id, raised_at=datetime(2025, 4, 1 + n, 3, tzinfo=UTC),
                                quantity="围护结构水平位移", level=AlarmLevel.ORANGE, value=f"{28 + n}", unit="mm",
                                recorded_by=gc)  # fmt: skip
        session.add(alarm)
        session.flush()
        session.add(AlarmHandling(alarm_id=alarm.id, handled_on=date(2025, 4, 2 + n), measures="加密监测、坡顶卸载",
                                  recorded_by=gc))  # fmt: skip
    session.commit()
    for n in range(inspections):
        add_inspection(session, world.work, date(2025, 4, 10 + n), world.accounts["regulator"].id)
    made = [add_hazard(session, world, date(2025, 1, 1 + n), Level.MAJOR if n == 0 else Level.ORDINARY)
            for n in range(hazards)]  # fmt: skip
    acc = Acceptance(work_id=world.work.id, plan_version_id=world.version.id, accepted_on=date(2025, 5, 1),
                     participants=["李技术", "赵总监"], result=AcceptanceResult.PASSED, recorded_by=gc)  # fmt: skip
    session.add(acc)
    session.flush()
    for kind in AcceptanceSigner:
        session.add(
            AcceptanceSignature(acceptance_id=acc.id, kind=kind, account_id=gc, signer_name=kind.label)
        )
    expert = make_expert(session, name="钱论证")
    draw = make_draw_record(session, world.work, world.version)
    draw.seated = [expert.id]
    session.add(Seat(draw_id=draw.id, expert_id=expert.id, position=1, status=SeatStatus.CONFIRMED,
                     invited_at=datetime(2026, 11, 1, tzinfo=UTC), replied_at=datetime(2026, 11, 2, tzinfo=UTC)))  # fmt: skip
    session.commit()
    review = open_review(session, draw)
    session.commit()
    return {"hazards": made, "draw": draw, "expert": expert, "review": review}
