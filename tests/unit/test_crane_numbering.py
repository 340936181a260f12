"""The ownership registration number 一机一号: 苏 + city letter - type letter - five-digit serial."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from knowledge.cranes.errors import RegistrationNumberError
from knowledge.cranes.machines import MachineType
from knowledge.cranes.numbering import (
    CITY_LETTERS,
    MAX_SERIAL,
    TYPE_LETTERS,
    RegistrationNumber,
    format_number,
    next_number,
    parse_number,
)
from knowledge.regions import City


def test_every_city_has_its_plate_letter():
    assert set(CITY_LETTERS) == set(City)
    assert CITY_LETTERS[City.NANJING] == "A"
    assert CITY_LETTERS[City.SUZHOU] == "E"
    assert CITY_LETTERS[City.YANCHENG] == "J"  # I is skipped
    assert CITY_LETTERS[City.SUQIAN] == "N"
    assert len(set(CITY_LETTERS.values())) == len(City)
    assert set(TYPE_LETTERS) == set(MachineType)
    assert len(set(TYPE_LETTERS.values())) == len(MachineType)


def test_format_and_parse():
    number = RegistrationNumber(City.SUZHOU, MachineType.CONSTRUCTION_HOIST, 42)
    assert format_number(number) == "苏E-S-00042"
    assert str(number) == "苏E-S-00042"
    assert parse_number(" 苏e－s－00042 ") == number


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("苏A-T-0001", "格式不正确"),
        ("沪A-T-00001", "格式不正确"),
        ("苏AT00001", "格式不正确"),
        ("", "格式不正确"),
        ("苏I-T-00001", "不是本省设区市"),
        ("苏P-T-00001", "不是本省设区市"),
        ("苏A-X-00001", "机种代码“X”无效"),
        ("苏A-T-00000", "从00001起"),
    ],
)
def test_a_malformed_number_is_refused_with_a_chinese_message(text, message):
    with pytest.raises(RegistrationNumberError, match=message) as exc:
        parse_number(text)
    assert exc.value.field == "registration_number"


numbers = st.builds(
    RegistrationNumber,
    st.sampled_from(list(City)),
    st.sampled_from(list(MachineType)),
    st.integers(1, MAX_SERIAL),
)


@given(numbers)
def test_parse_reads_back_what_format_writes(number):
    assert parse_number(format_number(number)) == number


@given(numbers)
def test_the_next_number_is_the_same_sequence_plus_one(number):
    if number.serial == MAX_SERIAL:
        with pytest.raises(RegistrationNumberError, match="已用完"):
            next_number(number, number.city, number.machine_type)
    else:
        following = next_number(number, number.city, number.machine_type)
        assert (following.city, following.machine_type, following.serial) == (
            number.city,
            number.machine_type,
            number.serial + 1,
        )
        assert format_number(following) > format_number(number)


def test_the_first_number_and_a_number_from_another_sequence():
    first = next_number(None, City.XUZHOU, MachineType.TOWER_CRANE)
    assert format_number(first) == "苏C-T-00001"
    with pytest.raises(RegistrationNumberError, match="不属于"):
        next_number(first, City.XUZHOU, MachineType.MATERIAL_HOIST)
    with pytest.raises(RegistrationNumberError, match="流水号"):
        RegistrationNumber(City.XUZHOU, MachineType.TOWER_CRANE, MAX_SERIAL + 1)
