"""Benchmark: an inspection report's PDF, as the renderer makes it and as GET /cranes/reports/<id>.pdf serves it,
on throwaway SQLite.

Builds through the use cases (start, record every checklist item with its measured values, publish) one report per
machine type, each with --photos photos on its first items and a few items failed, among --others further
published reports so that the lookups run over a populated table. Then times ``report_pdf`` alone and the download
page (Flask test client, signed in as an administrator), --runs each. Target: download median < 300 ms. Checks that
the same records give the same bytes. Prints what it measured; exits 1 if the target is missed.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy.orm import Session  # noqa: E402

from expert_pool.pdf.crane_report_pdf import report_pdf  # noqa: E402
from knowledge.accounts.models import Role  # noqa: E402
from knowledge.accounts.permissions import Scope  # noqa: E402
from knowledge.cranes import checklists, inspections  # noqa: E402
from knowledge.cranes.inspection_models import InspectionReport  # noqa: E402
from knowledge.cranes.machines import MachineType  # noqa: E402
from tests.crane_report_factories import (  # noqa: E402
    BASE,
    LATER,
    NOW,
    entries,
    general_items,
    make_body,
    make_inspector,
    make_machine,
    photo,
    render,
    start,
)
from tests.factories import PASSWORD, make_account  # noqa: E402
from webapp import create_app  # noqa: E402
from webapp.config import Config  # noqa: E402
from webapp.extensions import db  # noqa: E402

TARGET_MS = 300.0


def publish(session: Session, upload_dir: Path, machine_type: MachineType, photos: int) -> InspectionReport:
    body = make_body(session)
    inspector = make_inspector(session, body)
    machine = make_machine(session, machine_type)
    report = start(session, inspector, machine)
    items = checklists.checklist(machine_type).items
    shots = {item.key: (photo(f"现场{n}.png"),) for n, item in enumerate(items[:photos])}
    recorded = entries(machine_type, fail=general_items(machine_type)[:2], photos=shots)
    scope = Scope.of(inspector)
    inspections.record_items(session, report, recorded, scope=scope, upload_dir=upload_dir, now=NOW)
    return inspections.publish(session, report, scope=scope, now=LATER, render=render)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--photos", type=int, default=6)
    parser.add_argument("--others", type=int, default=200, help="further published reports in the table")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-crane-report-"))
    app = create_app(Config(workdir), SQLALCHEMY_DATABASE_URI=f"sqlite:///{workdir / 'bench.db'}",
                     SEARCH_WARM=False, PUBLIC_BASE_URL=BASE, WTF_CSRF_ENABLED=False)  # fmt: skip
    upload_dir = Path(app.config["UPLOAD_DIR"])
    met = True
    with app.app_context():
        db.create_all()
        session = Session(db.engine, expire_on_commit=False)
        t0 = time.perf_counter()
        types = [t for t in MachineType if checklists.has_checklist(t)]
        for n in range(args.others):
            publish(session, upload_dir, types[n % len(types)], photos=0)
        measured = [publish(session, upload_dir, t, photos=args.photos) for t in types]
        print(f"built {args.others + len(types)} published reports in {time.perf_counter() - t0:.1f} s")
        admin = make_account(session, Role.ADMIN, username="bench_admin")
        client = app.test_client()
        client.post("/auth/login", data={"username": admin.username, "password": PASSWORD})
        for report in measured:
            renders, pages = [], []
            for _ in range(args.runs):
                t = time.perf_counter()
                data = report_pdf(report, base_url=BASE)
                renders.append((time.perf_counter() - t) * 1000)
            for _ in range(args.runs):
                t = time.perf_counter()
                response = client.get(f"/cranes/reports/{report.id}.pdf")
                pages.append((time.perf_counter() - t) * 1000)
                assert response.status_code == 200, response.status_code
            same = (
                hashlib.sha256(response.data).hexdigest() == report.sha256 == hashlib.sha256(data).hexdigest()
            )
            page_median = statistics.median(pages)
            met = met and page_median < TARGET_MS and same
            print(f"{report.machine_type.label:<8} {len(report.items):>3} items, {args.photos} photos, "
                  f"{len(data):>7} bytes: render median {statistics.median(renders):6.1f} ms, "
                  f"download median {page_median:6.1f} ms, p95 {sorted(pages)[int(0.95 * len(pages)) - 1]:6.1f} ms; "
                  f"same bytes as published: {same}")  # fmt: skip
    print(f"target: download median < {TARGET_MS:g} ms: {'met' if met else 'MISSED'}")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
