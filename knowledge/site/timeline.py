"""A work's timeline (issue 20 item 9) as pure rules: its steps in order, the steps still ahead, the late ones.

The gatherers (``knowledge.site.timeline_steps`` for the registry and the site, ``expert_pool.reviews.
timeline_steps`` for the review) turn records into ``Step`` values; here they are ordered, the milestones the
work's status has not reached yet are added (greyed on the page), and a step whose due day has passed while it is
still open is marked late (red): a hazard past its rectification deadline and not closed (建质〔2024〕27号, policy
deadlines in ``hazard_loop``), a review report unsigned past the policy's signing deadline (DOMAIN.md section 6),
a planned start passed without a passed review for an over-scale work (Decree 37 Art. 12: no works before it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from enum import StrEnum

from knowledge.registry.workflow import WorkStatus


class StepState(StrEnum):
    DONE = "done"
    AHEAD = "ahead"
    LATE = "late"

    @property
    def label(self) -> str:
        return {"done": "已完成", "ahead": "待办", "late": "已逾期"}[self.value]


@dataclass(frozen=True)
class Link:
    """Where a step leads, as data: a target name the web layer maps to a page, and the ids it needs."""

    target: str
    ids: tuple[tuple[str, int], ...] = ()

    def as_dict(self) -> dict[str, int]:
        return dict(self.ids)


def link(target: str, **ids: int) -> Link:
    return Link(target, tuple(sorted(ids.items())))


@dataclass(frozen=True)
class Step:
    """One key step of a work. ``due``: the day by which an open step must be resolved (None once resolved)."""

    day: date | None
    kind: str
    label: str
    at: datetime | None = None
    actor: str = ""
    detail: str = ""
    link: Link | None = None
    state: StepState = StepState.DONE
    due: date | None = None


S = WorkStatus
# How far along the workflow each status is; FAILED sends the plan back to drafting (Art. 13: revise, review anew).
_RANK: dict[WorkStatus, int] = {
    S.REGISTERED: 0, S.PLAN_DRAFTED: 1, S.FAILED: 1, S.CONSTRUCTOR_SIGNED: 2, S.SUPERVISOR_SIGNED: 3,
    S.REVIEW_REQUESTED: 4, S.UNDER_REVIEW: 5, S.PASSED: 6, S.PASSED_AFTER_REVISION: 6, S.IN_FORCE: 7,
    S.BRIEFED: 8, S.IN_PROGRESS: 9, S.ACCEPTED: 10, S.CLOSED: 11,
}  # fmt: skip


@dataclass(frozen=True)
class Milestone:
    kind: str
    label: str
    rank: int  # reached once the work's status has this rank
    over_scale_only: bool = False


MILESTONES: tuple[Milestone, ...] = (
    Milestone("plan_version", "编制并提交专项施工方案", 1),
    Milestone("plan_signoff", "施工单位技术负责人审核签字", 2),
    Milestone("plan_signoff", "总监理工程师审查签字", 3),
    Milestone("review_request", "申请专家论证", 4, over_scale_only=True),
    Milestone("draw", "抽取论证专家、召开论证会", 5, over_scale_only=True),
    Milestone("review_passed", "专家论证通过", 6, over_scale_only=True),
    Milestone("in_force", "方案生效", 7),
    Milestone("briefing", "方案交底", 8),
    Milestone("start", "开始施工", 9),
    Milestone("acceptance", "验收", 10),
    Milestone("closure", "关闭", 11),
)


def rank(status: WorkStatus) -> int:
    return _RANK[status]


def steps_ahead(
    status: WorkStatus,
    *,
    over_scale: bool,
    planned_start: date | None = None,
    planned_end: date | None = None,
) -> list[Step]:
    """The milestones the work has not reached, in order. The passed review of an over-scale work is due by its
    planned start; the start and the acceptance carry the planned days."""
    reached = rank(status)
    ahead: list[Step] = []
    for m in MILESTONES:
        if m.rank <= reached or (m.over_scale_only and not over_scale):
            continue
        day = planned_start if m.kind == "start" else planned_end if m.kind == "acceptance" else None
        due = planned_start if m.kind == "review_passed" else None
        ahead.append(Step(day=day, kind=m.kind, label=m.label, state=StepState.AHEAD, due=due))
    return ahead


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _key(step: Step) -> tuple[date, bool, datetime]:
    at = step.at if step.at is None or step.at.tzinfo else step.at.replace(tzinfo=UTC)
    return (step.day or date.max, at is not None, at or _EPOCH)


def order(steps: Iterable[Step]) -> list[Step]:
    """By day; on one day the steps known by date only first, then by time; stable otherwise."""
    return sorted(steps, key=_key)


def is_late(step: Step, today: date) -> bool:
    return step.due is not None and step.due < today


def mark_late(steps: Iterable[Step], today: date) -> list[Step]:
    """Every step still open past its due day becomes LATE."""
    return [replace(s, state=StepState.LATE) if is_late(s, today) else s for s in steps]


def build(
    done: Iterable[Step], *, status: WorkStatus, over_scale: bool, today: date, planned_start: date | None = None,
    planned_end: date | None = None,
) -> list[Step]:  # fmt: skip
    """The whole timeline: the recorded steps in order, then the milestones ahead, late ones marked."""
    ahead = steps_ahead(status, over_scale=over_scale, planned_start=planned_start, planned_end=planned_end)
    recorded = order(done)
    open_ahead = [s for s in recorded if s.state is StepState.AHEAD]
    return mark_late([*(s for s in recorded if s.state is not StepState.AHEAD), *open_ahead, *ahead], today)
