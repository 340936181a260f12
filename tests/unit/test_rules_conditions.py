"""Classification under 建办质〔2018〕31号: qualitative clauses, and the sub-types listed without any condition."""

from __future__ import annotations

import pytest

from knowledge.registry.clauses import Annex, Operator
from knowledge.registry.rules import Verdict, classify
from tests.unit.rules_helpers import HAZ, NOT, OVER, SUB_TYPE_PARAMETERS, baseline

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
