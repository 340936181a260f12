"""Benchmark of ``knowledge.registry.rules.classify`` over a realistic mix of inputs; prints calls per second.

Run from the repository root: ``.venv/bin/python scripts/bench/classify.py [--seconds 3] [--target 50000]``.
Exits 1 when the measured rate is below the target.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from knowledge.registry.rules import ClassificationInputError, classify  # noqa: E402

TARGET_CALLS_PER_SECOND = 50_000
DEFAULT_SECONDS = 3.0

Case = tuple[str, Mapping[str, object], str | None]

# What a registry receives: form strings, JSON numbers, Decimals from the database, missing values,
# qualitative answers, listed sub-types, and now and then a typo that is refused.
MIX: tuple[Case, ...] = (
    ("excavation", {"excavation_depth": "6.5"}, None),
    (
        "excavation",
        {"excavation_depth": 4.2, "complex_conditions": False, "affects_adjacent_structures": False},
        None,
    ),
    (
        "excavation",
        {"excavation_depth": "2.8", "complex_conditions": "是", "affects_adjacent_structures": "否"},
        None,
    ),
    ("excavation", {"excavation_depth": Decimal("1.50")}, None),
    (
        "formwork",
        {
            "support_height": "6.2",
            "support_span": "9",
            "total_load": "8.5",
            "line_load": "12",
            "slender_independent": "否",
        },
        "concrete_support",
    ),
    ("formwork", {"support_height": 9.3, "support_span": 21}, "concrete_support"),
    ("formwork", {"support_height": "4.5"}, "concrete_support"),
    ("formwork", {"point_load": "12"}, "load_bearing_support"),
    ("formwork", {}, "tool_formwork"),
    ("lifting", {"lift_weight": "55"}, "non_standard_lifting"),
    (
        "lifting",
        {"crane_capacity": 400, "erection_height": 120, "foundation_elevation": "-3.5"},
        "machinery_erection",
    ),
    ("lifting", {}, "machinery_installation"),
    ("scaffolding", {"scaffold_height": "36"}, "ground_steel_tube"),
    ("scaffolding", {"scaffold_height": 54}, "ground_steel_tube"),
    ("scaffolding", {"segment_height": "18"}, "cantilevered"),
    ("scaffolding", {"lift_height": "160"}, "attached_lifting"),
    ("scaffolding", {}, "suspended_platform"),
    (
        "demolition",
        {"affects_surroundings": True, "hazardous_release_risk": False, "within_heritage_zone": False},
        "general",
    ),
    ("underground", {}, "shield"),
    ("other", {"curtain_wall_height": "80"}, "curtain_wall"),
    ("other", {"steel_span": "30"}, "steel_structure"),
    ("other", {"pile_depth": "12"}, "manual_dug_pile"),
    ("other", {"structure_weight": "5000"}, "integral_jacking"),
    ("other", {"new_tech_without_standard": "false"}, "new_technology"),
    ("excavation", {"excavation_depth": "500"}, None),  # mm typed as m: refused
)


def run_mix(rounds: int) -> int:
    """Classify the whole mix ``rounds`` times; returns the number of calls."""
    for _ in range(rounds):
        for category, params, sub_type in MIX:
            with contextlib.suppress(ClassificationInputError):
                classify(category, params, sub_type)
    return rounds * len(MIX)


def measure(seconds: float) -> float:
    """Calls per second, best of three runs of about ``seconds / 3`` each, after a warm-up."""
    run_mix(50)
    best = 0.0
    for _ in range(3):
        calls, started = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - started) < seconds / 3:
            calls += run_mix(20)
        best = max(best, calls / elapsed)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=DEFAULT_SECONDS)
    parser.add_argument("--target", type=int, default=TARGET_CALLS_PER_SECOND)
    args = parser.parse_args(argv)
    rate = measure(args.seconds)
    met = rate >= args.target
    print(f"classify: {rate:,.0f} calls/s over a mix of {len(MIX)} inputs (target {args.target:,}/s)")
    print("target met" if met else "target NOT met")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
