"""Benchmark of ``seed_demo``: into a temporary SQLite file, and PostgreSQL when TEST_DATABASE_URL is set.

Run from the repository root: ``.venv/bin/python scripts/bench/seed.py [--scale province] [--seed 2024]``.
On PostgreSQL it seeds into a fresh schema and drops that schema afterwards. Prints the time of each
stage, the total, and the rows counted back from each table; exits 1 when a run exceeds ``--target``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import Engine, create_engine, func, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

import expert_pool.models  # noqa: E402, F401 - every table on the metadata
import knowledge.accounts  # noqa: E402, F401
import knowledge.audit  # noqa: E402, F401
import knowledge.models  # noqa: E402, F401
from knowledge.db import Base  # noqa: E402
from knowledge.demo import SeedSummary, seed_demo  # noqa: E402

TARGET_SECONDS = 60.0
TABLES = ("enterprise", "project", "project_participant", "expert")


def stage_printer() -> Callable[[str, int, int], None]:
    """Print each stage once, when it completes, with the seconds since the previous stage ended."""
    last = time.perf_counter()

    def on_progress(label: str, done: int, total: int) -> None:
        nonlocal last
        if done == total:
            now = time.perf_counter()
            print(f"    {label:<8} {total:>8,} rows  {now - last:6.2f} s", flush=True)
            last = now

    return on_progress


def seed_and_count(engine: Engine, scale: str, seed: int) -> tuple[SeedSummary, dict[str, int]]:
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        summary = seed_demo(session, scale, seed=seed, on_progress=stage_printer())
        counts = {
            name: session.scalar(select(func.count()).select_from(Base.metadata.tables[name])) or 0
            for name in TABLES
        }
    return summary, counts


def report(backend: str, summary: SeedSummary, counts: dict[str, int]) -> None:
    rows = ", ".join(f"{name} {count:,}" for name, count in counts.items())
    print(f"  {backend}: {summary.elapsed_seconds:.2f} s for {sum(counts.values()):,} rows ({rows})")
    if counts != summary.counts:
        print(f"  {backend}: counted rows differ from the summary {summary.counts}")


def bench_sqlite(scale: str, seed: int) -> float:
    print(f"SQLite (temporary file), scale {scale}, seed {seed}")
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{tmp}/bench.db")
        try:
            summary, counts = seed_and_count(engine, scale, seed)
        finally:
            engine.dispose()  # closing the last connection checkpoints a WAL into the file
        size = sum(path.stat().st_size for path in Path(tmp).glob("bench.db*"))
    report("SQLite", summary, counts)
    print(f"  SQLite: file size {size / 1024:,.0f} KiB")
    return summary.elapsed_seconds


def bench_postgres(url: str, scale: str, seed: int) -> float:
    schema = f"bench_seed_{uuid.uuid4().hex[:12]}"
    print(f"PostgreSQL (schema {schema}, dropped afterwards), scale {scale}, seed {seed}")
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        engine = create_engine(url, connect_args={"options": f"-csearch_path={schema}"})
        try:
            summary, counts = seed_and_count(engine, scale, seed)
        finally:
            engine.dispose()
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    report("PostgreSQL", summary, counts)
    return summary.elapsed_seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="province", choices=("small", "province"))
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--target", type=float, default=TARGET_SECONDS, help="seconds a run may take")
    args = parser.parse_args()
    timings = [bench_sqlite(args.scale, args.seed)]
    pg_url = os.environ.get("TEST_DATABASE_URL", "")
    if pg_url:
        timings.append(bench_postgres(pg_url, args.scale, args.seed))
    else:
        print("PostgreSQL: skipped (TEST_DATABASE_URL not set)")
    slow = [t for t in timings if t > args.target]
    if slow:
        print(f"slower than the target of {args.target:.0f} s")
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
