"""Read side of the hazard loop: the hazards a scope may see, filtered, sorted overdue first, paged and counted.

Everything the lists filter on is a column of site_hazard (the projection hazards.take_step keeps), so the
regulators' overdue list is one query on ix_site_hazard_list (city, state, deadline) or ix_site_hazard_level
(level, state), whatever the province's size.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, exists, false, func, select, true
from sqlalchemy.orm import Session, joinedload, selectinload

from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.enterprises.models import Project, ProjectParticipant
from knowledge.pagination import DEFAULT_PER_PAGE, Page, paginate
from knowledge.regions import City
from knowledge.registry.models import Work
from knowledge.site.hazard_loop import Level, State
from knowledge.site.hazard_models import Hazard, HazardEvent, Source

EXPORT_LIMIT = 100_000
# A hazard awaits the responsible unit's move in these states; past its deadline it is overdue (hazard_loop).
AWAITING_UNIT = (State.OPEN, State.SENT_BACK)


@dataclass(frozen=True)
class HazardFilter:
    city: City | None = None
    category: str = ""
    level: Level | None = None
    state: State | None = None
    is_overdue: bool = False
    is_supervised: bool = False
    is_stopped: bool = False
    is_flagged: bool = False  # found by confirming a system flag
    is_open: bool = False  # not closed (销号)
    work_id: int | None = None
    responsible_id: int | None = None


def visible_hazards(scope: Scope) -> ColumnElement[bool]:
    """Hazards of the works the scope may see (knowledge.site.access.can_view_site, as a WHERE clause)."""
    if scope.is_province_wide:
        return true()
    if scope.role.has_city_scope:
        return Hazard.city == scope.city
    if scope.role is Role.PROJECT_TEAM and scope.enterprise_id is not None:
        return exists(
            select(ProjectParticipant.id)
            .join(Work, Work.project_id == ProjectParticipant.project_id)
            .where(Work.id == Hazard.work_id, ProjectParticipant.enterprise_id == scope.enterprise_id)
        )
    return false()


def overdue(today: date) -> ColumnElement[bool]:
    """Past its deadline with the unit's move awaited (hazard_loop.Hazard.is_overdue, as SQL)."""
    return and_(Hazard.state.in_(AWAITING_UNIT), Hazard.deadline < today)


def filtered(scope: Scope, f: HazardFilter, *, today: date) -> Select[Hazard]:
    stmt = select(Hazard).where(visible_hazards(scope))
    conditions: list[ColumnElement[bool]] = []
    if f.city is not None:
        conditions.append(Hazard.city == f.city)
    if f.category:
        conditions.append(Hazard.category == f.category)
    if f.level is not None:
        conditions.append(Hazard.level == f.level)
    if f.state is not None:
        conditions.append(Hazard.state == f.state)
    if f.is_open:
        conditions.append(Hazard.state != State.CLOSED)
    if f.is_overdue:
        conditions.append(overdue(today))
    if f.is_supervised:
        conditions.append(Hazard.is_supervised.is_(True))
    if f.is_stopped:
        conditions.append(Hazard.is_stopped.is_(True))
    if f.is_flagged:
        conditions.append(Hazard.source == Source.SYSTEM_FLAG)
    if f.work_id is not None:
        conditions.append(Hazard.work_id == f.work_id)
    if f.responsible_id is not None:
        conditions.append(Hazard.responsible_id == f.responsible_id)
    stmt = stmt.where(*conditions)
    if f.is_overdue:  # every row is overdue: the index gives the order
        return stmt.order_by(Hazard.deadline, Hazard.id)
    late_first = case((overdue(today), 0), else_=1)
    return stmt.order_by(late_first, Hazard.is_supervised.desc(), Hazard.deadline, Hazard.id)


def _with_work(stmt: Select[Hazard]) -> Select[Hazard]:
    return stmt.options(joinedload(Hazard.work).joinedload(Work.project), joinedload(Hazard.responsible))


def hazards(
    session: Session, scope: Scope, f: HazardFilter, *, today: date, page: int = 1,
    per_page: int = DEFAULT_PER_PAGE,
) -> Page[Hazard]:  # fmt: skip
    """One page of the hazards the scope may see, overdue first, then under supervision, then by deadline. The
    page's ids are chosen first (a sort of narrow rows: sorting whole rows with their work and project spilled
    to disk for a province's 20,000), then those hazards read with their work."""
    ids = paginate(session, filtered(scope, f, today=today).with_only_columns(Hazard.id), page, per_page)
    rows = {h.id: h for h in session.scalars(_with_work(select(Hazard).where(Hazard.id.in_(ids.items))))}
    return Page([rows[i] for i in ids.items if i in rows], ids.total, ids.page, ids.per_page)


def iter_hazards(session: Session, scope: Scope, f: HazardFilter, *, today: date) -> Iterator[Hazard]:
    """Every matching hazard (up to EXPORT_LIMIT) for an export, with its work and project loaded."""
    stmt = filtered(scope, f, today=today).limit(EXPORT_LIMIT)
    stmt = stmt.options(
        selectinload(Hazard.work).selectinload(Work.project), selectinload(Hazard.responsible)
    )
    yield from session.scalars(stmt.execution_options(yield_per=500))


def iter_register(session: Session, scope: Scope, f: HazardFilter, *, today: date) -> Iterator[Hazard]:
    """The major hazards matching ``f`` for the national register, with events and the project's units."""
    major = HazardFilter(**{**f.__dict__, "level": Level.MAJOR})
    stmt = (
        _with_work(filtered(scope, major, today=today))
        .options(
            selectinload(Hazard.events),
            joinedload(Hazard.work).joinedload(Work.project).selectinload(Project.participants)
            .joinedload(ProjectParticipant.enterprise),
        )
        .limit(EXPORT_LIMIT)
    )  # fmt: skip
    yield from session.scalars(stmt).unique()


@dataclass(frozen=True)
class Counts:
    total: int
    open: int
    overdue: int
    supervised: int
    stopped: int


def counts(session: Session, scope: Scope, f: HazardFilter, *, today: date) -> Counts:
    """The list's figures: how many match, how many of them are open, overdue, under supervision, stopped."""
    sub = filtered(scope, f, today=today).order_by(None).subquery()
    is_open = sub.c.state != State.CLOSED
    is_late = and_(sub.c.state.in_(AWAITING_UNIT), sub.c.deadline < today)
    row = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((is_open, 1), else_=0)), 0),
            func.coalesce(func.sum(case((is_late, 1), else_=0)), 0),
            func.coalesce(func.sum(case((sub.c.is_supervised.is_(True), 1), else_=0)), 0),
            func.coalesce(func.sum(case((sub.c.is_stopped.is_(True), 1), else_=0)), 0),
        ).select_from(sub)
    ).one()
    return Counts(*(int(v) for v in row))


def hazard_with_events(session: Session, hazard_id: int) -> Hazard | None:
    """A hazard with its events, their accounts and evidence loaded (the detail page and the API)."""
    return session.scalar(
        select(Hazard)
        .where(Hazard.id == hazard_id)
        .options(
            selectinload(Hazard.events).selectinload(HazardEvent.evidence),
            selectinload(Hazard.events).joinedload(HazardEvent.account),
        )
    )


def is_overdue(hazard: Hazard, today: date) -> bool:
    return hazard.state in AWAITING_UNIT and hazard.deadline < today


def hazard_json(hazard: Hazard, today: date) -> dict[str, Any]:
    """The list row as plain data (the API and the JSON register share it)."""
    return {
        "id": hazard.id, "work_id": hazard.work_id, "work_name": hazard.work.name,
        "project_name": hazard.work.project.name, "city": hazard.city.value, "district": hazard.district,
        "category": hazard.category, "level": hazard.level.value, "catalogue_key": hazard.catalogue_key,
        "clause": hazard.clause, "description": hazard.description, "source": hazard.source.value,
        "responsible_id": hazard.responsible_id, "found_on": hazard.found_on.isoformat(),
        "deadline": hazard.deadline.isoformat(), "state": hazard.state.value,
        "is_overdue": is_overdue(hazard, today), "is_supervised": hazard.is_supervised,
        "is_stopped": hazard.is_stopped, "closed_on": hazard.closed_on.isoformat() if hazard.closed_on else None,
        "found_by_own_check": hazard.found_by_own_check,
    }  # fmt: skip
