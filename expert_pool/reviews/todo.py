"""What an expert still has to do on each review he sits on, in a word for his list."""

from __future__ import annotations

from collections.abc import Iterable

from expert_pool.reviews.meetings import active_draft, current_report, opinion_of
from expert_pool.reviews.models import Review

DONE = "已完成"


def todo_of(review: Review, expert_id: int) -> str:
    """The next step of the meeting, the opinion and the report that waits on this expert (or on others)."""
    draft = active_draft(review)
    if current_report(review) is not None and draft is None:
        return DONE
    if review.held_on is None:
        return "待开会"
    if expert_id in (review.absent_expert_ids or []):
        return "缺席"
    if opinion_of(review, expert_id) is None:
        return "待提交意见"
    if draft is None:
        return "待组长起草结论"
    refusal = next((r for r in draft.refusals if r.expert_id == expert_id), None)
    if refusal is not None and all(s.expert_id != expert_id for s in draft.signatures):
        return "已拒签，待抽取办公室答复" if refusal.answered_at is None else "拒签已答复，待签署"
    if all(s.expert_id != expert_id for s in draft.signatures):
        return "待签署"
    return "待其他专家签署"


def todo_list(reviews: Iterable[Review], expert_id: int) -> dict[int, str]:
    """Each review's next step for this expert, by review id."""
    return {r.id: todo_of(r, expert_id) for r in reviews}
