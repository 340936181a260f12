"""Load test: gunicorn serving a seeded instance, locust driving the demo accounts (headless, loopback only).

Seeds ``seed-demo --scale small`` into a temporary instance (SQLite; or the PostgreSQL of TEST_DATABASE_URL in
a fresh schema is not supported here: point DATABASE_URL at an empty database yourself), builds the index,
starts ``gunicorn -w WORKERS`` on a free loopback port exactly as production runs it (README, "Production
serving"), runs locust for the given time and prints requests per second, median/p95 per page and failures.
Exits 1 when any request failed or the p95 of a page exceeds ``--p95-ms``.

Needs the bench extra: ``.venv/bin/pip install -e '.[bench]'``. Run from the repository root:
``.venv/bin/python scripts/bench/load.py [--users 50] [--seconds 60] [--workers 2]``.
"""

from __future__ import annotations

import argparse
import csv
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(env: dict[str, str], *args: str) -> None:
    subprocess.run([str(BIN / "flask"), *args], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"server at {url} did not answer in {seconds:.0f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--p95-ms", type=float, default=1000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="weida-load-") as tmp:
        instance = Path(tmp) / "instance"
        env = {k: v for k, v in os.environ.items() if k not in ("TEST_DATABASE_URL", "REDIS_URL")}
        env |= {"FLASK_APP": "wsgi", "INSTANCE_DIR": str(instance)}
        env.setdefault("DATABASE_URL", f"sqlite:///{instance / 'weida.db'}")
        started = time.perf_counter()
        run(env, "db", "upgrade")
        run(env, "seed-demo", "--scale", "small", "--demo")
        run(env, "search", "reindex")
        print(f"seeded and indexed in {time.perf_counter() - started:.1f} s")

        port = free_port()
        host = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", str(args.workers), "--threads", str(args.threads),
             "-b", f"127.0.0.1:{port}", "--access-logfile", "-", "wsgi:app"],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            wait_for(f"{host}/auth/login")
            prefix = Path(tmp) / "stats"
            subprocess.run(
                [str(BIN / "locust"), "-f", str(ROOT / "scripts/bench/load_users.py"), "--headless",
                 "-u", str(args.users), "-r", str(args.spawn_rate), "-t", f"{args.seconds}s", "--host", host,
                 "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING"],
                cwd=ROOT, check=False, stdout=subprocess.DEVNULL,
            )  # fmt: skip
        finally:
            server.terminate()
            server.wait(timeout=30)
        return report(Path(f"{prefix}_stats.csv"), args)


def report(stats: Path, args: argparse.Namespace) -> int:
    rows = list(csv.DictReader(stats.open(encoding="utf-8")))
    print(f"gunicorn -w {args.workers} --threads {args.threads}; {args.users} users for {args.seconds} s")
    print(f"{'page':<28}{'requests':>10}{'failures':>10}{'median ms':>11}{'p95 ms':>9}{'req/s':>8}")
    worst = 0
    for row in rows:
        print(f"{row['Name']:<28}{row['Request Count']:>10}{row['Failure Count']:>10}"
              f"{float(row['Median Response Time'] or 0):>11.0f}{float(row['95%'] or 0):>9.0f}"
              f"{float(row['Requests/s']):>8.1f}")  # fmt: skip
        if row["Name"] != "Aggregated":
            worst = max(worst, int(float(row["95%"] or 0)))
    total = next(r for r in rows if r["Name"] == "Aggregated")
    failed = int(total["Failure Count"])
    ok = failed == 0 and worst <= args.p95_ms
    print(
        f"failures {failed}; worst page p95 {worst} ms (target ≤ {args.p95_ms:.0f} ms): {'met' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
