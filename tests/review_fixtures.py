"""A review meeting ready to record, shared by the review tests: an over-scale work whose signed plan was
drawn for, with every invited expert confirmed, and helpers that play the meeting forward (the experts check
in and choose their leader, the organiser records the meeting, the office confirms a reported absence)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from expert_pool.draws import services as draws
from expert_pool.draws.models import Draw, HalfDay, SeatStatus
from expert_pool.experts.models import Expert, ExpertSpecialty
from expert_pool.reviews import attendance
from expert_pool.reviews import meetings as reviews
from expert_pool.reviews import reports as review_reports
from expert_pool.reviews.models import Conclusion, Review, ReviewReport
from expert_pool.reviews.rules import ATTENDEE_ROLES, REVIEW_POINTS
from knowledge.accounts.models import Account, Role
from knowledge.accounts.permissions import Scope
from knowledge.enterprises.models import Enterprise, ParticipantRole, Project
from knowledge.plans.models import PlanSignoff, SignoffKind
from knowledge.regions import City
from knowledge.registry.models import Work
from knowledge.registry.workflow import WorkStatus
from tests.factories import (
    make_account,
    make_enterprise,
    make_expert,
    make_plan_version,
    make_project,
    make_work,
)

DRAWN_AT = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
MEETING_DAY = date(2026, 12, 3)
AT_MEETING = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)  # 11:00 in Jiangsu, during the morning meeting
CITIES = [City.NANJING, City.WUXI, City.NANTONG, City.YANGZHOU, City.SUZHOU, City.CHANGZHOU, City.XUZHOU]


@dataclass
class Meeting:
    work: Work
    project: Project
    gc: Enterprise
    supervisor: Enterprise
    team: Account  # the general contractor's account
    supervisor_team: Account
    draw: Draw
    review: Review
    panel: list[Expert]
    accounts: dict[int, Account]  # expert id -> his account
    office: Account | None = None  # the draw office of the work's city

    def scope_of(self, expert: Expert) -> Scope:
        return Scope.of(self.accounts[expert.id])


def ready_meeting(session: Session, upload_dir: str, *, experts: int = 12, seed: str = "seed-r") -> Meeting:
    gc = make_enterprise(session, name="苏州某建设有限公司")
    sup = make_enterprise(session, name="苏州某监理有限公司")
    project = make_project(session, [(gc, ParticipantRole.GENERAL_CONTRACTOR), (sup, ParticipantRole.SUPERVISOR)],
                           name="苏州某商业综合体项目", city=City.SUZHOU)  # fmt: skip
    team = make_account(session, Role.PROJECT_TEAM, enterprise_id=gc.id)
    sup_team = make_account(session, Role.PROJECT_TEAM, enterprise_id=sup.id)
    work = make_work(session, project, status=WorkStatus.REVIEW_REQUESTED)
    version = make_plan_version(session, work, upload_dir)
    for kind, who in ((SignoffKind.CONSTRUCTOR, team), (SignoffKind.SUPERVISOR, sup_team)):
        session.add(
            PlanSignoff(plan_version_id=version.id, kind=kind, account_id=who.id, signer_name="签字人")
        )
    pool = []
    for i in range(experts):
        e = make_expert(session, name=f"专家{i:02d}", city=CITIES[i % len(CITIES)])
        e.specialties.append(ExpertSpecialty(category=work.category))
        pool.append(e)
    session.commit()
    accounts = {e.id: make_account(session, Role.EXPERT, expert_id=e.id) for e in pool}
    draw = draws.request_draw(session, work, MEETING_DAY, HalfDay.AM, actor_id=None, now=DRAWN_AT, seed=seed)
    for seat in list(draw.seats):
        if seat.status is SeatStatus.INVITED:
            reviews.confirm_seat(session, seat, now=DRAWN_AT + timedelta(hours=1), actor_id=None)
    review = reviews.open_review(session, draw)
    session.commit()
    panel = [s.expert for s in reviews.confirmed_seats(session, review)]
    office = make_account(session, Role.DRAW_OFFICE, city=work.city)
    return Meeting(work, project, gc, sup, team, sup_team, draw, review, panel, accounts, office)


def attendees() -> list[dict[str, str]]:
    return [
        {"role": role, "name": f"{label[:2]}某", "unit": "某单位"} for role, label in ATTENDEE_ROLES.items()
    ]


def check_in_all(session: Session, m: Meeting, *, absent: list[int] | None = None) -> None:
    """Every seated expert not in ``absent`` checks in on his own account (once) and names the first as leader."""
    here = set(reviews.present_ids(session, m.review))
    coming = [e for e in m.panel if e.id not in set(absent or [])]
    for expert in coming:
        if expert.id not in here:
            attendance.check_in(
                session, m.review, expert.id, now=AT_MEETING, actor_id=m.accounts[expert.id].id
            )
    for expert in coming:
        attendance.vote_leader(session, m.review, expert.id, coming[0].id, now=AT_MEETING)


def confirm_absence(session: Session, m: Meeting, expert_id: int, note: str = "未到会") -> None:
    """The organiser reports the expert absent and the office confirms it (the credit event)."""
    assert m.office is not None
    report = attendance.report_absence(session, m.review, expert_id, note=note, scope=Scope.of(m.team),
                                       now=AT_MEETING)  # fmt: skip
    attendance.decide_absence(session, m.review, report, confirm=True, note="核实属实", scope=Scope.of(m.office),
                              now=AT_MEETING)  # fmt: skip


def record(session: Session, m: Meeting, *, absent: list[int] | None = None) -> Review:
    """The meeting as held: the present experts check in and choose the first of them as leader, each absence
    is reported and confirmed, and the organiser records place, date and attendees."""
    check_in_all(session, m, absent=absent)
    reported = {a.expert_id for a in attendance.absences(session, m.review)}
    for expert_id in absent or []:
        if expert_id not in reported:
            confirm_absence(session, m, expert_id)
    return reviews.record_meeting(
        session, m.review, scope=Scope.of(m.team), place="苏州市工业园区某会议室", held_on=MEETING_DAY,
        attendees=attendees(), now=AT_MEETING,
    )  # fmt: skip


def all_met() -> dict[str, dict[str, bool]]:
    return {p: dict.fromkeys(items, True) for p, (_, items) in REVIEW_POINTS.items()}


def opinion(session: Session, m: Meeting, expert: Expert, proposed: Conclusion = Conclusion.PASS_AFTER_REVISION,
            **kw: Any) -> Any:  # fmt: skip
    findings = kw.pop(
        "findings",
        {"1": "应急预案不具体。", "2": "支护结构计算缺少坑底抗隆起验算。", "3": "监测点布置不足。"},
    )
    return reviews.submit_opinion(session, m.review, expert.id, checks=kw.pop("checks", all_met()),
                                  findings=findings, proposed=proposed, now=AT_MEETING)  # fmt: skip


def all_opinions(session: Session, m: Meeting, proposed: Conclusion = Conclusion.PASS_AFTER_REVISION) -> None:
    for expert in m.panel:
        opinion(session, m, expert, proposed)


def draft(
    session: Session, m: Meeting, conclusion: Conclusion = Conclusion.PASS_AFTER_REVISION
) -> ReviewReport:
    changes = [] if conclusion is Conclusion.PASS else [
        ("补充坑底抗隆起验算。", [m.panel[0].id, m.panel[1].id]),
        ("加密基坑周边监测点，明确报警值。", [m.panel[2].id]),
    ]  # fmt: skip
    return review_reports.draft_report(session, m.review, m.panel[0].id, conclusion=conclusion,
                                       summary="专家组经审查，形成论证意见如下。", changes=changes,
                                       now=AT_MEETING)  # fmt: skip


def sign_all(session: Session, m: Meeting, report: ReviewReport) -> None:
    for expert in m.panel:
        review_reports.sign_report(session, m.review, report, expert.id, now=AT_MEETING + timedelta(hours=1))


def concluded(
    session: Session, m: Meeting, conclusion: Conclusion = Conclusion.PASS_AFTER_REVISION
) -> ReviewReport:
    record(session, m)
    all_opinions(session, m, conclusion)
    report = draft(session, m, conclusion)
    sign_all(session, m, report)
    session.refresh(report)
    return report
