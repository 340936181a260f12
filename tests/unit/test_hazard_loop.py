"""The hazard loop's pure rules (knowledge/site/hazard_loop.py): steps, parties, deadlines, replay."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from knowledge.site.hazard_loop import (
    DEADLINE_DAYS,
    FROM_STATES,
    PARTY_OF,
    Event,
    Hazard,
    Level,
    LoopError,
    Party,
    State,
    Step,
    apply,
    deadline,
    replay,
)

FOUND = date(2026, 3, 2)
UNIT, AUTHORITY = Party.RESPONSIBLE_UNIT, Party.AUTHORITY


def ev(step: Step, day: int = 1, *, party: Party | None = None, evidence: int = 0, note: str = "") -> Event:
    return Event(step, party or PARTY_OF[step], FOUND + timedelta(days=day), evidence, note)


SUBMIT = ev(Step.SUBMIT, evidence=2, note="已加设钢支撑并复测")


def test_the_whole_loop_found_submitted_sent_back_resubmitted_closed():
    hazard = replay(
        Level.MAJOR,
        FOUND,
        [SUBMIT, ev(Step.SEND_BACK, 2, note="照片不清晰"), ev(Step.SUBMIT, 3, evidence=1, note="补充照片"),
         ev(Step.CLOSE, 4)],
    )  # fmt: skip
    assert hazard.state is State.CLOSED and hazard.closed_on == FOUND + timedelta(days=4)


def test_default_deadlines_are_seven_days_for_a_major_hazard_and_fifteen_for_others():
    assert DEADLINE_DAYS == {Level.MAJOR: 7, Level.ORDINARY: 15}
    assert deadline(Level.MAJOR, FOUND) == date(2026, 3, 9)
    assert deadline(Level.ORDINARY, FOUND) == date(2026, 3, 17)


def test_overdue_only_while_the_units_move_is_awaited():
    hazard = Hazard(Level.MAJOR, FOUND)
    assert not hazard.is_overdue(date(2026, 3, 9)) and hazard.is_overdue(date(2026, 3, 10))
    submitted = apply(hazard, SUBMIT)
    assert not submitted.is_overdue(date(2026, 4, 1))  # awaiting the authority
    sent_back = apply(submitted, ev(Step.SEND_BACK, 2, note="未整改到位"))
    assert sent_back.is_overdue(date(2026, 4, 1))
    assert not apply(submitted, ev(Step.CLOSE, 3)).is_overdue(date(2026, 4, 1))


@pytest.mark.parametrize(
    ("event", "message"),
    [
        (ev(Step.SUBMIT, note="已整改"), "证明材料"),
        (ev(Step.SUBMIT, evidence=1), "整改情况说明"),
        (ev(Step.CLOSE), "不能“核验销号”"),  # closing with no rectification submitted
        (ev(Step.SEND_BACK, note="x"), "不能“退回整改”"),
        (ev(Step.SUBMIT, party=AUTHORITY, evidence=1, note="x"), "只能由整改责任单位"),
        (ev(Step.CLOSE, party=UNIT), "只能由主管部门"),  # a project team closing its own hazard
        (ev(Step.STOP), "写明理由"),
        (ev(Step.LIFT_STOP), "没有未解除的停工令"),
        (ev(Step.SUPERVISE, 2), "写明理由"),  # not overdue, no reason
        (Event(Step.SUBMIT, UNIT, FOUND - timedelta(days=1), 1, "x"), "早于隐患发现日期"),
    ],
)
def test_bad_steps_are_refused_with_a_reason(event, message):
    with pytest.raises(LoopError, match=message):
        apply(Hazard(Level.MAJOR, FOUND), event)


def test_nothing_but_lifting_a_stop_after_closure():
    stopped = replay(Level.ORDINARY, FOUND, [ev(Step.STOP, note="基坑变形超限"), SUBMIT, ev(Step.CLOSE, 2)])
    assert stopped.state is State.CLOSED and stopped.stopped
    with pytest.raises(LoopError, match="已于 2026-03-04 销号"):
        apply(stopped, ev(Step.SUBMIT, 3, evidence=1, note="再次整改"))
    assert not apply(stopped, ev(Step.LIFT_STOP, 3)).stopped


def test_supervision_once_and_of_an_overdue_hazard_without_a_reason():
    overdue_day = DEADLINE_DAYS[Level.MAJOR] + 1
    supervised = apply(Hazard(Level.MAJOR, FOUND), ev(Step.SUPERVISE, overdue_day))
    assert supervised.supervised
    with pytest.raises(LoopError, match="已挂牌督办"):
        apply(supervised, ev(Step.SUPERVISE, overdue_day + 1))


def test_replay_refuses_steps_out_of_date_order():
    with pytest.raises(LoopError, match="早于上一步"):
        replay(Level.MAJOR, FOUND, [ev(Step.SUBMIT, 5, evidence=1, note="x"), ev(Step.CLOSE, 4)])


_events = st.builds(
    Event,
    st.sampled_from(list(Step)),
    st.sampled_from(list(Party)),
    st.integers(0, 40).map(lambda d: FOUND + timedelta(days=d)),
    st.integers(0, 2),
    st.sampled_from(["", "理由"]),
)


@given(st.lists(_events, max_size=12), st.sampled_from(list(Level)))
def test_any_sequence_keeps_the_loops_invariants(events, level):
    hazard, taken = Hazard(level, FOUND), []
    for event in sorted(events, key=lambda e: e.on):
        before = hazard
        try:
            hazard = apply(hazard, event)
        except LoopError:
            assert hazard == before
            continue
        assert event.party is PARTY_OF[event.step] and before.state in FROM_STATES[event.step]
        taken.append(event)
    if hazard.state is State.CLOSED:  # closed only after an accepted rectification with evidence
        submits = [e for e in taken if e.step is Step.SUBMIT]
        assert submits and all(e.evidence >= 1 for e in submits)
        assert taken[-1].step in (Step.CLOSE, Step.LIFT_STOP)
    assert replay(level, FOUND, taken) == hazard
