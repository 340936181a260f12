"""Sweep coverage (knowledge/site/sweeps.py): works, enterprises and cranes reached and left, per city and
category."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from knowledge.site.sweeps import SiteUnit, Sweep, SweepError, coverage

SPRING = Sweep(date(2026, 3, 1), date(2026, 5, 31))
UNITS = [
    SiteUnit(1, "nanjing", "excavation", frozenset({10, 11}), frozenset({100})),
    SiteUnit(2, "nanjing", "formwork", frozenset({11})),
    SiteUnit(3, "suzhou", "excavation", frozenset({12}), frozenset({101, 102})),
]


def test_coverage_counts_what_was_inspected_within_the_sweep_only():
    found = coverage(
        SPRING,
        UNITS,
        {1: [date(2026, 3, 5)], 2: [date(2026, 2, 27)], 3: [date(2026, 6, 1)]},  # 2 and 3 outside the period
        {101: [date(2026, 4, 1)]},
    )
    assert (found.works.reached, found.works.total) == (1, 3)
    assert found.works_left == (2, 3)
    assert (found.enterprises.reached, found.enterprises.total) == (2, 3) and found.enterprises_left == (12,)
    assert (found.cranes.reached, found.cranes.total) == (1, 3) and found.cranes_left == (100, 102)
    assert {k: (s.reached, s.total) for k, s in found.by_city.items()} == {
        "nanjing": (1, 2),
        "suzhou": (0, 1),
    }
    assert {k: (s.reached, s.total) for k, s in found.by_category.items()} == {
        "excavation": (1, 2),
        "formwork": (0, 1),
    }
    assert found.works.percent == pytest.approx(100 / 3)


def test_a_city_sweep_sees_only_its_city():
    found = coverage(Sweep(SPRING.starts, SPRING.ends, "suzhou"), UNITS, {3: [date(2026, 4, 2)]})
    assert (found.works.reached, found.works.total) == (1, 1) and set(found.by_city) == {"suzhou"}
    assert found.enterprises_left == () and found.cranes_left == (101, 102)


def test_an_empty_area_counts_as_covered_and_a_backwards_period_is_refused():
    assert coverage(Sweep(SPRING.starts, SPRING.ends, "wuxi"), UNITS, {}).works.percent == 100.0
    with pytest.raises(SweepError, match="结束日期不能早于开始日期"):
        Sweep(date(2026, 5, 1), date(2026, 4, 1))


@given(st.sets(st.integers(1, 3)), st.sampled_from([None, "nanjing", "suzhou"]))
def test_reached_and_left_partition_the_area(inspected, city):
    sweep = Sweep(SPRING.starts, SPRING.ends, city)
    found = coverage(sweep, UNITS, {w: [date(2026, 4, 1)] for w in inspected})
    area = {u.work_id for u in UNITS if city in (None, u.city)}
    assert found.works.reached + len(found.works_left) == found.works.total == len(area)
    assert set(found.works_left) == area - inspected
    assert sum(s.total for s in found.by_city.values()) == found.works.total
    assert sum(s.reached for s in found.by_category.values()) == found.works.reached
