"""System-flag rules (knowledge/site/flags.py): which works they flag, with which catalogue item, and when a
dismissal still holds."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from knowledge.registry.rules import Verdict
from knowledge.registry.scope_tables import EXCAVATION, FORMWORK
from knowledge.registry.workflow import WorkStatus
from knowledge.site.flags import RULE_HAZARDS, WorkFacts, flags_of, scan, still_dismissed, under_way
from knowledge.site.hazard_catalogue import item

TODAY = date(2026, 6, 1)
PIT = WorkFacts(
    7, EXCAVATION.code, Verdict.OVER_SCALE, WorkStatus.IN_PROGRESS, date(2026, 5, 1),
    has_signed_plan=True, has_passed_review=True, has_monitoring_record=True,
)  # fmt: skip


def rules(work: WorkFacts, today: date = TODAY) -> set[str]:
    return {f.rule for f in flags_of(work, today)}


def test_a_work_with_every_record_is_not_flagged():
    assert rules(PIT) == set()


def test_an_over_scale_work_under_way_without_a_passed_review_is_flagged_under_article_4():
    flags = flags_of(replace(PIT, has_passed_review=False), TODAY)
    assert [f.rule for f in flags] == ["over_scale_without_review"]
    assert item(flags[0].hazard_key).article == 4 and ("专家论证", "无通过记录") in flags[0].facts


def test_a_hazardous_work_under_way_without_a_signed_plan_is_flagged():
    work = replace(PIT, category=FORMWORK.code, verdict=Verdict.HAZARDOUS, has_signed_plan=False)
    assert rules(work) == {"hazardous_without_signed_plan"}


def test_a_deep_excavation_in_progress_without_monitoring_is_flagged_under_article_5():
    flags = flags_of(replace(PIT, has_monitoring_record=False), TODAY)
    assert [f.rule for f in flags] == ["deep_excavation_without_monitoring"]
    assert (item(flags[0].hazard_key).article, item(flags[0].hazard_key).item) == (5, 3)
    # only over-scale excavations, and only once the works have started
    assert rules(replace(PIT, verdict=Verdict.HAZARDOUS, has_monitoring_record=False)) == set()
    assert rules(replace(PIT, category=FORMWORK.code, has_monitoring_record=False)) == set()
    assert rules(replace(PIT, status=WorkStatus.IN_FORCE, has_monitoring_record=False)) == set()


@pytest.mark.parametrize(
    ("status", "start", "expected"),
    [
        (WorkStatus.IN_PROGRESS, None, True),
        (WorkStatus.BRIEFED, date(2027, 1, 1), True),
        (WorkStatus.SUPERVISOR_SIGNED, date(2026, 6, 1), True),  # the planned start is today
        (WorkStatus.SUPERVISOR_SIGNED, date(2026, 6, 2), False),
        (WorkStatus.REGISTERED, None, False),
        (WorkStatus.ACCEPTED, date(2026, 1, 1), False),
        (WorkStatus.CLOSED, date(2026, 1, 1), False),
    ],
)
def test_under_way_by_status_or_by_the_planned_start(status, start, expected):
    assert under_way(replace(PIT, status=status, planned_start=start), TODAY) is expected


def test_not_hazardous_works_and_works_not_started_are_never_flagged():
    bare = replace(PIT, has_signed_plan=False, has_passed_review=False, has_monitoring_record=False)
    assert rules(replace(bare, verdict=Verdict.NOT_HAZARDOUS)) == set()
    assert rules(replace(bare, status=WorkStatus.REGISTERED, planned_start=date(2026, 7, 1))) == set()
    assert rules(bare) == set(RULE_HAZARDS)
    assert len(scan([bare, PIT, replace(bare, work_id=8)], TODAY)) == 6


def test_a_dismissal_holds_until_the_facts_change():
    flag = flags_of(replace(PIT, has_passed_review=False), TODAY)[0]
    assert still_dismissed(flag, flag.fingerprint) and not still_dismissed(flag, None)
    moved = flags_of(replace(PIT, has_passed_review=False, planned_start=date(2026, 5, 20)), TODAY)[0]
    assert moved.rule == flag.rule and not still_dismissed(moved, flag.fingerprint)
    other_work = flags_of(replace(PIT, work_id=9, has_passed_review=False), TODAY)[0]
    assert other_work.fingerprint != flag.fingerprint
