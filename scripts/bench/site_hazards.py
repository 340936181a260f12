"""Benchmark: the province regulator's overdue-hazard list with two filters, at province scale, on throwaway SQLite.

Bulk-inserts (plain SQL, no services) ~100,000 works on 50,000 projects and 20,000 hazards in every state (some
overdue, some under supervision order, some stopped, some from system flags) into --workdir/hazards.db, or reuses
that file when it already holds them; then times knowledge.site.hazard_queries.hazards (one page and its total,
as the list page runs it) for a province regulator, overdue only, with pairs of filters. Target: median < 100 ms.
Prints what it measured; exits 1 if the target is missed.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import func, insert, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from knowledge.accounts.models import Role  # noqa: E402
from knowledge.accounts.permissions import Scope  # noqa: E402
from knowledge.accounts.services import AccountInput, create_account  # noqa: E402
from knowledge.enterprises.models import (  # noqa: E402
    Enterprise,
    EnterpriseType,
    ParticipantRole,
    Project,
    ProjectParticipant,  # noqa: E402
)
from knowledge.regions import City  # noqa: E402
from knowledge.registry.models import Work  # noqa: E402
from knowledge.registry.rules import Verdict  # noqa: E402
from knowledge.registry.workflow import WorkStatus  # noqa: E402
from knowledge.site import hazard_queries  # noqa: E402
from knowledge.site.hazard_catalogue import clause_label, items_for_category  # noqa: E402
from knowledge.site.hazard_loop import DEADLINE_DAYS, Level, State  # noqa: E402
from knowledge.site.hazard_models import Hazard, Source  # noqa: E402
from knowledge.site.hazard_queries import HazardFilter  # noqa: E402
from webapp import create_app  # noqa: E402
from webapp.config import Config  # noqa: E402
from webapp.extensions import db  # noqa: E402

TARGET_MS = 100.0
TODAY = date(2025, 6, 10)
CATEGORIES = ["excavation", "formwork", "scaffolding", "lifting", "demolition", "underground"]
STATES = [State.OPEN] * 4 + [State.SENT_BACK, State.SUBMITTED, State.SUBMITTED] + [State.CLOSED] * 3
CHUNK = 20_000
QUERIES: list[tuple[str, HazardFilter]] = [
    ("city=suzhou & level=major", HazardFilter(is_overdue=True, city=City.SUZHOU, level=Level.MAJOR)),
    ("city=nanjing & level=ordinary", HazardFilter(is_overdue=True, city=City.NANJING, level=Level.ORDINARY)),
    ("city=wuxi & category=excavation", HazardFilter(is_overdue=True, city=City.WUXI, category="excavation")),
    ("level=major & supervised", HazardFilter(is_overdue=True, level=Level.MAJOR, is_supervised=True)),
    ("category=lifting & flagged", HazardFilter(is_overdue=True, category="lifting", is_flagged=True)),
]


def current() -> Session:
    """The app context's session (the scoped session's current one)."""
    return db.session()


def bulk(model: Any, rows: list[dict[str, Any]]) -> None:
    for i in range(0, len(rows), CHUNK):
        current().execute(insert(model), rows[i : i + CHUNK])
    current().commit()


def seed(works: int, hazards: int, rng: random.Random) -> None:
    actor = create_account(current(), AccountInput("bench_reg", "省厅监管", "Bench@12345", Role.REGULATOR),
                           actor_id=None, hash_method="scrypt:1024:8:1").id  # fmt: skip
    cities = list(City)
    bulk(Enterprise, [{"id": i, "name": f"企业{i}", "credit_code": f"91320000{i:09d}X", "city": cities[i % 13],
                       "type": EnterpriseType.CONSTRUCTOR} for i in range(1, 5001)])  # fmt: skip
    projects = works // 2
    bulk(Project, [{"id": i, "name": f"项目{i}", "city": cities[i % 13], "district": "某区", "address": "某路"}
                   for i in range(1, projects + 1)])  # fmt: skip
    roles = (ParticipantRole.GENERAL_CONTRACTOR, ParticipantRole.SUPERVISOR, ParticipantRole.OWNER)
    bulk(ProjectParticipant, [{"project_id": p, "enterprise_id": 1 + (p * 7 + k * 1667) % 5000, "role": r}
                              for p in range(1, projects + 1) for k, r in enumerate(roles)])  # fmt: skip
    bulk(Work, [{"id": i, "project_id": 1 + (i - 1) // 2, "name": f"危大工程{i}",
                 "city": cities[(1 + (i - 1) // 2) % 13], "district": "某区", "category": CATEGORIES[i % 6],
                 "sub_type": "x", "verdict": Verdict.OVER_SCALE if i % 5 < 2 else Verdict.HAZARDOUS,
                 "rules_version": "bench", "status": WorkStatus.IN_PROGRESS} for i in range(1, works + 1)])  # fmt: skip
    majors = {c: items_for_category(c) for c in CATEGORIES}
    rows = []
    for _ in range(hazards):
        work = rng.randrange(1, works + 1)
        project = 1 + (work - 1) // 2
        category = CATEGORIES[work % 6]
        level = Level.MAJOR if rng.random() < 0.3 else Level.ORDINARY
        found = TODAY - timedelta(days=rng.randrange(0, 365))
        state = rng.choice(STATES)
        cited = rng.choice(majors[category]) if level is Level.MAJOR else None
        rows.append({
            "work_id": work, "city": cities[project % 13], "district": "某区", "category": category,
            "level": level, "catalogue_key": cited.key if cited else None,
            "clause": clause_label(cited) if cited else "", "description": "基坑临边防护缺失",
            "source": Source.SYSTEM_FLAG if rng.random() < 0.1 else Source.INSPECTION,
            "responsible_id": 1 + (project * 7) % 5000, "found_on": found,
            "deadline": found + timedelta(days=DEADLINE_DAYS[level]), "state": state,
            "is_supervised": state is not State.CLOSED and rng.random() < 0.15,
            "is_stopped": state is not State.CLOSED and rng.random() < 0.03,
            "closed_on": found + timedelta(days=5) if state is State.CLOSED else None, "created_by": actor,
            "accountability": {}, "found_by_own_check": False,
        })  # fmt: skip
    bulk(Hazard, rows)


def timed(scope: Scope, f: HazardFilter, runs: int) -> tuple[list[float], int]:
    page = hazard_queries.hazards(current(), scope, f, today=TODAY)  # warm-up
    times = []
    for _ in range(runs):
        current().expunge_all()
        t0 = time.perf_counter()
        page = hazard_queries.hazards(current(), scope, f, today=TODAY)
        [h.work.project.name for h in page.items]  # what the page shows is loaded
        times.append((time.perf_counter() - t0) * 1000)
    return times, page.total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--workdir", type=Path, default=None, help="where the throwaway database goes (reused)"
    )
    parser.add_argument("--works", type=int, default=100_000)
    parser.add_argument("--hazards", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=25)
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-hazards-"))
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "hazards.db"
    app = create_app(Config(workdir), SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}", SEARCH_WARM=False,
                     PASSWORD_HASH_METHOD="scrypt:1024:8:1")  # fmt: skip
    with app.app_context():
        db.create_all()
        held = (current().scalar(select(func.count()).select_from(Work)),
                current().scalar(select(func.count()).select_from(Hazard)))  # fmt: skip
        if held == (args.works, args.hazards):
            print(f"reusing {path}: {held[0]} works, {held[1]} hazards")
        else:
            current().close()
            db.drop_all()
            db.create_all()
            t0 = time.perf_counter()
            seed(args.works, args.hazards, random.Random(20))
            print(
                f"seeded {args.works} works, {args.hazards} hazards into {path} in {time.perf_counter() - t0:.1f} s"
            )
        province = Scope(account_id=1, role=Role.REGULATOR)
        overdue = hazard_queries.hazards(
            current(), province, HazardFilter(is_overdue=True), today=TODAY
        ).total
        print(f"province regulator, overdue list on {TODAY}: {overdue} overdue hazards in all")
        medians = []
        for label, f in QUERIES:
            times, total = timed(province, f, args.runs)
            median, p95 = statistics.median(times), sorted(times)[int(0.95 * (len(times) - 1))]
            medians.append(median)
            print(f"  overdue & {label:<34} {total:5d} rows  median {median:6.2f} ms  p95 {p95:6.2f} ms  "
                  f"max {max(times):6.2f} ms")  # fmt: skip
        counts_times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            hazard_queries.counts(current(), province, QUERIES[0][1], today=TODAY)
            counts_times.append((time.perf_counter() - t0) * 1000)
        print(f"  the list's counts (first filter pair): median {statistics.median(counts_times):6.2f} ms")
    worst = max(medians)
    met = worst < TARGET_MS
    print(f"worst median {worst:.2f} ms, target < {TARGET_MS:g} ms: {'met' if met else 'MISSED'}")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
