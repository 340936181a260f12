"""An expert's workbench: his invitations, the plan to read, each step of the meeting and the report that waits
on him, the revision he confirms as leader, the penalties he may appeal; never another expert's."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from expert_pool.credit import ledger
from expert_pool.credit.rules import EventKind
from expert_pool.draws.models import SeatStatus
from expert_pool.reviews import attendance
from expert_pool.reviews import meetings as reviews
from expert_pool.workbench.board import tasks_for
from knowledge.accounts.models import Account, Role
from knowledge.accounts.permissions import Scope
from knowledge.clock import CST
from knowledge.workbench.tasks import Task
from tests.factories import make_account, make_expert
from tests.integration.draws_helpers import DAY, NOW, run_draw, site  # noqa: F401 - the fixture
from tests.review_fixtures import (
    AT_MEETING,
    MEETING_DAY,
    all_opinions,
    draft,
    opinion,
    ready_meeting,
    record,
    sign_all,
)

DEADLINE = MEETING_DAY + timedelta(days=3)  # the policy's report_sign_days after the meeting


@pytest.fixture
def m(session, tmp_path):
    return ready_meeting(session, str(tmp_path / "up"))


def board(session, account: Account, now: datetime = AT_MEETING) -> list[Task]:
    return tasks_for(session, Scope.of(account), now.astimezone(CST).date(), now)


def kinds(session, account: Account, now: datetime = AT_MEETING) -> dict[str, tuple[str, int, date | None]]:
    return {t.kind: (t.target, t.target_id, t.due) for t in board(session, account, now)}


def test_expert_answers_his_own_invitation_by_its_reply_deadline(session, site):  # noqa: F811
    draw = run_draw(session, site["ready_work"]())
    seats = [s for s in draw.seats if s.status is SeatStatus.INVITED]
    standby = next(s for s in draw.seats if s.status is SeatStatus.STANDBY)
    mine, other = (make_account(session, Role.EXPERT, expert_id=s.expert_id) for s in (seats[0], standby))

    [task] = [t for t in board(session, mine, NOW) if t.kind == "invitation_answer"]
    assert (task.target, task.target_id) == ("invitation", seats[0].id)
    assert task.due == seats[0].reply_by.astimezone(CST).date()
    assert task.subject.endswith(draw.work.name)
    assert not [
        t for t in board(session, other, NOW) if t.kind == "invitation_answer"
    ]  # an alternate not called
    assert "invitation_answer" not in kinds(session, mine, NOW + timedelta(hours=25))  # past the deadline

    reviews.confirm_seat(session, seats[0], now=NOW, actor_id=mine.id)
    review = reviews.open_review(session, draw)
    found = kinds(session, mine, NOW)
    assert "invitation_answer" not in found
    assert found["plan_read"] == ("review_plan", review.id, DAY)  # read the plan before the meeting
    reviews.record_reading(session, review, seats[0].expert_id, download=False, now=NOW)
    assert "plan_read" not in kinds(session, mine, NOW)


def test_expert_is_given_each_meeting_step_that_waits_on_him_until_he_signed(session, m):
    leader, member = m.panel[0], m.panel[1]
    mine = m.accounts[member.id]
    day_before = AT_MEETING - timedelta(days=1)
    assert set(kinds(session, mine, day_before)) == {"plan_read"}
    assert kinds(session, mine)["meeting_check_in"] == ("review", m.review.id, MEETING_DAY)
    assert "meeting_check_in" not in kinds(session, mine, AT_MEETING + timedelta(days=1))  # only on the day

    attendance.check_in(session, m.review, member.id, now=AT_MEETING, actor_id=mine.id)
    assert kinds(session, mine)["leader_vote"] == ("review", m.review.id, MEETING_DAY)
    record(session, m)  # everyone checks in and elects the first; the organiser records the meeting
    found = kinds(session, mine)
    assert found["opinion_submit"] == ("review_opinion", m.review.id, DEADLINE)
    assert {"plan_read", "leader_vote", "meeting_check_in"}.isdisjoint(found)

    opinion(session, m, member)
    assert "opinion_submit" not in kinds(session, mine)
    all_opinions_but(session, m, member)
    assert kinds(session, m.accounts[leader.id])["report_draft"] == ("review", m.review.id, DEADLINE)
    assert "report_draft" not in kinds(session, mine)  # the leader drafts, the others wait

    report = draft(session, m)
    assert kinds(session, mine)["report_sign"] == ("report_sign", m.review.id, DEADLINE)
    [late] = [t for t in board(session, mine, AT_MEETING + timedelta(days=5)) if t.kind == "report_sign"]
    assert late.days_late(MEETING_DAY + timedelta(days=5)) == 2
    sign_all(session, m, report)
    pool_kinds = {
        "report_sign",
        "report_draft",
        "opinion_submit",
        "plan_read",
        "leader_vote",
        "meeting_check_in",
    }
    for expert in m.panel:
        assert pool_kinds.isdisjoint(kinds(session, m.accounts[expert.id]))


def all_opinions_but(session, m, done) -> None:
    for expert in m.panel:
        if expert is not done:
            opinion(session, m, expert)


def test_another_experts_review_steps_are_never_shown(session, m):
    outsider = make_account(session, Role.EXPERT)
    record(session, m)
    all_opinions(session, m)
    draft(session, m)
    assert not [t for t in board(session, outsider) if t.target_id == m.review.id]


def test_expert_may_appeal_his_penalties_until_he_does(session):
    expert = make_expert(session)
    mine, other = make_account(session, Role.EXPERT, expert_id=expert.id), make_account(session, Role.EXPERT)
    day = date(2026, 11, 20)
    penalty = ledger.record(
        session, expert.id, EventKind.LATE_DECLINE, day=day, reason="临时谢绝", actor_id=None
    )
    ledger.record(
        session, expert.id, EventKind.TRAINING, day=day, reason="完成培训", actor_id=None
    )  # a bonus

    [task] = [t for t in board(session, mine) if t.kind == "credit_appeal"]
    assert (task.target, task.target_id, task.due) == ("credit_event", penalty.id, None)
    assert task.subject == f"{EventKind.LATE_DECLINE.label}（2026-11-20）"
    assert not [t for t in board(session, other) if t.kind == "credit_appeal"]

    ledger.file_appeal(session, expert.id, penalty.id, "有正当理由", actor_id=mine.id)
    assert not [t for t in board(session, mine) if t.kind == "credit_appeal"]
