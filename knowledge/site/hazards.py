"""Use cases of the hazard loop: open a hazard (with its accountability record) and take a step of its loop.

The pure rules are knowledge.site.hazard_loop; here they meet the accounts and the records. Every step is an
appended HazardEvent (sequence held unique by the database) with an audit row; the hazard's projection (state,
supervision, stop, closing day) and the work's stop flag are written in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from knowledge import audit
from knowledge.accounts.permissions import Scope
from knowledge.enterprises.models import ParticipantRole
from knowledge.errors import DuplicateError, NotFoundError, PermissionDenied, ValidationError
from knowledge.plans.models import PlanVersion
from knowledge.registry.models import Work
from knowledge.registry.workflow import IN_FORCE_STATUSES, WorkStatus
from knowledge.site import files as site_files
from knowledge.site.access import can_rectify, can_view_site, is_authority_for, is_builder
from knowledge.site.deadlines import deadline_policy
from knowledge.site.hazard_catalogue import clause_label, item
from knowledge.site.hazard_loop import (
    FROM_STATES,
    PARTY_OF,
    Event,
    Level,
    Party,
    State,
    Step,
    apply,
    deadline,
    replay,
)
from knowledge.site.hazard_loop import Hazard as LoopHazard
from knowledge.site.hazard_models import Hazard, HazardEvent, HazardEvidence, Source
from knowledge.site.inspection_models import Inspection, InspectionItem, SystemFlag

DESCRIPTION_MAX = 1000
NOTE_MAX = 1000


def responsible_unit(work: Work) -> int:
    """The unit that rectifies: the subcontractor carrying the work out, else the general contractor."""
    if work.subcontractor_id is not None:
        return work.subcontractor_id
    for p in work.project.participants:
        if p.role is ParticipantRole.GENERAL_CONTRACTOR:
            return p.enterprise_id
    raise ValidationError("该工程所属项目没有登记施工总承包单位，无法确定整改责任单位")


def version_in_force(session: Session, work: Work) -> PlanVersion | None:
    """The plan version the site works by: the latest, once the work's plan is in force."""
    if work.status not in IN_FORCE_STATUSES:
        return None
    return session.scalar(
        select(PlanVersion).where(PlanVersion.work_id == work.id).order_by(PlanVersion.id.desc()).limit(1)
    )


def accountability(session: Session, work: Work, *, before: date) -> dict[str, Any]:
    """责任倒查 (DOMAIN.md section 8): who should have found or fixed it, from the work's records."""
    last = session.scalar(
        select(Inspection)
        .where(Inspection.work_id == work.id, Inspection.inspected_on < before)
        .order_by(Inspection.inspected_on.desc(), Inspection.id.desc())
        .limit(1)
    )
    record: dict[str, Any] = {
        "safety_officer": work.safety_officer,
        "technical_lead": work.technical_lead,
        "chief_supervisor": work.chief_supervisor,
        "project_manager": work.project_manager,
    }
    if last is not None:
        record["last_inspection"] = {
            "id": last.id, "on": last.inspected_on.isoformat(), "inspectors": list(last.inspectors),
            "recorded_by": last.recorded_by,
        }  # fmt: skip
    return record


@dataclass(frozen=True)
class HazardInput:
    level: Level
    description: str
    found_on: date
    source: Source
    catalogue_key: str | None = None
    found_by_own_check: bool = False


def open_hazard(
    session: Session, work: Work, data: HazardInput, *, actor_id: int,
    inspection_item: InspectionItem | None = None, inspection: Inspection | None = None,
    flag: SystemFlag | None = None,
) -> Hazard:  # fmt: skip
    """Add a hazard to the session (the caller checks permissions and commits)."""
    description = data.description.strip()
    if not description:
        raise ValidationError("请描述隐患情况", field="description")
    if len(description) > DESCRIPTION_MAX:
        raise ValidationError(f"隐患描述不能超过{DESCRIPTION_MAX}个字符", field="description")
    clause = ""
    if data.catalogue_key:
        clause = clause_label(item(data.catalogue_key))
    elif data.level is Level.MAJOR:
        raise ValidationError("重大事故隐患须对应判定标准的条款", field="catalogue_key")
    version = version_in_force(session, work)
    hazard = Hazard(
        work_id=work.id, city=work.city, district=work.district, category=work.category, level=data.level,
        catalogue_key=data.catalogue_key, clause=clause, description=description, source=data.source,
        inspection_id=inspection.id if inspection else None,
        inspection_item_id=inspection_item.id if inspection_item else None, flag_id=flag.id if flag else None,
        responsible_id=responsible_unit(work), found_on=data.found_on,
        deadline=deadline(data.level, data.found_on, deadline_policy(session).days(data.level)),
        found_by_own_check=data.found_by_own_check,
        accountability=accountability(session, work, before=data.found_on),
        plan_version_id=version.id if version else None, created_by=actor_id,
    )  # fmt: skip
    session.add(hazard)
    session.flush()
    audit.record(session, actor_id=actor_id, action="hazard_open", obj=("hazard", hazard.id),
                 after={"work_id": work.id, "level": data.level.value, "catalogue_key": data.catalogue_key,
                        "source": data.source.value, "deadline": hazard.deadline.isoformat()})  # fmt: skip
    return hazard


def get_hazard_for(session: Session, scope: Scope, hazard_id: int) -> Hazard:
    """The hazard if the scope may see its work: regulators of its area, the project's teams."""
    hazard = session.get(Hazard, hazard_id)
    if hazard is None or not can_view_site(
        scope, hazard.city, ((p.enterprise_id, p.role) for p in hazard.work.project.participants)
    ):
        raise NotFoundError("隐患不存在或无权查看")
    return hazard


def loop_state(hazard: Hazard) -> LoopHazard:
    events = [Event(e.step, e.party, e.day, len(e.evidence), e.note) for e in hazard.events]
    return replay(hazard.level, hazard.found_on, events, due=hazard.deadline)


def party_of(scope: Scope, hazard: Hazard, step: Step) -> Party:
    """The party this account acts as for ``step``, or PermissionDenied."""
    needed = PARTY_OF[step]
    if needed is Party.RESPONSIBLE_UNIT and can_rectify(scope, hazard.responsible_id):
        return needed
    if needed is Party.AUTHORITY and is_authority_for(scope, hazard.city):
        return needed
    who = "整改责任单位" if needed is Party.RESPONSIBLE_UNIT else "工程所在地的主管部门"
    raise PermissionDenied(f"“{step.label}”只能由{who}办理")


def take_step(
    session: Session, hazard: Hazard, step: Step, *, scope: Scope, day: date, note: str = "",
    evidence: list[site_files.Upload] | None = None, upload_dir: str | Path = "",
) -> HazardEvent:  # fmt: skip
    """Record one step of the hazard's loop, checked by the loop's rules first; nothing is stored if refused."""
    party = party_of(scope, hazard, step)
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise ValidationError(f"说明不能超过{NOTE_MAX}个字符", field="note")
    checked = site_files.check_all(evidence or [], photos_only=False)
    after = apply(loop_state(hazard), Event(step, party, day, len(checked), note))
    event = HazardEvent(hazard_id=hazard.id, seq=len(hazard.events) + 1, step=step, party=party, day=day,
                        note=note, account_id=scope.account_id)  # fmt: skip
    session.add(event)
    hazard.events.append(event)  # the loop of a later step in the same session sees this one
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise DuplicateError("该隐患刚刚被他人处理，请刷新后重试") from exc
    for f in checked:
        stored, _ = site_files.store(f, upload_dir)
        session.add(HazardEvidence(event_id=event.id, original_name=f.original_name, stored_name=stored,
                                   content_type=f.content_type, size=f.size, sha256=f.sha256))  # fmt: skip
    _project(session, hazard, after)
    audit.record(session, actor_id=scope.account_id, action=f"hazard_{step.value}", obj=("hazard", hazard.id),
                 after={"seq": event.seq, "day": day.isoformat(), "note": note, "evidence": len(checked),
                        "state": after.state.value})  # fmt: skip
    session.commit()
    return event


def _project(session: Session, hazard: Hazard, after: LoopHazard) -> None:
    hazard.state = after.state
    hazard.is_supervised = after.supervised
    hazard.is_stopped = after.stopped
    hazard.closed_on = after.closed_on
    work = hazard.work
    others_stopped = session.scalar(
        select(Hazard.id).where(Hazard.work_id == work.id, Hazard.id != hazard.id, Hazard.is_stopped).limit(1)
    )
    work.is_stopped = after.stopped or others_stopped is not None


def record_self_check_hazard(
    session: Session, work: Work, data: HazardInput, *, scope: Scope, today: date
) -> Hazard:
    """The constructor records a hazard its own check found (排查 by the unit itself): the builder of the
    project only, on a work not yet closed, dated no later than today, citing an item that concerns the work."""
    participants = [(p.enterprise_id, p.role) for p in work.project.participants]
    if not is_builder(scope, participants):
        raise PermissionDenied("只有本项目的施工单位可以登记自查发现的隐患")
    if work.status is WorkStatus.CLOSED:
        raise ValidationError("该危大工程已完工销项，不能再登记自查隐患")
    if data.found_on > today:
        raise ValidationError("发现日期不能晚于今天", field="found_on")
    if data.catalogue_key:
        cited = item(data.catalogue_key)
        if not cited.concerns_every_work and cited.category != work.category:
            raise ValidationError(
                f"所选条款（{clause_label(cited)}）不适用于该类危大工程", field="catalogue_key"
            )
    own = HazardInput(data.level, data.description, data.found_on, Source.SELF_CHECK, data.catalogue_key,
                      found_by_own_check=True)  # fmt: skip
    hazard = open_hazard(session, work, own, actor_id=scope.account_id)
    session.commit()
    return hazard


def available_steps(scope: Scope, hazard: Hazard) -> list[Step]:
    """The steps this account may take on the hazard now (the pages show a form for each, and only those)."""
    found = []
    for step in Step:
        try:
            party = party_of(scope, hazard, step)
        except PermissionDenied:
            continue
        if hazard.state not in FROM_STATES[step] or (
            hazard.state is State.CLOSED and step is not Step.LIFT_STOP
        ):
            continue
        if (step is Step.SUPERVISE and hazard.is_supervised) or (step is Step.STOP and hazard.is_stopped):
            continue
        if step is Step.LIFT_STOP and not hazard.is_stopped:
            continue
        if party is PARTY_OF[step]:
            found.append(step)
    return found
