"""Ranking figures of one query: recall@k, reciprocal rank and nDCG@k, as pure functions of a ranked list of
document ids and the graded relevant ones ({doc_id: grade}, grade 1 or 2)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

K = 10


def recall_at(ranked: Sequence[str], relevant: Mapping[str, int], k: int = K) -> float:
    """The share of the relevant documents in the first ``k``; with more than ``k`` relevant, of ``k``."""
    wanted = {d for d, grade in relevant.items() if grade > 0}
    if not wanted:
        return 1.0
    return len(wanted & set(ranked[:k])) / min(len(wanted), k)


def reciprocal_rank(ranked: Sequence[str], relevant: Mapping[str, int]) -> float:
    """1 / the rank of the first relevant document; 0 when none is found."""
    for rank, doc in enumerate(ranked, 1):
        if relevant.get(doc, 0) > 0:
            return 1.0 / rank
    return 0.0


def dcg(grades: Sequence[int]) -> float:
    return float(sum((2**grade - 1) / math.log2(rank + 1) for rank, grade in enumerate(grades, 1)))


def ndcg_at(ranked: Sequence[str], relevant: Mapping[str, int], k: int = K) -> float:
    """DCG of the first ``k`` (gain 2^grade − 1) over the DCG of the ideal order."""
    ideal = dcg(sorted((g for g in relevant.values() if g > 0), reverse=True)[:k])
    if ideal == 0:
        return 1.0
    return dcg([relevant.get(doc, 0) for doc in ranked[:k]]) / ideal


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0
