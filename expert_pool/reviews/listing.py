"""The reviews list: its filters (city, category, conclusion, period, expert, constructor) as one SQL query over
the reviews an account may see, and the same rows as CSV and XLSX."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from expert_pool.draws.models import Draw, Seat, SeatStatus
from expert_pool.experts.models import Expert
from expert_pool.reviews.meetings import current_report, reviews_query
from expert_pool.reviews.models import Conclusion, Review
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.enterprises.models import Enterprise, ParticipantRole, Project, ProjectParticipant
from knowledge.pagination import like_pattern
from knowledge.regions import City
from knowledge.registry.models import Work
from knowledge.registry.rules import catalogue
from knowledge.spreadsheets.writing import csv_bytes, xlsx_bytes

# 施工单位: the general contractor, and the specialist subcontractor that writes its own plan (37号令 第十条).
CONSTRUCTOR_ROLES = (ParticipantRole.GENERAL_CONTRACTOR, ParticipantRole.SUBCONTRACTOR)
# Who an expert sat with is the pool's record: only those who run or watch the pool may list by expert.
EXPERT_FILTER_ROLES = (Role.DRAW_OFFICE, Role.REGULATOR, Role.ADMIN)
EXPORT_LIMIT = 100_000
CATEGORY_LABELS = {c.code: c.label for c in catalogue()}


@dataclass(frozen=True)
class ReviewFilter:
    """What the list is narrowed to; empty fields do not narrow it."""

    city: City | None = None
    category: str = ""
    conclusion: Conclusion | None = None
    held_from: date | None = None
    held_to: date | None = None
    expert: str = ""  # an expert's id (digits) or part of his name
    constructor: str = ""  # part of a constructor's name, or its 统一社会信用代码


def may_filter_by_expert(scope: Scope) -> bool:
    return scope.role in EXPERT_FILTER_ROLES


def may_filter_by_city(scope: Scope) -> bool:
    """A city-scoped account is confined to its city; choosing another one is not offered."""
    return not (scope.role.has_city_scope and scope.city is not None)


def listed_reviews(scope: Scope, f: ReviewFilter) -> Select[Review]:
    """The reviews ``scope`` may list that pass ``f``, newest meeting first (one statement, rows loaded with
    their work, project and reports as ``reviews_query`` does)."""
    stmt = reviews_query(scope, conclusion=f.conclusion)
    if f.city is not None and may_filter_by_city(scope):
        stmt = stmt.where(Work.city == f.city)
    if f.category:
        stmt = stmt.where(Work.category == f.category)
    held = func.coalesce(Review.held_on, Review.meeting_day)
    if f.held_from is not None:
        stmt = stmt.where(held >= f.held_from)
    if f.held_to is not None:
        stmt = stmt.where(held <= f.held_to)
    if f.expert and may_filter_by_expert(scope):
        stmt = stmt.where(Review.draw_id.in_(_meetings_sat_by(f.expert)))
    if f.constructor:
        stmt = stmt.where(Project.id.in_(_projects_built_by(f.constructor)))
    return stmt


def _meetings_sat_by(expert: str) -> Select[int]:
    """The root draws of the meetings where the expert (id or name) held a confirmed seat, top-ups included."""
    if expert.isascii() and expert.isdigit() and len(expert) < 10:
        who = Expert.id == int(expert)
    else:
        who = Expert.name.like(like_pattern(expert), escape="\\")
    seated = (
        select(Seat.draw_id)
        .join(Expert, Expert.id == Seat.expert_id)
        .where(Seat.status == SeatStatus.CONFIRMED, who)
    )
    return select(func.coalesce(Draw.top_up_of, Draw.id)).where(Draw.id.in_(seated))


def _projects_built_by(constructor: str) -> Select[int]:
    named = or_(
        Enterprise.credit_code == constructor.upper(),
        Enterprise.name.like(like_pattern(constructor), escape="\\"),
    )
    return (
        select(ProjectParticipant.project_id)
        .join(Enterprise, Enterprise.id == ProjectParticipant.enterprise_id)
        .where(ProjectParticipant.role.in_(CONSTRUCTOR_ROLES), named)
    )


def iter_reviews(session: Session, scope: Scope, f: ReviewFilter) -> Iterator[Review]:
    """Every review of the list for an export, in batches (capped at EXPORT_LIMIT)."""
    stmt = listed_reviews(scope, f).limit(EXPORT_LIMIT)
    yield from session.scalars(stmt.execution_options(yield_per=1000))


# -- export ---------------------------------------------------------------------------------------------------

HEADERS = ["论证编号", "危大工程名称", "项目名称", "所在城市", "区县", "工程类别", "会议日期", "时段", "地点",
           "论证结论", "结论出具日期"]  # fmt: skip


def row(review: Review) -> list[str | int]:
    work, report = review.work, current_report(review)
    finalised = report.finalised_at if report is not None else None
    return [
        review.id,
        work.name,
        work.project.name,
        work.city.label,
        work.district,
        CATEGORY_LABELS.get(work.category, work.category),
        (review.held_on or review.meeting_day).isoformat(),
        review.half_day.label,
        review.place,
        report.conclusion.label if report is not None else "进行中",
        finalised.date().isoformat() if finalised is not None else "",
    ]


def to_csv(reviews: Iterable[Review]) -> bytes:
    return csv_bytes(HEADERS, (row(r) for r in reviews))


def to_xlsx(reviews: Iterable[Review]) -> bytes:
    return xlsx_bytes("专家论证记录", HEADERS, (row(r) for r in reviews))
