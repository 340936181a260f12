"""Classification under 建办质〔2018〕31号: missing parameters are never guessed; the verdict names the ones it waits for."""

from __future__ import annotations

import pytest

from knowledge.registry.rules import classify
from tests.unit.rules_helpers import HAZ, NOT, OVER, SUB_TYPE_PARAMETERS


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
