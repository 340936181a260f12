"""The life of a high-risk work (DOMAIN.md section 3; Decree 37 Art. 10-13, 16, 21-22) as data.

Each status lists the statuses it may move to; a move not listed is refused. The moves that the
system makes itself (a plan submitted, a version signed, a review concluded) and the moves a person
records (briefing, start, acceptance, close) go through the same table.
"""

from __future__ import annotations

from enum import StrEnum

from knowledge.errors import DomainError


class WorkStatus(StrEnum):
    REGISTERED = "registered"
    PLAN_DRAFTED = "plan_drafted"
    CONSTRUCTOR_SIGNED = "constructor_signed"
    SUPERVISOR_SIGNED = "supervisor_signed"
    REVIEW_REQUESTED = "review_requested"
    UNDER_REVIEW = "under_review"
    PASSED = "passed"
    PASSED_AFTER_REVISION = "passed_after_revision"
    FAILED = "failed"
    IN_FORCE = "in_force"
    BRIEFED = "briefed"
    IN_PROGRESS = "in_progress"
    ACCEPTED = "accepted"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS: dict[str, str] = {
    WorkStatus.REGISTERED: "已登记",
    WorkStatus.PLAN_DRAFTED: "方案已编制",
    WorkStatus.CONSTRUCTOR_SIGNED: "施工单位已审核",
    WorkStatus.SUPERVISOR_SIGNED: "总监已审查",
    WorkStatus.REVIEW_REQUESTED: "已申请论证",
    WorkStatus.UNDER_REVIEW: "论证中",
    WorkStatus.PASSED: "论证通过",
    WorkStatus.PASSED_AFTER_REVISION: "修改后通过",
    WorkStatus.FAILED: "论证不通过",
    WorkStatus.IN_FORCE: "方案生效",
    WorkStatus.BRIEFED: "已交底",
    WorkStatus.IN_PROGRESS: "施工中",
    WorkStatus.ACCEPTED: "已验收",
    WorkStatus.CLOSED: "已关闭",
}

S = WorkStatus
# A new plan version may be submitted at any point before the works start (Art. 16: a reviewed plan
# that changes is reviewed again), except while a panel is examining one.
# A change on site (briefed or under way) is a new version too: sign-off, review again if over scale, and a new
# briefing before the works go on (Art. 16; the version in force is never edited).
_REDRAFTABLE = (S.REGISTERED, S.PLAN_DRAFTED, S.CONSTRUCTOR_SIGNED, S.SUPERVISOR_SIGNED,
                S.PASSED_AFTER_REVISION, S.FAILED, S.IN_FORCE, S.REVIEW_REQUESTED, S.BRIEFED,
                S.IN_PROGRESS)  # fmt: skip
TRANSITIONS: dict[WorkStatus, frozenset[WorkStatus]] = {
    S.REGISTERED: frozenset({S.PLAN_DRAFTED}),
    S.PLAN_DRAFTED: frozenset({S.PLAN_DRAFTED, S.CONSTRUCTOR_SIGNED}),
    # Art. 11: the constructor's technical lead signs, then the chief supervising engineer.
    S.CONSTRUCTOR_SIGNED: frozenset({S.PLAN_DRAFTED, S.SUPERVISOR_SIGNED}),
    # Art. 12: over scale goes to review; otherwise the signed plan is in force.
    S.SUPERVISOR_SIGNED: frozenset({S.PLAN_DRAFTED, S.REVIEW_REQUESTED, S.IN_FORCE}),
    S.REVIEW_REQUESTED: frozenset({S.PLAN_DRAFTED, S.UNDER_REVIEW}),
    # Art. 13: the panel's conclusion.
    S.UNDER_REVIEW: frozenset({S.PASSED, S.PASSED_AFTER_REVISION, S.FAILED}),
    S.PASSED: frozenset({S.IN_FORCE}),
    # Art. 13: revise by the report and sign again; after 不通过, revise and review anew.
    S.PASSED_AFTER_REVISION: frozenset({S.PLAN_DRAFTED}),
    S.FAILED: frozenset({S.PLAN_DRAFTED}),
    # Art. 15 (交底), 17-18 (on site), 21 (验收).
    S.IN_FORCE: frozenset({S.PLAN_DRAFTED, S.BRIEFED}),
    S.BRIEFED: frozenset({S.PLAN_DRAFTED, S.IN_PROGRESS}),
    S.IN_PROGRESS: frozenset({S.PLAN_DRAFTED, S.ACCEPTED}),
    S.ACCEPTED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
}
assert all(S.PLAN_DRAFTED in TRANSITIONS[s] for s in _REDRAFTABLE)

# Moves a person records by hand on the work's page; the others follow from plans, sign-offs, reviews and site
# records (a plan briefing moves an in-force work to briefed; a passed acceptance, signed by both, to accepted).
# Starting the works is the site's move (knowledge.site.records.start_works: a briefing on the version in force).
MANUAL_MOVES: dict[WorkStatus, WorkStatus] = {
    S.ACCEPTED: S.CLOSED,
}
# Statuses in which the latest plan version is the one in force on site.
IN_FORCE_STATUSES = frozenset({S.IN_FORCE, S.BRIEFED, S.IN_PROGRESS, S.ACCEPTED, S.CLOSED})
# Parameters can be corrected until the plan goes to review: later the reviewed verdict stands.
RECLASSIFIABLE = frozenset({S.REGISTERED, S.PLAN_DRAFTED, S.CONSTRUCTOR_SIGNED, S.SUPERVISOR_SIGNED})
MANUAL_MOVE_LABELS: dict[WorkStatus, str] = {
    S.CLOSED: "关闭",
}


class WorkflowError(DomainError):
    code = "invalid_transition"
    status = 409


def can_move(current: WorkStatus, target: WorkStatus) -> bool:
    return target in TRANSITIONS[current]


def check_move(current: WorkStatus, target: WorkStatus) -> None:
    """Raise WorkflowError, in Chinese, naming where the work is and what it may do next."""
    if can_move(current, target):
        return
    allowed = "、".join(s.label for s in sorted(TRANSITIONS[current], key=list(WorkStatus).index)) or "无"
    raise WorkflowError(f"当前状态为“{current.label}”，不能变更为“{target.label}”（可进行：{allowed}）")
