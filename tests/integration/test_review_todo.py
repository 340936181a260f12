"""An expert's list says his next step on each review: check in, choose the leader, the opinion, the report."""

from __future__ import annotations

import pytest

from expert_pool.policy import set_policy
from expert_pool.reviews import attendance
from expert_pool.reviews import meetings as reviews
from expert_pool.reviews.todo import todo_list
from knowledge.accounts.permissions import Scope
from tests.review_fixtures import AT_MEETING, MEETING_DAY, attendees, draft, opinion, ready_meeting


@pytest.fixture
def m(session, tmp_path):
    return ready_meeting(session, str(tmp_path / "up"))


def step(session, m, expert) -> str:
    session.refresh(m.review)
    return todo_list(session, [m.review], expert.id)[m.review.id]


def test_the_steps_follow_the_meeting_from_check_in_to_signature(session, m):
    first, second = m.panel[0], m.panel[1]
    assert step(session, m, first) == "待论证会当天签到"
    attendance.check_in(session, m.review, first.id, now=AT_MEETING, actor_id=m.accounts[first.id].id)
    assert step(session, m, first) == "待推选组长"
    assert step(session, m, second) == "待论证会当天签到"
    attendance.vote_leader(session, m.review, first.id, first.id, now=AT_MEETING)
    assert step(session, m, first) == "待抽取办公室记录会议"
    for expert in m.panel[1:]:
        attendance.check_in(session, m.review, expert.id, now=AT_MEETING, actor_id=m.accounts[expert.id].id)
        attendance.vote_leader(session, m.review, expert.id, first.id, now=AT_MEETING)
    reviews.record_meeting(session, m.review, scope=Scope.of(m.team), place="某会议室", held_on=MEETING_DAY,
                           attendees=attendees(), now=AT_MEETING)  # fmt: skip
    assert step(session, m, second) == "待提交意见"
    opinion(session, m, second)
    assert step(session, m, second) == "待组长起草结论"
    for expert in m.panel:
        if expert is not second:
            opinion(session, m, expert)
    draft(session, m)
    assert step(session, m, second) == "待签署"


def test_where_the_office_designates_the_leader_nobody_is_asked_to_vote(session, m):
    set_policy(session, "pool", {"leader_by_office": True}, actor_id=None)
    expert = m.panel[0]
    attendance.check_in(session, m.review, expert.id, now=AT_MEETING, actor_id=m.accounts[expert.id].id)
    assert step(session, m, expert) == "待抽取办公室记录会议"
