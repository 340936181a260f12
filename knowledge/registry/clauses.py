"""The vocabulary of the scope tables of 建办质〔2018〕31号: annexes, parameters, clauses, sub-types, categories."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import IntEnum, StrEnum

_CN_NUMERALS = ("", "一", "二", "三", "四", "五", "六", "七")


class Annex(IntEnum):
    HAZARDOUS = 1  # 附件1 危险性较大的分部分项工程范围
    OVER_SCALE = 2  # 附件2 超过一定规模的危险性较大的分部分项工程范围

    @property
    def label(self) -> str:
        return ANNEX_LABELS[self]


ANNEX_LABELS: dict[Annex, str] = {
    Annex.HAZARDOUS: "附件1 危险性较大的分部分项工程范围",
    Annex.OVER_SCALE: "附件2 超过一定规模的危险性较大的分部分项工程范围",
}


class Kind(StrEnum):
    NUMBER = "number"  # read as Decimal and compared exactly
    BOOL = "bool"  # a qualitative condition: 是 / 否


class Operator(StrEnum):
    """How a clause tests its parameter; ALWAYS means the sub-type itself is listed, with no condition."""

    GE = "ge"
    GT = "gt"
    IS_TRUE = "is_true"
    ALWAYS = "always"

    @property
    def symbol(self) -> str:
        return OPERATOR_SYMBOLS[self]


OPERATOR_SYMBOLS: dict[Operator, str] = {
    Operator.GE: "≥",
    Operator.GT: ">",
    Operator.IS_TRUE: "为是",
    Operator.ALWAYS: "—",
}


@dataclass(frozen=True, slots=True)
class Parameter:
    """One measured value or qualitative condition; numbers outside [minimum, maximum] are refused."""

    code: str
    label: str
    kind: Kind
    unit: str = ""
    minimum: Decimal | None = None
    maximum: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Clause:
    annex: Annex
    clause_id: str  # "A2-3-2": annex 2, item 三, sub-item (二); "A1-5" when the item has no sub-items
    citation: str  # the same in the notice's own numbering: "附件2 三（二）"
    text: str  # the notice's words; for an item with several conditions, the part this clause tests
    operator: Operator
    parameter: str | None = None
    threshold: Decimal | None = None


@dataclass(frozen=True, slots=True)
class SubType:
    code: str
    label: str
    parameters: tuple[str, ...]  # the codes this sub-type asks for, in form order
    clauses: tuple[Clause, ...]


@dataclass(frozen=True, slots=True)
class Category:
    code: str
    label: str
    sub_types: tuple[SubType, ...]


def number(code: str, label: str, unit: str, maximum: int, minimum: int = 0) -> Parameter:
    """A measured parameter; the bounds are plausibility limits, not thresholds of the notice."""
    return Parameter(code, label, Kind.NUMBER, unit, Decimal(minimum), Decimal(maximum))


def flag(code: str, label: str) -> Parameter:
    """A qualitative condition of the notice, answered 是 or 否."""
    return Parameter(code, label, Kind.BOOL)


def _clause(
    annex: Annex,
    item: int,
    sub: int,
    text: str,
    operator: Operator,
    parameter: str | None = None,
    threshold: str | None = None,
) -> Clause:
    """A clause of ``annex``, item ``item`` (一 = 1) and sub-item ``sub`` ((一) = 1; 0 when the item has none)."""
    clause_id = f"A{int(annex)}-{item}" + (f"-{sub}" if sub else "")
    citation = f"附件{int(annex)} {_CN_NUMERALS[item]}" + (f"（{_CN_NUMERALS[sub]}）" if sub else "")
    value = Decimal(threshold) if threshold is not None else None
    return Clause(annex, clause_id, citation, text, operator, parameter, value)


def at_least(annex: Annex, item: int, sub: int, text: str, parameter: str, threshold: str) -> Clause:
    """ "X 及以上" / "超过X（含X）": parameter ≥ threshold."""
    return _clause(annex, item, sub, text, Operator.GE, parameter, threshold)


def if_true(annex: Annex, item: int, sub: int, text: str, parameter: str) -> Clause:
    """A qualitative condition: fires when the parameter is 是."""
    return _clause(annex, item, sub, text, Operator.IS_TRUE, parameter)


def listed(annex: Annex, item: int, sub: int, text: str) -> Clause:
    """The sub-type itself is listed in the annex: fires for every work of that sub-type."""
    return _clause(annex, item, sub, text, Operator.ALWAYS)
