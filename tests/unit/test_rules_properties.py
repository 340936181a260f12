"""Properties of ``classify`` over generated works: monotonic, deterministic, honest about what it fired and misses."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from knowledge.registry.clauses import Kind, Operator, Parameter
from knowledge.registry.rules import (
    Classification,
    ClassificationInputError,
    SubTypeEntry,
    catalogue,
    classify,
)

SUB_TYPES: list[tuple[str, SubTypeEntry]] = [(c.code, s) for c in catalogue() for s in c.sub_types]
WITH_NUMBERS = [(c, s) for c, s in SUB_TYPES if any(p.kind is Kind.NUMBER for p in s.parameters)]
WITH_CONDITIONS = [(c, s) for c, s in SUB_TYPES if any(p.kind is Kind.BOOL for p in s.parameters)]
WITH_PARAMETERS = [(c, s) for c, s in SUB_TYPES if s.parameters]
NON_NEGATIVE = [p for _, s in SUB_TYPES for p in s.parameters if p.kind is Kind.NUMBER and p.minimum == 0]
CENT = Decimal("0.01")

Values = dict[str, object]


def numbers(param: Parameter, sub: SubTypeEntry) -> st.SearchStrategy[Decimal]:
    """Values in range, with the sub-type's thresholds and their neighbours drawn often."""
    assert param.minimum is not None and param.maximum is not None
    edges = [
        t + d
        for c in sub.clauses
        if c.parameter == param.code and c.threshold is not None
        for t in (c.threshold,)
        for d in (-CENT, Decimal(0), CENT)
    ]
    anywhere = st.decimals(min_value=param.minimum, max_value=param.maximum, places=2)
    return st.one_of(st.sampled_from(edges), anywhere) if edges else anywhere


def value(param: Parameter, sub: SubTypeEntry) -> st.SearchStrategy[object]:
    return st.booleans() if param.kind is Kind.BOOL else numbers(param, sub)


@st.composite
def works(
    draw: st.DrawFn, pool: list[tuple[str, SubTypeEntry]] = SUB_TYPES
) -> tuple[str, SubTypeEntry, Values]:
    """A category, a sub-type and some of its parameters (each present or missing)."""
    category, sub = draw(st.sampled_from(pool))
    values: Values = {}
    for param in sub.parameters:
        if draw(st.booleans()):
            values[param.code] = draw(value(param, sub))
    return category, sub, values


def run(category: str, sub: SubTypeEntry, values: Values) -> Classification:
    return classify(category, values, sub.code)


def harmless(param: Parameter) -> object:
    return False if param.kind is Kind.BOOL else param.minimum


def extreme(param: Parameter) -> object:
    return True if param.kind is Kind.BOOL else param.maximum


@given(works(WITH_NUMBERS), st.data())
def test_raising_a_number_never_lowers_the_verdict(
    work: tuple[str, SubTypeEntry, Values], data: st.DataObject
) -> None:
    category, sub, values = work
    param = data.draw(st.sampled_from([p for p in sub.parameters if p.kind is Kind.NUMBER]))
    low, high = sorted((data.draw(numbers(param, sub)), data.draw(numbers(param, sub))))
    before = run(category, sub, values | {param.code: low})
    after = run(category, sub, values | {param.code: high})
    assert before.verdict.rank <= after.verdict.rank


@given(works(WITH_CONDITIONS), st.data())
def test_answering_yes_never_lowers_the_verdict(
    work: tuple[str, SubTypeEntry, Values], data: st.DataObject
) -> None:
    category, sub, values = work
    param = data.draw(st.sampled_from([p for p in sub.parameters if p.kind is Kind.BOOL]))
    no = run(category, sub, values | {param.code: False})
    yes = run(category, sub, values | {param.code: True})
    assert no.verdict.rank <= yes.verdict.rank


@given(works(WITH_PARAMETERS), st.data())
def test_giving_a_missing_value_never_lowers_the_verdict(
    work: tuple[str, SubTypeEntry, Values], data: st.DataObject
) -> None:
    category, sub, values = work
    param = data.draw(st.sampled_from(sub.parameters))
    without = run(category, sub, {k: v for k, v in values.items() if k != param.code})
    given_ = run(category, sub, values | {param.code: data.draw(value(param, sub))})
    assert without.verdict.rank <= given_.verdict.rank


@given(works())
def test_the_result_is_deterministic_and_ignores_key_order(work: tuple[str, SubTypeEntry, Values]) -> None:
    category, sub, values = work
    first = run(category, sub, values)
    assert run(category, sub, values) == first
    assert run(category, sub, dict(reversed(list(values.items())))) == first


@given(works())
def test_fired_clauses_meet_their_thresholds(work: tuple[str, SubTypeEntry, Values]) -> None:
    category, sub, values = work
    for fired in run(category, sub, values).fired:
        if fired.operator is Operator.ALWAYS:
            assert fired.parameter is None and fired.measured is None
            continue
        assert fired.parameter is not None
        assert fired.measured == values[fired.parameter]
        if fired.operator is Operator.IS_TRUE:
            assert fired.measured is True
        else:
            assert isinstance(fired.measured, Decimal) and fired.threshold is not None
            assert fired.measured >= fired.threshold


@given(works())
def test_a_decided_verdict_survives_any_value_for_what_was_not_given(
    work: tuple[str, SubTypeEntry, Values],
) -> None:
    category, sub, values = work
    result = run(category, sub, values)
    assert result.is_decided == (result.missing == ())
    assert set(result.missing) <= {p.code for p in sub.parameters} - set(values)
    if result.verdict.value == "over_scale":
        assert result.is_decided
    if result.is_decided:
        absent = [p for p in sub.parameters if p.code not in values]
        assert run(category, sub, values | {p.code: harmless(p) for p in absent}).verdict is result.verdict
        assert run(category, sub, values | {p.code: extreme(p) for p in absent}).verdict is result.verdict


@given(works())
def test_missing_lists_exactly_what_could_raise_the_verdict(work: tuple[str, SubTypeEntry, Values]) -> None:
    category, sub, values = work
    result = run(category, sub, values)
    if result.is_decided:
        return
    missing = [p for p in sub.parameters if p.code in result.missing]
    settled_low = run(category, sub, values | {p.code: harmless(p) for p in missing})
    assert settled_low.is_decided and settled_low.verdict is result.verdict
    raised = run(category, sub, values | {p.code: extreme(p) for p in missing})
    assert raised.verdict.rank > result.verdict.rank


@given(works(WITH_NUMBERS))
def test_strings_floats_and_decimals_give_the_same_result(work: tuple[str, SubTypeEntry, Values]) -> None:
    category, sub, values = work
    expected = run(category, sub, values)
    as_text = {k: v if isinstance(v, bool) else str(v) for k, v in values.items()}
    as_float = {k: v if isinstance(v, bool) else float(v) for k, v in values.items()}  # type: ignore[arg-type]
    assert run(category, sub, as_text).verdict is expected.verdict
    assert run(category, sub, as_float).verdict is expected.verdict
    assert run(category, sub, as_text).missing == expected.missing


@given(
    st.sampled_from(NON_NEGATIVE),
    st.decimals(max_value=Decimal("-0.000001"), allow_nan=False, allow_infinity=False),
)
def test_every_negative_measure_is_refused(param: Parameter, negative: Decimal) -> None:
    category, sub = next((c, s) for c, s in SUB_TYPES if param in s.parameters)
    with pytest.raises(ClassificationInputError) as info:
        classify(category, {param.code: negative}, sub.code)
    assert info.value.field == param.code


@given(st.data())
def test_every_value_beyond_the_plausible_range_is_refused(data: st.DataObject) -> None:
    category, sub = data.draw(st.sampled_from(WITH_NUMBERS))
    param = data.draw(st.sampled_from([p for p in sub.parameters if p.kind is Kind.NUMBER]))
    assert param.maximum is not None
    too_big = data.draw(st.decimals(min_value=param.maximum + CENT, allow_nan=False, allow_infinity=False))
    with pytest.raises(ClassificationInputError, match="请检查单位") as info:
        classify(category, {param.code: too_big}, sub.code)
    assert info.value.field == param.code
