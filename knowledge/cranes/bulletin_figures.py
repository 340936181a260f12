"""The figures of the periodic crane-safety bulletin (定期通报, issue 21 item 7): the period, and the figures
gathered for it (province or one city). The job that turns them into a stored PDF is ``bulletin``.

Campaign task 3 asks for a regular provincial bulletin on crane safety; no rule fixes its contents, so these are
the figures the issue lists: machines registered and in use by type and city, inspections and their results,
bodies flagged by the spot-check list and the spot checks' outcomes, machines past their assessment age
(``service_age``, 建设部公告第659号 as policy), and hazards found on cranes (the site-control loop). Every figure
is counted by the database (GROUP BY); only the service ages are computed here, per machine, by the pure rule.

A city's bulletin counts machines by their registration city, inspections of those machines, bodies registered in
the city, and hazards on the city's sites.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select, true
from sqlalchemy.orm import Session

from knowledge.cranes.errors import CraneError, MachineDataError
from knowledge.cranes.inspection_models import (
    Conclusion,
    InspectionBody,
    InspectionReport,
    ReportState,
    SpotCheck,
    SpotCheckFlag,
    SpotCheckRun,
)
from knowledge.cranes.machines import MachineSpec, MachineType
from knowledge.cranes.models import Machine, OwnershipRegistration
from knowledge.cranes.periods import add_months
from knowledge.cranes.service_age import assessment_due
from knowledge.cranes.site_models import Installation, UseRegistration
from knowledge.cranes.spot_checks import FlagKind
from knowledge.enterprises.models import Enterprise
from knowledge.regions import City
from knowledge.site.hazard_loop import Level
from knowledge.site.hazard_models import Hazard

_PERIOD = re.compile(r"(\d{4})(?:([Qq])(\d)|-(\d{1,2}))?")
FIRST_YEAR, LAST_YEAR = 2000, 2100
SECTIONS = ("registered", "in_use", "inspections", "flags", "spot_checks", "past_age", "hazards")
QUARTERS = "一二三四"
Step = Callable[[str], None]
TypeCity = dict[tuple[MachineType, City], int]


@dataclass(frozen=True, slots=True)
class Period:
    label: str  # 2026Q3, 2026-07 or 2026
    start: date
    end: date  # inclusive

    @property
    def title(self) -> str:
        if "Q" in self.label:
            return f"{self.start.year}年第{QUARTERS[(self.start.month - 1) // 3]}季度"
        if "-" in self.label:
            return f"{self.start.year}年{self.start.month}月"
        return f"{self.start.year}年"


def parse_period(raw: str) -> Period:
    """A quarter (``2026Q3``), a month (``2026-07``) or a year (``2026``).

    :raises CraneError: with a Chinese message for anything else.
    """
    text = (raw or "").strip()
    if not text:
        raise CraneError("请填写通报期间，如 2026Q3（季度）、2026-07（月）或 2026（年）", field="period")
    found = _PERIOD.fullmatch(text)
    if found is None:
        raise CraneError(
            f"通报期间“{text[:20]}”的格式不对，应为 2026Q3（季度）、2026-07（月）或 2026（年）",
            field="period",
        )
    year = int(found.group(1))
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise CraneError(f"通报年份须在{FIRST_YEAR}至{LAST_YEAR}年之间，收到{year}年", field="period")
    if found.group(3) is not None:
        quarter = int(found.group(3))
        if not 1 <= quarter <= 4:
            raise CraneError(f"季度须为Q1至Q4，收到Q{quarter}", field="period")
        start, months, label = date(year, 3 * quarter - 2, 1), 3, f"{year}Q{quarter}"
    elif found.group(4) is not None:
        month = int(found.group(4))
        if not 1 <= month <= 12:
            raise CraneError(f"月份须在1至12之间，收到{month}", field="period")
        start, months, label = date(year, month, 1), 1, f"{year}-{month:02d}"
    else:
        start, months, label = date(year, 1, 1), 12, str(year)
    return Period(label, start, date.fromordinal(add_months(start, months).toordinal() - 1))


@dataclass(frozen=True, slots=True)
class InspectionLine:
    machine_type: MachineType
    reports: int
    passed: int
    failed: int
    zero: int  # reports with no nonconformity
    nonconformities: int


@dataclass(frozen=True, slots=True)
class FlaggedBody:
    body_id: int
    name: str
    city: City
    kinds: tuple[str, ...]  # the flags' labels, with the machine type


@dataclass(frozen=True, slots=True)
class SpotCheckLine:
    body: str
    city: City
    kind: str
    ordered_on: date
    result: str  # the result's label, or 未出结果
    note: str


@dataclass(frozen=True, slots=True)
class HazardLine:
    found: int
    major: int
    open_at_end: int


@dataclass(frozen=True)
class BulletinFigures:
    period: Period
    city: City | None
    registered: TypeCity  # registered by the period's end, by type and registration city
    newly_registered: dict[MachineType, int]  # first registrations in the period
    in_use: TypeCity  # on a site with a use registration during the period, by type and the site's city
    inspections: tuple[InspectionLine, ...]
    run_on: date | None  # the spot-check list the flags come from
    flagged: tuple[FlaggedBody, ...]
    spot_checks: tuple[SpotCheckLine, ...]  # ordered in the period
    past_age: TypeCity  # registered machines past their assessment age at the period's end
    hazards: dict[City, HazardLine]

    @property
    def place(self) -> str:
        return f"江苏省{self.city.label}" if self.city else "江苏省"


def _by_type_city(rows: object) -> TypeCity:
    return {(t, c): n for t, c, n in rows}  # type: ignore[attr-defined]


def _registered(session: Session, period: Period, city: City | None) -> TypeCity:
    stmt = (
        select(Machine.machine_type, Machine.registration_city, func.count(Machine.id))
        .join(OwnershipRegistration, and_(OwnershipRegistration.machine_id == Machine.id, OwnershipRegistration.seq == 1))
        .where(OwnershipRegistration.registered_on <= period.end, _city(Machine.registration_city, city))
        .group_by(Machine.machine_type, Machine.registration_city)
    )  # fmt: skip
    return _by_type_city(session.execute(stmt))


def _newly_registered(session: Session, period: Period, city: City | None) -> dict[MachineType, int]:
    stmt = (
        select(Machine.machine_type, func.count(Machine.id))
        .join(OwnershipRegistration, and_(OwnershipRegistration.machine_id == Machine.id, OwnershipRegistration.seq == 1))
        .where(OwnershipRegistration.registered_on.between(period.start, period.end),
               _city(Machine.registration_city, city))
        .group_by(Machine.machine_type)
    )  # fmt: skip
    return {t: n for t, n in session.execute(stmt)}


def _in_use(session: Session, period: Period, city: City | None) -> TypeCity:
    stmt = (
        select(Machine.machine_type, Installation.city, func.count(func.distinct(Installation.machine_id)))
        .join(Machine, Machine.id == Installation.machine_id)
        .join(UseRegistration, UseRegistration.installation_id == Installation.id)
        .where(UseRegistration.registered_on <= period.end, Installation.notified_on <= period.end,
               or_(Installation.ended_on.is_(None), Installation.ended_on >= period.start),
               _city(Installation.city, city))
        .group_by(Machine.machine_type, Installation.city)
    )  # fmt: skip
    return _by_type_city(session.execute(stmt))


def _inspections(session: Session, period: Period, city: City | None) -> tuple[InspectionLine, ...]:
    r = InspectionReport
    stmt = (
        select(r.machine_type, r.conclusion, func.count(r.id), func.coalesce(func.sum(r.nonconformities), 0),
               func.sum(case((r.nonconformities == 0, 1), else_=0)))
        .where(r.state == ReportState.PUBLISHED, r.published_on.between(period.start, period.end))
        .group_by(r.machine_type, r.conclusion)
    )  # fmt: skip
    if city is not None:
        stmt = stmt.join(Machine, Machine.id == r.machine_id).where(Machine.registration_city == city)
    lines: dict[MachineType, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    rows: Iterable[Any] = session.execute(stmt)
    for machine_type, conclusion, count, found, zero in rows:
        line = lines[machine_type]
        line[0] += count
        line[1 if conclusion is Conclusion.PASS else 2] += count
        line[3], line[4] = line[3] + (zero or 0), line[4] + int(found)
    return tuple(InspectionLine(t, *lines[t]) for t in MachineType if t in lines)


def _run_for(session: Session, period: Period) -> SpotCheckRun | None:
    """The newest finished spot-check list computed on or before the period's end."""
    return session.scalar(
        select(SpotCheckRun)
        .where(SpotCheckRun.finished_at.is_not(None), SpotCheckRun.error == "", SpotCheckRun.on <= period.end)
        .order_by(SpotCheckRun.on.desc(), SpotCheckRun.id.desc())
        .limit(1)
    )


def _flagged(session: Session, run: SpotCheckRun | None, city: City | None) -> tuple[FlaggedBody, ...]:
    if run is None:
        return ()
    stmt = (
        select(InspectionBody.id, Enterprise.name, InspectionBody.city, SpotCheckFlag.machine_type, SpotCheckFlag.kind)
        .join(InspectionBody, InspectionBody.id == SpotCheckFlag.body_id)
        .join(Enterprise, Enterprise.id == InspectionBody.enterprise_id)
        .where(SpotCheckFlag.run_id == run.id, _city(InspectionBody.city, city))
        .order_by(InspectionBody.id, SpotCheckFlag.machine_type, SpotCheckFlag.kind)
    )  # fmt: skip
    bodies: dict[int, tuple[str, City, list[str]]] = {}
    for body_id, name, body_city, machine_type, kind in session.execute(stmt):
        bodies.setdefault(body_id, (name, body_city, []))[2].append(
            f"{machine_type.label}：{FlagKind(kind).label}"
        )
    return tuple(FlaggedBody(i, name, c, tuple(kinds)) for i, (name, c, kinds) in bodies.items())


def _spot_checks(session: Session, period: Period, city: City | None) -> tuple[SpotCheckLine, ...]:
    stmt = (
        select(Enterprise.name, InspectionBody.city, SpotCheckFlag.machine_type, SpotCheckFlag.kind,
               SpotCheck.ordered_on, SpotCheck.result, SpotCheck.result_note)
        .join(SpotCheckFlag, SpotCheckFlag.id == SpotCheck.flag_id)
        .join(InspectionBody, InspectionBody.id == SpotCheck.body_id)
        .join(Enterprise, Enterprise.id == InspectionBody.enterprise_id)
        .where(SpotCheck.ordered_on.between(period.start, period.end), _city(InspectionBody.city, city))
        .order_by(SpotCheck.ordered_on, SpotCheck.id)
    )  # fmt: skip
    return tuple(
        SpotCheckLine(
            name, c, f"{t.label}：{FlagKind(kind).label}", on, result.label if result else "未出结果", note
        )
        for name, c, t, kind, on, result, note in session.execute(stmt)
    )


def _past_age(session: Session, period: Period, city: City | None) -> TypeCity:
    m = Machine
    stmt = (
        select(m.machine_type, m.registration_city, m.rated_moment_knm, m.rated_load_kg, m.hoist_drive,
               m.manufactured_on)
        .join(OwnershipRegistration, and_(OwnershipRegistration.machine_id == m.id, OwnershipRegistration.seq == 1))
        .where(OwnershipRegistration.registered_on <= period.end, _city(m.registration_city, city),
               m.machine_type.in_([MachineType.TOWER_CRANE, MachineType.CONSTRUCTION_HOIST]))
    )  # fmt: skip
    counts: TypeCity = defaultdict(int)
    rows: Iterable[Any] = session.execute(stmt)
    for machine_type, machine_city, moment, load, drive, made in rows:
        spec = MachineSpec(machine_type, Decimal(moment) if moment else None, load, drive)
        try:
            if assessment_due(spec, made, period.end):
                counts[(machine_type, machine_city)] += 1
        except MachineDataError:  # an incomplete description has no age to compare; the register shows it
            continue
    return dict(counts)


def _hazards(session: Session, period: Period, city: City | None) -> dict[City, HazardLine]:
    h = Hazard
    in_period = h.found_on.between(period.start, period.end)
    open_at_end = and_(h.found_on <= period.end, or_(h.closed_on.is_(None), h.closed_on > period.end))
    stmt = (
        select(h.city, func.sum(case((in_period, 1), else_=0)),
               func.sum(case((and_(in_period, h.level == Level.MAJOR), 1), else_=0)),
               func.sum(case((open_at_end, 1), else_=0)))
        .where(h.machine_id.is_not(None), h.found_on <= period.end, _city(h.city, city))
        .group_by(h.city)
    )  # fmt: skip
    rows: Iterable[Any] = session.execute(stmt)
    return {c: HazardLine(int(f or 0), int(m or 0), int(o or 0)) for c, f, m, o in rows}


def _city(column: ColumnElement[City | None] | object, city: City | None) -> ColumnElement[bool]:
    return true() if city is None else column == city  # type: ignore[return-value]


def gather(session: Session, period: Period, city: City | None, step: Step | None = None) -> BulletinFigures:
    """Every figure of the bulletin; ``step`` is told each section's name once it is counted."""

    def done(name: str) -> None:
        if step is not None:
            step(name)

    registered = _registered(session, period, city)
    newly = _newly_registered(session, period, city)
    done("registered")
    in_use = _in_use(session, period, city)
    done("in_use")
    inspections = _inspections(session, period, city)
    done("inspections")
    run = _run_for(session, period)
    flagged = _flagged(session, run, city)
    done("flags")
    checks = _spot_checks(session, period, city)
    done("spot_checks")
    past_age = _past_age(session, period, city)
    done("past_age")
    hazards = _hazards(session, period, city)
    done("hazards")
    return BulletinFigures(period, city, registered, newly, in_use, inspections, run.on if run else None, flagged,
                           checks, past_age, hazards)  # fmt: skip
