"""Factories for the spot-check list and the bulletin: inspection bodies with inspectors, machines, and generated
populations of published inspection reports (rows inserted directly, no report service), a few bodies made light."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from knowledge.accounts.models import Account, Role
from knowledge.cranes.inspection_models import Conclusion, InspectionBody, InspectionReport, ReportState
from knowledge.cranes.machines import HoistDrive, MachineType
from knowledge.cranes.models import Machine
from knowledge.enterprises.models import EnterpriseType
from knowledge.regions import City
from tests.factories import make_account, make_enterprise

ON = date(2026, 9, 30)
TOWER, HOIST = MachineType.TOWER_CRANE, MachineType.CONSTRUCTION_HOIST
_seq = itertools.count(1)


def make_body(session: Session, *, city: City = City.SUZHOU, name: str | None = None) -> InspectionBody:
    n = next(_seq)
    enterprise = make_enterprise(session, name=name or f"江苏测试特种设备检验检测有限公司{n}", city=city,
                                 type=EnterpriseType.OTHER)  # fmt: skip
    body = InspectionBody(enterprise_id=enterprise.id, qualification_number=f"TS7132{n:04d}-2028",
                          valid_until=date(2028, 12, 31), city=city)  # fmt: skip
    session.add(body)
    session.commit()
    return body


def make_inspector(session: Session, body: InspectionBody) -> Account:
    return make_account(session, Role.INSPECTION_BODY, enterprise_id=body.enterprise_id)


def make_machine(session: Session, *, machine_type: MachineType = TOWER, city: City = City.SUZHOU,
                 owner_id: int | None = None, manufactured_on: date = date(2020, 1, 1), moment: str = "800",
                 registered: bool = True) -> Machine:  # fmt: skip
    n = next(_seq)
    is_tower = machine_type is TOWER
    machine = Machine(
        machine_type=machine_type, maker="测试重工", model=f"M{n}", serial_number=f"SPOT-{n}",
        manufactured_on=manufactured_on, rated_moment_knm=moment if is_tower else None,
        rated_load_kg=None if is_tower else 2000, hoist_drive=HoistDrive.RACK_AND_PINION if machine_type is HOIST else None,
        owner_id=owner_id or make_enterprise(session).id,
        registration_number=f"苏E-X-{n:05d}" if registered else None, registration_city=city if registered else None,
    )  # fmt: skip
    session.add(machine)
    session.commit()
    return machine


def report_row(body_id: int, machine: Machine, inspector_id: int, started: datetime, minutes: float,
               nonconformities: int, **over: Any) -> dict[str, Any]:  # fmt: skip
    row = {"machine_id": machine.id, "machine_type": machine.machine_type, "body_id": body_id,
           "inspector_id": inspector_id, "checklist_version": "test", "state": ReportState.PUBLISHED,
           "started_at": started, "finished_at": started + timedelta(minutes=minutes),
           "published_on": started.date(), "nonconformities": nonconformities,
           "conclusion": Conclusion.FAIL if nonconformities > 4 else Conclusion.PASS, "sha256": ""}  # fmt: skip
    row.update(over)
    return row


def add_reports(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(InspectionReport), rows)
    session.commit()


@dataclass
class Population:
    bodies: list[InspectionBody]
    inspectors: dict[int, list[int]]  # body id -> inspector account ids
    zero: set[int] = field(default_factory=set)  # bodies made to find nothing
    short: set[int] = field(default_factory=set)  # bodies made to inspect in half an hour
    busy: set[int] = field(default_factory=set)  # bodies with one inspector signing nine reports on one day
    reports: int = 0


def _moment(day: date, minutes: int) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC) + timedelta(minutes=minutes)


def make_population(
    session: Session, *, bodies: int = 12, zero: int = 1, short: int = 1, busy: int = 1, seed: int = 7,
    on: date = ON, cities: tuple[City, ...] = (City.SUZHOU, City.NANJING),
) -> Population:  # fmt: skip
    """``bodies`` bodies in turn of ``cities``, each with 40-70 tower-crane reports in the year to ``on``; the
    first ``zero`` find no nonconformity in 90 % of them, the next ``short`` take 25-40 minutes, the next ``busy``
    have one inspector sign nine reports on one day. Normal bodies find none in 15 % and take 2-4 hours. The first
    eight bodies also have 25 normal hoist reports; the last body has light reports older than the window and
    light drafts, which the job must not read."""
    rng = random.Random(seed)
    made = [make_body(session, city=cities[i % len(cities)]) for i in range(bodies)]
    tower = make_machine(session, machine_type=TOWER)
    hoist = make_machine(session, machine_type=HOIST)
    inspectors = {b.id: [make_inspector(session, b).id for _ in range(3)] for b in made}
    pop = Population(made, inspectors)
    ids = [b.id for b in made]
    pop.zero, pop.short = set(ids[:zero]), set(ids[zero : zero + short])
    pop.busy = set(ids[zero + short : zero + short + busy])
    rows: list[dict[str, Any]] = []
    for index, body in enumerate(made):
        people = inspectors[body.id]
        for _ in range(rng.randint(40, 70)):
            day = on - timedelta(days=rng.randint(0, 330))
            minutes = rng.uniform(25, 40) if body.id in pop.short else rng.uniform(120, 240)
            found = 0 if rng.random() < (0.9 if body.id in pop.zero else 0.15) else rng.randint(1, 6)
            rows.append(
                report_row(
                    body.id, tower, rng.choice(people), _moment(day, rng.randint(0, 240)), minutes, found
                )
            )
        if body.id in pop.busy:
            day = on - timedelta(days=10)
            rows += [report_row(body.id, tower, people[0], _moment(day, 70 * k), 150, 2) for k in range(9)]
        if index < 8:
            for _ in range(25):
                day = on - timedelta(days=rng.randint(0, 330))
                rows.append(report_row(body.id, hoist, rng.choice(people), _moment(day, 60), rng.uniform(90, 180),
                                       rng.randint(0, 4)))  # fmt: skip
        if index == bodies - 1:  # outside the window, or never published: never read
            old = on - timedelta(days=400)
            rows += [report_row(body.id, tower, people[0], _moment(old - timedelta(days=k), 0), 10, 0)
                     for k in range(60)]  # fmt: skip
            rows += [report_row(body.id, tower, people[1], _moment(on - timedelta(days=k), 0), 10, 0,
                                state=ReportState.DRAFT, published_on=None, conclusion=None) for k in range(60)]  # fmt: skip
    add_reports(session, rows)
    pop.reports = len(rows)
    return pop
