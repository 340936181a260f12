"""Benchmark: one machine's file (安全技术档案) with a few hundred events, as the service returns it and as the page
renders it, on throwaway SQLite.

Builds, through the use cases (so every row is what production writes), one tower crane that has been on
--sites sites in turn: each with its notice, a failed inspection and a passing re-inspection (rows written
directly, as the inspection area publishes them), the joint acceptance with four signatures, the use registration
and its sign, --records maintenance records, two hazards (one closed), and the dismantling. Then times
``machine_file.machine_file`` and GET /cranes/<id>/file (Flask test client, signed in as an administrator).
Target: page median < 100 ms. Prints what it measured; exits 1 if the target is missed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy.orm import Session  # noqa: E402

from expert_pool.pdf.crane_certificate_pdf import certificate_pdf  # noqa: E402
from expert_pool.pdf.crane_use_sign_pdf import use_sign_pdf  # noqa: E402
from knowledge.accounts.models import Account, Role  # noqa: E402
from knowledge.accounts.passwords import hash_password  # noqa: E402
from knowledge.accounts.permissions import Scope  # noqa: E402
from knowledge.cranes import machine_file, services, site_acceptance, site_services  # noqa: E402
from knowledge.cranes.inspection_models import (  # noqa: E402
    Conclusion,
    InspectionBody,
    InspectionReport,
    ReportState,
)
from knowledge.cranes.machines import MachineType  # noqa: E402
from knowledge.cranes.site_models import AcceptanceParty, Installation, InstallerQualification, RecordKind  # noqa: E402
from knowledge.enterprises.models import (  # noqa: E402
    Enterprise,
    EnterpriseType,
    ParticipantRole,
    Project,
    ProjectParticipant,
)
from knowledge.regions import City  # noqa: E402
from knowledge.registry.rules import classify  # noqa: E402
from knowledge.registry.services import build_work, classification_fields  # noqa: E402
from knowledge.registry.workflow import WorkStatus  # noqa: E402
from knowledge.site.hazard_loop import Level, State  # noqa: E402
from knowledge.site.hazard_models import Hazard, Source  # noqa: E402
from webapp import create_app  # noqa: E402
from webapp.config import Config  # noqa: E402
from webapp.extensions import db  # noqa: E402

TARGET_MS = 100.0
PASSWORD = "Bench@12345"
HASH = "scrypt:1024:8:1"
BASE = "https://example.test"
START = date(2020, 1, 6)


class World:
    """The enterprises and the accounts of each party, made once."""

    def __init__(self, session: Session) -> None:
        self.session = session
        kinds = {"user": EnterpriseType.CONSTRUCTOR, "lessor": EnterpriseType.OTHER,
                 "installer": EnterpriseType.CONSTRUCTOR, "supervisor": EnterpriseType.SUPERVISOR,
                 "body": EnterpriseType.OTHER}  # fmt: skip
        self.firms = {k: Enterprise(name=f"基准{k}单位", credit_code=f"91320500{i:09d}X", type=t, city=City.SUZHOU)
                      for i, (k, t) in enumerate(kinds.items(), start=1)}  # fmt: skip
        session.add_all(self.firms.values())
        session.flush()
        self.accounts = {
            k: self.account(k, Role.PROJECT_TEAM, self.firms[k].id) for k in kinds if k != "body"
        }
        self.accounts["admin"] = self.account("admin", Role.ADMIN, None)
        self.accounts["regulator"] = self.account("regulator", Role.REGULATOR, None)
        self.inspector = self.account("inspector", Role.INSPECTION_BODY, self.firms["body"].id)
        self.body = InspectionBody(enterprise_id=self.firms["body"].id, qualification_number="TS-1",
                                   valid_until=date(2040, 1, 1), city=City.SUZHOU)  # fmt: skip
        session.add_all([self.body, InstallerQualification(
            enterprise_id=self.firms["installer"].id, certificate_number="D1", grade="一级", valid_until=date(2040, 1, 1),
            safety_licence_number="S1", safety_licence_valid_until=date(2040, 1, 1))])  # fmt: skip
        session.commit()

    def account(self, name: str, role: Role, enterprise_id: int | None) -> Account:
        account = Account(username=f"bench_{name}", display_name=name, role=role, enterprise_id=enterprise_id,
                          password_hash=hash_password(PASSWORD, HASH), two_factor_waived=True)  # fmt: skip
        self.session.add(account)
        self.session.flush()
        return account

    def scope(self, who: str) -> Scope:
        return Scope.of(self.accounts[who])


def site(world: World, n: int) -> tuple[Project, int]:
    session = world.session
    project = Project(name=f"基准项目{n}", city=City.SUZHOU, district="工业园区", address="星湖街")
    session.add(project)
    session.flush()
    for who, role in (("user", ParticipantRole.GENERAL_CONTRACTOR), ("supervisor", ParticipantRole.SUPERVISOR),
                      ("installer", ParticipantRole.SUBCONTRACTOR)):  # fmt: skip
        session.add(ProjectParticipant(project_id=project.id, enterprise_id=world.firms[who].id, role=role))
    params = {"crane_capacity": "100", "erection_height": "50", "foundation_elevation": "0"}
    work = build_work({"project": project, "name": f"塔吊安拆{n}",
                       **classification_fields(classify("lifting", params, "machinery_erection"))}, actor_id=None)  # fmt: skip
    work.status = WorkStatus.IN_FORCE
    session.add(work)
    session.commit()
    return project, work.id


def report(world: World, installation: Installation, on: date, conclusion: Conclusion, n: int) -> None:
    moment = datetime(on.year, on.month, on.day, 2, tzinfo=UTC)
    world.session.add(InspectionReport(
        number=f"BG{n:06d}", machine_id=installation.machine_id, machine_type=MachineType.TOWER_CRANE,
        installation_id=installation.id, body_id=world.body.id, inspector_id=world.inspector.id,
        checklist_version="b", state=ReportState.PUBLISHED, started_at=moment, finished_at=moment, published_on=on,
        conclusion=conclusion, nonconformities=0 if conclusion is Conclusion.PASS else 2, verify_code=f"B{n:011d}",
    ))  # fmt: skip
    world.session.commit()


def life(world: World, sites: int, records: int) -> int:
    session = world.session
    data = services.MachineInput(MachineType.TOWER_CRANE, "徐工建机", "XGT7020", "BENCH-1", date(2019, 5, 1),
                                 rated_moment_knm=Decimal(1250))  # fmt: skip
    machine = services.register_machine_and_ownership(session, data, scope=world.scope("lessor"), today=START,
                                                      render=lambda c: certificate_pdf(c, base_url=BASE))  # fmt: skip
    day = START
    for n in range(sites):
        project, work_id = site(world, n)
        notice = site_services.NoticeInput(machine.registration_number or "", project.id, work_id,
                                           world.firms["user"].id, day + timedelta(days=2), f"{n}#楼北侧")  # fmt: skip
        installation = site_services.file_installation_notice(
            session, notice, scope=world.scope("installer"), today=day
        )
        report(world, installation, day + timedelta(days=3), Conclusion.FAIL, 2 * n)
        report(world, installation, day + timedelta(days=5), Conclusion.PASS, 2 * n + 1)
        on = day + timedelta(days=6)
        acceptance = site_acceptance.open_acceptance(
            session, installation, scope=world.scope("user"), today=on
        )
        for party in AcceptanceParty:
            site_acceptance.sign_acceptance(session, acceptance, party, signer_name="代表",
                                            scope=world.scope(party.value), today=on)  # fmt: skip
        site_acceptance.register_use(session, installation, scope=world.scope("user"), today=on + timedelta(days=1),
                                     render=lambda c, r: use_sign_pdf(c, r, base_url=BASE))  # fmt: skip
        for k in range(records):
            entry = site_services.RecordInput(
                RecordKind.MAINTENANCE, on + timedelta(days=2 + k), f"第{k + 1}次维护保养"
            )
            site_services.add_record(
                session, machine, entry, scope=world.scope("user"), today=on + timedelta(days=60)
            )
        for k, state in enumerate((State.CLOSED, State.OPEN)):
            session.add(Hazard(
                work_id=work_id, city=City.SUZHOU, district="工业园区", category="lifting", level=Level.ORDINARY,
                description=f"附着装置螺栓松动{k}", source=Source.INSPECTION, responsible_id=world.firms["user"].id,
                machine_id=machine.id, found_on=on + timedelta(days=10 + k), deadline=on + timedelta(days=20),
                state=state, closed_on=on + timedelta(days=15) if state is State.CLOSED else None,
                created_by=world.accounts["regulator"].id,
            ))  # fmt: skip
        session.commit()
        site_services.dismantle(session, installation, planned_on=on + timedelta(days=90),
                                scope=world.scope("installer"), today=on + timedelta(days=60))  # fmt: skip
        day = on + timedelta(days=91)
    return machine.id


def percentile95(times: list[float]) -> float:
    return sorted(times)[int(0.95 * (len(times) - 1))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=10)
    parser.add_argument("--records", type=int, default=15)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-crane-file-"))
    app = create_app(Config(workdir), SQLALCHEMY_DATABASE_URI=f"sqlite:///{workdir / 'file.db'}", SEARCH_WARM=False,
                     PASSWORD_HASH_METHOD=HASH, WTF_CSRF_ENABLED=False)  # fmt: skip
    with app.app_context():
        db.create_all()
        t0 = time.perf_counter()
        world = World(db.session())
        machine_id = life(world, args.sites, args.records)
        scope = world.scope("admin")
        events = len(machine_file.machine_file(db.session(), scope, machine_id).events)
        print(
            f"built one machine with {events} events on {args.sites} sites in {time.perf_counter() - t0:.1f} s"
        )
        service = []
        for _ in range(args.runs):
            db.session().expunge_all()
            t0 = time.perf_counter()
            machine_file.machine_file(db.session(), scope, machine_id)
            service.append((time.perf_counter() - t0) * 1000)
        db.session.remove()
    client = app.test_client()
    client.post("/auth/login", data={"username": "bench_admin", "password": PASSWORD})
    assert client.get(f"/cranes/{machine_id}/file").status_code == 200
    page = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        response = client.get(f"/cranes/{machine_id}/file")
        page.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200
    print(
        f"  machine_file.machine_file: median {statistics.median(service):6.2f} ms  p95 {percentile95(service):6.2f} ms"
    )
    print(
        f"  GET /cranes/{machine_id}/file:    median {statistics.median(page):6.2f} ms  p95 {percentile95(page):6.2f} ms"
    )
    met = statistics.median(page) < TARGET_MS
    print(f"page median target < {TARGET_MS:g} ms: {'met' if met else 'MISSED'}")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
