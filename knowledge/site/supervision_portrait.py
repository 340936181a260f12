"""Portraits of supervision (issue 22 item 3, campaign task 9): per city supervision body, or per inspector of
one city, over a period — inspections done, their depth (items checked, photos), hazards found per inspection,
enforcement (stop orders, supervision orders) and the kinds of checklist used.

One aggregate query per figure (GROUP BY the city or the recording account), whatever the number of rows."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from knowledge.accounts.models import Account, Role
from knowledge.accounts.permissions import Scope
from knowledge.errors import PermissionDenied
from knowledge.regions import City
from knowledge.registry.rules import catalogue
from knowledge.site.hazard_models import Hazard
from knowledge.site.inspection_models import Inspection, InspectionItem, InspectionPhoto, ItemResult

CATEGORY_LABELS = {c.code: c.label for c in catalogue()}


@dataclass
class BodyFigures:
    """One supervision body (a city) or one inspector (an account), over the period."""

    key: str
    label: str
    inspections: int = 0
    items_checked: int = 0
    photos: int = 0
    hazards: int = 0
    stop_orders: int = 0
    supervision_orders: int = 0
    checklists: dict[str, int] = field(default_factory=dict)  # work category label -> inspections

    def per_inspection(self, value: int) -> float | None:
        return round(value / self.inspections, 1) if self.inspections else None


def check_read(scope: Scope, city: City | None) -> None:
    """Regulators read the portraits of their own city's supervision (a provincial one, of every city)."""
    if scope.role not in (Role.REGULATOR, Role.ADMIN):
        raise PermissionDenied("当前账号无权查看监督画像")
    if scope.role is Role.REGULATOR and scope.city is not None and city != scope.city:
        raise PermissionDenied("只能查看本市的监督画像")


def portraits(
    session: Session, scope: Scope, *, city: City | None, start: date, end: date
) -> list[BodyFigures]:
    """Per city when ``city`` is None (the province's 13 bodies, every one shown even at zero); per inspector
    (the account that recorded the inspection) of ``city`` otherwise."""
    check_read(scope, city)
    key: Any = Inspection.recorded_by if city is not None else Inspection.city
    where = [Inspection.inspected_on >= start, Inspection.inspected_on <= end]
    if city is not None:
        where.append(Inspection.city == city)
    bodies = _bodies(city)
    for k, n in _grouped(session, select(key, func.count(Inspection.id)), key, where):
        _body(bodies, k).inspections = n
    checked = (
        select(key, func.count(InspectionItem.id))
        .select_from(Inspection)
        .join(InspectionItem)
        .where(InspectionItem.result != ItemResult.NOT_APPLICABLE)
    )
    for k, n in _grouped(session, checked, key, where):
        _body(bodies, k).items_checked = n
    photos = (
        select(key, func.count(InspectionPhoto.id))
        .select_from(Inspection)
        .join(InspectionItem)
        .join(InspectionPhoto)
    )
    for k, n in _grouped(session, photos, key, where):
        _body(bodies, k).photos = n
    hazards = (
        select(
            key,
            func.count(Hazard.id),
            func.sum(case((Hazard.is_stopped, 1), else_=0)),
            func.sum(case((Hazard.is_supervised, 1), else_=0)),
        )
        .select_from(Inspection)
        .join(Hazard, Hazard.inspection_id == Inspection.id)
    )
    rows: list[Any] = list(session.execute(hazards.where(*where).group_by(key)).all())
    for k, n, stopped, supervised in rows:
        body = _body(bodies, k)
        body.hazards, body.stop_orders, body.supervision_orders = n, int(stopped or 0), int(supervised or 0)
    kinds = select(key, Inspection.category, func.count(Inspection.id)).where(*where)
    counted: list[Any] = list(session.execute(kinds.group_by(key, Inspection.category)).all())
    for k, category, n in counted:
        _body(bodies, k).checklists[_category(category)] = n
    return list(bodies.values())


def _grouped(session: Session, stmt: Any, key: Any, where: list[Any]) -> list[Any]:
    return list(session.execute(stmt.where(*where).group_by(key)).all())


def _bodies(city: City | None) -> dict[Any, BodyFigures]:
    if city is None:
        return {c: BodyFigures(c.value, c.label) for c in City}
    return {}


def _body(bodies: dict[Any, BodyFigures], k: Any) -> BodyFigures:
    if k not in bodies:  # an inspector: named after the first of his rows
        bodies[k] = BodyFigures(str(k), "")
    return bodies[k]


def name_inspectors(session: Session, figures: list[BodyFigures]) -> None:
    """Give each inspector's row his display name (one query for the page)."""
    ids = [int(f.key) for f in figures if not f.label]
    names = dict(session.execute(select(Account.id, Account.display_name).where(Account.id.in_(ids))).all())
    for f in figures:
        if not f.label:
            f.label = names.get(int(f.key), f"账号{f.key}")


def _category(code: str) -> str:
    return CATEGORY_LABELS.get(code, code)


def totals(figures: list[BodyFigures]) -> BodyFigures:
    total = BodyFigures("total", "合计")
    kinds: dict[str, int] = defaultdict(int)
    for f in figures:
        total.inspections += f.inspections
        total.items_checked += f.items_checked
        total.photos += f.photos
        total.hazards += f.hazards
        total.stop_orders += f.stop_orders
        total.supervision_orders += f.supervision_orders
        for k, n in f.checklists.items():
            kinds[k] += n
    total.checklists = dict(kinds)
    return total
