"""The project team's review tasks (Decree 37 Art. 12-13): ask for the review of a signed over-scale plan,
revise the plan after 修改后通过, record the meeting its general contractor organised."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from expert_pool.reviews.models import Review, Revision
from expert_pool.workbench import review_queues
from expert_pool.workbench.subjects import of_work
from knowledge.accounts.permissions import Scope
from knowledge.enterprises.models import ParticipantRole, Project, ProjectParticipant
from knowledge.plans.models import PlanVersion
from knowledge.registry.models import Work
from knowledge.registry.rules import Verdict
from knowledge.registry.workflow import WorkStatus
from knowledge.workbench.tasks import Task


def organised_by(enterprise_id: int) -> ColumnElement[bool]:
    """Art. 12: the general contractor organises the review (``plans.services.request_review`` and
    ``reviews.meetings.access`` check the same)."""
    return Project.id.in_(
        select(ProjectParticipant.project_id).where(
            ProjectParticipant.enterprise_id == enterprise_id,
            ProjectParticipant.role == ParticipantRole.GENERAL_CONTRACTOR,
        )
    )


def built_by(enterprise_id: int) -> ColumnElement[bool]:
    """Art. 10, 13: the constructor revises the plan, the general contractor or the subcontractor carrying the
    work out (``plans.services.is_builder``)."""
    return or_(organised_by(enterprise_id), Work.subcontractor_id == enterprise_id)


def reviews_to_request(session: Session, enterprise_id: int) -> list[Task]:
    """Art. 12: an over-scale work whose plan both sign-offs passed (总监已审查) waits for its review request;
    not a revised plan after 修改后通过 (that one is confirmed, not reviewed again), nor a stopped work."""
    revising = (
        select(Revision.id)
        .join(PlanVersion, PlanVersion.id == Revision.plan_version_id)
        .where(PlanVersion.work_id == Work.id, Revision.confirmed_at.is_(None))
        .exists()
    )
    stmt = (
        select(Work.id, Work.name, Project.name.label("project"))
        .join(Project, Project.id == Work.project_id)
        .where(Work.verdict == Verdict.OVER_SCALE, Work.status == WorkStatus.SUPERVISOR_SIGNED,
               ~Work.is_stopped, ~revising, organised_by(enterprise_id))
    )  # fmt: skip
    return [Task("review_request", "申请专家论证", of_work(r.project, r.name), "work", r.id)
            for r in session.execute(stmt)]  # fmt: skip


def revisions_to_submit(session: Session, enterprise_id: int) -> list[Task]:
    """Art. 13: after 修改后通过 the constructor revises the plan by the report, answering each required change
    (``reviews.revisions.submit_revision``); the rules set no deadline for it."""
    latest_review = select(Review.id).where(Review.work_id == Work.id).order_by(Review.id.desc()).limit(1)
    stmt = (
        select(Work.name, Project.name.label("project"), latest_review.scalar_subquery().label("review_id"))
        .join(Project, Project.id == Work.project_id)
        .where(Work.status == WorkStatus.PASSED_AFTER_REVISION, ~Work.is_stopped, built_by(enterprise_id))
    )
    return [Task("revision_submit", "按论证报告修改方案并逐条回复", of_work(r.project, r.name), "revision_submit",
                 r.review_id) for r in session.execute(stmt) if r.review_id is not None]  # fmt: skip


def meetings_to_record(session: Session, enterprise_id: int, *, today: date, now: datetime) -> list[Task]:
    """The organiser records the meeting it held (place, date, attendees), due from the meeting day."""
    waiting = review_queues.unrecorded_meetings(session, organised_by(enterprise_id), today=today, now=now)
    return [Task("meeting_record", "记录论证会", of_work(w.project, w.work), "review", w.review_id, w.due)
            for w in waiting]  # fmt: skip


def tasks(session: Session, scope: Scope, *, today: date, now: datetime) -> list[Task]:
    """Every review task of a project team's enterprise (none without one)."""
    enterprise_id = scope.enterprise_id
    if enterprise_id is None:
        return []
    return [*reviews_to_request(session, enterprise_id), *revisions_to_submit(session, enterprise_id),
            *meetings_to_record(session, enterprise_id, today=today, now=now)]  # fmt: skip
