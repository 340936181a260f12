"""What an expert still has to do on each review he sits on, in a word for his list."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from expert_pool.policy import pool_policy
from expert_pool.reviews.meetings import active_draft, current_report, opinion_of
from expert_pool.reviews.models import LeaderVote, Review, ReviewAttendance

DONE = "已完成"


def todo_of(review: Review, expert_id: int, *, present: bool, voted: bool, by_vote: bool) -> str:
    """The next step of the meeting, the opinion and the report that waits on this expert (or on others):
    check in at the meeting, choose the leader (where the panel elects him), the opinion once the meeting is
    recorded, then the leader's draft and the signatures. ``present``: he checked in; ``voted``: he named a
    leader; ``by_vote``: the policy has the panel elect its leader (else the office designates him)."""
    draft = active_draft(review)
    if current_report(review) is not None and draft is None:
        return DONE
    if expert_id in (review.absent_expert_ids or []):
        return "缺席"
    if not present:
        return "待论证会当天签到"
    if by_vote and review.leader_expert_id is None and not voted:
        return "待推选组长"
    if review.held_on is None:
        return "待抽取办公室记录会议"
    if opinion_of(review, expert_id) is None:
        return "待提交意见"
    if draft is None:
        return "待组长起草结论" if review.leader_expert_id is not None else "待确定组长"
    refusal = next((r for r in draft.refusals if r.expert_id == expert_id), None)
    if refusal is not None and all(s.expert_id != expert_id for s in draft.signatures):
        return "已拒签，待抽取办公室答复" if refusal.answered_at is None else "拒签已答复，待签署"
    if all(s.expert_id != expert_id for s in draft.signatures):
        return "待签署"
    return "待其他专家签署"


def todo_list(session: Session, reviews: Sequence[Review], expert_id: int) -> dict[int, str]:
    """Each review's next step for this expert, by review id (two queries for the whole list)."""
    ids = [r.id for r in reviews]
    present = set(session.scalars(select(ReviewAttendance.review_id).where(
        ReviewAttendance.expert_id == expert_id, ReviewAttendance.review_id.in_(ids))))  # fmt: skip
    voted = set(session.scalars(select(LeaderVote.review_id).where(
        LeaderVote.voter_id == expert_id, LeaderVote.review_id.in_(ids))))  # fmt: skip
    by_vote = not pool_policy(session).leader_by_office if reviews else True
    return {r.id: todo_of(r, expert_id, present=r.id in present, voted=r.id in voted, by_vote=by_vote)
            for r in reviews}  # fmt: skip
