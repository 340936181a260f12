"""Inspection checklists per machine type and the conclusion rule (key items all pass, ≤5 general failures)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from knowledge.cranes.checklists import (
    CheckItem,
    ItemResult,
    Measure,
    check_stated_conclusion,
    checklist,
    conclusion,
    failure_counts,
    has_checklist,
    item_fails,
    validate_item,
)
from knowledge.cranes.errors import ConclusionMismatchError, InspectionItemError
from knowledge.cranes.machines import MachineType

TYPES_WITH_LISTS = [MachineType.TOWER_CRANE, MachineType.CONSTRUCTION_HOIST, MachineType.MATERIAL_HOIST]


def passing_value(item: CheckItem) -> Decimal | None:
    if item.measure is None:
        return None
    m = item.measure
    if m.minimum is not None and m.maximum is not None:
        return (m.minimum + m.maximum) / 2
    if m.minimum is not None:
        return m.minimum
    assert m.maximum is not None
    return m.maximum - Decimal("0.01") if m.max_exclusive else m.maximum


def all_pass(machine_type: MachineType) -> list[ItemResult]:
    return [ItemResult(i.key, True, passing_value(i)) for i in checklist(machine_type).items]


def with_result(results: list[ItemResult], key: str, result: ItemResult) -> list[ItemResult]:
    return [result if r.key == key else r for r in results]


def test_the_tower_crane_list_holds_all_36_key_items_of_its_source_form():
    found = checklist(MachineType.TOWER_CRANE)
    keys = [i for i in found.items if i.is_key]
    # 36 保证项目 on the form; 2.3.1 is split in two for its two verticality limits.
    assert len({i.number.rstrip("ab") for i in keys}) == 36
    assert found.max_general_failures == 5
    assert any(not i.is_key for i in found.items)
    assert all(i.key.startswith("tc-v1-") and i.clause.startswith("DBJ/T 15-73-2010") for i in found.items)


def test_every_list_has_unique_keys_clauses_and_well_formed_measures():
    for machine_type in TYPES_WITH_LISTS:
        items = checklist(machine_type).items
        assert len({i.key for i in items}) == len(items)
        for item in items:
            assert item.text and item.clause
            if item.measure is not None:
                assert item.measure.minimum is not None or item.measure.maximum is not None
                if item.measure.minimum is not None and item.measure.maximum is not None:
                    assert item.measure.minimum < item.measure.maximum


def test_gantry_and_bridge_cranes_have_no_list_yet():
    for machine_type in (MachineType.GANTRY_CRANE, MachineType.BRIDGE_CRANE, MachineType.OTHER):
        assert not has_checklist(machine_type)
        with pytest.raises(InspectionItemError, match="暂未收录"):
            checklist(machine_type)
    with pytest.raises(InspectionItemError, match="v9"):
        checklist(MachineType.TOWER_CRANE, "v9")


def test_an_item_from_another_machine_type_is_refused_naming_its_owner():
    assert validate_item(MachineType.TOWER_CRANE, "tc-v1-3.1.1").number == "3.1.1"
    with pytest.raises(InspectionItemError, match="属于施工升降机的检查表") as exc:
        validate_item(MachineType.TOWER_CRANE, "ch-v1-3.1.1")
    assert "塔式起重机" in str(exc.value)
    with pytest.raises(InspectionItemError, match="没有检验项"):
        validate_item(MachineType.TOWER_CRANE, "tc-v1-9.9.9")


@pytest.mark.parametrize("machine_type", TYPES_WITH_LISTS)
def test_all_items_passing_is_a_pass(machine_type):
    found = conclusion(machine_type, all_pass(machine_type))
    assert found.passed and found.label == "合格" and found.reasons == ()


def test_any_key_item_failing_fails_the_report_with_its_clause():
    results = with_result(all_pass(MachineType.TOWER_CRANE), "tc-v1-3.1.8", ItemResult("tc-v1-3.1.8", False))
    found = conclusion(MachineType.TOWER_CRANE, results)
    assert not found.passed and found.label == "不合格"
    assert found.failed_key == ("tc-v1-3.1.8",)
    assert "保证项目 3.1.8" in found.reasons[0] and "DBJ/T 15-73-2010 检查项目3.1.8" in found.reasons[0]


def general_keys(machine_type: MachineType) -> list[str]:
    return [i.key for i in checklist(machine_type).items if not i.is_key and i.measure is None]


def test_five_general_failures_pass_and_six_fail():
    base = all_pass(MachineType.TOWER_CRANE)
    keys = general_keys(MachineType.TOWER_CRANE)
    assert len(keys) >= 6
    five = base
    for key in keys[:5]:
        five = with_result(five, key, ItemResult(key, False))
    assert conclusion(MachineType.TOWER_CRANE, five).passed
    six = with_result(five, keys[5], ItemResult(keys[5], False))
    found = conclusion(MachineType.TOWER_CRANE, six)
    assert not found.passed and found.reasons == ("一般项目不合格6项，超过允许的5项",)


def test_a_measured_value_outside_its_range_fails_even_if_ticked_conforming():
    key = "tc-v1-2.6.7"  # grounding ≤ 4 Ω, a key item
    results = with_result(all_pass(MachineType.TOWER_CRANE), key, ItemResult(key, True, Decimal("4.5")))
    found = conclusion(MachineType.TOWER_CRANE, results)
    assert not found.passed
    assert "实测值 4.5Ω 不在允许范围 ≤4 Ω 内" in found.reasons[0]
    exclusive = "tc-v1-3.1.1"  # limiter acts below 110 %
    at_limit = with_result(
        all_pass(MachineType.TOWER_CRANE), exclusive, ItemResult(exclusive, True, Decimal(110))
    )
    assert not conclusion(MachineType.TOWER_CRANE, at_limit).passed


def test_measured_items_need_their_value_and_others_refuse_one():
    item = validate_item(MachineType.CONSTRUCTION_HOIST, "ch-v1-2.5.3")
    with pytest.raises(InspectionItemError, match="须填写实测值（0.2～0.5 mm）"):
        item_fails(item, ItemResult(item.key, True))
    plain = validate_item(MachineType.CONSTRUCTION_HOIST, "ch-v1-1.4.8")
    with pytest.raises(InspectionItemError, match="无实测值要求"):
        item_fails(plain, ItemResult(plain.key, True, Decimal(1)))
    with pytest.raises(InspectionItemError, match="不适用"):
        item_fails(item, ItemResult(item.key, None, Decimal("0.3")))
    assert not item_fails(item, ItemResult(item.key, None))


def test_missing_duplicate_and_foreign_items_cannot_be_concluded():
    results = all_pass(MachineType.MATERIAL_HOIST)
    with pytest.raises(InspectionItemError, match="未记录"):
        conclusion(MachineType.MATERIAL_HOIST, results[1:])
    with pytest.raises(InspectionItemError, match="重复记录"):
        conclusion(MachineType.MATERIAL_HOIST, [*results, results[0]])
    with pytest.raises(InspectionItemError, match="属于塔式起重机"):
        conclusion(MachineType.MATERIAL_HOIST, [*results, ItemResult("tc-v1-1.1.1", True)])


def test_a_stated_conclusion_that_contradicts_the_items_is_refused():
    results = with_result(
        all_pass(MachineType.MATERIAL_HOIST), "mh-v2-11.0.3", ItemResult("mh-v2-11.0.3", False)
    )
    with pytest.raises(ConclusionMismatchError, match="按检验项目应为“不合格”"):
        check_stated_conclusion(MachineType.MATERIAL_HOIST, results, True)
    assert not check_stated_conclusion(MachineType.MATERIAL_HOIST, results, False).passed
    with pytest.raises(ConclusionMismatchError, match="应为“合格”"):
        check_stated_conclusion(MachineType.MATERIAL_HOIST, all_pass(MachineType.MATERIAL_HOIST), False)


def test_not_applicable_items_count_neither_way():
    key = "tc-v1-3.1.10"  # rail clamp: rail-mounted cranes only
    results = with_result(all_pass(MachineType.TOWER_CRANE), key, ItemResult(key, None))
    assert conclusion(MachineType.TOWER_CRANE, results).passed


def test_failure_counts_add_up_over_reports():
    failing = with_result(
        all_pass(MachineType.MATERIAL_HOIST), "mh-v2-4.1.10a", ItemResult("mh-v2-4.1.10a", False, Decimal(8))
    )
    counts = failure_counts([conclusion(MachineType.MATERIAL_HOIST, failing)] * 3)
    assert counts == {"mh-v2-4.1.10a": 3}


def test_the_material_hoist_list_adds_the_guarantee_items_of_jgj_59_table_b15():
    """Version 2: the five 保证项目 of JGJ 59-2011 表B.15 line by line, key where a line takes its whole item's
    points; version 1's JGJ 88-2010 clauses kept beside them."""
    found = checklist(MachineType.MATERIAL_HOIST)
    assert found.version == "v2" and all(i.key.startswith("mh-v2-") for i in found.items)
    table = [i for i in found.items if i.clause.startswith("JGJ 59-2011")]
    assert {i.clause for i in table} == {f"JGJ 59-2011 表B.15 保证项目{n}" for n in range(1, 6)}
    assert len(table) == 31 and {i.number for i in found.items if i not in table} == {
        i.number for i in checklist(MachineType.MATERIAL_HOIST, "v1").items
    }
    by_number = {i.number: i for i in found.items}
    assert by_number["1a"].is_key and not by_number["1c"].is_key  # 15 of 15 against 5-10 points
    assert by_number["11.0.3"].clause == "JGJ 88-2010 第11.0.3条" and by_number["11.0.3"].is_key
    # The table's figures are checked: a guy rope under 8 mm or out of 45-60°, fewer than 3 turns on the drum.
    assert item_fails(by_number["3e"], ItemResult(by_number["3e"].key, True, Decimal("7.7")))
    assert item_fails(by_number["3f"], ItemResult(by_number["3f"].key, True, Decimal(65)))
    assert not item_fails(by_number["3f"], ItemResult(by_number["3f"].key, True, Decimal(45)))
    turns = by_number["4c"]
    results = with_result(
        all_pass(MachineType.MATERIAL_HOIST), turns.key, ItemResult(turns.key, True, Decimal(2))
    )
    assert not conclusion(MachineType.MATERIAL_HOIST, results).passed


def test_a_report_started_on_version_1_keeps_its_items():
    old = [
        ItemResult(i.key, True, passing_value(i)) for i in checklist(MachineType.MATERIAL_HOIST, "v1").items
    ]
    assert conclusion(MachineType.MATERIAL_HOIST, old, "v1").passed
    assert validate_item(MachineType.MATERIAL_HOIST, "mh-v1-11.0.3", "v1").number == "11.0.3"
    with pytest.raises(InspectionItemError, match="v2版"):
        validate_item(MachineType.MATERIAL_HOIST, "mh-v1-11.0.3")


@given(
    st.sampled_from(TYPES_WITH_LISTS),
    st.data(),
)
def test_the_conclusion_follows_the_rule_for_any_pattern_of_failures(machine_type, data):
    items = checklist(machine_type).items
    fails = data.draw(st.lists(st.booleans(), min_size=len(items), max_size=len(items)))
    results = [
        ItemResult(i.key, not failed, passing_value(i)) for i, failed in zip(items, fails, strict=True)
    ]
    found = conclusion(machine_type, results)
    key_failed = any(f for i, f in zip(items, fails, strict=True) if i.is_key)
    general_failed = sum(1 for i, f in zip(items, fails, strict=True) if f and not i.is_key)
    assert found.passed == (not key_failed and general_failed <= 5)
    assert len(found.failed_key) + len(found.failed_general) == sum(fails)


@given(
    st.decimals(min_value=Decimal(-100), max_value=Decimal(100), places=2),
    st.decimals(min_value=Decimal(-100), max_value=Decimal(100), places=2),
    st.decimals(min_value=Decimal(-200), max_value=Decimal(200), places=2),
    st.booleans(),
)
def test_a_measure_allows_exactly_its_range(a, b, value, exclusive):
    low, high = sorted((a, b))
    measure = Measure("mm", low, high, exclusive)
    inside = low <= value and (value < high if exclusive else value <= high)
    assert measure.allows(value) == inside
    assert Measure("mm", minimum=low).allows(value) == (value >= low)
