"""Read side of projects as an account sees them: the lists and the counts its scope allows."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from knowledge.accounts.permissions import Scope, can_view_project, visible_projects
from knowledge.enterprises.models import Enterprise, Project, ProjectParticipant
from knowledge.errors import NotFoundError
from knowledge.pagination import DEFAULT_PER_PAGE, Page, like_pattern, paginate
from knowledge.regions import City


def projects(
    session: Session,
    scope: Scope,
    *,
    q: str = "",
    city: City | None = None,
    district: str = "",
    page: int = 1,
    per_page: int = DEFAULT_PER_PAGE,
) -> Page[Project]:
    stmt = select(Project).where(visible_projects(scope)).order_by(Project.id.desc())
    if q:
        stmt = stmt.where(Project.name.like(like_pattern(q), escape="\\"))
    if city is not None:
        stmt = stmt.where(Project.city == city)
    if district:
        stmt = stmt.where(Project.district == district)
    return paginate(session, stmt, page, per_page)


def get_project_for(session: Session, scope: Scope, project_id: int) -> Project:
    """The project if this scope may see it; a hidden project is reported as missing (404)."""
    project = session.scalar(
        select(Project)
        .where(Project.id == project_id)
        .options(selectinload(Project.participants).selectinload(ProjectParticipant.enterprise))
    )
    if project is None or not can_view_project(
        scope, project.city, (p.enterprise_id for p in project.participants)
    ):
        raise NotFoundError("项目不存在或无权查看")
    return project


def projects_of_enterprise(
    session: Session, scope: Scope, enterprise_id: int, limit: int = 50
) -> list[Project]:
    takes_part = select(ProjectParticipant.project_id).where(
        ProjectParticipant.enterprise_id == enterprise_id
    )
    stmt = (
        select(Project)
        .where(Project.id.in_(takes_part), visible_projects(scope))
        .order_by(Project.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def counts(session: Session, scope: Scope) -> dict[str, int]:
    """Figures for a dashboard, within what the scope may see."""
    visible = select(func.count()).select_from(Project).where(visible_projects(scope))
    return {
        "projects": session.scalar(visible) or 0,
        "enterprises": session.scalar(select(func.count()).select_from(Enterprise)) or 0,
    }
