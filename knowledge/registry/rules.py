"""Classification of a work under 建办质〔2018〕31号: pure functions over the scope tables of ``knowledge.registry.scope_tables``.

How a verdict is reached (and why it never guesses):

1. If any Annex 2 clause fires, the work is ``OVER_SCALE`` and the verdict is decided, whatever else is missing.
2. Otherwise, a parameter that an Annex 2 clause tests and that was not given could still make the work over
   scale: the verdict is left open. ``verdict`` is then the highest level proven so far (``HAZARDOUS`` if an
   Annex 1 clause fired, else ``NOT_HAZARDOUS``), ``is_decided`` is False and ``missing`` lists the codes
   that would settle it: the untested Annex 2 parameters and, when no Annex 1 clause fired, the untested
   Annex 1 parameters too.
3. With every Annex 2 clause tested and none fired: ``HAZARDOUS`` if an Annex 1 clause fired (decided);
   else ``NOT_HAZARDOUS``, decided only when no Annex 1 parameter is missing.

A qualitative condition is never assumed false: a form must send an explicit 否 for an unticked box.
``fired`` lists every clause that fired, Annex 1 first, in the order of the notice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from knowledge.registry.clauses import Annex, Category, Clause, Operator, Parameter, SubType
from knowledge.registry.parameter_values import ClassificationInputError, read_value
from knowledge.registry.scope_tables import CATEGORIES, PARAMETERS, RULES_VERSION

__all__ = [
    "RULES_VERSION",
    "CategoryEntry",
    "Classification",
    "ClassificationInputError",
    "FiredClause",
    "SubTypeEntry",
    "Verdict",
    "catalogue",
    "classify",
    "holds",
    "parameter",
]


class Verdict(StrEnum):
    NOT_HAZARDOUS = "not_hazardous"
    HAZARDOUS = "hazardous"
    OVER_SCALE = "over_scale"

    @property
    def label(self) -> str:
        return VERDICT_LABELS[self]

    @property
    def rank(self) -> int:
        """0, 1, 2: a higher rank is a stricter regime, so verdicts can be compared."""
        return VERDICT_RANKS[self]


VERDICT_LABELS: dict[Verdict, str] = {
    Verdict.NOT_HAZARDOUS: "非危大工程",
    Verdict.HAZARDOUS: "危大工程",
    Verdict.OVER_SCALE: "超过一定规模的危大工程",
}
VERDICT_RANKS: dict[Verdict, int] = {v: i for i, v in enumerate(Verdict)}


@dataclass(frozen=True, slots=True)
class FiredClause:
    """A clause that fired; ``parameter``, ``measured`` and ``threshold`` are None for a listed sub-type."""

    annex: Annex
    clause_id: str
    citation: str
    text: str
    parameter: str | None
    measured: Decimal | bool | None
    threshold: Decimal | None
    unit: str
    operator: Operator


@dataclass(frozen=True, slots=True)
class Classification:
    verdict: Verdict
    fired: tuple[FiredClause, ...]
    missing: tuple[str, ...]
    category: str
    sub_type: str
    rules_version: str = RULES_VERSION
    # The values read from the input, in the sub-type's form order: what a registry stores.
    values: tuple[tuple[str, Decimal | bool], ...] = ()

    @property
    def is_decided(self) -> bool:
        return not self.missing

    @property
    def needs_expert_review(self) -> bool:
        """Decree 37 Art. 12: an over-scale work's plan goes to an expert review meeting."""
        return self.verdict is Verdict.OVER_SCALE

    @property
    def missing_parameters(self) -> tuple[Parameter, ...]:
        """The missing parameters with their labels and units, for a message or a form."""
        return tuple(PARAMETERS[code] for code in self.missing)


@dataclass(frozen=True, slots=True)
class SubTypeEntry:
    """A sub-type as a form or an OpenAPI document needs it: parameters in full, clauses for help texts."""

    code: str
    label: str
    parameters: tuple[Parameter, ...]
    clauses: tuple[Clause, ...]


@dataclass(frozen=True, slots=True)
class CategoryEntry:
    code: str
    label: str
    sub_types: tuple[SubTypeEntry, ...]


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A sub-type prepared at import, so that ``classify`` does no searching."""

    category: Category
    code: str
    label: str
    accepted: frozenset[str]
    hazardous: tuple[Clause, ...]
    over_scale: tuple[Clause, ...]
    open_if_hazardous: tuple[str, ...]  # what can still be missing once Annex 1 has fired: Annex 2 parameters
    open_if_not: tuple[str, ...]  # ...and when nothing fired: the parameters of both annexes
    order: tuple[str, ...]  # the sub-type's parameters in form order


def _compile_sub_type(category: Category, sub: SubType) -> _Compiled:
    a1 = tuple(c for c in sub.clauses if c.annex is Annex.HAZARDOUS)
    a2 = tuple(c for c in sub.clauses if c.annex is Annex.OVER_SCALE)
    a1_params = {c.parameter for c in a1 if c.parameter is not None}
    a2_params = {c.parameter for c in a2 if c.parameter is not None}
    open_if_hazardous = tuple(p for p in sub.parameters if p in a2_params)
    open_if_not = tuple(p for p in sub.parameters if p in a1_params | a2_params)
    return _Compiled(
        category,
        sub.code,
        sub.label,
        frozenset(sub.parameters),
        a1,
        a2,
        open_if_hazardous,
        open_if_not,
        sub.parameters,
    )


_CATEGORIES: dict[str, Category] = {c.code: c for c in CATEGORIES}
_COMPILED: dict[tuple[str, str], _Compiled] = {
    (c.code, s.code): _compile_sub_type(c, s) for c in CATEGORIES for s in c.sub_types
}
# Where each parameter belongs (its first sub-type), for the message that refuses it elsewhere.
_OWNERS: dict[str, _Compiled] = {code: sub for sub in reversed(_COMPILED.values()) for code in sub.accepted}
_CATALOGUE: tuple[CategoryEntry, ...] = tuple(
    CategoryEntry(
        c.code,
        c.label,
        tuple(
            SubTypeEntry(s.code, s.label, tuple(PARAMETERS[p] for p in s.parameters), s.clauses)
            for s in c.sub_types
        ),
    )
    for c in CATEGORIES
)


def _listed_fired(clause: Clause) -> FiredClause:
    return FiredClause(
        clause.annex, clause.clause_id, clause.citation, clause.text, None, None, None, "", Operator.ALWAYS
    )


# A listed sub-type's clause fires on every call: build its record once.
_ALWAYS_FIRED: dict[int, FiredClause] = {
    id(c): _listed_fired(c)
    for compiled in _COMPILED.values()
    for c in compiled.hazardous + compiled.over_scale
    if c.operator is Operator.ALWAYS
}


def catalogue() -> tuple[CategoryEntry, ...]:
    """Categories, sub-types, their parameters (code, label, unit, kind, range) and clauses, as frozen data.

    ``knowledge.registry.parameter_values.json_schema(parameter)`` turns a parameter into a JSON-schema property
    for a form or an OpenAPI document.
    """
    return _CATALOGUE


def parameter(code: str) -> Parameter:
    """The parameter with this code; raises ClassificationInputError if there is none."""
    try:
        return PARAMETERS[code]
    except KeyError:
        raise ClassificationInputError(f"未知参数：{code}", field=code) from None


def classify(category: str, parameters: Mapping[str, object], sub_type: str | None = None) -> Classification:
    """The verdict for a work of ``category``/``sub_type`` with these parameter values (see the module docstring).

    ``sub_type`` may be omitted only for a category with a single sub-type. Values may be str, int, float,
    Decimal or bool; None or a blank string counts as missing.

    :raises ClassificationInputError: for an unknown category or sub-type, a parameter this sub-type does not
        take, or a value that is not a number/是否 or lies outside the parameter's plausible range.
    """
    compiled = _resolve(category, sub_type)
    values = _read_values(compiled, parameters)
    return _decide(compiled, values)


def _resolve(category: str, sub_type: str | None) -> _Compiled:
    found = _CATEGORIES.get(category)
    if found is None:
        options = "、".join(f"{c.code}（{c.label}）" for c in CATEGORIES)
        raise ClassificationInputError(f"未知的工程类别：{category}，可选：{options}", field="category")
    if sub_type is None:
        if len(found.sub_types) == 1:
            return _COMPILED[category, found.sub_types[0].code]
        raise ClassificationInputError(
            f"{found.label}包含多个子类，请选择：{_sub_options(found)}", field="sub_type"
        )
    compiled = _COMPILED.get((category, sub_type))
    if compiled is None:
        raise ClassificationInputError(
            f"{found.label}没有子类“{sub_type}”，可选：{_sub_options(found)}", field="sub_type"
        )
    return compiled


def _sub_options(category: Category) -> str:
    return "、".join(f"{s.code}（{s.label}）" for s in category.sub_types)


def _read_values(compiled: _Compiled, parameters: Mapping[str, object]) -> dict[str, Decimal | bool]:
    values: dict[str, Decimal | bool] = {}
    for code, raw in parameters.items():
        if code not in compiled.accepted:
            raise _foreign(compiled, code)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        values[code] = read_value(PARAMETERS[code], raw)
    return values


def _foreign(compiled: _Compiled, code: str) -> ClassificationInputError:
    """The error for a parameter this sub-type does not take, saying where it belongs."""
    param = PARAMETERS.get(code)
    owner = _OWNERS.get(code)
    if param is None or owner is None:
        return ClassificationInputError(f"未知参数：{code}", field=code)
    if owner.category is not compiled.category:
        where, not_here = owner.category.label, compiled.category.label
    else:
        where, not_here = f"子类“{owner.label}”", f"子类“{compiled.label}”"
    return ClassificationInputError(
        f"参数“{param.label}”（{code}）属于{where}，不适用于{not_here}", field=code
    )


def _decide(compiled: _Compiled, values: Mapping[str, Decimal | bool]) -> Classification:
    fired_a1 = _fire(compiled.hazardous, values)
    fired_a2 = _fire(compiled.over_scale, values)
    fired = fired_a1 + fired_a2
    read = tuple((code, values[code]) for code in compiled.order if code in values)
    if fired_a2:
        return Classification(
            Verdict.OVER_SCALE, fired, (), compiled.category.code, compiled.code, values=read
        )
    if fired_a1:
        verdict, still_open = Verdict.HAZARDOUS, compiled.open_if_hazardous
    else:
        verdict, still_open = Verdict.NOT_HAZARDOUS, compiled.open_if_not
    missing = tuple(code for code in still_open if code not in values)
    return Classification(verdict, fired, missing, compiled.category.code, compiled.code, values=read)


def _fire(clauses: tuple[Clause, ...], values: Mapping[str, Decimal | bool]) -> tuple[FiredClause, ...]:
    fired: list[FiredClause] = []
    for clause in clauses:
        if clause.operator is Operator.ALWAYS:
            fired.append(_ALWAYS_FIRED[id(clause)])
            continue
        assert clause.parameter is not None
        value = values.get(clause.parameter)
        if value is not None and holds(clause, value):
            unit = PARAMETERS[clause.parameter].unit
            fired.append(
                FiredClause(
                    clause.annex,
                    clause.clause_id,
                    clause.citation,
                    clause.text,
                    clause.parameter,
                    value,
                    clause.threshold,
                    unit,
                    clause.operator,
                )
            )
    return tuple(fired)


def holds(clause: Clause, value: Decimal | bool) -> bool:
    """Whether ``value`` meets the clause's condition; Decimal comparison is exact (4.999999 < 5)."""
    if clause.operator is Operator.IS_TRUE:
        return value is True
    if clause.operator is Operator.ALWAYS:
        return True
    assert clause.threshold is not None and isinstance(value, Decimal)
    if clause.operator is Operator.GE:
        return value >= clause.threshold
    return value > clause.threshold
