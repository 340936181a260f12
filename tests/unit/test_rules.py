"""Classification under 建办质〔2018〕31号: every threshold on both sides, qualitative clauses, missing values, bad input.

The thresholds below are typed in from the notice by hand, not read from ``knowledge.registry.scope_tables``, so that a
wrong number in the data fails here.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from knowledge.errors import ValidationError
from knowledge.registry.clauses import Annex, Clause, Kind, Operator
from knowledge.registry.parameter_values import json_schema
from knowledge.registry.rules import (
    RULES_VERSION,
    ClassificationInputError,
    Verdict,
    catalogue,
    classify,
    holds,
)

NOT, HAZ, OVER = Verdict.NOT_HAZARDOUS, Verdict.HAZARDOUS, Verdict.OVER_SCALE
STEP = Decimal("0.01")

# Every parameter of every sub-type that takes any, as the notice's conditions require them.
SUB_TYPE_PARAMETERS: dict[tuple[str, str], tuple[str, ...]] = {
    ("excavation", "foundation_pit"): (
        "excavation_depth",
        "complex_conditions",
        "affects_adjacent_structures",
    ),
    ("formwork", "concrete_support"): (
        "support_height",
        "support_span",
        "total_load",
        "line_load",
        "slender_independent",
    ),
    ("formwork", "load_bearing_support"): ("point_load",),
    ("lifting", "non_standard_lifting"): ("lift_weight",),
    ("lifting", "machinery_erection"): ("crane_capacity", "erection_height", "foundation_elevation"),
    ("scaffolding", "ground_steel_tube"): ("scaffold_height",),
    ("scaffolding", "attached_lifting"): ("lift_height",),
    ("scaffolding", "cantilevered"): ("segment_height",),
    ("demolition", "general"): ("affects_surroundings", "hazardous_release_risk", "within_heritage_zone"),
    ("other", "curtain_wall"): ("curtain_wall_height",),
    ("other", "steel_structure"): ("steel_span",),
    ("other", "space_frame_membrane"): ("space_frame_span",),
    ("other", "manual_dug_pile"): ("pile_depth",),
    ("other", "integral_jacking"): ("structure_weight",),
    ("other", "new_technology"): ("new_tech_without_standard",),
}
BOOL_PARAMETERS = {
    "complex_conditions",
    "affects_adjacent_structures",
    "slender_independent",
    "affects_surroundings",
    "hazardous_release_risk",
    "within_heritage_zone",
    "new_tech_without_standard",
}


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


def baseline(category: str, sub_type: str) -> dict[str, object]:
    """Every parameter of the sub-type at its most harmless value: 0 or 否."""
    codes = SUB_TYPE_PARAMETERS.get((category, sub_type), ())
    return {code: (False if code in BOOL_PARAMETERS else 0) for code in codes}


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


# Qualitative conditions.


@pytest.mark.parametrize("condition", ["complex_conditions", "affects_adjacent_structures"])
def test_shallow_pit_with_a_qualitative_condition_is_hazardous(condition: str) -> None:
    params = baseline("excavation", "foundation_pit") | {"excavation_depth": "2", condition: True}
    result = classify("excavation", params)
    assert result.verdict is HAZ and result.is_decided
    assert [f.parameter for f in result.fired] == [condition]
    assert result.fired[0].clause_id == "A1-1-2"
    assert result.fired[0].measured is True and result.fired[0].operator is Operator.IS_TRUE


def test_qualitative_conditions_never_make_a_pit_over_scale() -> None:
    params = {"excavation_depth": "4.99", "complex_conditions": True, "affects_adjacent_structures": True}
    assert classify("excavation", params).verdict is HAZ


def test_slender_independent_formwork_support_is_hazardous() -> None:
    params = baseline("formwork", "concrete_support") | {"slender_independent": "是"}
    result = classify("formwork", params, "concrete_support")
    assert result.verdict is HAZ and result.is_decided
    assert "高度大于支撑水平投影宽度且相对独立无联系构件" in result.fired[0].text


@pytest.mark.parametrize(
    ("condition", "expected"),
    [("affects_surroundings", HAZ), ("hazardous_release_risk", OVER), ("within_heritage_zone", OVER)],
)
def test_demolition_conditions(condition: str, expected: Verdict) -> None:
    params = baseline("demolition", "general") | {condition: "true"}
    result = classify("demolition", params, "general")
    assert result.verdict is expected and result.is_decided


def test_demolition_affecting_nothing_is_not_hazardous() -> None:
    result = classify("demolition", baseline("demolition", "general"), "general")
    assert result.verdict is NOT and result.is_decided and result.fired == ()


@pytest.mark.parametrize(("answer", "expected"), [(True, OVER), ("否", NOT), (False, NOT), ("1", OVER)])
def test_new_technology_without_a_standard_is_over_scale_in_both_annexes(
    answer: object, expected: Verdict
) -> None:
    result = classify("other", {"new_tech_without_standard": answer}, "new_technology")
    assert result.verdict is expected and result.is_decided
    if expected is OVER:
        assert [f.annex for f in result.fired] == [Annex.HAZARDOUS, Annex.OVER_SCALE]


# Sub-types listed without condition.


@pytest.mark.parametrize(
    ("category", "sub_type", "expected"),
    [
        ("formwork", "tool_formwork", OVER),
        ("formwork", "load_bearing_support", HAZ),
        ("lifting", "machinery_installation", HAZ),
        ("lifting", "machinery_erection", HAZ),
        ("scaffolding", "attached_lifting", HAZ),
        ("scaffolding", "cantilevered", HAZ),
        ("scaffolding", "suspended_platform", HAZ),
        ("scaffolding", "unloading_platform", HAZ),
        ("scaffolding", "special_shaped", HAZ),
        ("demolition", "special_structure", OVER),
        ("underground", "mining_method", OVER),
        ("underground", "shield", OVER),
        ("underground", "pipe_jacking", OVER),
        ("other", "curtain_wall", HAZ),
        ("other", "steel_structure", HAZ),
        ("other", "space_frame_membrane", HAZ),
        ("other", "manual_dug_pile", HAZ),
        ("other", "underwater", OVER),
        ("other", "precast_installation", HAZ),
    ],
)
def test_listed_sub_types_are_at_least_hazardous_without_any_value(
    category: str, sub_type: str, expected: Verdict
) -> None:
    result = classify(category, {}, sub_type)
    assert result.verdict is expected
    listed = [f for f in result.fired if f.operator is Operator.ALWAYS]
    assert listed and all(f.parameter is None and f.measured is None for f in listed)
    # A listed-only or over-scale sub-type is decided; one with an Annex 2 threshold waits for its value.
    assert result.is_decided is (expected is OVER or (category, sub_type) not in SUB_TYPE_PARAMETERS)


def test_tool_formwork_fires_both_annexes() -> None:
    result = classify("formwork", {}, "tool_formwork")
    assert [(f.annex, f.citation) for f in result.fired] == [
        (Annex.HAZARDOUS, "附件1 二（一）"),
        (Annex.OVER_SCALE, "附件2 二（一）"),
    ]
    assert result.needs_expert_review


# Missing parameters: never guess.


def test_over_scale_is_decided_even_with_other_values_missing() -> None:
    result = classify("formwork", {"support_height": "9"}, "concrete_support")
    assert result.verdict is OVER and result.is_decided and result.missing == ()


def test_hazardous_but_over_scale_unknown_lists_only_annex_2_parameters() -> None:
    result = classify("formwork", {"support_height": "6"}, "concrete_support")
    assert result.verdict is HAZ
    assert not result.is_decided
    assert result.missing == ("support_span", "total_load", "line_load")


def test_nothing_given_lists_every_parameter_in_form_order() -> None:
    result = classify("formwork", {}, "concrete_support")
    assert result.verdict is NOT and not result.is_decided
    assert result.missing == SUB_TYPE_PARAMETERS["formwork", "concrete_support"]
    assert [p.label for p in result.missing_parameters][0] == "模板支撑搭设高度"


def test_shallow_pit_without_its_qualitative_answers_is_undecided() -> None:
    result = classify("excavation", {"excavation_depth": "2.99"})
    assert result.verdict is NOT and not result.is_decided
    assert result.missing == ("complex_conditions", "affects_adjacent_structures")


def test_pit_of_known_depth_needs_no_qualitative_answer_once_hazardous() -> None:
    result = classify("excavation", {"excavation_depth": "4"})
    assert result.verdict is HAZ and result.is_decided


def test_pit_with_a_condition_but_no_depth_is_hazardous_pending_depth() -> None:
    result = classify("excavation", {"complex_conditions": True})
    assert result.verdict is HAZ and result.missing == ("excavation_depth",)


def test_pit_that_is_not_hazardous_by_answers_still_needs_its_depth() -> None:
    result = classify("excavation", {"complex_conditions": False, "affects_adjacent_structures": False})
    assert result.verdict is NOT and result.missing == ("excavation_depth",)


def test_listed_sub_type_with_unknown_annex_2_value_is_hazardous_pending() -> None:
    result = classify("lifting", {"crane_capacity": "100", "erection_height": None}, "machinery_erection")
    assert result.verdict is HAZ
    assert result.missing == ("erection_height", "foundation_elevation")
    assert [p.unit for p in result.missing_parameters] == ["m", "m"]


@pytest.mark.parametrize("blank", [None, "", "   "])
def test_none_and_blank_strings_count_as_missing(blank: object) -> None:
    result = classify("excavation", {"excavation_depth": blank, "complex_conditions": blank})
    assert result.missing == ("excavation_depth", "complex_conditions", "affects_adjacent_structures")


def test_jacking_without_weight_is_undecided_and_not_yet_hazardous() -> None:
    result = classify("other", {}, "integral_jacking")
    assert result.verdict is NOT and result.missing == ("structure_weight",)


# The result record.


def test_verdicts_have_chinese_labels_and_an_order() -> None:
    assert [v.value for v in Verdict] == ["not_hazardous", "hazardous", "over_scale"]
    assert [v.label for v in Verdict] == ["非危大工程", "危大工程", "超过一定规模的危大工程"]
    assert NOT.rank < HAZ.rank < OVER.rank


def test_classification_is_frozen_and_carries_the_rules_version() -> None:
    result = classify("excavation", {"excavation_depth": 6})
    assert result.rules_version == RULES_VERSION
    assert RULES_VERSION.startswith("建办质〔2018〕31号@")
    assert (result.category, result.sub_type) == ("excavation", "foundation_pit")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.verdict = NOT  # type: ignore[misc]


def test_fired_clauses_list_annex_1_before_annex_2() -> None:
    result = classify("formwork", {"support_height": "8", "support_span": "20"}, "concrete_support")
    assert [(f.annex, f.parameter) for f in result.fired] == [
        (Annex.HAZARDOUS, "support_height"),
        (Annex.HAZARDOUS, "support_span"),
        (Annex.OVER_SCALE, "support_height"),
        (Annex.OVER_SCALE, "support_span"),
    ]
    assert {f.unit for f in result.fired} == {"m"}


def test_holds_supports_a_strict_greater_than() -> None:
    clause = Clause(Annex.OVER_SCALE, "T-1", "附件2 一", "测试", Operator.GT, "excavation_depth", Decimal(5))
    assert not holds(clause, Decimal("5.0"))
    assert holds(clause, Decimal("5.000001"))


# Bad input.


def _error(category: str, params: dict[str, object], sub_type: str | None = None) -> ClassificationInputError:
    with pytest.raises(ClassificationInputError) as info:
        classify(category, params, sub_type)
    return info.value


def test_input_error_is_a_domain_validation_error() -> None:
    error = _error("bridge", {})
    assert isinstance(error, ValidationError)
    assert error.status == 422 and error.code == "classification_input"


def test_unknown_category_is_refused() -> None:
    error = _error("bridge", {})
    assert error.field == "category" and "未知的工程类别" in str(error) and "基坑工程" in str(error)


def test_unknown_sub_type_is_refused_with_the_options() -> None:
    error = _error("formwork", {}, "big_formwork")
    assert error.field == "sub_type" and "big_formwork" in str(error) and "concrete_support" in str(error)


def test_sub_type_must_be_named_when_a_category_has_several() -> None:
    error = _error("scaffolding", {"scaffold_height": 30})
    assert error.field == "sub_type" and "请选择" in str(error)


def test_parameter_of_another_category_is_refused_naming_that_category() -> None:
    error = _error("excavation", {"support_height": "6"})
    assert error.field == "support_height"
    assert str(error) == "参数“模板支撑搭设高度”（support_height）属于模板工程及支撑体系，不适用于基坑工程"


def test_parameter_of_another_sub_type_is_refused_naming_that_sub_type() -> None:
    error = _error("formwork", {"point_load": "8"}, "concrete_support")
    assert error.field == "point_load" and "承重支撑体系" in str(error)


def test_unknown_parameter_is_refused() -> None:
    error = _error("excavation", {"depth": "6"})
    assert error.field == "depth" and str(error) == "未知参数：depth"


@pytest.mark.parametrize("raw", ["abc", "3m", "3,5", "--3", [3], {"v": 3}, b"3", object()])
def test_non_numeric_values_are_refused(raw: object) -> None:
    error = _error("excavation", {"excavation_depth": raw})
    assert error.field == "excavation_depth" and "开挖深度应为数字" in str(error)


@pytest.mark.parametrize("raw", [True, False])
def test_booleans_are_not_numbers(raw: bool) -> None:
    error = _error("excavation", {"excavation_depth": raw})
    assert error.field == "excavation_depth" and "是/否" in str(error)


@pytest.mark.parametrize(
    "raw", [float("nan"), float("inf"), float("-inf"), "NaN", "sNaN", "Infinity", Decimal("NaN")]
)
def test_nan_and_infinities_are_refused(raw: object) -> None:
    error = _error("excavation", {"excavation_depth": raw})
    assert error.field == "excavation_depth" and "有限" in str(error)


@pytest.mark.parametrize("raw", [-1, "-0.01", -3.5, Decimal("-5")])
def test_negative_values_are_refused(raw: object) -> None:
    error = _error("excavation", {"excavation_depth": raw})
    assert error.field == "excavation_depth" and "不能为负数" in str(error)


def test_out_of_range_value_is_refused_as_a_likely_unit_error() -> None:
    error = _error("excavation", {"excavation_depth": 500})
    assert error.field == "excavation_depth"
    assert str(error) == "开挖深度 500 m 超出合理范围 0–100 m，请检查单位"


def test_range_upper_bound_is_inclusive() -> None:
    assert classify("excavation", {"excavation_depth": "100"}).verdict is OVER
    assert _error("excavation", {"excavation_depth": "100.01"}).field == "excavation_depth"


def test_foundation_elevation_may_be_below_ground_but_not_absurdly() -> None:
    params = {"crane_capacity": 100, "erection_height": 50, "foundation_elevation": "-5"}
    assert classify("lifting", params, "machinery_erection").verdict is HAZ
    error = _error("lifting", params | {"foundation_elevation": "-101"}, "machinery_erection")
    assert error.field == "foundation_elevation" and "超出合理范围 -100–1000 m" in str(error)


@pytest.mark.parametrize("raw", ["maybe", 2, 1.0, Decimal(1), "2"])
def test_qualitative_condition_must_be_yes_or_no(raw: object) -> None:
    error = _error("excavation", {"complex_conditions": raw})
    assert error.field == "complex_conditions" and "应为是或否" in str(error)


@pytest.mark.parametrize(
    ("raw", "expected"), [("是", True), ("否", False), ("on", True), ("OFF", False), (1, True), (0, False)]
)
def test_qualitative_condition_accepts_form_words(raw: object, expected: bool) -> None:
    result = classify(
        "excavation", {"excavation_depth": 1, "complex_conditions": raw, "affects_adjacent_structures": 0}
    )
    assert (result.verdict is HAZ) is expected


# The catalogue.


def test_catalogue_lists_the_seven_categories_in_the_notices_order() -> None:
    assert [(c.code, c.label) for c in catalogue()] == [
        ("excavation", "基坑工程"),
        ("formwork", "模板工程及支撑体系"),
        ("lifting", "起重吊装及起重机械安装拆卸工程"),
        ("scaffolding", "脚手架工程"),
        ("demolition", "拆除工程"),
        ("underground", "暗挖工程"),
        ("other", "其它"),
    ]


def test_catalogue_describes_every_parameter_for_a_form() -> None:
    for category in catalogue():
        for sub in category.sub_types:
            assert sub.label and sub.clauses
            for param in sub.parameters:
                assert param.label
                if param.kind is Kind.NUMBER:
                    assert param.unit and param.minimum is not None and param.maximum is not None
                    assert param.minimum < param.maximum
                else:
                    assert param.code in BOOL_PARAMETERS


def test_json_schema_for_a_number_and_a_condition() -> None:
    depth = catalogue()[0].sub_types[0].parameters[0]
    assert json_schema(depth) == {
        "type": "number",
        "title": "开挖深度",
        "x-unit": "m",
        "minimum": 0,
        "maximum": 100,
    }
    complex_ = catalogue()[0].sub_types[0].parameters[1]
    assert json_schema(complex_) == {"type": "boolean", "title": "地质条件、周围环境或地下管线复杂"}


def test_catalogue_sub_types_all_classify() -> None:
    for category in catalogue():
        for sub in category.sub_types:
            result = classify(category.code, {p.code: None for p in sub.parameters}, sub.code)
            assert result.sub_type == sub.code
