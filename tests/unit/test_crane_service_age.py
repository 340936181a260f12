"""Service ages (建设部公告第659号 / JGJ/T 189, as policy) and the refusals of 建设部令第166号 第七条."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from knowledge.cranes.errors import MachineDataError
from knowledge.cranes.machines import HoistDrive, Machine, MachineSpec, MachineType
from knowledge.cranes.periods import add_years
from knowledge.cranes.service_age import (
    BANNED_MODELS,
    BannedModel,
    RegistrationFacts,
    SafetyAssessment,
    ServiceAgePolicy,
    TowerAgeBand,
    assessment_due,
    registration_refusal,
    registration_refusals,
    scrapping_reason,
    service_age_limit,
)


def tower(moment: int | str) -> MachineSpec:
    return MachineSpec(MachineType.TOWER_CRANE, rated_moment_knm=Decimal(moment))


def hoist(drive: HoistDrive) -> MachineSpec:
    return MachineSpec(MachineType.CONSTRUCTION_HOIST, rated_load_kg=2000, hoist_drive=drive)


def machine(spec: MachineSpec, manufactured: date = date(2010, 6, 1), **kw) -> Machine:
    return Machine("某重工", "QTZ80", "SN-1", manufactured, spec, **kw)


@pytest.mark.parametrize(
    ("moment", "years"),
    [("1", 10), ("629.9", 10), ("630", 15), ("800", 15), ("1249.99", 15), ("1250", 20), ("3150", 20)],
)
def test_tower_crane_age_rises_with_the_rated_moment_at_630_and_1250(moment, years):
    assert service_age_limit(tower(moment)) == years


def test_hoist_ages_depend_on_the_drive_and_other_types_have_none():
    assert service_age_limit(hoist(HoistDrive.RACK_AND_PINION)) == 8
    assert service_age_limit(hoist(HoistDrive.WIRE_ROPE)) == 5
    for kind in (
        MachineType.MATERIAL_HOIST,
        MachineType.GANTRY_CRANE,
        MachineType.BRIDGE_CRANE,
        MachineType.OTHER,
    ):
        spec = MachineSpec(kind, rated_load_kg=1000)
        assert service_age_limit(spec) is None
        assert not assessment_due(spec, date(1990, 1, 1), date(2026, 1, 1))


def test_the_anniversary_itself_is_not_past_the_age():
    spec = tower(500)  # 10 years
    made = date(2016, 3, 15)
    assert not assessment_due(spec, made, date(2026, 3, 15))
    assert assessment_due(spec, made, date(2026, 3, 16))


@given(
    st.decimals(min_value=Decimal("0.1"), max_value=Decimal(5000), places=1),
    st.decimals(min_value=Decimal("0.1"), max_value=Decimal(5000), places=1),
)
def test_service_age_is_monotone_in_the_moment(a, b):
    low, high = sorted((a, b))
    assert service_age_limit(tower(str(low))) <= service_age_limit(tower(str(high)))


@given(
    st.decimals(min_value=Decimal(1), max_value=Decimal(5000), places=0),
    st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 1, 1)),
    st.integers(0, 20000),
    st.integers(0, 20000),
)
def test_once_due_an_assessment_stays_due(moment, made, d1, d2):
    spec = tower(str(moment))
    early, late = sorted((d1, d2))
    first = date.fromordinal(made.toordinal() + early)
    second = date.fromordinal(made.toordinal() + late)
    assert not assessment_due(spec, made, first) or assessment_due(spec, made, second)


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 1, 1)), st.integers(0, 30))
def test_due_exactly_after_the_limit(made, years):
    spec = hoist(HoistDrive.RACK_AND_PINION)
    on = add_years(made, years)
    assert assessment_due(spec, made, on) == (on > add_years(made, 8))


def test_a_policy_may_change_the_bands_but_not_leave_them_unordered():
    custom = ServiceAgePolicy(tower_bands=(TowerAgeBand(Decimal(0), 5), TowerAgeBand(Decimal(800), 7)))
    assert service_age_limit(tower(700), custom) == 5
    assert service_age_limit(tower(800), custom) == 7
    with pytest.raises(MachineDataError, match="由小到大"):
        ServiceAgePolicy(tower_bands=(TowerAgeBand(Decimal(630), 15), TowerAgeBand(Decimal(0), 10)))
    with pytest.raises(MachineDataError, match="大于0年"):
        ServiceAgePolicy(hoist_years={HoistDrive.WIRE_ROPE: 0})


ON = date(2026, 6, 1)
OLD_TOWER = machine(tower(500), date(2010, 6, 1))  # 16 years, past 10
NEW_TOWER = machine(tower(500), date(2020, 6, 1))


def test_a_young_machine_with_nothing_against_it_is_registered():
    assert registration_refusal(RegistrationFacts(NEW_TOWER), ON) is None
    assert registration_refusals(RegistrationFacts(NEW_TOWER, last_inspection_passed=True), ON) == ()


def test_past_service_age_without_an_assessment_is_refused_with_the_reason():
    reason = registration_refusal(RegistrationFacts(OLD_TOWER), ON)
    assert reason is not None
    assert "出厂已超过10年" in reason and "未提交安全评估报告" in reason and "不予备案" in reason


@pytest.mark.parametrize(
    ("assessment", "expected"),
    [
        (SafetyAssessment(date(2026, 1, 10), False, date(2027, 1, 9)), "结论为不合格"),
        (SafetyAssessment(date(2025, 1, 10), True, date(2026, 1, 9)), "已过期"),
        (SafetyAssessment(date(2026, 7, 1), True, date(2027, 6, 30)), "晚于备案日期"),
        (SafetyAssessment(date(2026, 1, 10), True, date(2027, 1, 9)), None),
    ],
)
def test_only_a_passing_assessment_in_force_lets_an_old_machine_register(assessment, expected):
    reason = registration_refusal(RegistrationFacts(OLD_TOWER, assessment=assessment), ON)
    if expected is None:
        assert reason is None
        assert assessment.is_valid_pass(ON)
    else:
        assert reason is not None and expected in reason


def test_failed_inspection_missing_file_and_devices_are_each_refused_in_article_seven_order():
    facts = RegistrationFacts(
        NEW_TOWER,
        last_inspection_passed=False,
        has_complete_safety_file=False,
        has_complete_safety_devices=False,
    )
    reasons = registration_refusals(facts, ON)
    assert len(reasons) == 3
    assert "第七条第（三）项" in reasons[0]
    assert "第七条第（四）项" in reasons[1]
    assert "第七条第（五）项" in reasons[2]
    assert registration_refusal(RegistrationFacts(NEW_TOWER, last_inspection_passed=None), ON) is None


def test_a_machine_past_its_makers_design_life_is_due_for_scrapping():
    worn = machine(tower(500), date(2014, 6, 1), design_life_years=10)
    assert scrapping_reason(worn, date(2024, 6, 1)) is None
    reason = scrapping_reason(worn, date(2024, 6, 2))
    assert reason is not None and "制造厂家规定的使用年限" in reason
    refusal = registration_refusal(
        RegistrationFacts(worn, assessment=SafetyAssessment(date(2026, 1, 1), True, date(2027, 1, 1))), ON
    )
    assert refusal is not None and "应予报废" in refusal


def test_a_provincial_maximum_age_is_policy():
    policy = ServiceAgePolicy(max_service_years={MachineType.MATERIAL_HOIST: 8})
    old_hoist = machine(MachineSpec(MachineType.MATERIAL_HOIST, rated_load_kg=1000), date(2016, 1, 1))
    assert scrapping_reason(old_hoist, ON) is None
    reason = scrapping_reason(old_hoist, ON, policy)
    assert reason is not None and "最长使用年限（8年）" in reason


def test_no_banned_list_is_invented_but_a_listed_model_is_refused():
    assert BANNED_MODELS == ()
    policy = ServiceAgePolicy(banned=(BannedModel(MachineType.TOWER_CRANE, "qtz80", "某某公告"),))
    reason = registration_refusal(RegistrationFacts(NEW_TOWER), ON, policy)
    assert reason is not None and "国家明令淘汰或者禁止使用" in reason and "某某公告" in reason
    other = RegistrationFacts(
        machine(MachineSpec(MachineType.MATERIAL_HOIST, rated_load_kg=800), date(2020, 1, 1))
    )
    assert registration_refusal(other, ON, policy) is None  # same model name, another type
