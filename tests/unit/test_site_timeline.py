"""The timeline's pure rules: order, the milestones ahead of a status, and which steps are late."""

from datetime import UTC, date, datetime

from knowledge.registry.workflow import WorkStatus
from knowledge.site.timeline import Step, StepState, build, link, mark_late, order, steps_ahead

TODAY = date(2025, 6, 10)


def step(day, kind="x", at=None, **kw):
    return Step(day=day, kind=kind, label=kind, at=at, **kw)


def test_steps_are_ordered_by_day_then_untimed_first_then_by_time():
    late_morning = step(date(2025, 6, 1), "b", at=datetime(2025, 6, 1, 3, tzinfo=UTC))
    early = step(date(2025, 6, 1), "a", at=datetime(2025, 6, 1, 1, tzinfo=UTC))
    untimed = step(date(2025, 6, 1), "briefing")
    before = step(date(2025, 5, 30), "z")
    assert [s.kind for s in order([late_morning, early, untimed, before])] == ["z", "briefing", "a", "b"]


def test_a_registered_over_scale_work_has_every_milestone_ahead_including_the_review():
    kinds = [s.kind for s in steps_ahead(WorkStatus.REGISTERED, over_scale=True)]
    assert kinds[:4] == ["plan_version", "plan_signoff", "plan_signoff", "review_request"]
    assert "review_passed" in kinds and kinds[-1] == "closure"
    assert all(s.state is StepState.AHEAD for s in steps_ahead(WorkStatus.REGISTERED, over_scale=True))


def test_a_hazardous_work_has_no_review_milestones():
    kinds = {s.kind for s in steps_ahead(WorkStatus.REGISTERED, over_scale=False)}
    assert not kinds & {"review_request", "draw", "review_passed"}


def test_a_work_in_progress_has_only_acceptance_and_closure_ahead_with_the_planned_end():
    ahead = steps_ahead(WorkStatus.IN_PROGRESS, over_scale=True, planned_end=date(2025, 9, 1))
    assert [s.kind for s in ahead] == ["acceptance", "closure"]
    assert ahead[0].day == date(2025, 9, 1)
    assert steps_ahead(WorkStatus.CLOSED, over_scale=True) == []


def test_a_failed_review_sends_the_plan_milestones_ahead_again():
    kinds = [s.kind for s in steps_ahead(WorkStatus.FAILED, over_scale=True)]
    assert kinds[0] == "plan_signoff" and "review_passed" in kinds


def test_planned_start_passed_without_a_passed_review_is_late_for_an_over_scale_work():
    steps = build([], status=WorkStatus.SUPERVISOR_SIGNED, over_scale=True, today=TODAY,
                  planned_start=date(2025, 6, 1))  # fmt: skip
    passed = next(s for s in steps if s.kind == "review_passed")
    assert passed.state is StepState.LATE and passed.due == date(2025, 6, 1)
    assert next(s for s in steps if s.kind == "start").state is StepState.AHEAD


def test_planned_start_still_to_come_is_not_late():
    steps = build([], status=WorkStatus.SUPERVISOR_SIGNED, over_scale=True, today=TODAY,
                  planned_start=date(2025, 7, 1))  # fmt: skip
    assert all(s.state is StepState.AHEAD for s in steps)


def test_a_hazard_past_its_deadline_and_open_is_late_a_closed_one_is_not():
    open_hazard = step(date(2025, 6, 1), "hazard", due=date(2025, 6, 8))
    closed_hazard = step(date(2025, 6, 1), "hazard", due=None)
    on_time = step(date(2025, 6, 5), "hazard", due=date(2025, 6, 12))
    states = [s.state for s in mark_late([open_hazard, closed_hazard, on_time], TODAY)]
    assert states == [StepState.LATE, StepState.DONE, StepState.DONE]


def test_the_due_day_itself_is_not_late():
    assert mark_late([step(TODAY, "hazard", due=TODAY)], TODAY)[0].state is StepState.DONE


def test_an_unsigned_report_past_its_deadline_is_late_and_follows_the_done_steps():
    due = step(date(2025, 6, 5), "report_due", state=StepState.AHEAD, due=date(2025, 6, 5))
    done = step(date(2025, 6, 7), "inspection")
    steps = build([due, done], status=WorkStatus.UNDER_REVIEW, over_scale=True, today=TODAY)
    assert [s.kind for s in steps][:2] == ["inspection", "report_due"]
    assert steps[1].state is StepState.LATE


def test_links_are_plain_data():
    target = link("hazard", hazard_id=3)
    assert target.target == "hazard" and target.as_dict() == {"hazard_id": 3}
