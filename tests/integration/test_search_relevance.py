"""Acceptance of issue 19 on the labelled relevance set (tests/search_relevance): recall@10 ≥ 0.95, MRR ≥ 0.85."""

from __future__ import annotations

import pytest

from search_index import analysis
from tests.search_relevance.harness import measure
from tests.search_relevance.metrics import dcg, ndcg_at, recall_at, reciprocal_rank

RECALL_TARGET = 0.95
MRR_TARGET = 0.85


# ---- the metrics on hand-worked cases


def test_recall_counts_the_relevant_in_the_first_ten():
    assert recall_at(["a", "x", "b"], {"a": 2, "b": 1, "c": 1}) == pytest.approx(2 / 3)
    assert recall_at(["x"] * 10 + ["a"], {"a": 2}) == 0.0
    many = {str(n): 1 for n in range(20)}
    assert recall_at([str(n) for n in range(10)], many) == 1.0  # more relevant than ranks: out of ten


def test_reciprocal_rank_is_one_over_the_first_relevant():
    assert reciprocal_rank(["x", "y", "a", "b"], {"a": 1, "b": 2}) == pytest.approx(1 / 3)
    assert reciprocal_rank(["x"], {"a": 1}) == 0.0


def test_ndcg_against_the_ideal_order():
    relevant = {"a": 2, "b": 1}
    assert ndcg_at(["a", "b"], relevant) == 1.0
    assert ndcg_at(["b", "a"], relevant) == pytest.approx((1 + 3 / 1.5849625) / (3 + 1 / 1.5849625))
    assert ndcg_at(["x", "y"], relevant) == 0.0
    assert dcg([2, 0, 1]) == pytest.approx(3 + 1 / 2)


# ---- the engine on the set


def test_recall_and_mrr_on_the_labelled_set(capsys):
    analysis.warm_up()
    report = measure()
    recall, mrr, ndcg = report.overall()
    with capsys.disabled():
        print("\n" + "\n".join(report.lines()))
    assert recall >= RECALL_TARGET and mrr >= MRR_TARGET, f"recall@10 {recall:.3f}, MRR {mrr:.3f}"
