"""Benchmark of the conflict graph (expert_pool.conflicts.graph) on a synthetic province; prints what it measured.

Run from the repository root: ``.venv/bin/python scripts/bench/conflicts.py [--seed 7] [--tracemalloc]``.
The world: 3,000 experts with 1-4 jobs each, 30,000 enterprises in groups of 2-3 levels, 50,000 projects
with about 6 units each, one work per project, panel seats and plan authors. Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path
from typing import Literal

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from expert_pool.conflicts.graph import (
    ConflictGraph,
    DeclaredConflict,
    Employment,
    EnterpriseNode,
    ExpertNode,
    GraphData,
    PanelSeat,
    Participation,
    PlanAuthorship,
    ProjectNode,
    WorkNode,
    conflicted_experts,
    find_conflicts,
)

TARGET_BUILD_SECONDS = 5.0
TARGET_SET_MS = 0.5
ON = date(2025, 6, 30)
CITIES = (
    "南京",
    "无锡",
    "徐州",
    "常州",
    "苏州",
    "南通",
    "连云港",
    "淮安",
    "盐城",
    "扬州",
    "镇江",
    "泰州",
    "宿迁",
)
SIDE_ROLES = ("subcontractor", "monitor", "subcontractor")
CONCLUSIONS: tuple[Literal["pass", "pass_after_revision", "fail"], ...] = (
    "pass",
    "pass_after_revision",
    "fail",
)


def enterprises(rng: random.Random, total: int) -> list[EnterpriseNode]:
    """Groups of a root, 2-6 subsidiaries and, in half the groups, 0-3 grandchildren under each."""
    rows: list[EnterpriseNode] = []

    def add(parent: int | None, kind: str) -> int:
        i = len(rows) + 1
        rows.append(EnterpriseNode(i, f"{rng.choice(CITIES)}某{kind}{i}有限公司", parent))
        return i

    while len(rows) < total:
        root = add(None, "建设集团")
        three_levels = rng.random() < 0.5
        for _ in range(rng.randint(2, 6)):
            child = add(root, "建设")
            for _ in range(rng.randint(0, 3) if three_levels else 0):
                add(child, "工程")
    return rows[:total]


def jobs(rng: random.Random, expert_id: int, n_enterprises: int) -> list[Employment]:
    start, rows = date(rng.randint(1995, 2016), rng.randint(1, 12), 1), []
    count = rng.randint(1, 4)
    for n in range(count):
        ends = start + timedelta(days=rng.randint(365, 8 * 365))
        end = None if ends > ON or (n == count - 1 and rng.random() < 0.8) else ends
        rows.append(Employment(expert_id, rng.randint(1, n_enterprises), start, end))
        if end is None:
            break
        start = end + timedelta(days=rng.randint(1, 90))
    return rows


def world(
    seed: int, n_experts: int = 3_000, n_enterprises: int = 30_000, n_projects: int = 50_000
) -> GraphData:
    rng = random.Random(seed)
    employments = [job for e in range(1, n_experts + 1) for job in jobs(rng, e, n_enterprises)]
    participations = []
    for p in range(1, n_projects + 1):
        roles = ["owner", "general_contractor", "supervisor", "designer", "surveyor"]
        roles += rng.sample(SIDE_ROLES, rng.randint(0, 2))
        participations += [Participation(p, rng.randint(1, n_enterprises), role) for role in roles]
    seats = []
    for review in range(1, 4_001):
        work, day = rng.randint(1, n_projects), ON - timedelta(days=rng.randint(1, 900))
        conclusion = rng.choices(CONCLUSIONS, (5, 4, 1))[0]
        seats += [PanelSeat(e, work, review, conclusion, day) for e in rng.sample(range(1, n_experts + 1), 5)]
    return GraphData(
        experts=[ExpertNode(i, f"专家{i}") for i in range(1, n_experts + 1)],
        enterprises=enterprises(rng, n_enterprises),
        projects=[ProjectNode(i, f"项目{i}") for i in range(1, n_projects + 1)],
        works=[WorkNode(i, f"危大工程{i}", i) for i in range(1, n_projects + 1)],
        employments=employments,
        participations=participations,
        declarations=[
            DeclaredConflict(rng.randint(1, n_experts), rng.randint(1, n_enterprises), "亲属任职")
            for _ in range(300)
        ],
        authorships=[
            PlanAuthorship(
                rng.randint(1, n_experts),
                rng.randint(1, n_projects),
                i,
                rng.choice(("compiler", "checker", "approver")),
                1,
            )
            for i in range(1, 5_001)
        ],
        seats=seats,
    )


def rss_mb() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * 4096 / 2**20


def median_us(samples: list[float]) -> float:
    return statistics.median(samples) * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--tracemalloc", action="store_true", help="also trace allocations (slows the build)")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    data = world(args.seed)
    print(
        f"world: {len(data.experts):,} experts, {len(data.enterprises):,} enterprises, {len(data.projects):,} "
        f"projects, {len(data.employments):,} jobs, {len(data.participations):,} participations, "
        f"{len(data.seats):,} seats (generated in {time.perf_counter() - started:.1f} s)"
    )
    gc.collect()
    before = rss_mb()
    started = time.perf_counter()
    graph = ConflictGraph.build(data, freeze=True)
    build_s = time.perf_counter() - started
    stats = graph.graph_stats()
    print(f"build: {build_s:.2f} s (target < {TARGET_BUILD_SECONDS} s), then gc.freeze()")
    print(f"graph: {stats.nodes:,} nodes, {stats.edges:,} edges; RSS +{rss_mb() - before:.0f} MB")
    if args.tracemalloc:
        tracemalloc.start()
        again = ConflictGraph.build(data)
        current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"tracemalloc: graph and index hold {current / 2**20:.0f} MB (peak {peak / 2**20:.0f} MB)")
        del again

    rng = random.Random(args.seed + 1)
    projects = rng.sample(range(1, len(data.projects) + 1), 1_000)
    fast, sizes = [], []
    for p in projects:
        t = time.perf_counter()
        found = conflicted_experts(graph, p, p, on=ON)
        fast.append(time.perf_counter() - t)
        sizes.append(len(found))
    one = []
    for p in projects:
        expert = rng.randint(1, len(data.experts))
        t = time.perf_counter()
        find_conflicts(graph, expert, p, p, on=ON)
        one.append(time.perf_counter() - t)
    set_us, one_us = median_us(fast), median_us(one)
    print(
        f"conflicted_experts: median {set_us:.1f} µs, p95 {statistics.quantiles(fast, n=20)[-1] * 1e6:.1f} µs "
        f"over 1,000 projects (target < {TARGET_SET_MS * 1000:.0f} µs); "
        f"{statistics.mean(sizes):.1f} conflicted experts a project on average"
    )
    print(
        f"find_conflicts, one expert: median {one_us:.1f} µs; all {len(data.experts):,} experts one by one "
        f"would take about {one_us * len(data.experts) / 1000:.0f} ms a project"
    )
    for p in projects[:3]:
        slow = {
            e: paths
            for e in range(1, len(data.experts) + 1)
            if (paths := find_conflicts(graph, e, p, p, on=ON))
        }
        assert slow == conflicted_experts(graph, p, p, on=ON), f"project {p}: the two readings disagree"
    print("agreement: the fast set equals find_conflicts over every expert for 3 projects")
    met = build_s < TARGET_BUILD_SECONDS and set_us < TARGET_SET_MS * 1000
    print("targets met" if met else "targets NOT met")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
