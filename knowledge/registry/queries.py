"""Read side of the works registry: the filtered, sorted list every view and export shares."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, false, select, true
from sqlalchemy.orm import Session, joinedload

from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope, can_view_project
from knowledge.enterprises.models import ProjectParticipant
from knowledge.errors import NotFoundError
from knowledge.pagination import DEFAULT_PER_PAGE, Page, like_pattern, paginate
from knowledge.regions import City
from knowledge.registry.models import Work
from knowledge.registry.rules import Verdict
from knowledge.registry.workflow import WorkStatus

SORTS: dict[str, tuple[str, Any]] = {
    "newest": ("登记时间（新→旧）", Work.id.desc()),
    "oldest": ("登记时间（旧→新）", Work.id.asc()),
    "start": ("计划开工（早→晚）", Work.planned_start.asc()),
    "start_desc": ("计划开工（晚→早）", Work.planned_start.desc()),
    "name": ("名称", Work.name.asc()),
}
EXPORT_LIMIT = 200_000


@dataclass(frozen=True)
class WorkFilter:
    city: City | None = None
    district: str = ""
    category: str = ""
    verdict: Verdict | None = None
    status: WorkStatus | None = None
    enterprise_id: int | None = None
    start_from: date | None = None
    start_to: date | None = None
    q: str = ""
    sort: str = "newest"


def visible_works(scope: Scope) -> ColumnElement[bool]:
    """Works of the projects the scope may see (the same rule as knowledge.accounts.permissions)."""
    if scope.is_province_wide:
        return true()
    if scope.role.has_city_scope:
        return Work.city == scope.city
    if scope.role is Role.PROJECT_TEAM and scope.enterprise_id is not None:
        return exists(
            select(ProjectParticipant.id).where(
                ProjectParticipant.project_id == Work.project_id,
                ProjectParticipant.enterprise_id == scope.enterprise_id,
            )
        )
    return false()


def filtered(scope: Scope, f: WorkFilter) -> Select[Work]:
    stmt = select(Work).where(visible_works(scope))
    if f.city is not None:
        stmt = stmt.where(Work.city == f.city)
    if f.district:
        stmt = stmt.where(Work.district == f.district)
    if f.category:
        stmt = stmt.where(Work.category == f.category)
    if f.verdict is not None:
        stmt = stmt.where(Work.verdict == f.verdict)
    if f.status is not None:
        stmt = stmt.where(Work.status == f.status)
    if f.start_from is not None:
        stmt = stmt.where(Work.planned_start >= f.start_from)
    if f.start_to is not None:
        stmt = stmt.where(Work.planned_start <= f.start_to)
    if f.q:
        stmt = stmt.where(Work.name.like(like_pattern(f.q), escape="\\"))
    if f.enterprise_id is not None:
        takes_part = select(ProjectParticipant.project_id).where(
            ProjectParticipant.enterprise_id == f.enterprise_id
        )
        stmt = stmt.where(Work.project_id.in_(takes_part))
    order = SORTS.get(f.sort, SORTS["newest"])[1]  # not `_, order = ...`: crashes mypy 1.19.1
    return stmt.order_by(order, Work.id.desc())


def works(
    session: Session, scope: Scope, f: WorkFilter, *, page: int = 1, per_page: int = DEFAULT_PER_PAGE
) -> Page[Work]:
    stmt = filtered(scope, f).options(joinedload(Work.project))
    return paginate(session, stmt, page, per_page)


def iter_works(session: Session, scope: Scope, f: WorkFilter) -> Iterator[Work]:
    """Every matching work for an export, streamed in batches (capped at EXPORT_LIMIT)."""
    stmt = filtered(scope, f).options(joinedload(Work.project)).limit(EXPORT_LIMIT)
    yield from session.scalars(stmt.execution_options(yield_per=1000))


def get_work_for(session: Session, scope: Scope, work_id: int) -> Work:
    """The work if the scope may see its project; otherwise reported as missing (404)."""
    work = session.get(Work, work_id, options=[joinedload(Work.project)])
    if work is None or not can_view_project(
        scope, work.city, (p.enterprise_id for p in work.project.participants)
    ):
        raise NotFoundError("危大工程不存在或无权查看")
    return work


def works_of_project(session: Session, project_id: int) -> list[Work]:
    """The works of one project; the caller has already checked that the project is visible."""
    return list(session.scalars(select(Work).where(Work.project_id == project_id).order_by(Work.id)))
