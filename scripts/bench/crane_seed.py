"""Benchmark: the province-scale crane seed (20,000 machines, ~60,000 published inspection reports from 40 bodies),
then the register's filtered list and the spot-check list over what it wrote.

Builds a throwaway database (SQLite in --workdir, or a fresh schema of --database-url on PostgreSQL, dropped at the
end) with a crane-installation work on --sites-per-city projects per city, runs ``knowledge.demo.cranes.seed_cranes``
at province scale, and prints the time of the seed, the rows it wrote, the time of one page of the register filtered
by state and service age (and its total), and of ``spot_checks.spot_check_list`` over every report, with the bodies
it flags beside the bodies the seed made light.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import create_engine, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

import expert_pool.conflicts.models  # noqa: E402,F401
import expert_pool.draws.models  # noqa: E402,F401
import expert_pool.experts.models  # noqa: E402,F401
import expert_pool.reviews.models  # noqa: E402,F401
import knowledge.audit  # noqa: E402,F401 - every table on the metadata
import knowledge.cranes.inspection_models  # noqa: E402,F401
import knowledge.cranes.site_models  # noqa: E402,F401
import knowledge.outbox  # noqa: E402,F401
import knowledge.plans.models  # noqa: E402,F401
import knowledge.settings  # noqa: E402,F401
import knowledge.site.hazard_models  # noqa: E402,F401
import knowledge.site.inspection_models  # noqa: E402,F401
from knowledge.accounts.models import Role  # noqa: E402
from knowledge.accounts.permissions import Scope  # noqa: E402
from knowledge.cranes import queries  # noqa: E402
from knowledge.cranes.inspection_models import InspectionReport  # noqa: E402
from knowledge.cranes.spot_checks import ReportRecord, spot_check_list  # noqa: E402
from knowledge.db import Base  # noqa: E402
from knowledge.demo.cranes import seed_cranes  # noqa: E402
from knowledge.enterprises.creditcode import make_code  # noqa: E402
from knowledge.enterprises.models import (  # noqa: E402
    Enterprise,
    EnterpriseType,
    ParticipantRole,
    Project,
    ProjectParticipant,  # noqa: E402
)
from knowledge.regions import City  # noqa: E402
from knowledge.registry.rules import classify  # noqa: E402
from knowledge.registry.services import build_work, classification_fields  # noqa: E402

TODAY = date(2026, 11, 20)
PARAMETERS = {"crane_capacity": "200", "erection_height": "80", "foundation_elevation": "0"}


def make_sites(session: Session, per_city: int) -> None:
    classified = classification_fields(classify("lifting", PARAMETERS, "machinery_erection"))
    n = 0
    for city in City:
        for _ in range(per_city):
            n += 1
            gc = Enterprise(name=f"基准总包{n}", credit_code=make_code("91", city.division_code, f"8{n:07d}"), type=EnterpriseType.CONSTRUCTOR,
                            city=city)  # fmt: skip
            sup = Enterprise(name=f"基准监理{n}", credit_code=make_code("91", city.division_code, f"7{n:07d}"), type=EnterpriseType.SUPERVISOR,
                             city=city)  # fmt: skip
            project = Project(name=f"基准项目{n}", city=city, district="", address="")
            session.add_all([gc, sup, project])
            session.flush()
            session.add_all([ProjectParticipant(project_id=project.id, enterprise_id=gc.id,
                                                role=ParticipantRole.GENERAL_CONTRACTOR),
                             ProjectParticipant(project_id=project.id, enterprise_id=sup.id,
                                                role=ParticipantRole.SUPERVISOR)])  # fmt: skip
            work = build_work(
                {"project": project, "name": f"{n}#塔吊安装拆卸工程", **classified}, actor_id=None
            )
            session.add(work)
    session.commit()


def progress(label: str, done: int, total: int) -> None:
    print(f"\r  {label} {done}/{total}", end="", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default="", help="PostgreSQL URL (default: SQLite in --workdir)")
    parser.add_argument("--workdir", default="")
    parser.add_argument("--sites-per-city", type=int, default=40)
    args = parser.parse_args()
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    if args.database_url:
        admin = create_engine(args.database_url)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine = create_engine(args.database_url, connect_args={"options": f"-csearch_path={schema}"})
    else:
        workdir = Path(args.workdir or tempfile.mkdtemp())
        (workdir / "cranes.db").unlink(missing_ok=True)
        engine = create_engine(f"sqlite:///{workdir / 'cranes.db'}")
    try:
        Base.metadata.create_all(engine)
        with Session(engine, expire_on_commit=False) as session:
            make_sites(session, args.sites_per_city)
            started = time.perf_counter()
            summary = seed_cranes(session, scale="province", today=TODAY, inspector_password="Bench@2024!",
                                  on_progress=progress)  # fmt: skip
            print(f"\nseed: {time.perf_counter() - started:.1f} s on {engine.dialect.name}; {summary.label}")
            print("rows:", ", ".join(f"{k} {v}" for k, v in sorted(summary.counts.items())))
            measure(session, summary.light_body_ids)
    finally:
        engine.dispose()
        if args.database_url:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
    return 0


def measure(session: Session, light: tuple[int, ...]) -> None:
    scope = Scope(0, Role.REGULATOR)
    found = queries.MachineFilter(state=queries.MachineState.ON_SITE, past_age=True)
    started = time.perf_counter()
    page = queries.filtered_page(session, scope, found, on=TODAY)
    queries.states_of(session, [m.id for m in page.items])
    print(f"register page (on a site, past service age): {1000 * (time.perf_counter() - started):.0f} ms, "
          f"total {page.total}")  # fmt: skip
    started = time.perf_counter()
    rows = session.execute(select(InspectionReport.body_id, InspectionReport.machine_type, InspectionReport.inspector_id,
                                  InspectionReport.started_at, InspectionReport.finished_at,
                                  InspectionReport.nonconformities, InspectionReport.published_on)).all()  # fmt: skip
    result = spot_check_list([ReportRecord(*row) for row in rows], on=TODAY)
    flagged = sorted({body for body, _ in result.flagged()})
    print(f"spot-check list over {len(rows)} reports: {time.perf_counter() - started:.1f} s; "
          f"flagged bodies {flagged}; made light {list(light)}; kinds "
          f"{sorted({f.kind.value for f in result.flags})}")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
