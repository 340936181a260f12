"""Credit over a period (DOMAIN.md §6): a calendar year or the 12 months ending a day, and the year asked for."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from expert_pool.credit.rules import (
    CreditEvent,
    CreditPolicy,
    EventKind,
    Period,
    calendar_year,
    credit_score,
    period_of,
    period_score,
    record_event,
    reverse,
    trailing_year,
)
from knowledge.errors import ValidationError

POLICY = CreditPolicy()
TODAY = date(2026, 3, 15)
_ids = itertools.count(1)


def event(day: date, kind: EventKind = EventKind.NO_SHOW) -> CreditEvent:
    return record_event(
        next(_ids), 7, day, kind, reason="测试事由", recorded_by="regulator_sz", policy=POLICY
    )


def test_trailing_year_is_the_twelve_months_ending_today() -> None:
    period = trailing_year(TODAY)
    assert (period.start, period.end, period.year) == (date(2025, 3, 16), TODAY, None)
    assert "近12个月" in period.label


def test_trailing_year_from_a_leap_day_starts_the_first_of_march() -> None:
    assert trailing_year(date(2024, 2, 29)).start == date(2023, 3, 1)


def test_december_penalty_still_counts_in_march_of_the_next_year() -> None:
    ledger = [event(date(2025, 12, 20)), event(date(2025, 12, 28), EventKind.LATE_REPORT)]
    assert period_score(ledger, period=trailing_year(TODAY), policy=POLICY) == 85
    assert period_score(ledger, period=calendar_year(2026), policy=POLICY) == 100  # the new year restarts


def test_events_outside_the_window_do_not_count() -> None:
    ledger = [event(date(2025, 3, 15)), event(date(2026, 3, 16))]  # the day before the window, tomorrow
    assert period_score(ledger, period=trailing_year(TODAY), policy=POLICY) == 100


def test_reversed_events_do_not_count_in_a_period() -> None:
    penalty = event(date(2026, 1, 5))
    undone = reverse(
        penalty, reversal_id=next(_ids), day=date(2026, 2, 1), reason="申诉成立", recorded_by="r"
    )
    assert period_score([penalty, undone], period=trailing_year(TODAY), policy=POLICY) == 100


def test_credit_score_of_a_year_is_the_period_score_of_that_year() -> None:
    ledger = [event(date(2025, 6, 1)), event(date(2026, 1, 2))]
    assert credit_score(ledger, year=2025, policy=POLICY) == 90
    assert credit_score(ledger, year=2026, policy=POLICY) == 90


@pytest.mark.parametrize("text", ["abc", "1800", "2027", "20260", "-2026", "２０２６", "2026.0"])
def test_a_bad_year_is_refused_in_chinese(text: str) -> None:
    with pytest.raises(ValidationError, match="年"):
        period_of(text, today=TODAY)


def test_an_empty_year_means_the_rolling_view_and_a_good_year_its_calendar_year() -> None:
    assert period_of(" ", today=TODAY) == trailing_year(TODAY)
    assert period_of("2024", today=TODAY) == Period(date(2024, 1, 1), date(2024, 12, 31), 2024)


def test_a_period_cannot_end_before_it_starts() -> None:
    with pytest.raises(ValidationError):
        Period(date(2026, 2, 1), date(2026, 1, 1))


days = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))
kinds = st.sampled_from(
    [EventKind.NO_SHOW, EventKind.LATE_REPORT, EventKind.TRAINING, EventKind.LATE_DECLINE]
)


@given(st.lists(st.tuples(days, kinds), max_size=30), days)
def test_period_score_is_the_base_plus_exactly_the_events_inside(
    items: list[tuple[date, EventKind]], today: date
) -> None:
    ledger = [event(day, kind) for day, kind in items]
    period = trailing_year(today)
    inside = sum(e.points for e in ledger if period.start <= e.day <= period.end)
    assert period_score(ledger, period=period, policy=POLICY) == POLICY.base_score + inside


@given(days)
def test_the_rolling_window_is_about_a_year_long_and_ends_today(today: date) -> None:
    period = trailing_year(today)
    assert period.end == today and 365 <= (period.end - period.start).days + 1 <= 366
    assert today in period and period.start - timedelta(days=1) not in period


@given(st.lists(st.tuples(days, kinds), max_size=30), st.integers(2020, 2030))
def test_the_years_partition_the_points(items: list[tuple[date, EventKind]], year: int) -> None:
    ledger = [event(day, kind) for day, kind in items]
    expected = POLICY.base_score + sum(e.points for e in ledger if e.day.year == year)
    assert period_score(ledger, period=calendar_year(year), policy=POLICY) == expected
