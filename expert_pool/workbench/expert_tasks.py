"""An expert's tasks (DOMAIN 3-4, 6): invitations to answer, plans to read before the meeting, the steps of the
meeting and the report that wait on him (``reviews.todo``), revisions he confirms as leader, penalties to appeal."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from expert_pool.credit.rules import EventKind
from expert_pool.draws.models import Draw, Seat, SeatStatus
from expert_pool.experts.models import CreditAppeal, CreditEventRow
from expert_pool.policy import PoolPolicy, pool_policy
from expert_pool.reviews.models import Review, ReviewReport
from expert_pool.reviews.rules import sign_deadline
from expert_pool.reviews.todo import todo_list
from expert_pool.workbench import review_queues
from expert_pool.workbench.subjects import of_work
from knowledge.accounts.permissions import Scope
from knowledge.clock import CST
from knowledge.enterprises.models import Project
from knowledge.registry.models import Work
from knowledge.workbench.tasks import Task


def invitations_to_answer(session: Session, expert_id: int, *, now: datetime) -> list[Task]:
    """His invitations still open: unanswered and before the reply deadline (DOMAIN 4, **policy** ``reply_hours``;
    past it the seat passes on, ``draws.invitations.expire_overdue``), due that deadline's day."""
    stmt = (
        select(Seat.id, Seat.reply_by, Work.name, Project.name.label("project"))
        .join(Draw, Draw.id == Seat.draw_id).join(Work, Work.id == Draw.work_id)
        .join(Project, Project.id == Work.project_id)
        .where(Seat.expert_id == expert_id, Seat.status == SeatStatus.INVITED,
               or_(Seat.reply_by.is_(None), Seat.reply_by > now))
    )  # fmt: skip
    return [Task("invitation_answer", "答复论证邀请", of_work(r.project, r.name), "invitation", r.id,
                 r.reply_by.astimezone(CST).date() if r.reply_by else None)
            for r in session.execute(stmt)]  # fmt: skip


def open_reviews(session: Session, expert_id: int) -> list[Review]:
    """The reviews he sits on (a confirmed seat of the draw or a top-up, as ``reviews.meetings.reviews_of_expert``)
    whose report is not final yet, or is being corrected, with all ``reviews.todo`` reads loaded at once."""
    confirmed = select(Seat.draw_id).where(Seat.expert_id == expert_id, Seat.status == SeatStatus.CONFIRMED)
    roots = select(func.coalesce(Draw.top_up_of, Draw.id)).where(Draw.id.in_(confirmed))
    draft = exists().where(ReviewReport.review_id == Review.id, ReviewReport.finalised_at.is_(None),
                           ReviewReport.withdrawn_at.is_(None))  # fmt: skip
    stmt = (
        select(Review)
        .where(Review.draw_id.in_(roots), or_(~review_queues.final_report(), draft))
        .options(joinedload(Review.work).joinedload(Work.project), selectinload(Review.opinions),
                 selectinload(Review.readings),
                 selectinload(Review.reports).selectinload(ReviewReport.signatures),
                 selectinload(Review.reports).selectinload(ReviewReport.refusals))
        .execution_options(populate_existing=True)
    )  # fmt: skip
    return list(session.scalars(stmt).unique())


# ``reviews.todo`` steps that are this expert's to do, as (kind, label, target); the others wait on someone else.
STEPS: dict[str, tuple[str, str, str]] = {
    "待论证会当天签到": ("meeting_check_in", "论证会签到", "review"),
    "待推选组长": ("leader_vote", "推选专家组组长", "review"),
    "待提交意见": ("opinion_submit", "提交个人论证意见", "review_opinion"),
    "待签署": ("report_sign", "签署论证报告", "report_sign"),
    "拒签已答复，待签署": ("report_sign", "签署论证报告", "report_sign"),
}
DRAFTING = "待组长起草结论"


def review_steps(session: Session, expert_id: int, policy: PoolPolicy, *, today: date) -> list[Task]:
    """The plan to read before the meeting, then the next step ``reviews.todo`` names for him: checking in on the
    meeting day, the leader's vote and the opinion at the meeting, the leader's draft, his signature, due by
    the signing deadline (DOMAIN 6, **policy** ``report_sign_days`` after the meeting)."""
    reviews = open_reviews(session, expert_id)
    steps = todo_list(session, reviews, expert_id)
    found: list[Task] = []
    for review in reviews:
        subject = of_work(review.work.project.name, review.work.name)
        deadline = sign_deadline(review.held_on, days=policy.report_sign_days) if review.held_on else None
        if review.held_on is None and review.meeting_day >= today and not _has_read(review, expert_id):
            found.append(
                Task(
                    "plan_read", "会前阅读专项施工方案", subject, "review_plan", review.id, review.meeting_day
                )
            )
        step = steps[review.id]
        if step == DRAFTING and review.leader_expert_id == expert_id:
            found.append(Task("report_draft", "起草论证结论", subject, "review", review.id, deadline))
        elif step in STEPS and (step != "待论证会当天签到" or review.meeting_day == today):
            kind, label, target = STEPS[step]
            due = review.meeting_day if deadline is None else deadline
            found.append(Task(kind, label, subject, target, review.id, due))
    return found


def _has_read(review: Review, expert_id: int) -> bool:
    return any(r.expert_id == expert_id and r.first_opened_at is not None for r in review.readings)


def revisions_to_confirm(session: Session, expert_id: int, policy: PoolPolicy) -> list[Task]:
    """After 修改后通过 the panel's leader confirms the responses (unless the policy gives it to the office)."""
    if policy.office_confirms_revision:
        return []
    waiting = review_queues.pending_revisions(session, Review.leader_expert_id == expert_id)
    return [Task("revision_confirm", "确认修改回复", of_work(w.project, w.work), "revision", w.review_id)
            for w in waiting]  # fmt: skip


def events_to_appeal(session: Session, expert_id: int) -> list[Task]:
    """DOMAIN 6: his penalties (a deduction or a removal) not reversed and never appealed, as
    ``credit.ledger.file_appeal`` accepts them. The rules set no appeal window, so none is due."""
    own = CreditEventRow.expert_id == expert_id
    reversed_ids = select(CreditEventRow.reversal_of).where(own, CreditEventRow.reversal_of.is_not(None))
    appealed = select(CreditAppeal.event_id).where(CreditAppeal.expert_id == expert_id)
    stmt = select(CreditEventRow.id, CreditEventRow.kind, CreditEventRow.day).where(
        own, CreditEventRow.kind != EventKind.REVERSAL.value,
        or_(CreditEventRow.points < 0, CreditEventRow.kind == EventKind.MISCONDUCT.value),
        CreditEventRow.id.not_in(reversed_ids), CreditEventRow.id.not_in(appealed),
    )  # fmt: skip
    return [Task("credit_appeal", "可对信用扣分提出申诉", f"{EventKind(r.kind).label}（{r.day.isoformat()}）",
                 "credit_event", r.id) for r in session.execute(stmt)]  # fmt: skip


def tasks(session: Session, scope: Scope, *, today: date, now: datetime) -> list[Task]:
    """Every task of an expert's account (none without an expert)."""
    expert_id = scope.expert_id
    if expert_id is None:
        return []
    policy = pool_policy(session)
    return [*invitations_to_answer(session, expert_id, now=now),
            *review_steps(session, expert_id, policy, today=today),
            *revisions_to_confirm(session, expert_id, policy), *events_to_appeal(session, expert_id)]  # fmt: skip
