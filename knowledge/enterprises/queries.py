"""Read side of the registry: pagination and the lists pages and the API share."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from knowledge.enterprises.models import Enterprise
from knowledge.errors import NotFoundError
from knowledge.pagination import DEFAULT_PER_PAGE, Page, like_pattern, paginate
from knowledge.regions import City


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
            or_(Enterprise.name.like(like_pattern(q), escape="\\"), Enterprise.credit_code == q.upper())
        )
    if city is not None:
        stmt = stmt.where(Enterprise.city == city)
    return paginate(session, stmt, page, per_page)


def get_enterprise(session: Session, enterprise_id: int) -> Enterprise:
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise NotFoundError("单位不存在")
    return enterprise


def enterprise_id_by_code(session: Session, code: str) -> int | None:
    return session.scalar(select(Enterprise.id).where(Enterprise.credit_code == code.strip().upper()))
