"""The draw office's tasks (DOMAIN 3-4): works waiting for their draw, invitations unanswered near their
deadline, panels short of members, meetings without a record, refusals to answer, absences to decide, and the
revised plans it confirms where the policy gives it that."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from expert_pool.draws.invitations import SEATED
from expert_pool.draws.models import Draw, Seat, SeatStatus
from expert_pool.policy import PoolPolicy, pool_policy
from expert_pool.reviews.models import AbsenceReport, AbsenceStatus, ReportRefusal, Review, ReviewReport
from expert_pool.reviews.rules import sign_deadline
from expert_pool.workbench import review_queues
from expert_pool.workbench.subjects import of_work
from knowledge.accounts.permissions import Scope, visible_projects
from knowledge.clock import CST
from knowledge.enterprises.models import Project
from knowledge.registry.models import Work
from knowledge.registry.rules import Verdict
from knowledge.registry.workflow import WorkStatus
from knowledge.workbench.tasks import Task


def works_to_draw(session: Session, scope: Scope) -> list[Task]:
    """Requested reviews without a panel: a draw moves the work on to 论证中 (``draws.services.request_draw``),
    so a work still at 已申请论证 has none for this round. The rules set no deadline for the draw."""
    stmt = (
        select(Work.id, Work.name, Project.name.label("project"))
        .join(Project, Project.id == Work.project_id)
        .where(Work.status == WorkStatus.REVIEW_REQUESTED, Work.verdict == Verdict.OVER_SCALE,
               ~Work.is_stopped, visible_projects(scope))
    )  # fmt: skip
    return [Task("draw_request", "抽取论证专家", of_work(r.project, r.name), "work", r.id)
            for r in session.execute(stmt)]  # fmt: skip


def invitations_near_deadline(
    session: Session, scope: Scope, policy: PoolPolicy, *, now: datetime
) -> list[Task]:
    """Per draw, the invitations still unanswered within the reminder window before their reply deadline (DOMAIN
    4, **policy** ``reply_hours`` and ``reminder_hours``, as ``draws.invitations.remind_due``), due the earliest."""
    soon = now + timedelta(hours=policy.reminder_hours)
    stmt = (
        select(Seat.draw_id, func.min(Seat.reply_by).label("reply_by"), func.count(Seat.id).label("open"),
               Work.name, Project.name.label("project"))
        .join(Draw, Draw.id == Seat.draw_id).join(Work, Work.id == Draw.work_id)
        .join(Project, Project.id == Work.project_id)
        .where(Seat.status == SeatStatus.INVITED, Seat.reply_by <= soon, visible_projects(scope))
        .group_by(Seat.draw_id, Work.name, Project.name)
    )  # fmt: skip
    return [Task("invitation_follow_up", "跟进即将到期未答复的专家邀请",
                 of_work(r.project, r.name, f"{r.open}名专家未答复"), "draw", r.draw_id,
                 r.reply_by.astimezone(CST).date()) for r in session.execute(stmt)]  # fmt: skip


def panels_short(session: Session, scope: Scope, policy: PoolPolicy, *, today: date) -> list[Task]:
    """Meetings ahead whose seated experts (invited or confirmed, over the draw and its top-ups) are fewer than
    the panel size the draw was made with: the alternates and the automatic top-up ran out (``draws.invitations``).
    Due when the materials must reach the panel (**policy** ``materials_lead_days`` before the meeting)."""
    root = func.coalesce(Draw.top_up_of, Draw.id)
    seated = (
        select(root.label("root_id"), func.count(Seat.id).label("seated"))
        .join(Seat, Seat.draw_id == Draw.id).where(Seat.status.in_(SEATED), Draw.meeting_day >= today)
        .group_by(root).subquery()
    )  # fmt: skip
    stmt = (
        select(Draw.id, Draw.meeting_day, Draw.policy, func.coalesce(seated.c.seated, 0).label("seated"),
               Work.name, Project.name.label("project"))
        .join(Work, Work.id == Draw.work_id).join(Project, Project.id == Work.project_id)
        .outerjoin(seated, seated.c.root_id == Draw.id)
        .where(Draw.top_up_of.is_(None), Draw.meeting_day >= today, visible_projects(scope))
    )  # fmt: skip
    lead = timedelta(days=policy.materials_lead_days)
    return [Task("panel_short", "补足论证专家", of_work(r.project, r.name, f"在席{r.seated}名"), "draw", r.id,
                 r.meeting_day - lead)
            for r in session.execute(stmt) if r.seated < int(r.policy["panel"]["panel_size"])]  # fmt: skip


def meetings_to_record(session: Session, scope: Scope, *, today: date, now: datetime) -> list[Task]:
    """Meetings begun without a record: the office records them too (``reviews.meetings.access``), due that day."""
    waiting = review_queues.unrecorded_meetings(session, visible_projects(scope), today=today, now=now)
    return [Task("meeting_record", "记录论证会", of_work(w.project, w.work), "review", w.review_id, w.due)
            for w in waiting]  # fmt: skip


def refusals_to_answer(session: Session, scope: Scope, policy: PoolPolicy) -> list[Task]:
    """Refusals to sign a live draft, unanswered (``reviews.dissent.answer_refusal``): while one stands the
    report cannot become final, so each is due by the report's signing deadline (DOMAIN 6)."""
    stmt = (
        select(ReportRefusal.id, Review.id.label("review_id"), Review.held_on, Work.name,
               Project.name.label("project"))
        .join(ReviewReport, ReviewReport.id == ReportRefusal.report_id)
        .join(Review, Review.id == ReviewReport.review_id)
        .join(Work, Work.id == Review.work_id).join(Project, Project.id == Work.project_id)
        .where(ReportRefusal.answered_at.is_(None), ReviewReport.finalised_at.is_(None),
               ReviewReport.withdrawn_at.is_(None), visible_projects(scope))
    )  # fmt: skip
    days = policy.report_sign_days
    return [Task("refusal_answer", "答复专家拒签", of_work(r.project, r.name), "review", r.review_id,
                 sign_deadline(r.held_on, days=days) if r.held_on else None)
            for r in session.execute(stmt)]  # fmt: skip


def absences_to_decide(session: Session, scope: Scope) -> list[Task]:
    """Absences the organiser reported, pending (``reviews.attendance.decide_absence``); no deadline is set."""
    stmt = (
        select(AbsenceReport.id, Review.id.label("review_id"), Work.name, Project.name.label("project"))
        .join(Review, Review.id == AbsenceReport.review_id)
        .join(Work, Work.id == Review.work_id).join(Project, Project.id == Work.project_id)
        .where(AbsenceReport.status == AbsenceStatus.PENDING, visible_projects(scope))
    )  # fmt: skip
    return [Task("absence_decide", "核实专家缺席", of_work(r.project, r.name), "review", r.review_id)
            for r in session.execute(stmt)]  # fmt: skip


def revisions_to_confirm(session: Session, scope: Scope, policy: PoolPolicy) -> list[Task]:
    """Where the policy (``office_confirms_revision``) gives the office the confirmation after 修改后通过."""
    if not policy.office_confirms_revision:
        return []
    waiting = review_queues.pending_revisions(session, visible_projects(scope))
    return [Task("revision_confirm", "确认修改回复", of_work(w.project, w.work), "revision", w.review_id)
            for w in waiting]  # fmt: skip


def tasks(session: Session, scope: Scope, *, today: date, now: datetime) -> list[Task]:
    """Every task of a draw office, in its city (or the province)."""
    policy = pool_policy(session)
    return [*works_to_draw(session, scope), *invitations_near_deadline(session, scope, policy, now=now),
            *panels_short(session, scope, policy, today=today),
            *meetings_to_record(session, scope, today=today, now=now),
            *refusals_to_answer(session, scope, policy), *absences_to_decide(session, scope),
            *revisions_to_confirm(session, scope, policy)]  # fmt: skip
