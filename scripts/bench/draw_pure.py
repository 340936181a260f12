"""Benchmark of the pure draw ``expert_pool.draws.selection.draw_panel`` over a province-sized pool (DOMAIN.md §4).

3,000 synthetic candidates (13 cities, 7 specialties, recent reviews 0–30 so the weights differ), a panel
of 5 seats and 3 alternates for a work in 苏州, at most 2 local experts, two required specialties.
Prints the median and p95 over 1,000 draws, each with its own seed. Target: median under 2 ms.
Run from the repository root: ``.venv/bin/python scripts/bench/draw_pure.py [--draws 1000]``.
Exits 1 when the target is missed.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from expert_pool.draws.panel import Candidate, PanelPolicy  # noqa: E402
from expert_pool.draws.selection import draw_panel  # noqa: E402
from knowledge.regions import City  # noqa: E402
from knowledge.registry.rules import catalogue  # noqa: E402

TARGET_MEDIAN_MS = 2.0
POOL_SIZE = 3_000
DEFAULT_DRAWS = 1_000
MAX_RECENT_REVIEWS = 30  # the default annual cap (DOMAIN.md §4)
POOL_SEED = 20240524  # the date of 苏建质安〔2024〕81号, so the pool is the same on every run
WARM_UP_DRAWS = 20


def synthetic_pool(size: int = POOL_SIZE) -> list[Candidate]:
    rng = random.Random(POOL_SEED)
    codes = [c.code for c in catalogue()]
    cities = list(City)
    return [
        Candidate(
            expert_id=i,
            name=f"专家{i:04d}",
            city=rng.choice(cities),
            specialties=frozenset(rng.sample(codes, rng.randint(1, 3))),
            recent_reviews=rng.randint(0, MAX_RECENT_REVIEWS),
        )
        for i in range(1, size + 1)
    ]


def time_draws(pool: list[Candidate], policy: PanelPolicy, draws: int) -> list[float]:
    """Milliseconds per draw; the seed is made before the clock starts, as a draw record stores it."""
    for seed in range(WARM_UP_DRAWS):
        draw_panel(pool, policy, random.Random(seed))
    times = []
    for seed in range(draws):
        rng = random.Random(f"bench-{seed}")
        started = time.perf_counter()
        draw_panel(pool, policy, rng)
        times.append((time.perf_counter() - started) * 1000)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=DEFAULT_DRAWS)
    parser.add_argument("--target-ms", type=float, default=TARGET_MEDIAN_MS)
    args = parser.parse_args(argv)
    policy = PanelPolicy(City.SUZHOU, required_specialties=("excavation", "underground"))
    times = sorted(time_draws(synthetic_pool(), policy, args.draws))
    median, p95 = statistics.median(times), times[int(0.95 * (len(times) - 1))]
    print(
        f"draw_panel: {POOL_SIZE:,} candidates, {policy.panel_size} seats + {policy.alternates} alternates, "
        f"≤{policy.max_local} from {policy.home_city.label}, covering {', '.join(policy.required_specialties)}"
    )
    print(
        f"over {len(times):,} draws: median {median:.3f} ms, p95 {p95:.3f} ms (target median < {args.target_ms} ms)"
    )
    met = median < args.target_ms
    print("target met" if met else "target NOT met")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
