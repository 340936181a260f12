"""Benchmark: the registry list page for a province regulator at province scale, with two filters.

Seeds `seed-demo --scale province` (100,000 works) into a fresh SQLite database (or the PostgreSQL
of TEST_DATABASE_URL, in a schema dropped afterwards), signs in as a province regulator and times
GET /works/ with pairs of filters through the real app. Target: median under 300 ms per page.
Prints what it measured; exits 1 if the target is missed.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import create_engine, text  # noqa: E402

from knowledge.accounts.models import Role  # noqa: E402
from knowledge.accounts.services import AccountInput, create_account  # noqa: E402
from knowledge.demo.seed import seed_demo  # noqa: E402
from webapp import create_app  # noqa: E402
from webapp.config import Config  # noqa: E402
from webapp.extensions import db  # noqa: E402

TARGET_MS = 300.0
RUNS = 25
QUERIES = [
    "/works/?city=suzhou&category=excavation",
    "/works/?verdict=over_scale&status=plan_drafted",
    "/works/?category=scaffolding&start_from=2025-01-01",
    "/works/?city=nanjing&verdict=hazardous&page=5",
    "/works/?district=江宁区&category=formwork",
]


def database(tmp: Path) -> tuple[str, dict[str, object], str]:
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url:
        return f"sqlite:///{tmp / 'bench.db'}", {}, ""
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with create_engine(url).begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    return url, {"connect_args": {"options": f"-csearch_path={schema}"}}, schema


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="bench-registry-"))
    url, options, schema = database(tmp)
    app = create_app(Config(tmp), SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_ENGINE_OPTIONS=options,
                     WTF_CSRF_ENABLED=False, PASSWORD_HASH_METHOD="scrypt:1024:8:1")  # fmt: skip
    try:
        with app.app_context():
            db.create_all()
            started = time.perf_counter()
            summary = seed_demo(db.session, "province", upload_dir=tmp / "uploads")
            print(f"seeded province scale in {time.perf_counter() - started:.1f} s: {summary.counts}")
            create_account(db.session, AccountInput("bench_reg", "省厅", "Bench@12345", Role.REGULATOR),
                           actor_id=None, hash_method="scrypt:1024:8:1")  # fmt: skip
        client = app.test_client()
        client.post("/auth/login", data={"username": "bench_reg", "password": "Bench@12345"})
        medians = []
        for query in QUERIES:
            assert client.get(query).status_code == 200  # warm-up
            times = []
            for _ in range(RUNS):
                t0 = time.perf_counter()
                response = client.get(query)
                times.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200
            median = statistics.median(times)
            medians.append(median)
            p95 = sorted(times)[int(0.95 * (len(times) - 1))]
            print(f"{query:<55} median {median:6.1f} ms  p95 {p95:6.1f} ms  min {min(times):6.1f} ms")
        worst = max(medians)
        met = worst < TARGET_MS
        print(
            f"worst median {worst:.1f} ms (target < {TARGET_MS:.0f} ms): {'target met' if met else 'TARGET MISSED'}"
        )
        return 0 if met else 1
    finally:
        with app.app_context():
            db.engine.dispose()
        if schema:
            with create_engine(url).begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


if __name__ == "__main__":
    raise SystemExit(main())
