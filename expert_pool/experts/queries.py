"""Read side of the expert pool: searching experts."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from expert_pool.experts.models import Expert, ExpertSpecialty, ExpertStatus
from expert_pool.experts.scopes import may_read_pool
from knowledge.accounts.permissions import Scope
from knowledge.pagination import DEFAULT_PER_PAGE, Page, paginate
from knowledge.regions import City


def experts(
    session: Session, *, q: str = "", city: City | None = None, specialty: str = "",
    status: ExpertStatus | None = None, page: int = 1, per_page: int = DEFAULT_PER_PAGE, phone_hash: str = "",
) -> Page[Expert]:  # fmt: skip
    """``phone_hash`` (``contacts.phone_lookup_hash`` of ``q``) also finds the expert whose phone is ``q``."""
    stmt = select(Expert).options(selectinload(Expert.specialties)).order_by(Expert.id)
    if q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        by_name = Expert.name.like(f"%{escaped}%", escape="\\")
        stmt = stmt.where(or_(by_name, Expert.phone_hash == phone_hash) if phone_hash else by_name)
    if city is not None:
        stmt = stmt.where(Expert.city == city)
    if specialty:
        has = select(ExpertSpecialty.expert_id).where(ExpertSpecialty.category == specialty)
        stmt = stmt.where(Expert.id.in_(has))
    if status is not None:
        stmt = stmt.where(Expert.status == status)
    return paginate(session, stmt, page, per_page)


def experts_by_id(session: Session, ids: list[int]) -> dict[int, Expert]:
    return {e.id: e for e in session.scalars(select(Expert).where(Expert.id.in_(ids)))}


def experts_by_id_hash(session: Session, hashes: Iterable[str], *, scope: Scope) -> dict[str, Expert]:
    """Pool experts by the keyed hash of their ID number: how a plan's authors are linked to the pool. Only
    the roles that read the pool learn who is in it; for anyone else, nobody is."""
    wanted = {h for h in hashes if h}
    if not wanted or not may_read_pool(scope):
        return {}
    found = session.scalars(select(Expert).where(Expert.id_number_hash.in_(wanted)))
    return {e.id_number_hash: e for e in found if e.id_number_hash}
