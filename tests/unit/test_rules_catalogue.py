"""Classification under 建办质〔2018〕31号: the verdicts, the result record, and the catalogue a form is built from."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from knowledge.registry.clauses import Annex, Clause, Kind, Operator
from knowledge.registry.parameter_values import json_schema
from knowledge.registry.rules import RULES_VERSION, Verdict, catalogue, classify, holds
from tests.unit.rules_helpers import BOOL_PARAMETERS, HAZ, NOT, OVER

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
