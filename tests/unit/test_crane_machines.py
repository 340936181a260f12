"""Machine types and specs, calendar periods, and the 30-day use registration of 建设部令第166号."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from knowledge.cranes.errors import CraneError, MachineDataError, UseRegistrationError
from knowledge.cranes.machines import (
    HoistDrive,
    Machine,
    MachineSpec,
    MachineType,
    capacity_label,
    check_machine,
    check_spec,
)
from knowledge.cranes.periods import add_months, add_years, full_years_between
from knowledge.cranes.use_registration import (
    USE_REGISTRATION_DAYS,
    check_use_registration,
    use_registration_deadline,
)
from knowledge.errors import ValidationError

TOWER = MachineSpec(MachineType.TOWER_CRANE, rated_moment_knm=Decimal(800))
HOIST = MachineSpec(
    MachineType.CONSTRUCTION_HOIST, rated_load_kg=2000, hoist_drive=HoistDrive.RACK_AND_PINION
)


def test_every_type_has_a_chinese_label():
    assert MachineType.TOWER_CRANE.label == "塔式起重机"
    assert MachineType.CONSTRUCTION_HOIST.label == "施工升降机"
    assert MachineType.MATERIAL_HOIST.label == "物料提升机"
    assert MachineType.GANTRY_CRANE.label == "门式起重机"
    assert MachineType.BRIDGE_CRANE.label == "桥式起重机"
    assert all(t.label for t in MachineType)


def test_errors_are_validation_errors_with_chinese_messages():
    assert issubclass(CraneError, ValidationError)
    with pytest.raises(MachineDataError, match="额定起重力矩"):
        check_spec(MachineSpec(MachineType.TOWER_CRANE))


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (MachineSpec(MachineType.TOWER_CRANE, rated_moment_knm=Decimal(0)), "额定起重力矩"),
        (
            MachineSpec(
                MachineType.TOWER_CRANE, rated_moment_knm=Decimal(630), hoist_drive=HoistDrive.WIRE_ROPE
            ),
            "驱动型式",
        ),
        (MachineSpec(MachineType.CONSTRUCTION_HOIST, rated_load_kg=2000), "SC型"),
        (MachineSpec(MachineType.CONSTRUCTION_HOIST, hoist_drive=HoistDrive.WIRE_ROPE), "额定载重量"),
        (
            MachineSpec(MachineType.MATERIAL_HOIST, rated_moment_knm=Decimal(10), rated_load_kg=1000),
            "起重力矩",
        ),
        (MachineSpec(MachineType.GANTRY_CRANE, rated_load_kg=-5), "额定载重量"),
    ],
)
def test_a_spec_missing_what_its_type_needs_is_refused(spec, message):
    with pytest.raises(MachineDataError, match=message):
        check_spec(spec)


def test_a_complete_spec_is_accepted_and_labelled():
    assert check_spec(TOWER) is TOWER
    assert capacity_label(TOWER) == "800 kN·m"
    assert capacity_label(HOIST) == "2000 kg（SC型（齿轮齿条式））"
    assert capacity_label(MachineSpec(MachineType.BRIDGE_CRANE, rated_load_kg=5000)) == "5000 kg"


def test_a_machine_needs_its_maker_model_serial_and_a_past_date():
    machine = Machine("某重工", "QTZ80", "SN-1", date(2020, 5, 1), TOWER)
    assert check_machine(machine, today=date(2026, 1, 1)) is machine
    with pytest.raises(MachineDataError, match="出厂编号"):
        check_machine(Machine("某重工", "QTZ80", "  ", date(2020, 5, 1), TOWER), today=date(2026, 1, 1))
    with pytest.raises(MachineDataError, match="晚于今天"):
        check_machine(machine, today=date(2020, 4, 30))
    with pytest.raises(MachineDataError, match="使用年限"):
        check_machine(
            Machine("某重工", "QTZ80", "SN-1", date(2020, 5, 1), TOWER, design_life_years=0),
            today=date(2026, 1, 1),
        )


def test_month_and_year_arithmetic_clamps_to_the_month_end():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 3, 31), -1) == date(2023, 2, 28)
    assert add_months(date(2025, 12, 15), 1) == date(2026, 1, 15)
    assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert full_years_between(date(2016, 6, 1), date(2026, 5, 31)) == 9
    assert full_years_between(date(2016, 6, 1), date(2026, 6, 1)) == 10


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 1, 1)), st.integers(-240, 240))
def test_adding_months_lands_in_the_right_month(start, months):
    moved = add_months(start, months)
    assert (moved.year * 12 + moved.month) - (start.year * 12 + start.month) == months
    assert moved.day <= start.day


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 1, 1)), st.integers(0, 60))
def test_full_years_counts_anniversaries(start, years):
    assert full_years_between(start, add_years(start, years)) == years


def test_use_registration_on_the_thirtieth_day_is_accepted_and_the_thirty_first_refused():
    accepted = date(2026, 3, 2)
    assert use_registration_deadline(accepted) == date(2026, 4, 1)
    assert check_use_registration(accepted, date(2026, 4, 1)) == date(2026, 4, 1)
    with pytest.raises(UseRegistrationError, match="30日内") as exc:
        check_use_registration(accepted, accepted + timedelta(days=31))
    assert "第31日" in str(exc.value)
    assert exc.value.field == "registered_on"


def test_use_registration_before_acceptance_is_refused():
    with pytest.raises(UseRegistrationError, match="早于验收合格日期"):
        check_use_registration(date(2026, 3, 2), date(2026, 3, 1))


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)), st.integers(-5, 60))
def test_use_registration_is_accepted_exactly_within_thirty_days(accepted, offset):
    registered = accepted + timedelta(days=offset)
    if 0 <= offset <= USE_REGISTRATION_DAYS:
        check_use_registration(accepted, registered)
    else:
        with pytest.raises(UseRegistrationError):
            check_use_registration(accepted, registered)
