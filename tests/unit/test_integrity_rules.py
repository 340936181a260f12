"""The integrity scan's pure rules: chance under the draw's weights, the Poisson tail, Bonferroni, similarity."""

import math

from hypothesis import given
from hypothesis import strategies as st

from expert_pool.integrity import rules


@given(st.integers(2, 60), st.integers(2, 9))
def test_joint_chance_is_exact_for_equal_weights(n, k):
    k = min(k, n)
    p = rules.inclusion([1.0] * n, k)
    assert math.isclose(rules.joint(p[0], p[1], k, n), k * (k - 1) / (n * (n - 1)))


def test_a_lighter_weight_lowers_the_chance():
    p = rules.inclusion([1.0, 1.0, 0.25, 1.0, 1.0, 1.0], 3)
    assert p[2] < p[0] and math.isclose(sum(p), 3.0)


@given(st.integers(0, 30), st.floats(0.01, 20))
def test_poisson_tail_is_a_probability_that_falls_as_the_count_rises(k, mu):
    assert 0.0 <= rules.poisson_tail(k + 1, mu) <= rules.poisson_tail(k, mu) <= 1.0


def test_poisson_tail_known_values():
    assert math.isclose(rules.poisson_tail(1, 0.5), 1 - math.exp(-0.5))
    assert rules.poisson_tail(10, 0.3) < 1e-9 and rules.poisson_tail(0, 3) == 1.0


def test_bonferroni_holds_each_test_to_its_share():
    assert rules.per_test(0.01, 200) == 0.00005 and rules.per_test(0.01, 0) == 0.01
    assert rules.is_unlikely(10, 0.3, minimum=3, level=rules.per_test(0.01, 10_000))
    assert not rules.is_unlikely(3, 0.9, minimum=3, level=rules.per_test(0.01, 10))


def test_z_score_and_its_two_sided_p_value():
    assert rules.z_score(0, 10, 0.95) < -13 and rules.two_sided(0) == 1.0
    assert math.isclose(rules.two_sided(1.959964), 0.05, rel_tol=1e-4)


def test_similar_pairs_finds_the_copy_and_ignores_short_or_different_texts():
    copy = "基坑支护结构设计计算书中未见坑底抗隆起稳定验算应补充完善"
    texts = [
        (3, copy),
        (1, copy + "并复核"),
        (2, "监测点布置不足，应按规范加密并明确报警值和处置措施要求"),
        (4, "同意"),
    ]
    assert [(a, b) for a, b, _ in rules.similar_pairs(texts, threshold=0.9, min_chars=10)] == [(1, 3)]
    assert rules.similar_pairs([(1, "同意"), (2, "同意")], threshold=0.9, min_chars=10) == []
