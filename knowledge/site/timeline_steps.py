"""The registry's and the site's part of a work's timeline: its records turned into ``timeline.Step`` values.

Registration, reclassification and the status moves come from the audit log (the registry's own history); plan
versions and sign-offs, briefings, monitoring alarms and their handling, acceptances and signatures, inspections,
hazards and every step of their loop (stop orders included) from their tables. A dozen queries whatever the size
of the work's history; who acted is read in one query at the end.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from knowledge.accounts.models import Account
from knowledge.audit import AuditLog
from knowledge.clock import CST
from knowledge.plans.models import PlanVersion
from knowledge.registry.models import Work
from knowledge.registry.rules import Verdict
from knowledge.registry.workflow import WorkStatus
from knowledge.site.hazard_loop import State, Step
from knowledge.site.hazard_models import Hazard
from knowledge.site.inspection_models import Inspection
from knowledge.site.models import Acceptance, Briefing, Monitoring, MonitoringAlarm
from knowledge.site.timeline import Link, link
from knowledge.site.timeline import Step as TimelineStep

# Status moves worth a step of their own; the others are the plan, sign-off, briefing and acceptance steps.
MOVE_STEPS: dict[WorkStatus, tuple[str, str]] = {
    WorkStatus.REVIEW_REQUESTED: ("review_request", "申请专家论证"),
    WorkStatus.UNDER_REVIEW: ("review_start", "进入专家论证"),
    WorkStatus.PASSED: ("review_passed", "专家论证结论：通过"),
    WorkStatus.PASSED_AFTER_REVISION: ("review_passed", "专家论证结论：修改后通过"),
    WorkStatus.FAILED: ("review_failed", "专家论证结论：不通过"),
    WorkStatus.IN_FORCE: ("in_force", "方案生效"),
    WorkStatus.IN_PROGRESS: ("start", "开始施工"),
    WorkStatus.ACCEPTED: ("accepted", "验收通过"),
    WorkStatus.CLOSED: ("closure", "工程关闭"),
}
HAZARD_STEP_KINDS: dict[Step, str] = {
    Step.SUBMIT: "hazard_rectify", Step.SEND_BACK: "hazard_send_back", Step.CLOSE: "hazard_close",
    Step.SUPERVISE: "hazard_supervise", Step.STOP: "stop_order", Step.LIFT_STOP: "stop_lifted",
}  # fmt: skip


class Names:
    """Account ids met while gathering, resolved to display names in one query."""

    def __init__(self) -> None:
        self.ids: set[int] = set()
        self.names: dict[int, str] = {}

    def want(self, account_id: int | None) -> int | None:
        if account_id is not None:
            self.ids.add(account_id)
        return account_id

    def load(self, session: Session) -> None:
        missing = self.ids - set(self.names)
        if missing:
            rows = session.execute(select(Account.id, Account.display_name).where(Account.id.in_(missing)))
            self.names.update({i: n for i, n in rows})

    def __call__(self, account_id: int | None) -> str:
        return self.names.get(account_id, "") if account_id is not None else ""


def local_day(at: datetime) -> date:
    return at.astimezone(CST).date()


class Draft:
    """A step whose actor is an account id, named once every record is read."""

    def __init__(self, step: TimelineStep, account_id: int | None = None) -> None:
        self.step, self.account_id = step, account_id


def timed(
    at: datetime, kind: str, label: str, *, actor: str = "", detail: str = "", link: Link | None = None
) -> TimelineStep:
    return TimelineStep(
        day=local_day(at), at=at, kind=kind, label=label, actor=actor, detail=detail, link=link
    )


def _registry(session: Session, work: Work, names: Names) -> list[Draft]:
    rows = session.scalars(
        select(AuditLog)
        .where(AuditLog.object_type == "work", AuditLog.object_id == str(work.id), AuditLog.outcome == "ok")
        .where(AuditLog.action.in_(("work_register", "work_import", "work_reclassify", "work_move")))
        .order_by(AuditLog.seq)
    )
    drafts: list[Draft] = []
    registered = False
    for row in rows:
        after = row.after or {}
        if row.action in ("work_register", "work_import"):
            registered = True
            step = timed(row.at, "registration", "登记危大工程", detail=work.verdict.label,
                         link=link("work", work_id=work.id))  # fmt: skip
        elif row.action == "work_reclassify":
            verdict = after.get("verdict", "")
            detail = Verdict(verdict).label if verdict in set(Verdict) else ""
            step = timed(row.at, "reclassify", "更正判定参数", detail=detail)
        else:
            try:
                kind, label = MOVE_STEPS[WorkStatus(after.get("status", ""))]
            except (KeyError, ValueError):
                continue
            step = timed(row.at, kind, label, detail=str(after.get("reason", "")))
        drafts.append(Draft(step, names.want(row.actor_id)))
    if not registered:  # works registered before the audit log, or seeded: the row itself says when
        step = timed(work.created_at, "registration", "登记危大工程", detail=work.verdict.label,
                     link=link("work", work_id=work.id))  # fmt: skip
        drafts.insert(0, Draft(step, names.want(work.registered_by)))
    return drafts


def _plans(session: Session, work: Work, names: Names) -> list[Draft]:
    versions = session.scalars(
        select(PlanVersion).where(PlanVersion.work_id == work.id).options(selectinload(PlanVersion.signoffs))
    )
    drafts: list[Draft] = []
    for v in versions:
        target = link("plan_version", version_id=v.id)
        drafts.append(Draft(timed(v.submitted_at, "plan_version", f"提交专项施工方案第{v.number}版",
                                  detail=v.title, link=target), names.want(v.submitted_by)))  # fmt: skip
        for s in v.signoffs:
            step = timed(s.signed_at, "plan_signoff", f"第{v.number}版方案：{s.kind.label}签字",
                         actor=s.signer_name, link=target)  # fmt: skip
            drafts.append(Draft(step))
    return drafts


def _site_records(session: Session, work: Work, names: Names) -> list[Draft]:
    drafts: list[Draft] = []
    records = link("site_records", work_id=work.id)
    for b in session.scalars(select(Briefing).where(Briefing.work_id == work.id)):
        step = TimelineStep(day=b.briefed_on, kind="briefing", label=b.kind.label, actor=b.briefer,
                            detail=f"对象：{b.audience}；出席 {len(b.attendees)} 人", link=records)  # fmt: skip
        drafts.append(Draft(step))
    monitorings = session.scalars(
        select(Monitoring)
        .where(Monitoring.work_id == work.id)
        .options(selectinload(Monitoring.alarms).selectinload(MonitoringAlarm.handling))
    ).all()
    for m in monitorings:
        drafts.append(Draft(TimelineStep(day=m.starts_on, kind="monitoring", label="第三方监测进场",
                                         detail=m.scheme, link=records), names.want(m.recorded_by)))  # fmt: skip
        for a in m.alarms:
            value = f"{a.quantity} {a.value}{a.unit}"
            handled = a.handling
            drafts.append(Draft(timed(a.raised_at, "alarm", f"监测{a.level.label}", detail=value, link=records),
                                names.want(a.recorded_by)))  # fmt: skip
            if handled is not None:
                step = TimelineStep(day=handled.handled_on, kind="alarm_handled", label="监测报警处置",
                                    detail=handled.measures, link=records)  # fmt: skip
                drafts.append(Draft(step, names.want(handled.recorded_by)))
    acceptances = session.scalars(
        select(Acceptance).where(Acceptance.work_id == work.id).options(selectinload(Acceptance.signatures))
    ).all()
    for acc in acceptances:
        step = TimelineStep(day=acc.accepted_on, kind="acceptance", label=f"验收：{acc.result.label}",
                            detail="、".join(acc.participants), link=records)  # fmt: skip
        drafts.append(Draft(step, names.want(acc.recorded_by)))
        for sig in acc.signatures:
            drafts.append(Draft(timed(sig.signed_at, "acceptance_signature", f"验收签字：{sig.kind.label}",
                                      actor=sig.signer_name, link=records)))  # fmt: skip
    return drafts


def _inspections(session: Session, work: Work, names: Names) -> list[Draft]:
    rows = session.scalars(select(Inspection).where(Inspection.work_id == work.id))
    return [
        Draft(TimelineStep(day=i.inspected_on, kind="inspection", label="监督检查",
                           detail="检查人员：" + "、".join(i.inspectors), link=link("inspection", inspection_id=i.id)),
              names.want(i.recorded_by))
        for i in rows
    ]  # fmt: skip


def _hazards(session: Session, work: Work, names: Names) -> list[Draft]:
    hazards = session.scalars(
        select(Hazard).where(Hazard.work_id == work.id).options(selectinload(Hazard.events))
    ).all()
    drafts: list[Draft] = []
    for h in hazards:
        target = link("hazard", hazard_id=h.id)
        open_ = h.state is not State.CLOSED
        label = f"发现{h.level.label}（{h.source.label}）"
        detail = f"{h.clause} {h.description}".strip() + f"；整改期限 {h.deadline.isoformat()}"
        step = TimelineStep(day=h.found_on, kind="hazard", label=label, detail=detail, link=target,
                            due=h.deadline if open_ and h.state is not State.SUBMITTED else None)  # fmt: skip
        drafts.append(Draft(step, names.want(h.created_by)))
        for e in h.events:
            step = TimelineStep(day=e.day, kind=HAZARD_STEP_KINDS[e.step], label=f"隐患{e.step.label}",
                                detail=e.note, link=target)  # fmt: skip
            drafts.append(Draft(step, names.want(e.account_id)))
    return drafts


def gather(session: Session, work: Work) -> list[TimelineStep]:
    """Every recorded step of ``work`` from the registry and the site, unordered, with who acted."""
    names = Names()
    drafts = [
        *_registry(session, work, names),
        *_plans(session, work, names),
        *_site_records(session, work, names),
        *_inspections(session, work, names),
        *_hazards(session, work, names),
    ]
    names.load(session)
    return [
        d.step if d.step.actor or d.account_id is None else replace(d.step, actor=names(d.account_id))
        for d in drafts
    ]


def is_over_scale(work: Work) -> bool:
    return work.verdict is Verdict.OVER_SCALE
