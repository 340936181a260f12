"""Use cases of the site records: briefings, the start of the works, monitoring and its alarms, acceptance.

The registry's workflow follows them (issue 20 item 1): a plan briefing (方案交底) on the version in force moves an
in-force work to briefed; the works start only with a plan briefing on the version in force; a passed acceptance
signed by the project technical lead and the chief supervisor, each in his own account, moves it to accepted.
Decree 37 Art. 15 (交底), 20 (监测), 21 (验收).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from knowledge import audit
from knowledge.accounts.permissions import Scope
from knowledge.enterprises import creditcode
from knowledge.enterprises.models import Enterprise, ParticipantRole
from knowledge.errors import DuplicateError, PermissionDenied, ValidationError
from knowledge.plans.models import SignoffKind
from knowledge.plans.services import may_sign
from knowledge.registry.models import Work
from knowledge.registry.services import move, participants_of
from knowledge.registry.workflow import WorkflowError, WorkStatus
from knowledge.site import access
from knowledge.site import files as site_files
from knowledge.site.hazards import version_in_force
from knowledge.site.models import (
    Acceptance,
    AcceptanceResult,
    AcceptanceSignature,
    AcceptanceSigner,
    AlarmHandling,
    AlarmLevel,
    Briefing,
    BriefingAttachment,
    BriefingKind,
    Monitoring,
    MonitoringAlarm,
)

# Site records are kept while the plan is in force on site (briefed, under way, accepted); not before, not after.
_ON_SITE = frozenset({WorkStatus.IN_FORCE, WorkStatus.BRIEFED, WorkStatus.IN_PROGRESS, WorkStatus.ACCEPTED})
PERSON_MAX = 32
ATTENDEES_MAX = 200
TEXT_MAX = 1000


def _text(value: str, label: str, name: str, limit: int, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError(f"请填写{label}", field=name)
    if len(value) > limit:
        raise ValidationError(f"{label}不能超过{limit}个字符", field=name)
    return value


def _day(value: date, today: date, label: str, name: str) -> date:
    if value > today:
        raise ValidationError(f"{label}不能晚于今天", field=name)
    return value


def _names(values: list[str], label: str, name: str) -> list[str]:
    names = [v.strip() for v in values if v.strip()]
    if not names:
        raise ValidationError(f"请填写{label}", field=name)
    if len(names) > ATTENDEES_MAX or any(len(n) > PERSON_MAX for n in names):
        raise ValidationError(f"{label}最多{ATTENDEES_MAX}人，每个姓名不超过{PERSON_MAX}个字符", field=name)
    return names


def _on_site(work: Work, what: str) -> None:
    if work.status not in _ON_SITE:
        raise WorkflowError(
            f"工程当前为“{work.status.label}”，不能记录{what}（方案生效后、工程关闭前才可记录）"
        )


def _participants(work: Work) -> list[tuple[int, ParticipantRole]]:
    return participants_of(work.project)


@dataclass(frozen=True)
class BriefingInput:
    kind: BriefingKind
    plan_version_id: int
    briefed_on: date
    briefer: str
    audience: str
    attendees: list[str] = field(default_factory=list)
    content: str = ""
    attachments: list[site_files.Upload] = field(default_factory=list)


def record_briefing(
    session: Session, work: Work, data: BriefingInput, *, scope: Scope, today: date, upload_dir: str | Path
) -> Briefing:
    """A briefing on the plan version in force; a plan briefing moves an in-force work to briefed."""
    if not access.can_record_briefing(scope, _participants(work)):
        raise PermissionDenied("只有本项目的施工单位可以记录交底")
    _on_site(work, "交底")
    version = version_in_force(session, work)
    if version is None or data.plan_version_id != version.id:
        current = f"（现行版本为第{version.number}版）" if version else ""
        raise ValidationError(
            f"交底须针对现行有效的方案版本{current}，已被替代的版本不能交底", field="plan_version_id"
        )
    briefing = Briefing(
        work_id=work.id, plan_version_id=version.id, kind=data.kind,
        briefed_on=_day(data.briefed_on, today, "交底日期", "briefed_on"),
        briefer=_text(data.briefer, "交底人", "briefer", PERSON_MAX),
        audience=_text(data.audience, "被交底对象", "audience", 200),
        attendees=_names(data.attendees, "参加人员", "attendees"),
        content=_text(data.content, "交底内容摘要", "content", 2000, required=False),
        recorded_by=scope.account_id,
    )  # fmt: skip
    checked = site_files.check_all(data.attachments, photos_only=False)
    session.add(briefing)
    session.flush()
    for f in checked:
        stored, _ = site_files.store(f, upload_dir)
        session.add(BriefingAttachment(briefing_id=briefing.id, original_name=f.original_name, stored_name=stored,
                                       content_type=f.content_type, size=f.size, sha256=f.sha256))  # fmt: skip
    audit.record(session, actor_id=scope.account_id, action="site_briefing", obj=("work", work.id),
                 after={"briefing_id": briefing.id, "kind": data.kind.value, "plan_version": version.number,
                        "day": briefing.briefed_on.isoformat()})  # fmt: skip
    if data.kind is BriefingKind.PLAN and work.status is WorkStatus.IN_FORCE:
        move(session, work, WorkStatus.BRIEFED, actor_id=scope.account_id, reason="已进行方案交底")
    session.commit()
    return briefing


def has_plan_briefing(session: Session, work: Work) -> bool:
    version = version_in_force(session, work)
    if version is None:
        return False
    found = session.scalar(
        select(Briefing.id).where(
            Briefing.work_id == work.id,
            Briefing.plan_version_id == version.id,
            Briefing.kind == BriefingKind.PLAN,
        )
    )
    return found is not None


def start_works(session: Session, work: Work, *, scope: Scope) -> Work:
    """记录开始施工: only after a plan briefing on the version in force (Art. 15)."""
    if not access.is_builder(scope, _participants(work)):
        raise PermissionDenied("只有本项目的施工单位可以记录开始施工")
    if work.status is not WorkStatus.BRIEFED or not has_plan_briefing(session, work):
        raise WorkflowError("开始施工前须对现行有效的方案版本进行方案交底并记录")
    move(session, work, WorkStatus.IN_PROGRESS, actor_id=scope.account_id, reason="开始施工")
    session.commit()
    return work


def engage_monitoring(
    session: Session, work: Work, *, credit_code: str, starts_on: date, scheme: str, scope: Scope, today: date
) -> Monitoring:
    """Art. 20: the monitoring unit, engaged by the owner, must be a monitoring participant of the project."""
    if not access.can_engage_monitoring(scope, _participants(work)):
        raise PermissionDenied("只有本项目的建设单位或施工单位可以登记第三方监测单位")
    _on_site(work, "第三方监测")
    code = creditcode.normalize(credit_code or "")
    enterprise = session.scalar(select(Enterprise).where(Enterprise.credit_code == code)) if code else None
    monitors = {e for e, r in _participants(work) if r is ParticipantRole.MONITOR}
    if enterprise is None or enterprise.id not in monitors:
        raise ValidationError(
            "监测单位须是本项目登记的第三方监测单位（按统一社会信用代码）", field="credit_code"
        )
    monitoring = Monitoring(work_id=work.id, enterprise_id=enterprise.id,
                            starts_on=_day(starts_on, today, "监测开始日期", "starts_on"),
                            scheme=_text(scheme, "监测方案", "scheme", 500, required=False),
                            recorded_by=scope.account_id)  # fmt: skip
    session.add(monitoring)
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise DuplicateError("该监测单位已登记在本工程") from exc
    audit.record(session, actor_id=scope.account_id, action="site_monitoring", obj=("work", work.id),
                 after={"monitoring_id": monitoring.id, "enterprise": enterprise.credit_code})  # fmt: skip
    session.commit()
    return monitoring


@dataclass(frozen=True)
class AlarmInput:
    raised_at: datetime
    quantity: str
    level: AlarmLevel
    value: str
    unit: str = ""


def record_alarm(
    session: Session, monitoring: Monitoring, data: AlarmInput, *, scope: Scope, now: datetime
) -> MonitoringAlarm:
    work = monitoring.work
    if not access.can_record_alarm(scope, _participants(work), monitoring.enterprise_id):
        raise PermissionDenied("只有该监测单位或本项目施工单位可以记录监测报警")
    _on_site(work, "监测报警")
    if data.raised_at > now:
        raise ValidationError("报警时间不能晚于现在", field="raised_at")
    value = _text(data.value, "监测值", "value", 32)
    try:
        float(value)
    except ValueError:
        raise ValidationError("监测值须为数字", field="value") from None
    alarm = MonitoringAlarm(monitoring_id=monitoring.id, raised_at=data.raised_at, level=data.level, value=value,
                            quantity=_text(data.quantity, "监测项目", "quantity", 64),
                            unit=_text(data.unit, "单位", "unit", 16, required=False),
                            recorded_by=scope.account_id)  # fmt: skip
    session.add(alarm)
    session.flush()
    audit.record(session, actor_id=scope.account_id, action="site_alarm", obj=("work", work.id),
                 after={"alarm_id": alarm.id, "level": data.level.value, "quantity": alarm.quantity,
                        "value": value})  # fmt: skip
    session.commit()
    return alarm


def handle_alarm(
    session: Session, alarm: MonitoringAlarm, *, measures: str, handled_on: date, scope: Scope, today: date
) -> AlarmHandling:
    monitoring = session.get(Monitoring, alarm.monitoring_id)
    assert monitoring is not None  # the foreign key holds it
    work = monitoring.work
    if not access.can_handle_alarm(scope, _participants(work)):
        raise PermissionDenied("只有本项目的施工单位或监理单位可以记录报警处置")
    if handled_on < alarm.raised_at.date():
        raise ValidationError("处置日期不能早于报警时间", field="handled_on")
    handling = AlarmHandling(alarm_id=alarm.id, handled_on=_day(handled_on, today, "处置日期", "handled_on"),
                             measures=_text(measures, "处置措施", "measures", TEXT_MAX), recorded_by=scope.account_id)  # fmt: skip
    session.add(handling)
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise DuplicateError("该报警已记录处置情况") from exc
    audit.record(session, actor_id=scope.account_id, action="site_alarm_handling", obj=("work", work.id),
                 after={"alarm_id": alarm.id, "day": handled_on.isoformat()})  # fmt: skip
    session.commit()
    return handling


@dataclass(frozen=True)
class AcceptanceInput:
    accepted_on: date
    participants: list[str]
    result: AcceptanceResult
    note: str = ""


def record_acceptance(
    session: Session, work: Work, data: AcceptanceInput, *, scope: Scope, today: date
) -> Acceptance:
    """The constructor records the acceptance of the works under way; it counts once both have signed."""
    if not access.is_builder(scope, _participants(work)):
        raise PermissionDenied("只有本项目的施工单位可以发起验收记录")
    if work.status is not WorkStatus.IN_PROGRESS:
        raise WorkflowError(f"工程当前为“{work.status.label}”，只有施工中的工程可以验收")
    if work.is_stopped:
        raise WorkflowError("该工程已被责令停工，停工令解除前不能验收")
    version = version_in_force(session, work)
    assert version is not None  # in progress: the plan is in force
    if data.result is AcceptanceResult.FAILED and not data.note.strip():
        raise ValidationError("验收不合格须写明问题", field="note")
    acceptance = Acceptance(work_id=work.id, plan_version_id=version.id, result=data.result,
                            accepted_on=_day(data.accepted_on, today, "验收日期", "accepted_on"),
                            participants=_names(data.participants, "验收人员", "participants"),
                            note=_text(data.note, "说明", "note", TEXT_MAX, required=False),
                            recorded_by=scope.account_id)  # fmt: skip
    session.add(acceptance)
    session.flush()
    audit.record(session, actor_id=scope.account_id, action="site_acceptance", obj=("work", work.id),
                 after={"acceptance_id": acceptance.id, "result": data.result.value})  # fmt: skip
    session.commit()
    return acceptance


def may_sign_acceptance(scope: Scope, work: Work, kind: AcceptanceSigner) -> bool:
    """The technical lead signs in the constructor's account (the subcontractor's when it carries the work out),
    the chief supervisor in the supervisor's: the same accounts that sign the plan (Art. 11, 21)."""
    if kind is AcceptanceSigner.CHIEF_SUPERVISOR:
        return may_sign(scope, work, SignoffKind.SUPERVISOR)
    builder = SignoffKind.SUBCONTRACTOR if work.subcontractor_id is not None else SignoffKind.CONSTRUCTOR
    return may_sign(scope, work, builder)


def sign_acceptance(
    session: Session, acceptance: Acceptance, kind: AcceptanceSigner, *, signer_name: str, scope: Scope
) -> AcceptanceSignature:
    work = acceptance.work
    if not may_sign_acceptance(scope, work, kind):
        raise PermissionDenied(f"只能由本项目{kind.label}所在单位的账号以“{kind.label}”身份签字")
    # The two signers at once: the acceptance is locked before the insert (PostgreSQL; SQLite serialises
    # writers), so the second sees the first's signature and moves the works, whatever else serialises them.
    session.execute(select(Acceptance.id).where(Acceptance.id == acceptance.id).with_for_update())
    signature = AcceptanceSignature(acceptance_id=acceptance.id, kind=kind, account_id=scope.account_id,
                                    signer_name=_text(signer_name, "签字人姓名", "signer_name", PERSON_MAX))  # fmt: skip
    session.add(signature)
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise DuplicateError(f"该验收记录已有“{kind.label}”签字") from exc
    audit.record(session, actor_id=scope.account_id, action="site_acceptance_sign", obj=("work", work.id),
                 after={"acceptance_id": acceptance.id, "kind": kind.value, "signer": signature.signer_name})  # fmt: skip
    session.refresh(acceptance, ["signatures"])
    signed = {s.kind for s in acceptance.signatures}
    if (
        signed == set(AcceptanceSigner)
        and acceptance.result is AcceptanceResult.PASSED
        and work.status is WorkStatus.IN_PROGRESS
    ):
        move(
            session,
            work,
            WorkStatus.ACCEPTED,
            actor_id=scope.account_id,
            reason="验收合格，项目技术负责人和总监理工程师已签字",
        )
    session.commit()
    return signature


def site_records(session: Session, work: Work) -> SiteRecords:
    """The work's briefings, monitorings (with alarms) and acceptances (with signatures), oldest first."""
    return SiteRecords(
        briefings=list(session.scalars(select(Briefing).where(Briefing.work_id == work.id)
                                       .order_by(Briefing.briefed_on, Briefing.id))),
        monitorings=list(session.scalars(select(Monitoring).where(Monitoring.work_id == work.id)
                                         .order_by(Monitoring.starts_on, Monitoring.id))),
        acceptances=list(session.scalars(select(Acceptance).where(Acceptance.work_id == work.id)
                                         .order_by(Acceptance.accepted_on, Acceptance.id))),
    )  # fmt: skip


@dataclass(frozen=True)
class SiteRecords:
    briefings: list[Briefing]
    monitorings: list[Monitoring]
    acceptances: list[Acceptance]
