"""Load test (issue 22 item 9): gunicorn serving a seeded instance, locust driving every role (headless, loopback).

By default it seeds ``seed-demo --scale small`` into a temporary SQLite instance. For the figures of the issue,
point it at a PostgreSQL database and a kept instance folder, seeded once at province scale and reused::

    .venv/bin/python scripts/bench/load.py --scale province \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/weida_load --instance /work/load-instance \\
        --users 30,60 --seconds 90

Seeding runs ``db upgrade``, ``seed-demo --if-empty`` and, when the index folder is empty, ``search reindex``.
Then for each user count it starts ``gunicorn`` exactly as production runs it (README, "Production serving"),
runs locust for the given time with 1–3 s think time, and prints requests per second, median, p95 and p99 per
page and failures. Each page kind is held to its target (ordinary page 300 ms, dashboard 500 ms, search 300 ms,
PDF 1 s at p95); exits 1 when a request failed or a target was missed. Server errors are counted from gunicorn's
access log (status 5xx) as well as by locust.

Against nodes already running (two or more application nodes on one database, issue 24), ``--hosts`` names them;
nothing is seeded or started, each simulated user works on one node (taken in turn), and the figures are printed
per page, then per node and in total (requests, failures, median, p95, p99, req/s)::

    .venv/bin/python scripts/bench/load.py --hosts http://127.0.0.1:5201,http://127.0.0.1:5202 --users 60

Needs the bench extra: ``.venv/bin/pip install -e '.[bench]'``.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
TARGETS_MS = {"dashboard": 500.0, "search": 300.0, "pdf": 1000.0, "page": 300.0}  # p95, issue 22 item 9
STATUS = re.compile(r'" (\d{3}) ')


def target_of(name: str) -> tuple[str, float]:
    kind = (
        "dashboard" if name.startswith("/dashboard") else "search" if name.startswith("/search") else "page"
    )
    kind = "pdf" if name.endswith(".pdf") else kind
    return kind, TARGETS_MS[kind]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def flask(env: dict[str, str], *args: str) -> None:
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


def prepare(env: dict[str, str], instance: Path, scale: str) -> None:
    started = time.perf_counter()
    flask(env, "db", "upgrade")
    flask(env, "seed-demo", "--scale", scale, "--demo", "--if-empty")
    # The index (a Whoosh folder, or the PostgreSQL search table) is rebuilt only when it does not hold what the
    # database holds: ``search check`` exits 1 then. A PostgreSQL instance's Whoosh folder stays empty.
    checked = subprocess.run([str(BIN / "flask"), "search", "check"], env=env, cwd=ROOT, capture_output=True)
    if checked.returncode != 0:
        flask(env, "search", "reindex")
    print(f"instance ready in {time.perf_counter() - started:.1f} s ({scale}, {env['DATABASE_URL'].split('://')[0]}, "
          f"search {env.get('SEARCH_BACKEND') or 'the database default'})")  # fmt: skip


def run_load(env: dict[str, str], args: argparse.Namespace, users: int, work: Path) -> int:
    port = free_port()
    host = f"http://127.0.0.1:{port}"
    access_log = work / f"access-{users}.log"
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", str(args.workers), "--threads", str(args.threads),
         "-b", f"127.0.0.1:{port}", "--keep-alive", "10", "--access-logfile", str(access_log), "wsgi:app"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=(work / f"server-{users}.log").open("w"),
    )  # fmt: skip
    try:
        wait_for(f"{host}/auth/login")
        prefix = work / f"stats-{users}"
        run_locust(env, args, users, host, prefix)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except (
            subprocess.TimeoutExpired
        ):  # a worker still inside a request: the figures are printed all the same
            server.kill()
            server.wait()
    timeouts = (work / f"server-{users}.log").read_text(encoding="utf-8").count("WORKER TIMEOUT")
    if timeouts:
        print(f"gunicorn killed {timeouts} worker(s) that answered nothing for 30 s")
    errors = sum(
        1 for line in access_log.open(encoding="utf-8") if (m := STATUS.search(line)) and m[1] >= "500"
    )
    title = f"gunicorn -w {args.workers} --threads {args.threads}; {users} users for {args.seconds} s"
    return report(Path(f"{prefix}_stats.csv"), title, errors)


def run_locust(env: dict[str, str], args: argparse.Namespace, users: int, host: str, prefix: Path) -> None:
    subprocess.run(
        [str(BIN / "locust"), "-f", str(ROOT / "scripts/bench/load_users.py"), "--headless",
         "-u", str(users), "-r", str(args.spawn_rate), "-t", f"{args.seconds}s", "--host", host,
         "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING"],
        cwd=ROOT, env=env, check=False, stdout=subprocess.DEVNULL,
    )  # fmt: skip


def run_on_hosts(
    env: dict[str, str], args: argparse.Namespace, hosts: list[str], users: int, work: Path
) -> int:
    """The users spread over running nodes; figures per page, then per node and in total."""
    for host in hosts:
        wait_for(f"{host}/auth/login", seconds=10)
    prefix, samples = work / f"stats-{users}", work / f"samples-{users}.csv"
    run_locust(
        env | {"LOAD_HOSTS": ",".join(hosts), "LOAD_SAMPLES": str(samples)}, args, users, hosts[0], prefix
    )
    rows = [(node, float(ms), int(status), failed == "1")
            for node, _name, ms, status, failed in csv.reader(samples.open(encoding="utf-8"))]  # fmt: skip
    title = f"{len(hosts)} nodes; {users} users for {args.seconds} s, each on one node in turn"
    status = report(Path(f"{prefix}_stats.csv"), title, sum(1 for r in rows if r[2] >= 500))
    print(f"\n{'node':<36}{'requests':>9}{'fail':>6}{'5xx':>6}{'median':>8}{'p95':>7}{'p99':>7}{'req/s':>7}")
    for node in [*hosts, "total"]:
        mine = [r for r in rows if node in ("total", r[0])]
        times = sorted(r[1] for r in mine)
        print(f"{node:<36}{len(mine):>9}{sum(r[3] for r in mine):>6}{sum(r[2] >= 500 for r in mine):>6}"
              f"{percentile(times, 0.5):>8.0f}{percentile(times, 0.95):>7.0f}{percentile(times, 0.99):>7.0f}"
              f"{len(mine) / args.seconds:>7.1f}")  # fmt: skip
    return status


def percentile(ordered: list[float], share: float) -> float:
    """Nearest rank: the smallest value with at least ``share`` of the values at or below it (0 for none)."""
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)] if ordered else 0.0


def report(stats: Path, title: str, server_errors: int) -> int:
    rows = list(csv.DictReader(stats.open(encoding="utf-8")))
    print(f"\n{title}")
    print(f"{'page':<36}{'requests':>9}{'fail':>6}{'median':>8}{'p95':>7}{'p99':>7}{'target':>8}{'req/s':>7}")
    missed = []
    for row in rows:
        name = row["Name"]
        p95 = float(row["95%"] or 0)
        kind, target = target_of(name)
        aggregated = name == "Aggregated"
        if not aggregated and not name.startswith("/auth/login") and p95 > target:
            missed.append(f"{name} p95 {p95:.0f} ms > {target:.0f}")
        print(f"{name:<36}{row['Request Count']:>9}{row['Failure Count']:>6}{float(row['Median Response Time'] or 0):>8.0f}"
              f"{p95:>7.0f}{float(row['99%'] or 0):>7.0f}{'' if aggregated else f'{target:.0f}':>8}"
              f"{float(row['Requests/s']):>7.1f}")  # fmt: skip
    failed = int(next(r for r in rows if r["Name"] == "Aggregated")["Failure Count"])
    ok = failed == 0 and server_errors == 0 and not missed
    print(
        f"failures {failed}; server errors (5xx) {server_errors}; targets {'met' if not missed else 'MISSED'}"
    )
    for line in missed:
        print(f"  missed: {line}")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", default="30,60", help="user counts, run one after the other")
    parser.add_argument(
        "--spawn-rate", type=float, default=2, help="users started per second (each signs in)"
    )
    parser.add_argument("--seconds", type=int, default=90)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--scale", choices=["small", "province"], default="small")
    parser.add_argument("--database-url", default="", help="an existing database (default: temporary SQLite)")
    parser.add_argument("--instance", default="", help="a kept instance folder (default: temporary)")
    parser.add_argument(
        "--search-backend", choices=("", "whoosh", "postgres"), default="",
        help="SEARCH_BACKEND of the served app (default: the database's, postgres on PostgreSQL)",
    )  # fmt: skip
    parser.add_argument(
        "--hosts", default="", help="running nodes, comma-separated: nothing seeded or started"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="weida-load-") as tmp:
        hosts = [h.strip().rstrip("/") for h in args.hosts.split(",") if h.strip()]
        if hosts:
            env = {k: v for k, v in os.environ.items() if k != "TEST_DATABASE_URL"}
            return max(run_on_hosts(env, args, hosts, int(u), Path(tmp)) for u in args.users.split(","))
        instance = Path(args.instance or Path(tmp) / "instance")
        env = {k: v for k, v in os.environ.items() if k not in ("TEST_DATABASE_URL", "REDIS_URL")}
        env |= {"FLASK_APP": "wsgi", "INSTANCE_DIR": str(instance)}
        env["DATABASE_URL"] = args.database_url or f"sqlite:///{instance / 'weida.db'}"
        if args.search_backend:
            env["SEARCH_BACKEND"] = args.search_backend
        prepare(env, instance, args.scale)
        status = 0
        for users in (int(u) for u in args.users.split(",")):
            status |= run_load(env, args, users, Path(tmp))
        return status


if __name__ == "__main__":
    sys.exit(main())
