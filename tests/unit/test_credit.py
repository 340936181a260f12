"""The credit ledger (DOMAIN.md §6): points, yearly scores, thresholds on both sides, sanctions, appeals."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from expert_pool.credit.rules import (
    CreditEvent,
    CreditPolicy,
    EventKind,
    Sanction,
    SanctionChange,
    credit_score,
    points_for,
    record_event,
    reverse,
    sanction,
    sanction_changes,
    standing,
)
from knowledge.errors import ValidationError

POLICY = CreditPolicy()
K = EventKind
_ids = itertools.count(1)


def event(day: date, kind: EventKind, points: int | None = None, expert_id: int = 7) -> CreditEvent:
    return record_event(
        next(_ids),
        expert_id,
        day,
        kind,
        reason="测试事由",
        recorded_by="regulator_sz",
        policy=POLICY,
        points=points,
    )


def upheld(target: CreditEvent, day: date) -> CreditEvent:
    return reverse(target, reversal_id=next(_ids), day=day, reason="申诉成立", recorded_by="regulator")


# --- points ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "points"),
    [
        (K.LATE_DECLINE, -5),
        (K.NO_SHOW, -10),
        (K.LATE_REPORT, -5),
        (K.HAZARD_LINKED, -20),
        (K.EXCELLENT_REVIEW, 2),
        (K.TRAINING, 2),
        (K.MISCONDUCT, 0),
    ],
)
def test_fixed_points_follow_the_domain_table(kind, points):
    assert points_for(kind, POLICY) == points


@pytest.mark.parametrize("kind", [K.LATE_DECLINE, K.NO_SHOW, K.TRAINING, K.MISCONDUCT])
def test_points_for_a_fixed_kind_cannot_be_chosen(kind):
    with pytest.raises(ValidationError, match="不能另行指定"):
        points_for(kind, POLICY, -3)


@pytest.mark.parametrize("points", [-10, -15, -20])
def test_a_careless_review_takes_points_within_its_range(points):
    assert points_for(K.CARELESS_REVIEW, POLICY, points) == points


@pytest.mark.parametrize("points", [None, -9, -21, 10, 0])
def test_a_careless_review_outside_its_range_is_refused(points):
    with pytest.raises(ValidationError, match="-20至-10分之间"):
        points_for(K.CARELESS_REVIEW, POLICY, points)


def test_a_reversal_is_not_recorded_as_an_event_of_its_own():
    with pytest.raises(ValidationError, match="申诉成立"):
        points_for(K.REVERSAL, POLICY)


def test_every_kind_has_a_chinese_label_and_the_rule_it_applies():
    for kind in EventKind:
        assert kind.label and not kind.label.isascii()
        assert kind.rule.startswith("DOMAIN.md §6: ")
    assert [s.label for s in Sanction] == ["无", "警告", "暂停抽取", "取消专家资格"]


def test_an_event_needs_a_reason_and_who_recorded_it():
    with pytest.raises(ValidationError, match="事由和记录人"):
        CreditEvent(1, 7, date(2025, 3, 1), K.NO_SHOW, -10, " ", "regulator")
    with pytest.raises(ValidationError, match="撤销记录"):
        CreditEvent(1, 7, date(2025, 3, 1), K.NO_SHOW, -10, "缺席", "regulator", reversal_of=3)


# --- the policy ------------------------------------------------------------------------------------------


def test_policy_defaults_and_round_trip():
    assert (POLICY.base_score, POLICY.warning_below, POLICY.suspend_below, POLICY.remove_below) == (
        100,
        80,
        70,
        60,
    )
    assert POLICY.suspension_months == 6
    assert CreditPolicy.from_dict(POLICY.to_dict()) == POLICY
    with pytest.raises(ValidationError, match="未知项：bonus"):
        CreditPolicy.from_dict({"bonus": 1})


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"suspend_below": 85}, "分数线"),
        ({"remove_below": 75}, "分数线"),
        ({"suspension_months": 0}, "至少1个月"),
        ({"no_show": 10}, "扣分项须为负数"),
        ({"careless_min": -5}, "下限不高于上限"),
        ({"training": -2}, "加分项不能为负数"),
    ],
)
def test_policy_refuses_nonsense(overrides, message):
    with pytest.raises(ValidationError, match=message):
        CreditPolicy(**overrides)


# --- thresholds on both sides ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (100, Sanction.NONE),
        (104, Sanction.NONE),
        (80, Sanction.NONE),
        (79, Sanction.WARNING),
        (70, Sanction.WARNING),
        (69, Sanction.SUSPENDED),
        (60, Sanction.SUSPENDED),
        (59, Sanction.REMOVED),
    ],
)
def test_sanction_of_a_score(score, expected):
    assert sanction(score, policy=POLICY) is expected


# Ledgers of one year that land exactly on either side of each line.
LEDGERS = {
    80: [(K.CARELESS_REVIEW, -20)],
    79: [(K.CARELESS_REVIEW, -16), (K.LATE_DECLINE, None)],
    70: [(K.CARELESS_REVIEW, -20), (K.NO_SHOW, None)],
    69: [(K.CARELESS_REVIEW, -16), (K.CARELESS_REVIEW, -15)],
    60: [(K.CARELESS_REVIEW, -20), (K.HAZARD_LINKED, None)],
    59: [(K.HAZARD_LINKED, None), (K.CARELESS_REVIEW, -16), (K.LATE_REPORT, None)],
}


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (80, Sanction.NONE),
        (79, Sanction.WARNING),
        (70, Sanction.WARNING),
        (69, Sanction.SUSPENDED),
        (60, Sanction.SUSPENDED),
        (59, Sanction.REMOVED),
    ],
)
def test_ledgers_on_each_side_of_the_lines(score, expected):
    ledger = [event(date(2025, 3, 1 + n), kind, points) for n, (kind, points) in enumerate(LEDGERS[score])]
    now = standing(ledger, policy=POLICY, today=date(2025, 4, 1))
    assert credit_score(ledger, year=2025, policy=POLICY) == now.score == score
    assert now.sanction is expected
    assert [c.sanction for c in now.changes][-1:] == ([] if expected is Sanction.NONE else [expected])


def test_a_suspension_lasts_six_months_from_the_event_that_crossed_the_line():
    first = event(date(2025, 2, 1), K.CARELESS_REVIEW, -16)
    crossing = event(date(2025, 3, 10), K.CARELESS_REVIEW, -15)
    ledger = [first, crossing, event(date(2025, 5, 1), K.LATE_DECLINE)]
    # 84, then 69: the warning line is crossed on the way, the suspension is what follows.
    assert sanction_changes(ledger, policy=POLICY, today=date(2025, 6, 1)) == (
        SanctionChange(date(2025, 3, 10), Sanction.SUSPENDED, 69, crossing.id, date(2025, 9, 10)),
    )
    assert standing(ledger, policy=POLICY, today=date(2025, 9, 9)).sanction is Sanction.SUSPENDED
    after = standing(ledger, policy=POLICY, today=date(2025, 9, 10))
    assert (after.sanction, after.until, after.score) == (Sanction.WARNING, None, 64)


@pytest.mark.parametrize(
    ("day", "until"),
    [
        (date(2025, 8, 31), date(2026, 2, 28)),
        (date(2023, 8, 31), date(2024, 2, 29)),
        (date(2025, 1, 15), date(2025, 7, 15)),
    ],
)
def test_the_end_of_a_suspension_falls_on_the_last_day_of_a_shorter_month(day, until):
    ledger = [event(day, K.CARELESS_REVIEW, -20), event(day, K.CARELESS_REVIEW, -11)]
    (change,) = sanction_changes(ledger, policy=POLICY, today=day)
    assert change.until == until


def test_a_new_crossing_after_the_score_recovered_is_a_new_sanction():
    ledger = [
        event(date(2025, 3, 1), K.CARELESS_REVIEW, -20),
        event(date(2025, 3, 2), K.LATE_DECLINE),  # 75: warning
        event(date(2025, 4, 1), K.TRAINING),
        event(date(2025, 5, 1), K.EXCELLENT_REVIEW),
        event(date(2025, 6, 1), K.EXCELLENT_REVIEW),  # 81: none
        event(date(2025, 7, 1), K.LATE_REPORT),  # 76: warning again
    ]
    changes = sanction_changes(ledger, policy=POLICY, today=date(2025, 12, 31))
    assert [(c.day, c.sanction, c.score) for c in changes] == [
        (date(2025, 3, 2), Sanction.WARNING, 75),
        (date(2025, 7, 1), Sanction.WARNING, 76),
    ]


# --- years -----------------------------------------------------------------------------------------------


def test_each_calendar_year_starts_again_from_the_base_score():
    ledger = [
        event(date(2025, 12, 31), K.CARELESS_REVIEW, -15),
        event(date(2026, 1, 1), K.CARELESS_REVIEW, -15),
    ]
    assert credit_score(ledger, year=2025, policy=POLICY) == 85
    assert credit_score(ledger, year=2026, policy=POLICY) == 85
    assert credit_score(ledger, year=2027, policy=POLICY) == 100
    assert sanction_changes(ledger, policy=POLICY, today=date(2026, 6, 1)) == ()


def test_a_warning_ends_with_the_year_but_a_suspension_runs_its_months():
    warned = [event(date(2025, 10, 1), K.CARELESS_REVIEW, -20), event(date(2025, 10, 2), K.NO_SHOW)]
    assert standing(warned, policy=POLICY, today=date(2025, 12, 31)).sanction is Sanction.WARNING
    assert standing(warned, policy=POLICY, today=date(2026, 1, 1)).sanction is Sanction.NONE
    suspended = [*warned, event(date(2025, 11, 20), K.LATE_DECLINE)]
    now = standing(suspended, policy=POLICY, today=date(2026, 1, 5))
    assert (now.score, now.sanction, now.until) == (100, Sanction.SUSPENDED, date(2026, 5, 20))


def test_events_after_today_do_not_count_yet():
    ledger = [event(date(2025, 3, 1), K.MISCONDUCT), event(date(2025, 1, 1), K.TRAINING)]
    now = standing(ledger, policy=POLICY, today=date(2025, 2, 1))
    assert (now.score, now.sanction) == (102, Sanction.NONE)


# --- misconduct ------------------------------------------------------------------------------------------


def test_misconduct_removes_whatever_the_score():
    ledger = [event(date(2025, 1, 10), K.TRAINING), event(date(2025, 2, 1), K.MISCONDUCT)]
    now = standing(ledger, policy=POLICY, today=date(2025, 2, 1))
    assert (now.score, now.sanction) == (102, Sanction.REMOVED)
    assert now.changes == (SanctionChange(date(2025, 2, 1), Sanction.REMOVED, 102, ledger[1].id),)


def test_a_removal_is_final_even_in_a_new_year():
    ledger = [event(date(2025, 2, 1), K.MISCONDUCT), event(date(2026, 3, 1), K.EXCELLENT_REVIEW)]
    assert standing(ledger, policy=POLICY, today=date(2027, 1, 1)).sanction is Sanction.REMOVED


# --- appeals ---------------------------------------------------------------------------------------------


def test_an_upheld_appeal_reverses_the_event_and_its_suspension():
    careless = event(date(2025, 3, 1), K.CARELESS_REVIEW, -20)
    ledger = [careless, event(date(2025, 3, 5), K.CARELESS_REVIEW, -11)]
    assert standing(ledger, policy=POLICY, today=date(2025, 4, 1)).sanction is Sanction.SUSPENDED
    reversal = upheld(careless, date(2025, 4, 2))
    assert (reversal.kind, reversal.points, reversal.reversal_of) == (K.REVERSAL, 0, careless.id)
    now = standing([*ledger, reversal], policy=POLICY, today=date(2025, 4, 2))
    assert (now.score, now.sanction, now.changes) == (89, Sanction.NONE, ())
    # Before the appeal was upheld, the suspension stood: history is kept.
    assert standing([*ledger, reversal], policy=POLICY, today=date(2025, 4, 1)).sanction is Sanction.SUSPENDED


def test_an_event_the_store_flagged_reversed_does_not_count():
    flagged = CreditEvent(
        1, 7, date(2025, 3, 1), K.HAZARD_LINKED, -20, "事故关联", "regulator", reversed=True
    )
    assert credit_score([flagged], year=2025, policy=POLICY) == 100


def test_an_upheld_appeal_against_misconduct_restores_the_expert():
    misconduct = event(date(2025, 2, 1), K.MISCONDUCT)
    ledger = [misconduct, upheld(misconduct, date(2025, 3, 1))]
    assert standing(ledger, policy=POLICY, today=date(2025, 3, 1)).sanction is Sanction.NONE


def test_a_reversal_cannot_be_reversed_nor_come_before_its_event():
    careless = event(date(2025, 3, 1), K.CARELESS_REVIEW, -10)
    with pytest.raises(ValidationError, match="撤销记录或已被撤销"):
        upheld(upheld(careless, date(2025, 3, 2)), date(2025, 3, 3))
    with pytest.raises(ValidationError, match="不能早于"):
        upheld(careless, date(2025, 2, 28))


def test_a_ledger_belongs_to_one_expert():
    with pytest.raises(ValidationError, match="一位专家"):
        credit_score(
            [
                event(date(2025, 1, 1), K.TRAINING, expert_id=1),
                event(date(2025, 1, 1), K.TRAINING, expert_id=2),
            ],
            year=2025,
            policy=POLICY,
        )


def test_a_stricter_policy_moves_the_lines_and_the_months():
    strict = CreditPolicy(warning_below=91, suspend_below=85, suspension_months=3)
    ledger = [event(date(2025, 5, 31), K.NO_SHOW)]
    assert standing(ledger, policy=strict, today=date(2025, 6, 1)).sanction is Sanction.WARNING
    assert standing(ledger, policy=POLICY, today=date(2025, 6, 1)).sanction is Sanction.NONE
    ledger.append(event(date(2025, 6, 2), K.CARELESS_REVIEW, -10))
    now = standing(ledger, policy=strict, today=date(2025, 6, 2))
    assert (now.sanction, now.until) == (Sanction.SUSPENDED, date(2025, 9, 2))


# --- properties ------------------------------------------------------------------------------------------

KINDS = [k for k in EventKind if k is not K.REVERSAL]


@st.composite
def ledgers(draw: st.DrawFn) -> list[CreditEvent]:
    events = []
    for n in range(draw(st.integers(0, 12))):
        kind = draw(st.sampled_from(KINDS))
        points = draw(st.integers(-20, -10)) if kind is K.CARELESS_REVIEW else None
        day = draw(st.dates(date(2024, 1, 1), date(2026, 12, 31)))
        events.append(
            record_event(n + 1, 7, day, kind, reason="事由", recorded_by="r", policy=POLICY, points=points)
        )
    for target in draw(st.lists(st.sampled_from(events), unique=True)) if events else []:
        events.append(
            reverse(target, reversal_id=100 + target.id, day=target.day, reason="申诉", recorded_by="r")
        )
    return events


@given(ledgers(), st.integers(2024, 2026))
def test_the_score_is_the_base_plus_the_years_events_that_were_not_reversed(ledger, year):
    reversed_ids = {e.reversal_of for e in ledger}
    counted = [e for e in ledger if e.kind is not K.REVERSAL and e.id not in reversed_ids]
    expected = 100 + sum(e.points for e in counted if e.day.year == year)
    assert credit_score(ledger, year=year, policy=POLICY) == expected


@given(st.integers(0, 120), st.integers(0, 120))
def test_a_lower_score_never_means_a_lighter_sanction(a, b):
    low, high = sorted((a, b))
    assert sanction(low, policy=POLICY).rank >= sanction(high, policy=POLICY).rank


@given(ledgers(), st.dates(date(2024, 1, 1), date(2027, 6, 30)))
def test_the_sanction_in_force_is_at_least_what_the_years_score_calls_for_short_of_removal(ledger, today):
    now = standing(ledger, policy=POLICY, today=today)
    called = sanction(now.score, policy=POLICY)
    assert now.sanction.rank >= min(called.rank, Sanction.WARNING.rank)
    if called is Sanction.REMOVED:
        assert now.sanction is Sanction.REMOVED
    if now.sanction is Sanction.SUSPENDED:
        assert now.until is not None and now.until > today
