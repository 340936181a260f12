"""Review meetings waiting on someone, as statements each role narrows to its own scope: meetings begun but not
recorded, reports unsigned past the signing deadline, revised plans waiting for their confirmation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, func, select
from sqlalchemy.orm import Session, aliased

from expert_pool.draws.arrangement import MEETING_START
from expert_pool.draws.models import HalfDay, MeetingArrangement
from expert_pool.reviews.models import Review, ReviewReport, Revision
from expert_pool.reviews.rules import sign_deadline
from knowledge.clock import CST
from knowledge.enterprises.models import Project
from knowledge.plans.models import PlanVersion
from knowledge.registry.models import Work
from knowledge.registry.workflow import WorkStatus


@dataclass(frozen=True)
class Waiting:
    """A review that waits on someone: its id, the project and work it is about, and the day it is due."""

    review_id: int
    project: str
    work: str
    due: date | None = None


def _of_reviews(*columns: Any) -> Select[Any]:
    return (
        select(Review.id.label("review_id"), Project.name.label("project"), Work.name.label("work"), *columns)
        .join(Work, Work.id == Review.work_id)
        .join(Project, Project.id == Work.project_id)
    )


def unrecorded_meetings(
    session: Session, where: ColumnElement[bool], *, today: date, now: datetime
) -> list[Waiting]:
    """Each meeting that has begun, as arranged, and has no record yet (``reviews.meetings.record_meeting``
    takes it from the start), due the meeting day; ``where`` is the reader's scope."""
    stmt = (
        _of_reviews(Review.meeting_day, Review.half_day, MeetingArrangement.start_time)
        .outerjoin(MeetingArrangement, MeetingArrangement.draw_id == Review.draw_id)
        .where(Review.held_on.is_(None), Review.meeting_day <= today, where)
    )
    return [
        Waiting(r.review_id, r.project, r.work, r.meeting_day)
        for r in session.execute(stmt)
        if _begun(r.meeting_day, r.half_day, r.start_time, now)
    ]


def _begun(day: date, half_day: HalfDay, start: time | None, now: datetime) -> bool:
    """As ``draws.arrangement.of_root``: the arranged start, or the half-day's usual one."""
    return datetime.combine(day, start or MEETING_START[half_day], tzinfo=CST) <= now


def final_report() -> ColumnElement[bool]:
    """The review has a final report (Decree 37 Art. 13: signed by every expert present)."""
    return exists().where(ReviewReport.review_id == Review.id, ReviewReport.finalised_at.is_not(None))


def late_reports(session: Session, where: ColumnElement[bool], *, today: date, days: int) -> list[Waiting]:
    """Each meeting held whose report is still not final after the signing deadline (DOMAIN 6, **policy**
    ``report_sign_days`` = ``days``; the same test as ``reviews.reports.flag_late_signatures``)."""
    stmt = _of_reviews(Review.held_on).where(
        Review.held_on.is_not(None), Review.held_on < today - timedelta(days=days), ~final_report(), where
    )
    return [
        Waiting(r.review_id, r.project, r.work, sign_deadline(r.held_on, days=days))
        for r in session.execute(stmt)
    ]


def pending_revisions(session: Session, where: ColumnElement[bool]) -> list[Waiting]:
    """Each revised plan waiting for its confirmation (as ``reviews.revisions.pending_revision``): the work's
    latest version, signed again (the work at 总监已审查), answering a report of the review, not confirmed."""
    other = aliased(PlanVersion)
    latest = select(func.max(other.number)).where(other.work_id == Work.id).scalar_subquery()
    stmt = (
        _of_reviews()
        .join(ReviewReport, ReviewReport.review_id == Review.id)
        .join(Revision, Revision.report_id == ReviewReport.id)
        .join(PlanVersion, PlanVersion.id == Revision.plan_version_id)
        .where(Revision.confirmed_at.is_(None), Work.status == WorkStatus.SUPERVISOR_SIGNED,
               PlanVersion.work_id == Work.id, PlanVersion.number == latest, where)
    )  # fmt: skip
    return [Waiting(r.review_id, r.project, r.work) for r in session.execute(stmt)]
