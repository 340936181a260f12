"""Classification under 建办质〔2018〕31号: bad input is refused, naming the field and what is wrong with it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from knowledge.errors import ValidationError
from knowledge.registry.rules import ClassificationInputError, classify
from tests.unit.rules_helpers import HAZ, OVER


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
