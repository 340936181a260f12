"""The spot-check list finds the inspection bodies made light in a generated province, and only those."""

from __future__ import annotations

import random
import statistics
from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from knowledge.cranes.errors import CraneError, SpotCheckPolicyError
from knowledge.cranes.machines import MachineType
from knowledge.cranes.spot_checks import (
    FlagKind,
    ReportRecord,
    SpotCheckPolicy,
    percentile,
    spot_check_list,
)

ON = date(2026, 9, 30)
TOWER = MachineType.TOWER_CRANE
HOIST = MachineType.CONSTRUCTION_HOIST


def province(
    seed: int,
    *,
    light: frozenset[int] = frozenset(),
    busy: int | None = None,
    bodies: int = 40,
    machine_type: MachineType = TOWER,
) -> list[ReportRecord]:
    """Reports of ``bodies`` inspection bodies; the ``light`` ones mostly find nothing, and fast.

    A normal body finds no nonconformity in 15 % of its reports and takes 2-4 hours; a light one finds none in
    85 % and takes under 40 minutes. ``busy`` is a body one of whose inspectors signs nine reports on one day.
    """
    rng = random.Random(seed)
    records: list[ReportRecord] = []
    for body in range(1, bodies + 1):
        is_light = body in light
        inspectors = [body * 100 + k for k in range(4)]
        for _ in range(rng.randint(40, 70)):
            day = ON - timedelta(days=rng.randint(0, 330))
            started = datetime.combine(day, time(8)) + timedelta(minutes=rng.randint(0, 240))
            minutes = rng.uniform(25, 40) if is_light else rng.uniform(120, 240)
            zero = rng.random() < (0.85 if is_light else 0.15)
            records.append(
                ReportRecord(
                    body_id=body,
                    machine_type=machine_type,
                    inspector_id=rng.choice(inspectors),
                    started_at=started,
                    finished_at=started + timedelta(minutes=minutes),
                    nonconformities=0 if zero else rng.randint(1, 6),
                    on=day,
                )
            )
        if body == busy:
            day = ON - timedelta(days=10)
            for k in range(9):
                started = datetime.combine(day, time(7)) + timedelta(minutes=70 * k)
                end = started + timedelta(minutes=150)
                records.append(ReportRecord(body, machine_type, body * 100, started, end, 2, day))
    return records


LIGHT = frozenset({7, 19, 33})


@pytest.mark.parametrize("seed", [1, 2, 3, 2026])
def test_the_flags_find_exactly_the_bodies_made_light(seed):
    result = spot_check_list(province(seed, light=LIGHT, busy=12), on=ON)
    expected = {(body, TOWER) for body in LIGHT}
    assert result.flagged(FlagKind.ZERO_SHARE) == expected
    assert result.flagged(FlagKind.LOW_MEAN) == expected
    assert result.flagged(FlagKind.SHORT_DURATION) == expected
    assert result.flagged(FlagKind.INSPECTOR_DAY) == {(12, TOWER)}


@pytest.mark.parametrize("seed", [1, 2, 3, 2026])
def test_a_province_without_light_bodies_has_no_flags(seed):
    result = spot_check_list(province(seed), on=ON)
    assert result.flags == ()
    # a tenth of the bodies always sits above the 90th percentile: the margin is what keeps them unflagged
    dist = result.distributions[TOWER]
    assert sum(1 for v in dist.zero_share.values if v > dist.zero_share.at(90)) >= 3


def test_a_flag_carries_the_figures_the_threshold_and_the_provinces_spread():
    result = spot_check_list(province(5, light=LIGHT), on=ON)
    flag = next(f for f in result.flags if f.kind is FlagKind.ZERO_SHARE and f.body_id == 7)
    assert flag.distribution is not None and flag.distribution.bodies == 40
    assert flag.figures.zero_share in flag.distribution.zero_share.values
    assert flag.threshold == flag.distribution.zero_share.at(90)
    assert flag.figures.zero_share > flag.threshold
    assert "零不合格项报告占" in flag.reason and "第90百分位" in flag.reason and "塔式起重机" in flag.reason
    short = next(f for f in result.flags if f.kind is FlagKind.SHORT_DURATION and f.body_id == 7)
    assert "检验用时中位数" in short.reason


def test_the_figures_are_the_plain_statistics_of_the_bodys_reports():
    records = province(8)
    result = spot_check_list(records, on=ON)
    mine = [r for r in records if r.body_id == 4]
    fig = next(f for f in result.figures if f.body_id == 4)
    assert fig.reports == len(mine)
    assert fig.zero_share == sum(r.nonconformities == 0 for r in mine) / len(mine)
    assert fig.mean_nonconformities == pytest.approx(statistics.fmean(r.nonconformities for r in mine))
    assert fig.median_minutes == pytest.approx(statistics.median(r.minutes for r in mine))


def test_bodies_below_the_minimum_count_stay_out_of_the_distribution_and_its_flags():
    records = province(9, bodies=30)
    few = [
        ReportRecord(
            99, TOWER, 9900, datetime(2026, 9, 1, 8), datetime(2026, 9, 1, 8, 20), 0, date(2026, 9, 1)
        )
        for _ in range(5)
    ]
    result = spot_check_list(records + few, on=ON)
    assert result.distributions[TOWER].bodies == 30
    assert (99, TOWER) in {(f.body_id, f.machine_type) for f in result.figures}
    assert all(f.body_id != 99 for f in result.flags)


def test_the_window_keeps_the_last_twelve_months_only():
    old = ReportRecord(1, HOIST, 1, datetime(2025, 9, 30, 8), datetime(2025, 9, 30, 9), 0, date(2025, 9, 30))
    new = ReportRecord(1, HOIST, 1, datetime(2025, 10, 1, 8), datetime(2025, 10, 1, 9), 0, date(2025, 10, 1))
    late = ReportRecord(1, HOIST, 1, datetime(2026, 10, 1, 8), datetime(2026, 10, 1, 9), 0, date(2026, 10, 1))
    result = spot_check_list([old, new, late], on=ON)
    assert result.window_start == date(2025, 9, 30)
    assert [f.reports for f in result.figures] == [1]


def test_machine_types_are_compared_within_their_own_type():
    records = province(4, light=LIGHT) + province(4, machine_type=HOIST)
    result = spot_check_list(records, on=ON)
    assert set(result.distributions) == {TOWER, HOIST}
    assert result.flagged(FlagKind.ZERO_SHARE) == {(b, TOWER) for b in LIGHT}


def test_the_result_does_not_depend_on_the_order_of_the_records():
    records = province(6, light=LIGHT, busy=2)
    shuffled = list(records)
    random.Random(0).shuffle(shuffled)
    assert spot_check_list(records, on=ON) == spot_check_list(shuffled, on=ON)


def test_an_absolute_minimum_time_flags_a_body_even_in_a_fast_province():
    policy = SpotCheckPolicy(min_minutes={TOWER: 200.0})
    result = spot_check_list(province(3), on=ON, policy=policy)
    short = result.flagged(FlagKind.SHORT_DURATION)
    assert short and all("低于最短合理用时200分钟" in f.reason for f in result.flags)


def test_bad_records_and_policies_are_refused():
    bad = ReportRecord(1, TOWER, 1, datetime(2026, 9, 1, 9), datetime(2026, 9, 1, 8), 0, date(2026, 9, 1))
    with pytest.raises(CraneError, match="完成时间早于开始时间"):
        spot_check_list([bad], on=ON)
    with pytest.raises(SpotCheckPolicyError, match="百分位"):
        SpotCheckPolicy(zero_share_percentile=100)
    with pytest.raises(SpotCheckPolicyError, match="至少为1"):
        SpotCheckPolicy(window_months=0)
    with pytest.raises(SpotCheckPolicyError, match="没有可计算"):
        percentile([], 50)


@given(st.lists(st.floats(0, 1000), min_size=1, max_size=60), st.floats(0, 100), st.floats(0, 100))
def test_percentiles_lie_within_the_data_and_rise_with_the_rank(values, p, q):
    low, high = sorted((p, q))
    assert min(values) <= percentile(values, low) <= percentile(values, high) <= max(values)
    assert percentile(values, 0) == min(values) and percentile(values, 100) == max(values)


@given(st.lists(st.floats(0, 1000), min_size=2, max_size=60))
def test_percentiles_agree_with_the_statistics_module(values):
    cuts = statistics.quantiles(values, n=10, method="inclusive")
    assert percentile(values, 10) == pytest.approx(cuts[0])
    assert percentile(values, 90) == pytest.approx(cuts[8])
