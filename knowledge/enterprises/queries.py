"""Read side of the registry: pagination and the lists pages and the API share."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import ceil
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from knowledge.accounts.models import Account
from knowledge.accounts.permissions import Scope, can_read_audit, can_view_project, visible_projects
from knowledge.audit import AuditLog
from knowledge.enterprises.models import Enterprise, Project, ProjectParticipant
from knowledge.errors import NotFoundError, PermissionDenied
from knowledge.regions import City

T = TypeVar("T")
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def paginate(session: Session, stmt: Select[Any], page: int, per_page: int) -> Page[Any]:
    """One page of ``stmt``; ``page`` past the end gives an empty page, never an error."""
    page = max(1, page)
    per_page = min(max(1, per_page), MAX_PER_PAGE)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    items = session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(items, total, page, per_page)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def enterprises(
    session: Session,
    *,
    q: str = "",
    city: City | None = None,
    page: int = 1,
    per_page: int = DEFAULT_PER_PAGE,
) -> Page[Enterprise]:
    """The enterprise directory (public registration data): by name or credit code, and city."""
    stmt = select(Enterprise).order_by(Enterprise.name, Enterprise.id)
    if q:
        stmt = stmt.where(
            or_(Enterprise.name.like(_like(q), escape="\\"), Enterprise.credit_code == q.upper())
        )
    if city is not None:
        stmt = stmt.where(Enterprise.city == city)
    return paginate(session, stmt, page, per_page)


def get_enterprise(session: Session, enterprise_id: int) -> Enterprise:
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise NotFoundError("单位不存在")
    return enterprise


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
        stmt = stmt.where(Project.name.like(_like(q), escape="\\"))
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


def accounts(session: Session, *, page: int = 1, per_page: int = DEFAULT_PER_PAGE) -> Page[Account]:
    return paginate(session, select(Account).order_by(Account.id), page, per_page)


def audit_entries(
    session: Session, scope: Scope, *, object_type: str = "", page: int = 1, per_page: int = DEFAULT_PER_PAGE
) -> Page[AuditLog]:
    if not can_read_audit(scope):
        raise PermissionDenied("无权查看审计日志")
    stmt = select(AuditLog).order_by(AuditLog.id.desc())
    if object_type:
        stmt = stmt.where(AuditLog.object_type == object_type)
    return paginate(session, stmt, page, per_page)


def counts(session: Session, scope: Scope) -> dict[str, int]:
    """Figures for a dashboard, within what the scope may see."""
    visible = select(func.count()).select_from(Project).where(visible_projects(scope))
    return {
        "projects": session.scalar(visible) or 0,
        "enterprises": session.scalar(select(func.count()).select_from(Enterprise)) or 0,
    }


def history(session: Session, object_type: str, object_id: int, limit: int = 200) -> list[AuditLog]:
    """The audit rows of one object, oldest first: its history as a person reads it."""
    stmt = (
        select(AuditLog)
        .where(AuditLog.object_type == object_type, AuditLog.object_id == str(object_id))
        .order_by(AuditLog.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def enterprise_id_by_code(session: Session, code: str) -> int | None:
    return session.scalar(select(Enterprise.id).where(Enterprise.credit_code == code.strip().upper()))
