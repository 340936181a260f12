"""Benchmark of ``seed_demo``: into a temporary SQLite file, and PostgreSQL when TEST_DATABASE_URL is set.

Run from the repository root: ``.venv/bin/python scripts/bench/seed.py [--scale province] [--seed 2024]``.
On PostgreSQL it seeds into a fresh schema and drops that schema afterwards. Each run writes its plan
files into a temporary upload directory and signs with two accounts made for it (the seed creates none:
one signs as constructor and subcontractor, one as chief supervisor). Prints the time of each stage, the
total, the rows counted back from each table and the plan files written; exits 1 when a run exceeds
``--target``.
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

import expert_pool.experts.models  # noqa: E402, F401 - every table on the metadata
import knowledge.accounts.models  # noqa: E402, F401
import knowledge.audit  # noqa: E402, F401
import knowledge.enterprises.models  # noqa: E402, F401
import knowledge.plans.models  # noqa: E402, F401
import knowledge.registry.models  # noqa: E402, F401
from knowledge.accounts.models import Account, Role  # noqa: E402
from knowledge.db import Base  # noqa: E402
from knowledge.demo.seed import SeedSummary, seed_demo  # noqa: E402

TARGET_SECONDS = 120.0
TABLES = ("enterprise", "project", "project_participant", "expert", "work", "plan_version", "plan_signoff")


def stage_printer() -> Callable[[str, int, int], None]:
    """Print each stage once, when it completes, with the seconds since the previous stage ended."""
    last = time.perf_counter()

    def on_progress(label: str, done: int, total: int) -> None:
        nonlocal last
        if done == total:
            now = time.perf_counter()
            print(f"    {label:<8} {total:>9,} rows  {now - last:6.2f} s", flush=True)
            last = now

    return on_progress


def signer_accounts(session: Session) -> dict[str, int]:
    """Two accounts to sign with; any password hash will do, nobody signs in with them."""
    builder = Account(
        username="bench_builder", display_name="施工单位技术负责人", password_hash="x", role=Role.ADMIN
    )
    supervisor = Account(
        username="bench_supervisor", display_name="总监理工程师", password_hash="x", role=Role.ADMIN
    )
    session.add_all([builder, supervisor])
    session.commit()
    return {"constructor": builder.id, "subcontractor": builder.id, "supervisor": supervisor.id}


def seed_and_count(
    engine: Engine, scale: str, seed: int, upload_dir: Path
) -> tuple[SeedSummary, dict[str, int]]:
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        summary = seed_demo(
            session,
            scale,
            seed=seed,
            on_progress=stage_printer(),
            upload_dir=upload_dir,
            signer_account_ids=signer_accounts(session),
        )
        counts = {
            name: session.scalar(select(func.count()).select_from(Base.metadata.tables[name])) or 0
            for name in TABLES
        }
    return summary, counts


def report(backend: str, summary: SeedSummary, counts: dict[str, int], upload_dir: Path) -> None:
    rows = ", ".join(f"{name} {count:,}" for name, count in counts.items())
    print(f"  {backend}: {summary.elapsed_seconds:.2f} s for {sum(counts.values()):,} rows ({rows})")
    if counts != summary.counts:
        print(f"  {backend}: counted rows differ from the summary {summary.counts}")
    files = [path.stat().st_size for path in upload_dir.iterdir()]
    average = sum(files) / len(files) if files else 0
    print(
        f"  {backend}: {len(files):,} plan files, {sum(files) / 1024 / 1024:,.1f} MiB, {average:,.0f} bytes each"
    )
    if len(files) != summary.plan_versions:
        print(f"  {backend}: plan files differ from the {summary.plan_versions:,} versions written")


def bench_sqlite(scale: str, seed: int) -> float:
    print(f"SQLite (temporary file), scale {scale}, seed {seed}")
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{tmp}/bench.db")
        try:
            summary, counts = seed_and_count(engine, scale, seed, Path(tmp) / "uploads")
        finally:
            engine.dispose()  # closing the last connection checkpoints a WAL into the file
        size = sum(path.stat().st_size for path in Path(tmp).glob("bench.db*"))
        report("SQLite", summary, counts, Path(tmp) / "uploads")
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
            with tempfile.TemporaryDirectory() as tmp:
                summary, counts = seed_and_count(engine, scale, seed, Path(tmp))
                report("PostgreSQL", summary, counts, Path(tmp))
        finally:
            engine.dispose()
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
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
