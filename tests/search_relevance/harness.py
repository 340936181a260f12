"""Runs the labelled queries through the real search path and reports recall@10, MRR and nDCG@10.

``.venv/bin/python -m tests.search_relevance.harness [--distractors N] [--fts] [--verbose]``: builds a
SearchIndex in a temporary directory from the corpus (mixed with N of the demo generator's plans when asked),
asks every query through ``SearchIndex.search`` (which parses it with ``parse_query``) as an account that sees
everything, and prints the figures per query, per failure of issue 19 and overall."""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from search_index.index import SearchIndex
from search_index.query import Allowed, SearchRequest
from tests.search_relevance.corpus import CATEGORY_NAMES, DOCS
from tests.search_relevance.metrics import K, mean, ndcg_at, recall_at, reciprocal_rank
from tests.search_relevance.queries import FAILURES, QUERIES, Query

DEPTH = 100  # ranks looked at for the reciprocal rank
DISTRACTOR_ID = 100_000  # demo plans are plan:100001 and up


@dataclass(frozen=True)
class Figures:
    query: Query
    ranked: tuple[str, ...]
    recall: float
    rr: float
    ndcg: float


@dataclass(frozen=True)
class Report:
    figures: list[Figures]

    def overall(self, failure: str | None = None) -> tuple[float, float, float]:
        rows = [f for f in self.figures if failure is None or f.query.failure == failure]
        return mean([f.recall for f in rows]), mean([f.rr for f in rows]), mean([f.ndcg for f in rows])

    def lines(self, verbose: bool = False) -> list[str]:
        out = []
        if verbose:
            out.append(f"{'failure':<12}{'R@10':>6}{'RR':>6}{'nDCG':>6}  query  (missed in top 10)")
            for f in self.figures:
                missed = sorted(d for d, g in f.query.relevant.items() if g and d not in f.ranked[:K])
                out.append(f"{f.query.failure:<12}{f.recall:6.2f}{f.rr:6.2f}{f.ndcg:6.2f}  {f.query.text}"
                           + (f"  ({' '.join(missed)})" if missed else ""))  # fmt: skip
        for failure in FAILURES:
            count = sum(f.query.failure == failure for f in self.figures)
            recall, rr, ndcg = self.overall(failure)
            out.append(f"{FAILURES[failure]:<50} n={count:<3} recall@10 {recall:.3f}  MRR {rr:.3f}  "
                       f"nDCG@10 {ndcg:.3f}")  # fmt: skip
        recall, rr, ndcg = self.overall()
        out.append(
            f"{'ALL':<50} n={len(self.figures):<3} recall@10 {recall:.3f}  MRR {rr:.3f}  nDCG@10 {ndcg:.3f}"
        )
        return out


def evaluate(rank: Callable[[str], Sequence[str]], queries: Iterable[Query] = QUERIES) -> Report:
    figures = []
    for query in queries:
        ranked = tuple(rank(query.text))
        figures.append(
            Figures(
                query,
                ranked,
                recall_at(ranked, query.relevant),
                reciprocal_rank(ranked, query.relevant),
                ndcg_at(ranked, query.relevant),
            )
        )
    return Report(figures)


def distractors(count: int, seed: int = 19) -> list[dict[str, Any]]:
    """``count`` of the demo generator's plans as search documents (their sections split as the catalogue
    does), under doc ids that cannot clash with the corpus's."""
    if count <= 0:
        return []
    from knowledge.demo.generator import ScaleSpec, generate
    from knowledge.search_docs import split_sections

    spec = ScaleSpec(enterprises=300, projects=max(300, count), experts=5, min_groups=4, works=count * 2,
                     plan_versions=count)  # fmt: skip
    rows = generate(
        spec, seed=seed, with_plans=True, signers={"constructor": 1, "subcontractor": 2, "supervisor": 3}
    )
    works = {work["id"]: work for work in rows.works}
    docs = []
    for version in rows.plan_versions[:count]:
        work, sections = works[version["work_id"]], split_sections(version["text"])
        docs.append({
            "doc_id": f"plan:{DISTRACTOR_ID + version['id']}", "kind": "plan", "title": version["title"],
            "category": work["category"], "category_name": CATEGORY_NAMES.get(work["category"], ""),
            "city": "nanjing", "published": True, "year": version["submitted_at"].year,
            "sections": sections, "body": "" if sections else version["text"],
        })  # fmt: skip
    return docs


def build_index(directory: Path, extra: int = 0) -> SearchIndex:
    index = SearchIndex(directory)
    docs = DOCS + distractors(extra)
    report = index.rebuild(docs, total=len(docs))
    if not report.ok:
        raise RuntimeError(report.detail)
    return index


def engine_ranker(index: SearchIndex) -> Callable[[str], list[str]]:
    def rank(q: str) -> list[str]:
        result = index.search(SearchRequest(q=q, allowed=Allowed.all(), per_page=DEPTH))
        return [hit.doc_id for hit in (*result.hits, *result.partial)]

    return rank


def measure(extra: int = 0) -> Report:
    """The engine's figures on the labelled set, with ``extra`` demo plans mixed in."""
    with tempfile.TemporaryDirectory(prefix="relevance-") as tmp:
        return evaluate(engine_ranker(build_index(Path(tmp), extra)))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--distractors", type=int, default=0, help="demo plans mixed into the corpus")
    parser.add_argument("--fts", action="store_true", help="also the SQLite FTS5 trigram baseline")
    parser.add_argument("--verbose", "-v", action="store_true", help="one line per query")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    extra = distractors(args.distractors)
    print(f"{len(DOCS)} documents + {len(extra)} demo plans, {len(QUERIES)} queries")
    with tempfile.TemporaryDirectory(prefix="relevance-") as tmp:
        index = SearchIndex(Path(tmp))
        index.rebuild(DOCS + extra, total=len(DOCS) + len(extra))
        report = evaluate(engine_ranker(index))
    print("engine:")
    print("\n".join(report.lines(args.verbose)))
    if args.fts:
        from tests.search_relevance.fts_baseline import fts_ranker

        print("SQLite FTS5, trigram tokenizer:")
        print("\n".join(evaluate(fts_ranker(DOCS + extra)).lines(args.verbose)))
    print(f"{time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
