"""Read side of inspections: one inspection or photo for whoever may see the work's site, a work's inspections,
and the regulators' paged list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session, selectinload

from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.errors import NotFoundError, PermissionDenied
from knowledge.pagination import DEFAULT_PER_PAGE, Page, paginate
from knowledge.regions import City
from knowledge.registry.models import Work
from knowledge.site.access import can_view_site
from knowledge.site.hazard_models import Hazard
from knowledge.site.inspection_models import Inspection, InspectionItem, InspectionPhoto, Sweep, SweepWork

NOT_FOUND = "检查记录不存在或无权查看"


@dataclass(frozen=True)
class InspectionFilter:
    city: City | None = None
    category: str | None = None
    date_from: date | None = None
    date_to: date | None = None


def _may_view(scope: Scope, inspection: Inspection) -> bool:
    """Regulators of the work's area, the project's teams; the draw office of the city reads (access.can_view_site)."""
    participants = ((p.enterprise_id, p.role) for p in inspection.work.project.participants)
    return can_view_site(scope, inspection.city, participants)


def get_inspection_for(session: Session, scope: Scope, inspection_id: int) -> Inspection:
    """:raises NotFoundError: for a missing inspection and for one the scope may not see (its existence is private)."""
    inspection = session.get(
        Inspection,
        inspection_id,
        options=[selectinload(Inspection.items).selectinload(InspectionItem.photos)],
    )
    if inspection is None or not _may_view(scope, inspection):
        raise NotFoundError(NOT_FOUND)
    return inspection


def get_photo_for(session: Session, scope: Scope, photo_id: int) -> InspectionPhoto:
    """An inspection photo, if the scope may see the inspection it belongs to."""
    photo = session.get(InspectionPhoto, photo_id)
    item = session.get(InspectionItem, photo.item_id) if photo is not None else None
    inspection = session.get(Inspection, item.inspection_id) if item is not None else None
    if photo is None or inspection is None or not _may_view(scope, inspection):
        raise NotFoundError("照片不存在或无权查看")
    return photo


def inspections_of_work(session: Session, work_id: int) -> list[Inspection]:
    """The work's inspections, latest first (the caller has checked that the work is visible)."""
    stmt = (
        select(Inspection)
        .where(Inspection.work_id == work_id)
        .order_by(Inspection.inspected_on.desc(), Inspection.id.desc())
    )
    return list(session.scalars(stmt))


def hazards_of_inspection(session: Session, inspection_id: int) -> list[Hazard]:
    return list(
        session.scalars(select(Hazard).where(Hazard.inspection_id == inspection_id).order_by(Hazard.id))
    )


def inspections_page(
    session: Session,
    scope: Scope,
    found: InspectionFilter,
    *,
    page: int = 1,
    per_page: int = DEFAULT_PER_PAGE,
) -> Page[Inspection]:
    """The inspections of the regulator's area, latest first; a city regulator sees his city whatever he asks.

    :raises PermissionDenied: for anyone but a regulator.
    """
    if scope.role is not Role.REGULATOR:
        raise PermissionDenied("检查记录清单仅供主管部门监管人员查看")
    stmt = select(Inspection).options(selectinload(Inspection.work).selectinload(Work.project))
    city = scope.city or found.city
    if city is not None:
        stmt = stmt.where(Inspection.city == city)
    if found.category:
        stmt = stmt.where(Inspection.category == found.category)
    if found.date_from is not None:
        stmt = stmt.where(Inspection.inspected_on >= found.date_from)
    if found.date_to is not None:
        stmt = stmt.where(Inspection.inspected_on <= found.date_to)
    stmt = stmt.order_by(Inspection.inspected_on.desc(), Inspection.id.desc())
    return paginate(session, stmt, page, per_page)


def sweeps_for(session: Session, work: Work, on: date) -> list[Sweep]:
    """The sweeps an inspection of ``work`` on ``on`` may belong to: their period covers the day, their area the
    work (a special sweep's list names it)."""
    listed = exists().where(SweepWork.sweep_id == Sweep.id, SweepWork.work_id == work.id)
    stmt = (
        select(Sweep)
        .where(
            Sweep.starts_on <= on,
            Sweep.ends_on >= on,
            or_(Sweep.city.is_(None), Sweep.city == work.city),
            or_(Sweep.is_listed.is_(False), listed),
        )
        .order_by(Sweep.starts_on.desc(), Sweep.id.desc())
    )
    return list(session.scalars(stmt))


def sweep_of(session: Session, inspection: Inspection) -> Sweep | None:
    return session.get(Sweep, inspection.sweep_id) if inspection.sweep_id is not None else None
