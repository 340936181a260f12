"""Benchmark of the dashboard's 共性问题 section and of 开展专项排查 (issue 23 item 3).

On a seeded database (``--database-url``, or ``DATABASE_URL``; migrated to 0031 or later, common problems grouped
by ``flask precedents recompute``), it prints:

1. the kept pre-check of the works under way: a full run (``--force``, every current plan checked again) and the
   incremental run that follows (nothing stale: what the five-minute job costs when nothing changed);
2. the section's time (median and maximum over ``--runs`` views, after one warm-up) for the province and one city,
   for a quarter and a year, with its statement count and the works it lists;
3. the whole dashboard page's figures (``dashboard.dashboard``) for the province and the year, for scale;
4. opening the special sweep of the top problem (province, the year), then a second click; the sweep is removed
   afterwards unless ``--keep``.

Exits 1 when the section's median exceeds ``--target`` milliseconds (default 500).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import delete, event, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from expert_pool.analytics import dashboard, problem_figures, problem_sweeps  # noqa: E402
from expert_pool.analytics.periods import parse_period  # noqa: E402
from expert_pool.precedents import stored_prechecks  # noqa: E402
from knowledge.accounts.models import Account, Role  # noqa: E402
from knowledge.accounts.permissions import Scope  # noqa: E402
from knowledge.audit import AuditLog  # noqa: E402
from knowledge.db import utcnow  # noqa: E402
from knowledge.regions import City  # noqa: E402
from knowledge.site.inspection_models import Sweep, SweepWork  # noqa: E402
from webapp import create_app  # noqa: E402
from webapp.config import Config  # noqa: E402
from webapp.extensions import db  # noqa: E402


def timed(fn, runs: int) -> tuple[float, float, object]:  # type: ignore[no-untyped-def]
    fn()  # warm-up: the first view reads the tables into the cache
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times), result


def count_statements(session: Session, fn) -> int:  # type: ignore[no-untyped-def]
    sent: list[str] = []

    def record(*args: object) -> None:
        sent.append(str(args[2]))

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(sent)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--quarter", default="2026Q3")
    parser.add_argument("--year", default="2026")
    parser.add_argument("--city", default=City.SUZHOU.value)
    parser.add_argument("--force", action="store_true", help="pre-check every current plan again first")
    parser.add_argument("--keep", action="store_true", help="keep the special sweep opened by the benchmark")
    parser.add_argument("--target", type=float, default=500.0)
    args = parser.parse_args()
    if not args.database_url:
        parser.error("--database-url or DATABASE_URL is required")
    app = create_app(Config(), SQLALCHEMY_DATABASE_URI=args.database_url, SEARCH_WARM=False)
    city = City(args.city)
    worst = 0.0
    with app.app_context():
        session = db.session
        if args.force:
            full = stored_prechecks.refresh(session, now=utcnow(), force=True)
            print(
                f"kept pre-check, full: {full.checked} plans of {full.under_way} works under way in {full.seconds} s"
            )
        again = stored_prechecks.refresh(session, now=utcnow())
        print(f"kept pre-check, incremental (nothing stale): {again.checked} plans in {again.seconds} s")
        for label in (args.quarter, args.year):
            period = parse_period(label)
            for area in (None, city):
                median, top, found = timed(
                    lambda p=period, a=area: problem_figures.section(session, p, a), args.runs
                )
                n = count_statements(session, lambda p=period, a=area: problem_figures.section(session, p, a))
                worst = max(worst, median)
                assert isinstance(found, problem_figures.ProblemsSection)
                print(f"section {label} {area.label if area else '全省'} ({found.label}): median {median:.0f} ms, "
                      f"max {top:.0f} ms, {n} statements, {found.works.total} works listed, "
                      f"{len(found.top.rows)} problems")  # fmt: skip
        regulator = session.scalar(
            select(Account).where(Account.role == Role.REGULATOR, Account.city.is_(None))
        )
        assert regulator is not None, "no province regulator account in the seed"
        scope = Scope.of(regulator)
        year = parse_period(args.year)
        query = dashboard.Query(scope, year, None, "works", utcnow().date())
        median, top, _ = timed(lambda: dashboard.dashboard(session, query), max(3, args.runs // 3))
        print(
            f"whole dashboard {args.year} 全省 (computed, no cache): median {median:.0f} ms, max {top:.0f} ms"
        )
        section = problem_figures.section(session, year, None)
        target = next((t for t in section.targets if t.works and t.sweep_id is None), None)
        if target is None:
            print("no top problem with works to sweep (or all swept already)")
        else:
            started = time.perf_counter()
            sweep, opened = problem_sweeps.open_problem_sweep(session, scope, problem_id=target.problem_id,
                                                              period=year, city=None, today=utcnow().date())  # fmt: skip
            first = (time.perf_counter() - started) * 1000
            started = time.perf_counter()
            again_sweep, again_opened = problem_sweeps.open_problem_sweep(
                session, scope, problem_id=target.problem_id, period=year, city=None, today=utcnow().date()
            )
            second = (time.perf_counter() - started) * 1000
            print(f"open sweep of [{target.rank}] {target.label[:30]}: {target.works} works, opened={opened} in "
                  f"{first:.0f} ms; second click opened={again_opened} (same sweep: {again_sweep.id == sweep.id}) "
                  f"in {second:.0f} ms")  # fmt: skip
            if not args.keep:
                session.execute(delete(SweepWork).where(SweepWork.sweep_id == sweep.id))
                session.execute(delete(Sweep).where(Sweep.id == sweep.id))
                session.commit()
                print(
                    f"sweep {sweep.id} removed (its audit row stays: {AuditLog.__tablename__} is append-only)"
                )
    print(f"section median worst case {worst:.0f} ms (target {args.target:.0f} ms)")
    return 1 if worst > args.target else 0


if __name__ == "__main__":
    sys.exit(main())
