"""Benchmark: the review report PDF and the public verification page.

Plays a whole review meeting through the services into a fresh SQLite database (and, when TEST_DATABASE_URL
is set, into the PostgreSQL there, in a schema dropped afterwards): five experts with long findings on every
point, a report with several required changes, signed by all. Then times, on each database, building the
report PDF (``report_pdf``; target: median under 300 ms) and GET /verify/<code> through the Flask test client
(target: median under 50 ms); the PDF download route is timed too, for information.
Prints what it measured; exits 1 if a target is missed.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import create_engine, text  # noqa: E402

from expert_pool.reviews import reports as review_reports  # noqa: E402
from expert_pool.reviews.models import Conclusion, ReviewReport  # noqa: E402
from expert_pool.reviews.report_pdf import report_pdf  # noqa: E402
from expert_pool.reviews.rules import REVIEW_POINTS  # noqa: E402
from knowledge.accounts.models import Role  # noqa: E402
from knowledge.accounts.services import AccountInput, create_account  # noqa: E402
from tests.review_fixtures import AT_MEETING, opinion, ready_meeting, record, sign_all  # noqa: E402
from webapp import create_app  # noqa: E402
from webapp.config import Config  # noqa: E402
from webapp.extensions import db  # noqa: E402

PDF_TARGET_MS = 300.0
VERIFY_TARGET_MS = 50.0
RUNS = 30
FINDING = (
    "支护结构计算书中土压力按朗肯理论计算，未考虑坑边堆载及施工机械荷载，应按实际工况补充；"
    "坑底抗隆起、抗管涌验算缺失；第三道支撑轴力设计值与监测报警值不对应，应复核并明确监测频率。"
)


def database(tmp: Path, backend: str) -> tuple[str, dict[str, object], str]:
    if backend == "sqlite":
        return f"sqlite:///{tmp / 'bench.db'}", {}, ""
    url = os.environ["TEST_DATABASE_URL"]
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with create_engine(url).begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    return url, {"connect_args": {"options": f"-csearch_path={schema}"}}, schema


def concluded_review(upload_dir: Path) -> tuple[int, int]:
    """A signed report: five experts, about 1,500 characters of findings each, six required changes."""
    m = ready_meeting(db.session, str(upload_dir))
    record(db.session, m)
    for n, expert in enumerate(m.panel):
        checks = {
            p: {k: (i + n) % 4 != 0 for i, k in enumerate(items)} for p, (_, items) in REVIEW_POINTS.items()
        }
        findings = {p: FINDING * 3 for p in REVIEW_POINTS}
        opinion(db.session, m, expert, Conclusion.PASS_AFTER_REVISION, checks=checks, findings=findings)
    changes = [(f"第{i}项：" + FINDING, [m.panel[i % 5].id, m.panel[(i + 2) % 5].id]) for i in range(1, 7)]
    report = review_reports.draft_report(db.session, m.review, m.panel[0].id, summary="专家组经审查，" + FINDING,
                                         conclusion=Conclusion.PASS_AFTER_REVISION, changes=changes, now=AT_MEETING)  # fmt: skip
    sign_all(db.session, m, report)
    return m.review.id, report.id


def timed(label: str, action: Callable[[], object], target: float | None) -> bool:
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        action()
        times.append((time.perf_counter() - t0) * 1000)
    median, p95 = statistics.median(times), sorted(times)[int(0.95 * (len(times) - 1))]
    met = target is None or median < target
    goal = f"target < {target:.0f} ms: {'met' if met else 'MISSED'}" if target else "for information"
    print(f"  {label:<34} median {median:7.1f} ms  p95 {p95:7.1f} ms  min {min(times):7.1f} ms  ({goal})")
    return met


def bench(backend: str) -> bool:
    tmp = Path(tempfile.mkdtemp(prefix="bench-review-"))
    url, options, schema = database(tmp, backend)
    app = create_app(Config(tmp), SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_ENGINE_OPTIONS=options,
                     WTF_CSRF_ENABLED=False, PASSWORD_HASH_METHOD="scrypt:1024:8:1",
                     UPLOAD_DIR=str(tmp / "uploads"), SEARCH_INDEX_DIR=str(tmp / "index"))  # fmt: skip
    try:
        with app.app_context():
            db.create_all()
            review_id, report_id = concluded_review(tmp / "uploads")
            create_account(db.session, AccountInput("bench_admin", "管理员", "Bench@12345", Role.ADMIN),
                           actor_id=None, hash_method="scrypt:1024:8:1")  # fmt: skip
            report = db.session.get(ReviewReport, report_id)
            assert report is not None
            code, base = report.verify_code, app.config["PUBLIC_BASE_URL"]
            t0 = time.perf_counter()
            size = len(report_pdf(db.session, report.review, report, base_url=base))
            print(f"{backend}: report of {size / 1024:.0f} KiB; first build {(time.perf_counter() - t0) * 1000:.0f} ms "
                  "(the first in the process also registers the font)")  # fmt: skip

            def build() -> bytes:
                db.session.expire_all()  # read the records again, as a request would
                fresh = db.session.get(ReviewReport, report_id)
                assert fresh is not None
                return report_pdf(db.session, fresh.review, fresh, base_url=base)

            pdf_ok = timed("report_pdf()", build, PDF_TARGET_MS)
        client = app.test_client()
        assert client.get(f"/verify/{code}").status_code == 200  # warm-up
        verify_ok = timed("GET /verify/<code>", lambda: client.get(f"/verify/{code}"), VERIFY_TARGET_MS)
        client.post("/auth/login", data={"username": "bench_admin", "password": "Bench@12345"})
        assert client.get(f"/reviews/{review_id}/reports/{report_id}.pdf").status_code == 200
        timed(
            "GET /reviews/…/reports/….pdf",
            lambda: client.get(f"/reviews/{review_id}/reports/{report_id}.pdf"),
            None,
        )
        return pdf_ok and verify_ok
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if schema:
            with create_engine(url).begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def main() -> int:
    backends = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])
    results = [bench(b) for b in backends]
    met = all(results)
    print("all targets met" if met else "TARGET MISSED")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
