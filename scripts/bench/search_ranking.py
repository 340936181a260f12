"""The relevance stage of ``search.py`` (issue 19): recall@10, MRR and nDCG@10 of the engine beside SQLite FTS5
(trigram tokenizer) on the labelled set of ``tests/search_relevance`` (its harness, corpus and queries), alone
(the acceptance) and mixed with ``--relevance-distractors`` of the demo generator's plans, per failure of issue 19
and overall.

Run alone: ``.venv/bin/python scripts/bench/search_ranking.py [--distractors 2000]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from search_index.index import SearchIndex  # noqa: E402
from tests.search_relevance import harness  # noqa: E402
from tests.search_relevance.corpus import DOCS  # noqa: E402
from tests.search_relevance.fts_baseline import fts_ranker  # noqa: E402
from tests.search_relevance.queries import FAILURES, QUERIES  # noqa: E402

# Issue 19's acceptance on the labelled set.
TARGETS = {"recall@10": 0.95, "MRR": 0.85}
DISTRACTORS = 2000
Figures = dict[str, float]


def relevance(distractors: int = DISTRACTORS) -> tuple[Figures, Figures]:
    """Prints the engine's and FTS5's figures side by side on the labelled set alone (what the acceptance and
    the verdict read) and mixed with ``distractors`` demo plans (ranking against noise; a lower bound, since
    some demo plans are relevant but unlabelled); returns both overall on the set alone ({"recall@10", "MRR",
    "nDCG@10"})."""
    started = time.perf_counter()
    alone = _table(DOCS, "the labelled set alone (the acceptance)")
    if distractors > 0:
        _table(DOCS + harness.distractors(distractors), f"mixed with {distractors} demo plans")
    print(f"relevance stage {time.perf_counter() - started:.0f} s", flush=True)
    return alone


def _table(docs: list[dict[str, object]], title: str) -> tuple[Figures, Figures]:
    print(f"{title}: {len(DOCS)} labelled documents + {len(docs) - len(DOCS)} demo plans, "
          f"{len(QUERIES)} queries", flush=True)  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="bench-relevance-") as tmp:
        index = SearchIndex(Path(tmp) / "index")
        report = index.rebuild(docs, total=len(docs))
        if not report.ok:
            raise SystemExit(f"relevance index: {report.detail}")
        engine = harness.evaluate(harness.engine_ranker(index))
    fts = harness.evaluate(fts_ranker(docs))
    print(f"{'':<50} {'engine: R@10   MRR  nDCG':>26}   {'FTS5: R@10   MRR  nDCG':>24}")
    for failure, label in [*FAILURES.items(), (None, "ALL")]:
        ours, theirs = engine.overall(failure), fts.overall(failure)
        print(f"{label:<50} {ours[0]:13.3f} {ours[1]:5.3f} {ours[2]:5.3f}   "
              f"{theirs[0]:11.3f} {theirs[1]:5.3f} {theirs[2]:5.3f}")  # fmt: skip
    return _named(engine.overall()), _named(fts.overall())


def _named(figures: tuple[float, float, float]) -> Figures:
    return dict(zip(("recall@10", "MRR", "nDCG@10"), figures, strict=True))


def verdicts(engine: Figures) -> list[str]:
    return [f"relevance {name} {engine[name]:.3f} < {target:.2f}" for name, target in TARGETS.items()
            if engine[name] < target]  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--distractors", type=int, default=DISTRACTORS, help="demo plans mixed in")
    args = parser.parse_args(argv)
    misses = verdicts(relevance(args.distractors)[0])
    for miss in misses:
        print(f"MISSED: {miss}")
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
