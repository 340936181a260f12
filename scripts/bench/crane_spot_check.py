"""Benchmark: the spot-check job and the bulletin PDF at province scale, on throwaway SQLite.

Bulk-inserts (plain SQL, no services) 40 inspection bodies with 4 inspectors each, --machines machines (every one
registered, spread over the cities and types, some old enough to be past their assessment age) and --reports
published inspection reports over the year before the run's day, three bodies made light, into
--workdir/cranes.db (reused when it already holds them). Then times ``spot_check_job.start_run`` +
``run_spot_checks`` (target < 30 s, with progress) and ``bulletin.build_bulletin`` for a year with the PDF
(target < 60 s). Prints what it measured; exits 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import func, insert, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from expert_pool.pdf.crane_bulletin_pdf import bulletin_pdf  # noqa: E402
from knowledge.accounts.models import Account, Role  # noqa: E402
from knowledge.cranes import bulletin, spot_check_job  # noqa: E402
from knowledge.cranes.inspection_models import (  # noqa: E402
    Conclusion,
    InspectionBody,
    InspectionReport,
    ReportState,
)
from knowledge.cranes.machines import HoistDrive, MachineType  # noqa: E402
from knowledge.cranes.models import Machine, OwnershipRegistration  # noqa: E402
from knowledge.enterprises.models import Enterprise, EnterpriseType  # noqa: E402
from knowledge.regions import City  # noqa: E402
from webapp import create_app  # noqa: E402
from webapp.config import Config  # noqa: E402
from webapp.extensions import db  # noqa: E402

JOB_TARGET_S, BULLETIN_TARGET_S = 30.0, 60.0
ON = date(2026, 9, 30)
BODIES, CHUNK = 40, 20_000
LIGHT = {7: "zero", 19: "short", 33: "busy"}  # body number -> how it was made light
TYPES = [MachineType.TOWER_CRANE] * 5 + [MachineType.CONSTRUCTION_HOIST] * 3 + [MachineType.MATERIAL_HOIST,
                                                                                 MachineType.GANTRY_CRANE]  # fmt: skip


def bulk(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    for i in range(0, len(rows), CHUNK):
        session.execute(insert(model), rows[i : i + CHUNK])
    session.commit()


def machine_row(i: int, rng: random.Random) -> dict[str, Any]:
    kind = TYPES[i % len(TYPES)]
    city = list(City)[i % 13]
    return {"id": i, "machine_type": kind, "maker": "测试重工", "model": f"M{i % 50}", "serial_number": f"B{i:07d}",
            "manufactured_on": date(2006 + rng.randrange(0, 20), 1 + rng.randrange(0, 12), 1),
            "rated_moment_knm": str(rng.choice([400, 800, 1250, 2000])) if kind is MachineType.TOWER_CRANE else None,
            "rated_load_kg": None if kind is MachineType.TOWER_CRANE else 2000,
            "hoist_drive": HoistDrive.RACK_AND_PINION if kind is MachineType.CONSTRUCTION_HOIST else None,
            "owner_id": 100 + i % 500, "registration_number": f"苏{i:08d}", "registration_city": city}  # fmt: skip


def report_rows(machines: int, reports: int, rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    for _ in range(reports):
        body = rng.randrange(1, BODIES + 1)
        machine = rng.randrange(1, machines + 1)
        light = LIGHT.get(body)
        day = ON - timedelta(days=rng.randrange(0, 360))
        started = datetime(day.year, day.month, day.day, 1, tzinfo=UTC) + timedelta(
            minutes=rng.randrange(0, 300)
        )
        minutes = rng.uniform(25, 40) if light == "short" else rng.uniform(120, 240)
        found = 0 if rng.random() < (0.9 if light == "zero" else 0.15) else rng.randint(1, 6)
        rows.append({"machine_id": machine, "machine_type": TYPES[machine % len(TYPES)], "body_id": body,
                     "inspector_id": body * 4 - rng.randrange(0, 4), "checklist_version": "bench",
                     "state": ReportState.PUBLISHED, "started_at": started,
                     "finished_at": started + timedelta(minutes=minutes), "published_on": day,
                     "conclusion": Conclusion.FAIL if found > 4 else Conclusion.PASS, "nonconformities": found,
                     "sha256": ""})  # fmt: skip
    busy_day = datetime(2026, 9, 1, 0, tzinfo=UTC)
    rows += [{**rows[0], "body_id": 33, "inspector_id": 33 * 4, "machine_type": TYPES[rows[0]["machine_id"] % len(TYPES)],
              "started_at": busy_day + timedelta(minutes=50 * k), "finished_at": busy_day + timedelta(minutes=50 * k + 150),
              "published_on": busy_day.date()} for k in range(12)]  # fmt: skip
    return rows


def seed(session: Session, machines: int, reports: int, rng: random.Random) -> None:
    cities = list(City)
    bulk(session, Enterprise, [{"id": i, "name": f"企业{i}", "credit_code": f"91320000{i:09d}X", "city": cities[i % 13],
                                "type": EnterpriseType.OTHER} for i in range(1, 601)])  # fmt: skip
    bulk(session, InspectionBody, [{"id": b, "enterprise_id": b, "qualification_number": f"TS{b}",
                                    "valid_until": date(2028, 1, 1), "city": cities[b % 13]} for b in range(1, BODIES + 1)])  # fmt: skip
    bulk(session, Account, [{"id": a, "username": f"insp{a}", "display_name": f"检验员{a}", "password_hash": "x",
                             "role": Role.INSPECTION_BODY, "enterprise_id": (a + 3) // 4} for a in range(1, 4 * BODIES + 1)])  # fmt: skip
    rows = [machine_row(i, rng) for i in range(1, machines + 1)]
    bulk(session, Machine, rows)
    bulk(session, OwnershipRegistration, [{"machine_id": r["id"], "seq": 1, "number": r["registration_number"],
                                           "owner_id": r["owner_id"], "city": r["registration_city"],
                                           "registered_on": date(2020, 1, 1) + timedelta(days=r["id"] % 2400)}
                                          for r in rows])  # fmt: skip
    bulk(session, InspectionReport, report_rows(machines, reports, rng))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--workdir", type=Path, default=None, help="where the throwaway database goes (reused)"
    )
    parser.add_argument("--machines", type=int, default=20_000)
    parser.add_argument("--reports", type=int, default=60_000)
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-cranes-"))
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "cranes.db"
    app = create_app(Config(workdir), SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}", SEARCH_WARM=False)
    with app.app_context():
        db.create_all()
        session = Session(db.engine, expire_on_commit=False)
        held = session.scalar(select(func.count()).select_from(InspectionReport))
        if held and held >= args.reports:
            print(f"reusing {path}: {held} reports")
        else:
            session.close()
            db.drop_all()
            db.create_all()
            session = Session(db.engine, expire_on_commit=False)
            t0 = time.perf_counter()
            seed(session, args.machines, args.reports, random.Random(21))
            print(f"seeded {args.machines} machines, {args.reports} reports of {BODIES} bodies into {path} "
                  f"in {time.perf_counter() - t0:.1f} s")  # fmt: skip
        ticks: list[tuple[float, int]] = []
        t0 = time.perf_counter()
        run, _ = spot_check_job.start_run(session, scope=None, now=datetime.now(UTC), on=ON)
        run = spot_check_job.run_spot_checks(
            session, run.id, progress=lambda d, t: ticks.append((time.perf_counter() - t0, d))
        )
        job_s = time.perf_counter() - t0
        found = {(f.body_id, f.kind) for f in run.flags}
        print(f"spot-check job: {run.done} reports read in {len(ticks)} committed chunks, {len(run.flags)} flags, "
              f"{job_s:.2f} s (target < {JOB_TARGET_S:g} s); first progress after {ticks[0][0]:.2f} s")  # fmt: skip
        print(f"  flagged bodies and kinds: {sorted(found)}; made light: {LIGHT}")
        t0 = time.perf_counter()
        row = bulletin.request_bulletin(session, scope=None, period="2026", city=None, now=datetime.now(UTC))
        row = bulletin.build_bulletin(session, row.id, render=bulletin_pdf)
        bulletin_s = time.perf_counter() - t0
        print(f"bulletin 2026 (province): {len(row.pdf or b'')} bytes PDF in {bulletin_s:.2f} s "
              f"(target < {BULLETIN_TARGET_S:g} s)")  # fmt: skip
        (workdir / "bulletin.pdf").write_bytes(row.pdf or b"")
    met = job_s < JOB_TARGET_S and bulletin_s < BULLETIN_TARGET_S
    print(f"targets: {'met' if met else 'MISSED'}")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
