"""Use cases and read side of sweeps (排查轮次, issue 20 item 4): open one, list those a regulator may see, and
measure its coverage of the works under way, the enterprises on them and their cranes. A special sweep (专项排查,
issue 23 item 3) covers an explicit list of works instead of every work under way in its area, and is opened
once per origin (``open_listed_sweep``).

The coverage is ``sweeps.coverage`` computed by the database: at province scale (100,000 works) the pure function
would first have to read every work, participant and inspection; grouped counts read two indexes instead
(``SweepCoverage`` has the same shape, and a test holds both to the same numbers).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    case,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    type_coerce,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from knowledge import audit
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.enterprises.models import Enterprise, ProjectParticipant
from knowledge.errors import NotFoundError, PermissionDenied, ValidationError
from knowledge.pagination import Page, paginate
from knowledge.regions import City
from knowledge.registry.models import Work
from knowledge.registry.workflow import WorkStatus
from knowledge.site.inspection_models import Inspection, Sweep, SweepWork
from knowledge.site.sweeps import Coverage, Share
from knowledge.site.sweeps import Sweep as SweepRule

NAME_MAX = 100
# flags.under_way, read at the sweep's last day: started by status, or due to have started by the calendar.
STARTED = (WorkStatus.BRIEFED, WorkStatus.IN_PROGRESS)
FINISHED = (WorkStatus.ACCEPTED, WorkStatus.CLOSED)


@dataclass(frozen=True)
class SweepInput:
    name: str
    starts_on: date
    ends_on: date
    city: City | None = None  # None: the whole province


def can_open_sweep(scope: Scope, city: City | None) -> bool:
    """A province regulator opens a sweep of the province or of any city; a city regulator of his city only."""
    return scope.role is Role.REGULATOR and (scope.city is None or scope.city == city)


def _checked_name(data: SweepInput, scope: Scope) -> str:
    """The sweep's name, once the scope may open it and its dates hold.

    :raises PermissionDenied, ValidationError: with a Chinese message.
    """
    if scope.role is not Role.REGULATOR:
        raise PermissionDenied("只有监管人员可以开启排查轮次")
    if not can_open_sweep(scope, data.city):
        raise PermissionDenied("设区市监管人员只能开启本市的排查轮次", field="city")
    name = data.name.strip()
    if not name:
        raise ValidationError("请填写排查轮次名称", field="name")
    if len(name) > NAME_MAX:
        raise ValidationError(f"排查轮次名称不能超过{NAME_MAX}个字符", field="name")
    SweepRule(data.starts_on, data.ends_on, data.city.value if data.city else None)  # checks the dates
    if (data.ends_on - data.starts_on).days > 366:
        raise ValidationError("一个排查轮次不能超过一年", field="ends_on")
    return name


def _audit_open(session: Session, sweep: Sweep, scope: Scope, **extra: object) -> None:
    audit.record(session, actor_id=scope.account_id, action="sweep_open", obj=("sweep", sweep.id),
                 after={"name": sweep.name, "starts_on": sweep.starts_on.isoformat(),
                        "ends_on": sweep.ends_on.isoformat(), "city": sweep.city.value if sweep.city else None,
                        **extra})  # fmt: skip


def open_sweep(session: Session, data: SweepInput, *, scope: Scope) -> Sweep:
    name = _checked_name(data, scope)
    sweep = Sweep(name=name, starts_on=data.starts_on, ends_on=data.ends_on, city=data.city,
                  opened_by=scope.account_id)  # fmt: skip
    session.add(sweep)
    session.flush()
    _audit_open(session, sweep, scope)
    session.commit()
    return sweep


_CHUNK = 1000  # work ids per IN list (SQLite's and psycopg's bound-parameter limits stay far away)


def open_listed_sweep(
    session: Session, data: SweepInput, *, scope: Scope, work_ids: Sequence[int], origin_key: str
) -> tuple[Sweep, bool]:
    """A special sweep (专项排查) of exactly ``work_ids``, each in the sweep's area, opened once per ``origin_key``:
    a second call (a double click, two regulators at once) gets the sweep the first opened, and False. The key's
    unique constraint holds it when both got past the first look.

    :raises PermissionDenied, ValidationError: as ``open_sweep``; no works, or a work unknown or outside the area.
    """
    opened = sweeps_by_origin(session, [origin_key]).get(origin_key)
    if opened is not None:
        return opened, False
    name = _checked_name(data, scope)
    ids = sorted(set(work_ids))
    if not ids:
        raise ValidationError("专项排查须至少包含一项工程", field="works")
    found: dict[int, City] = {}
    for at in range(0, len(ids), _CHUNK):
        chunk = ids[at : at + _CHUNK]
        found.update((i, c) for i, c in session.execute(select(Work.id, Work.city).where(Work.id.in_(chunk))))
    if len(found) != len(ids):
        raise ValidationError("专项排查的工程清单中有不存在的工程", field="works")
    if data.city is not None and any(c != data.city for c in found.values()):
        raise ValidationError(f"专项排查的工程须在{data.city.label}范围内", field="works")
    sweep = Sweep(name=name, starts_on=data.starts_on, ends_on=data.ends_on, city=data.city,
                  opened_by=scope.account_id, is_listed=True, origin_key=origin_key)  # fmt: skip
    session.add(sweep)
    try:
        session.flush()
    except IntegrityError:  # opened by another request between the first look and this insert
        session.rollback()
        opened = sweeps_by_origin(session, [origin_key]).get(origin_key)
        if opened is None:
            raise
        return opened, False
    session.execute(insert(SweepWork), [{"sweep_id": sweep.id, "work_id": i} for i in ids])
    _audit_open(session, sweep, scope, works=len(ids), origin=origin_key)
    session.commit()
    return sweep, True


def sweeps_by_origin(session: Session, origin_keys: Sequence[str]) -> dict[str, Sweep]:
    """The sweeps opened from these origins, by origin (one statement)."""
    if not origin_keys:
        return {}
    found = session.scalars(select(Sweep).where(Sweep.origin_key.in_(list(origin_keys))))
    return {s.origin_key: s for s in found if s.origin_key is not None}


def may_see_sweeps(scope: Scope) -> bool:
    return scope.role is Role.REGULATOR


def _visible(scope: Scope) -> ColumnElement[bool]:
    """A city regulator sees his city's sweeps and the province's (which cover his city)."""
    if scope.is_province_wide:
        return true()
    return or_(Sweep.city.is_(None), Sweep.city == scope.city)


def sweeps(session: Session, scope: Scope, *, page: int = 1, per_page: int = 20) -> Page[Sweep]:
    if not may_see_sweeps(scope):
        raise PermissionDenied("只有监管人员可以查看排查轮次")
    stmt = select(Sweep).where(_visible(scope)).order_by(Sweep.starts_on.desc(), Sweep.id.desc())
    return paginate(session, stmt, page, per_page)


def get_sweep_for(session: Session, scope: Scope, sweep_id: int) -> Sweep:
    sweep = session.get(Sweep, sweep_id)
    if not may_see_sweeps(scope):
        raise PermissionDenied("只有监管人员可以查看排查轮次")
    if sweep is None or not (scope.is_province_wide or sweep.city in (None, scope.city)):
        raise NotFoundError("排查轮次不存在或无权查看")
    return sweep


def area_of(sweep: Sweep, scope: Scope) -> City | None:
    """The cities the coverage counts: the sweep's, narrowed to the viewer's city for a city regulator."""
    if sweep.city is not None or scope.is_province_wide:
        return sweep.city
    return scope.city


def under_way(sweep: Sweep, city: City | None) -> ColumnElement[bool]:
    """Works in the area on site in the sweep's period: briefed or under way, or in force with the planned start
    on or before the sweep's end. A work whose plan is not in force cannot be inspected (there is no plan to
    inspect against); one that passed its planned start without a plan is the system flags' matter (flags.py).
    A special sweep's works are its list, whatever their status."""
    if sweep.is_listed:
        listed = Work.id.in_(select(SweepWork.work_id).where(SweepWork.sweep_id == sweep.id))
        return and_(Work.city == city, listed) if city is not None else listed
    started = Work.status.in_(STARTED)
    due = and_(Work.status == WorkStatus.IN_FORCE, Work.planned_start.is_not(None),
               Work.planned_start <= sweep.ends_on)  # fmt: skip
    clause = or_(started, due)
    return and_(Work.city == city, clause) if city is not None else clause


def reached(sweep: Sweep) -> ColumnElement[bool]:
    return exists().where(
        Inspection.work_id == Work.id, Inspection.inspected_on >= sweep.starts_on,
        Inspection.inspected_on <= sweep.ends_on,
    )  # fmt: skip


# Changes that move a work in or out of a sweep, or change who is on it, without a new row (rows: highest ids).
COVERAGE_ACTIONS = ("work_move", "work_register", "work_import", "work_reclassify", "participant_update")
_CACHE_SIZE = 64
_cache: dict[tuple[Any, ...], tuple[tuple[Any, ...], Coverage]] = {}
_lock = threading.Lock()


def fingerprint(session: Session) -> tuple[Any, ...]:
    """What the coverage depends on: the highest id of each table it reads (inspections, works and
    participants are appended, never deleted by the services) and the last audited change to works."""
    parts = [select(func.max(m.id)).scalar_subquery() for m in (Inspection, Work, ProjectParticipant)]
    return tuple(session.execute(select(*parts, *audit.last_ids(COVERAGE_ACTIONS))).one())


def coverage(session: Session, sweep: Sweep, *, city: City | None) -> Coverage:
    """The sweep's shares overall, per city and per category (cranes: none registered yet, an empty share).

    Computed once per state of the registry (``fingerprint``) and kept: the province page is read far more
    often than an inspection is recorded."""
    key = (
        repr(session.get_bind()),
        sweep.id,
        sweep.opened_at,
        sweep.starts_on,
        sweep.ends_on,
        sweep.city,
        city,
    )
    mark = fingerprint(session)
    with _lock:
        hit = _cache.get(key)
    if hit is not None and hit[0] == mark:
        return hit[1]
    result = compute_coverage(session, sweep, city=city)
    with _lock:
        if len(_cache) >= _CACHE_SIZE:
            _cache.pop(next(iter(_cache)))
        _cache[key] = (mark, result)
    return result


def compute_coverage(session: Session, sweep: Sweep, *, city: City | None) -> Coverage:
    """``sweeps.coverage`` over the database, aggregated by the database in one statement: the works under way
    (read from the covering index ``ix_work_under_way``) marked reached or not, counted per city and category, and
    the enterprises on their projects counted once each."""
    seen = (
        select(Inspection.work_id)
        .where(Inspection.inspected_on >= sweep.starts_on, Inspection.inspected_on <= sweep.ends_on)
        .distinct()
        .cte("seen")
    )
    done = case((Work.id.in_(select(seen.c.work_id)), 1), else_=0)
    uw = (
        select(
            type_coerce(Work.city, String()).label("city"), Work.category, Work.project_id, done.label("done")
        )
        .where(under_way(sweep, city))
        .cte("uw")
    )
    projects = select(uw.c.project_id, func.max(uw.c.done).label("done")).group_by(uw.c.project_id).subquery()
    per_enterprise = (
        select(ProjectParticipant.enterprise_id, func.max(projects.c.done).label("done"))
        .join(projects, projects.c.project_id == ProjectParticipant.project_id)
        .group_by(ProjectParticipant.enterprise_id)
        .subquery()
    )
    cells = select(uw.c.city, uw.c.category, func.sum(uw.c.done), func.count()).group_by(
        uw.c.city, uw.c.category
    )
    enterprises_row = select(
        literal(_ENTERPRISES), literal(""), func.coalesce(func.sum(per_enterprise.c.done), 0), func.count()
    ).select_from(per_enterprise)
    by_city: dict[str, list[int]] = {}
    by_category: dict[str, list[int]] = {}
    enterprises = Share(0, 0)
    result: list[Any] = list(session.execute(cells.union_all(enterprises_row)))
    rows = [(str(c), str(k), int(n or 0), int(t)) for c, k, n, t in result]
    for row_city, category, reached_n, total in rows:
        if row_city == _ENTERPRISES:
            enterprises = Share(reached_n, total)
            continue
        for table, cell_key in ((by_city, City(row_city).value), (by_category, category)):
            cell = table.setdefault(cell_key, [0, 0])
            cell[0] += reached_n
            cell[1] += total
    works = Share(sum(v[0] for v in by_city.values()), sum(v[1] for v in by_city.values()))
    return Coverage(
        works=works, enterprises=enterprises, cranes=Share(0, 0),
        by_city={k: Share(*v) for k, v in sorted(by_city.items())},
        by_category={k: Share(*v) for k, v in sorted(by_category.items())},
    )  # fmt: skip


_ENTERPRISES = "~enterprises"  # the marker row of the enterprise share (no city is spelt so)


def works_left(sweep: Sweep, city: City | None) -> Select[Any]:
    return select(Work).where(under_way(sweep, city), ~reached(sweep)).order_by(Work.city, Work.id)


def works_left_page(
    session: Session, sweep: Sweep, *, city: City | None, page: int, per_page: int = 20
) -> Page[Work]:
    return paginate(session, works_left(sweep, city), page, per_page)


def enterprises_left_page(
    session: Session, sweep: Sweep, *, city: City | None, page: int, per_page: int = 20
) -> Page[Enterprise]:
    """Enterprises on works under way none of whose works in the sweep has been inspected yet."""
    hit = case((reached(sweep), 1), else_=0)
    on_works = (
        select(ProjectParticipant.enterprise_id)
        .join(Work, Work.project_id == ProjectParticipant.project_id)
        .where(under_way(sweep, city))
        .group_by(ProjectParticipant.enterprise_id)
        .having(func.max(hit) == 0)
    )
    stmt = select(Enterprise).where(Enterprise.id.in_(on_works)).order_by(Enterprise.id)
    return paginate(session, stmt, page, per_page)
