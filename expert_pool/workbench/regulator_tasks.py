"""A regulator's tasks on the pool side (Decree 37 Art. 25-27, DOMAIN 6): meetings begun and never recorded,
reports unsigned past their deadline, and the experts' credit appeals to decide."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select, true
from sqlalchemy.orm import Session

from expert_pool.credit.rules import EventKind
from expert_pool.experts.models import CreditAppeal, CreditEventRow, Expert
from expert_pool.policy import pool_policy
from expert_pool.workbench import review_queues
from expert_pool.workbench.subjects import of_work
from knowledge.accounts.permissions import Scope, visible_projects
from knowledge.workbench.tasks import Task


def unrecorded_meetings(session: Session, scope: Scope, *, today: date, now: datetime) -> list[Task]:
    """A meeting begun with no record: the rules set no deadline between the request and the meeting, so what
    is late is the meeting drawn for a day now past, due that day."""
    waiting = review_queues.unrecorded_meetings(session, visible_projects(scope), today=today, now=now)
    return [Task("meeting_unrecorded", "督办未记录的论证会", of_work(w.project, w.work), "review", w.review_id,
                 w.due) for w in waiting]  # fmt: skip


def late_reports(session: Session, scope: Scope, *, today: date) -> list[Task]:
    """Reports not final past the signing deadline (DOMAIN 6, **policy** ``report_sign_days``)."""
    days = pool_policy(session).report_sign_days
    waiting = review_queues.late_reports(session, visible_projects(scope), today=today, days=days)
    return [Task("report_overdue", "督办逾期未签署的论证报告", of_work(w.project, w.work), "review", w.review_id,
                 w.due) for w in waiting]  # fmt: skip


def appeals_to_decide(session: Session, scope: Scope) -> list[Task]:
    """Pending appeals of experts living in the regulator's city, or any for the province (as
    ``experts.scopes.check_manage`` lets ``credit.ledger.decide_appeal`` through); the rules set no deadline.
    Each opens the expert's credit page (``expert_credit``, the expert's id), where his appeals are decided."""
    where = true() if scope.city is None else Expert.city == scope.city
    stmt = (
        select(CreditAppeal.id, CreditAppeal.expert_id, Expert.name, CreditEventRow.kind, CreditEventRow.day)
        .join(Expert, Expert.id == CreditAppeal.expert_id)
        .join(CreditEventRow, CreditEventRow.id == CreditAppeal.event_id)
        .where(CreditAppeal.status == "pending", where)
    )
    return [Task("appeal_decide", "处理专家信用申诉", f"{r.name} · {EventKind(r.kind).label}（{r.day.isoformat()}）",
                 "expert_credit", r.expert_id) for r in session.execute(stmt)]  # fmt: skip


def tasks(session: Session, scope: Scope, *, today: date, now: datetime) -> list[Task]:
    """Every pool task of a regulator, in its city (or the province)."""
    return [*unrecorded_meetings(session, scope, today=today, now=now), *late_reports(session, scope, today=today),
            *appeals_to_decide(session, scope)]  # fmt: skip
