"""Versioned inspection checklists per machine type, and the conclusion a report's items give.

The items and their sources are in ``checklist_data`` (Guangdong self-check forms for tower cranes and
construction hoists; for material hoists JGJ 88-2010 clauses and, from version 2, the 保证项目 of JGJ 59-2011 table
B.15; JGJ 305's own list was not found). The conclusion follows the rule those forms print: **every 保证项目 (key item) passes, and no more than
``max_general_failures`` 一般项目 fail** (5 in the forms; kept per checklist as policy, as JGJ 305's number could not
be read). An item marked 不适用 counts neither way. A measured value outside the item's allowed range fails the item
whatever the inspector ticked, so a report cannot pass an item its own figures fail.

Keys are ``{type}-{version}-{item number}`` ("tc-v1-3.1.1"): a revision is a new version beside the old one, and a
report keeps meaning what it meant.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from knowledge.cranes.checklist_data import (
    CH_STANDARD,
    CONSTRUCTION_HOIST_ROWS_V1,
    MATERIAL_HOIST_ROWS_V1,
    MATERIAL_HOIST_ROWS_V2,
    MAX_GENERAL_FAILURES_V1,
    MH_STANDARD,
    MH_STANDARD_V2,
    MH_TABLE,
    TC_STANDARD,
    TOWER_CRANE_ROWS_V1,
    VERSION_1,
    VERSION_2,
    Row,
)
from knowledge.cranes.errors import ConclusionMismatchError, InspectionItemError
from knowledge.cranes.machines import MachineType

# The version a new report of each type is recorded against; a report keeps the version it was started with.
CURRENT_VERSIONS: dict[MachineType, str] = {
    MachineType.TOWER_CRANE: VERSION_1,
    MachineType.CONSTRUCTION_HOIST: VERSION_1,
    MachineType.MATERIAL_HOIST: VERSION_2,
}
_PREFIXES = {
    MachineType.TOWER_CRANE: "tc",
    MachineType.CONSTRUCTION_HOIST: "ch",
    MachineType.MATERIAL_HOIST: "mh",
}
_RULE_SOURCE = (
    "保证项目全部合格、一般项目不合格不超过5项（塔式起重机、施工升降机安装自检表备注；JGJ 305 原文未核）"
)


@dataclass(frozen=True, slots=True)
class Measure:
    """The allowed range of an item's measured value; a bound of None is open."""

    unit: str
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    max_exclusive: bool = False

    def allows(self, value: Decimal) -> bool:
        above_minimum = self.minimum is None or value >= self.minimum
        if self.maximum is None:
            return above_minimum
        return above_minimum and (value < self.maximum if self.max_exclusive else value <= self.maximum)

    @property
    def range_label(self) -> str:
        """``≥0.6 m``, ``≤4 Ω``, ``<110 %``, ``0.2～0.5 mm``."""
        unit = f" {self.unit}" if self.unit else ""
        if self.minimum is not None and self.maximum is not None:
            return f"{self.minimum}～{self.maximum}{unit}"
        if self.minimum is not None:
            return f"≥{self.minimum}{unit}"
        return f"{'<' if self.max_exclusive else '≤'}{self.maximum}{unit}"


@dataclass(frozen=True, slots=True)
class CheckItem:
    key: str
    number: str
    text: str
    clause: str
    is_key: bool
    measure: Measure | None = None

    @property
    def is_measured(self) -> bool:
        return self.measure is not None

    @property
    def kind_label(self) -> str:
        return "保证项目" if self.is_key else "一般项目"


@dataclass(frozen=True, slots=True)
class Checklist:
    machine_type: MachineType
    version: str
    standard: str
    items: tuple[CheckItem, ...]
    max_general_failures: int
    rule_source: str


@dataclass(frozen=True, slots=True)
class ItemResult:
    """An inspector's record of one item: conforms, fails, or ``None`` for 不适用; the figure where measured."""

    key: str
    conforms: bool | None
    measured: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Conclusion:
    """合格 or 不合格, with a reason per failed key item and, when too many, for the general items."""

    passed: bool
    reasons: tuple[str, ...]
    failed_key: tuple[str, ...]
    failed_general: tuple[str, ...]

    @property
    def label(self) -> str:
        return "合格" if self.passed else "不合格"


def _clause(standard: str, number: str) -> str:
    """Where an item comes from: a clause of JGJ 88, a 保证项目 of JGJ 59's table B.15 ("2c": item 2, its third
    line), or a form's item."""
    base = re.sub(r"[a-z]$", "", number)
    if standard == MH_STANDARD_V2 and re.fullmatch(r"[1-5][a-z]", number):
        return f"{MH_TABLE} 保证项目{base}"
    if standard in (MH_STANDARD, MH_STANDARD_V2):
        return f"{MH_STANDARD} 第{base}条"
    return f"{standard} 检查项目{base}"


def _build(machine_type: MachineType, version: str, standard: str, rows: tuple[Row, ...]) -> Checklist:
    built = []
    for number, text, is_key, measure in rows:
        clause = _clause(standard, number)
        built.append(
            CheckItem(
                key=f"{_PREFIXES[machine_type]}-{version}-{number}",
                number=number,
                text=text,
                clause=clause,
                is_key=is_key,
                measure=_measure(measure) if measure else None,
            )
        )
    return Checklist(machine_type, version, standard, tuple(built), MAX_GENERAL_FAILURES_V1, _RULE_SOURCE)


def _measure(row: tuple[str, str | None, str | None, bool]) -> Measure:
    unit, low, high, exclusive = row
    return Measure(unit, Decimal(low) if low else None, Decimal(high) if high else None, exclusive)


_CHECKLISTS: dict[tuple[MachineType, str], Checklist] = {
    (MachineType.TOWER_CRANE, VERSION_1): _build(
        MachineType.TOWER_CRANE, VERSION_1, TC_STANDARD, TOWER_CRANE_ROWS_V1
    ),
    (MachineType.CONSTRUCTION_HOIST, VERSION_1): _build(
        MachineType.CONSTRUCTION_HOIST, VERSION_1, CH_STANDARD, CONSTRUCTION_HOIST_ROWS_V1
    ),
    (MachineType.MATERIAL_HOIST, VERSION_1): _build(
        MachineType.MATERIAL_HOIST, VERSION_1, MH_STANDARD, MATERIAL_HOIST_ROWS_V1
    ),
    (MachineType.MATERIAL_HOIST, VERSION_2): _build(
        MachineType.MATERIAL_HOIST, VERSION_2, MH_STANDARD_V2, MATERIAL_HOIST_ROWS_V2
    ),
}
_OWNER_OF_KEY: dict[str, MachineType] = {
    item.key: machine_type for (machine_type, _), found in _CHECKLISTS.items() for item in found.items
}


def current_version(machine_type: MachineType) -> str:
    """The version a new report of ``machine_type`` is recorded against (the first, for a type without a list)."""
    return CURRENT_VERSIONS.get(machine_type, VERSION_1)


def has_checklist(machine_type: MachineType, version: str | None = None) -> bool:
    return (machine_type, version or current_version(machine_type)) in _CHECKLISTS


def checklist(machine_type: MachineType, version: str | None = None) -> Checklist:
    """The checklist of ``machine_type`` in ``version`` (the current one if not given).

    :raises InspectionItemError: when none is held (gantry and bridge cranes, other machines, unknown versions).
    """
    version = version or current_version(machine_type)
    found = _CHECKLISTS.get((machine_type, version))
    if found is None:
        held = "、".join(sorted({t.label for t, _ in _CHECKLISTS}))
        raise InspectionItemError(f"暂未收录{machine_type.label}（{version}版）的检验项目；已收录：{held}")
    return found


def validate_item(machine_type: MachineType, key: str, version: str | None = None) -> CheckItem:
    """The item ``key`` of the checklist of ``machine_type``.

    :raises InspectionItemError: for an item of another machine type's checklist, or no item at all.
    """
    version = version or current_version(machine_type)
    for item in checklist(machine_type, version).items:
        if item.key == key:
            return item
    owner = _OWNER_OF_KEY.get(key)
    if owner is not None and owner is not machine_type:
        raise InspectionItemError(
            f"检验项“{key}”属于{owner.label}的检查表，不能记入{machine_type.label}的检验报告", field="items"
        )
    raise InspectionItemError(f"{machine_type.label}检查表（{version}版）中没有检验项“{key}”", field="items")


def item_fails(item: CheckItem, result: ItemResult) -> bool:
    """Whether the recorded result fails the item: ticked 不合格, or a measured value outside the range.

    :raises InspectionItemError: for a measured item recorded without its value, a value on an item that has no
        measure, or a value on an item marked 不适用.
    """
    if result.conforms is None:
        if result.measured is not None:
            raise InspectionItemError(f"检验项 {item.number} 标为不适用，不应填写实测值", field="items")
        return False
    if item.measure is None:
        if result.measured is not None:
            raise InspectionItemError(f"检验项 {item.number} 无实测值要求，不应填写实测值", field="items")
        return not result.conforms
    if result.measured is None:
        raise InspectionItemError(
            f"检验项 {item.number} 须填写实测值（{item.measure.range_label}）", field="items"
        )
    return not result.conforms or not item.measure.allows(result.measured)


def conclusion(
    machine_type: MachineType, results: Iterable[ItemResult], version: str | None = None
) -> Conclusion:
    """The conclusion the recorded items give, by the checklist's rule (see the module docstring).

    :raises InspectionItemError: for an item of another type or unknown, an item recorded twice, items of the
        checklist left unrecorded, or a result ``item_fails`` refuses.
    """
    found = checklist(machine_type, version)
    recorded: dict[str, ItemResult] = {}
    for result in results:
        validate_item(machine_type, result.key, version)
        if result.key in recorded:
            raise InspectionItemError(f"检验项“{result.key}”重复记录", field="items")
        recorded[result.key] = result
    missing = [item.number for item in found.items if item.key not in recorded]
    if missing:
        raise InspectionItemError(f"尚有{len(missing)}个检验项未记录：{'、'.join(missing)}", field="items")
    failed = [item for item in found.items if item_fails(item, recorded[item.key])]
    failed_key = tuple(item.key for item in failed if item.is_key)
    failed_general = tuple(item.key for item in failed if not item.is_key)
    reasons = [_failure_reason(item, recorded[item.key]) for item in failed if item.is_key]
    if len(failed_general) > found.max_general_failures:
        reasons.append(f"一般项目不合格{len(failed_general)}项，超过允许的{found.max_general_failures}项")
    return Conclusion(not reasons, tuple(reasons), failed_key, failed_general)


def check_stated_conclusion(
    machine_type: MachineType,
    results: Iterable[ItemResult],
    stated_passed: bool,
    version: str | None = None,
) -> Conclusion:
    """The conclusion, when ``stated_passed`` agrees with it.

    :raises ConclusionMismatchError: when the stated conclusion contradicts the items.
    """
    computed = conclusion(machine_type, results, version)
    if computed.passed != stated_passed:
        why = (
            "；".join(computed.reasons)
            if computed.reasons
            else "所有保证项目合格，一般项目不合格未超过允许项数"
        )
        raise ConclusionMismatchError(
            f"检验结论“{'合格' if stated_passed else '不合格'}”与检验项目不符，按检验项目应为“{computed.label}”：{why}",
            field="conclusion",
        )
    return computed


def failure_counts(conclusions: Iterable[Conclusion]) -> Counter[str]:
    """How often each item key failed across ``conclusions`` (for the bulletin's most frequent findings)."""
    counts: Counter[str] = Counter()
    for found in conclusions:
        counts.update(found.failed_key)
        counts.update(found.failed_general)
    return counts


def _failure_reason(item: CheckItem, result: ItemResult) -> str:
    text = f"{item.kind_label} {item.number}（{item.clause}）不合格：{item.text}"
    if item.measure is not None and result.measured is not None and not item.measure.allows(result.measured):
        text += f"；实测值 {result.measured}{item.measure.unit} 不在允许范围 {item.measure.range_label} 内"
    return text
