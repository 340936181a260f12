"""Classification under 建办质〔2018〕31号: every threshold on both sides, each one in the data, numbers compared exactly.

The thresholds below are typed in from the notice by hand, not read from ``knowledge.registry.scope_tables``, so that a
wrong number in the data fails here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from knowledge.registry.clauses import Operator
from knowledge.registry.rules import Verdict, catalogue, classify
from tests.unit.rules_helpers import HAZ, NOT, OVER, SUB_TYPE_PARAMETERS, baseline

STEP = Decimal("0.01")


@dataclass(frozen=True)
class Threshold:
    """One numeric clause of the notice: annex, where, parameter, value; ``floor`` is the verdict just below."""

    annex: int
    category: str
    sub_type: str
    parameter: str
    value: str
    floor: Verdict
    note: str = field(default="")


THRESHOLDS: tuple[Threshold, ...] = (
    # 附件1 一（一）/ 附件2 一: 开挖深度 3 m / 5 m.
    Threshold(1, "excavation", "foundation_pit", "excavation_depth", "3", NOT),
    Threshold(2, "excavation", "foundation_pit", "excavation_depth", "5", HAZ),
    # 附件1 二（二）/ 附件2 二（二）: 混凝土模板支撑工程.
    Threshold(1, "formwork", "concrete_support", "support_height", "5", NOT),
    Threshold(2, "formwork", "concrete_support", "support_height", "8", HAZ),
    Threshold(1, "formwork", "concrete_support", "support_span", "10", NOT),
    Threshold(2, "formwork", "concrete_support", "support_span", "18", HAZ),
    Threshold(1, "formwork", "concrete_support", "total_load", "10", NOT),
    Threshold(2, "formwork", "concrete_support", "total_load", "15", HAZ),
    Threshold(1, "formwork", "concrete_support", "line_load", "15", NOT),
    Threshold(2, "formwork", "concrete_support", "line_load", "20", HAZ),
    # 附件2 二（三）: 承重支撑体系 单点集中荷载 7 kN (附件1 二（三）lists every such system).
    Threshold(2, "formwork", "load_bearing_support", "point_load", "7", HAZ),
    # 附件1 三（一）/ 附件2 三（一）: 非常规起重 单件起吊重量 10 kN / 100 kN.
    Threshold(1, "lifting", "non_standard_lifting", "lift_weight", "10", NOT),
    Threshold(2, "lifting", "non_standard_lifting", "lift_weight", "100", HAZ),
    # 附件2 三（二）: 起重机械安装拆卸 300 kN, 200 m, 200 m (附件1 三（三）lists every such work).
    Threshold(2, "lifting", "machinery_erection", "crane_capacity", "300", HAZ),
    Threshold(2, "lifting", "machinery_erection", "erection_height", "200", HAZ),
    Threshold(2, "lifting", "machinery_erection", "foundation_elevation", "200", HAZ),
    # 附件1 四（一）/ 附件2 四（一）: 落地式钢管脚手架 24 m / 50 m.
    Threshold(1, "scaffolding", "ground_steel_tube", "scaffold_height", "24", NOT),
    Threshold(2, "scaffolding", "ground_steel_tube", "scaffold_height", "50", HAZ),
    # 附件2 四（二）/（三）: 附着式升降 提升高度 150 m; 悬挑式 分段架体 20 m.
    Threshold(2, "scaffolding", "attached_lifting", "lift_height", "150", HAZ),
    Threshold(2, "scaffolding", "cantilevered", "segment_height", "20", HAZ),
    # 附件2 七（一）–（三）,（五）.
    Threshold(2, "other", "curtain_wall", "curtain_wall_height", "50", HAZ),
    Threshold(2, "other", "steel_structure", "steel_span", "36", HAZ),
    Threshold(2, "other", "space_frame_membrane", "space_frame_span", "60", HAZ),
    Threshold(2, "other", "manual_dug_pile", "pile_depth", "16", HAZ),
    # Annex 1 has no jacking item: below 1000 kN the work is not 危大 by this item.
    Threshold(2, "other", "integral_jacking", "structure_weight", "1000", NOT),
)


# The verdict one step below and at each threshold: Annex 1 thresholds reach HAZ, Annex 2 ones OVER.
BOUNDARY_CASES = [
    pytest.param(t, value, expected, id=f"{t.sub_type}.{t.parameter}={value}")
    for t in THRESHOLDS
    for value, expected in (
        (Decimal(t.value) - STEP, t.floor),
        (Decimal(t.value), HAZ if t.annex == 1 else OVER),
    )
]


@pytest.mark.parametrize(("threshold", "value", "expected"), BOUNDARY_CASES)
def test_verdict_on_both_sides_of_every_threshold(
    threshold: Threshold, value: Decimal, expected: Verdict
) -> None:
    params = baseline(threshold.category, threshold.sub_type) | {threshold.parameter: str(value)}
    result = classify(threshold.category, params, threshold.sub_type)
    assert result.verdict is expected
    assert result.is_decided
    assert result.missing == ()


@pytest.mark.parametrize("threshold", THRESHOLDS, ids=lambda t: f"{t.sub_type}.{t.parameter}")
def test_clause_at_threshold_reports_measured_value_and_threshold(threshold: Threshold) -> None:
    params = baseline(threshold.category, threshold.sub_type) | {threshold.parameter: threshold.value}
    result = classify(threshold.category, params, threshold.sub_type)
    matching = [f for f in result.fired if f.parameter == threshold.parameter and f.annex == threshold.annex]
    assert len(matching) == 1
    fired = matching[0]
    assert fired.threshold == Decimal(threshold.value)
    assert fired.measured == Decimal(threshold.value)
    assert fired.operator is Operator.GE
    assert fired.clause_id.startswith(f"A{threshold.annex}-")
    assert fired.text and fired.citation.startswith(f"附件{threshold.annex}")


@pytest.mark.parametrize("threshold", THRESHOLDS, ids=lambda t: f"{t.sub_type}.{t.parameter}")
def test_a_millionth_below_an_over_scale_or_hazard_threshold_does_not_reach_it(threshold: Threshold) -> None:
    just_below = str(Decimal(threshold.value) - Decimal("0.000001"))
    params = baseline(threshold.category, threshold.sub_type) | {threshold.parameter: just_below}
    assert classify(threshold.category, params, threshold.sub_type).verdict is threshold.floor


def test_the_module_has_exactly_the_numeric_thresholds_of_the_notice() -> None:
    in_data = {
        (int(c.annex), cat.code, sub.code, c.parameter, c.threshold)
        for cat in catalogue()
        for sub in cat.sub_types
        for c in sub.clauses
        if c.threshold is not None
    }
    by_hand = {(t.annex, t.category, t.sub_type, t.parameter, Decimal(t.value)) for t in THRESHOLDS}
    assert in_data == by_hand


def test_sub_types_ask_for_exactly_the_parameters_their_clauses_test() -> None:
    in_data = {
        (cat.code, sub.code): tuple(p.code for p in sub.parameters)
        for cat in catalogue()
        for sub in cat.sub_types
    }
    assert {k: v for k, v in in_data.items() if v} == SUB_TYPE_PARAMETERS
    for cat in catalogue():
        for sub in cat.sub_types:
            tested = {c.parameter for c in sub.clauses if c.parameter is not None}
            assert tested == {p.code for p in sub.parameters}, sub.code


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("5", OVER),
        ("5.0", OVER),
        ("5.000", OVER),
        (5, OVER),
        (5.0, OVER),
        (Decimal("5.00"), OVER),
        ("5e0", OVER),
        (" 5 ", OVER),
        ("4.99", HAZ),
        (4.99, HAZ),
        ("4.999999", HAZ),
        (4.999999, HAZ),
        (Decimal("4.9999999999999999999"), HAZ),
        ("3", HAZ),
        (3, HAZ),
        ("2.99", NOT),
        (2.99, NOT),
        (0, NOT),
    ],
)
def test_numbers_in_any_form_are_compared_exactly(raw: object, expected: Verdict) -> None:
    params = {"excavation_depth": raw, "complex_conditions": False, "affects_adjacent_structures": False}
    assert classify("excavation", params).verdict is expected
