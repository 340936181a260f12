"""The closed loop of a hazard (排查 → 整改 → 督办 → 销号) as pure rules: its states, who may take each step, and
when it is overdue.

The loop is the one 建质〔2024〕27号 asks for (DOMAIN.md section 8): a hazard is found by an inspection, by the
constructor's own check or by confirming a system flag; the responsible unit rectifies it by a deadline and submits
evidence; the authority verifies and closes it (销号) or sends it back with a reason; an overdue hazard is escalated
with a supervision order (督办), and any open hazard may carry an order to stop the work (责令停工) until the
authority lifts it. Steps are events appended in order and never edited: the hazard's state is the replay of its
events (``replay``), so the same rules check a new step and rebuild what the records say.

Who acts is given as a ``Party`` (the responsible unit or the authority); which accounts are which is the
service's business (the project team of the responsible enterprise; a regulator whose area holds the work).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum

from knowledge.site.errors import SiteError


class LoopError(SiteError):
    """A step the hazard's loop does not allow now, or by this party, or without what it needs."""


class Level(StrEnum):
    MAJOR = "major"  # 重大事故隐患: an item of 建质规〔2022〕2号
    ORDINARY = "ordinary"  # 一般事故隐患

    @property
    def label(self) -> str:
        return {"major": "重大事故隐患", "ordinary": "一般事故隐患"}[self.value]


class State(StrEnum):
    OPEN = "open"  # 待整改
    SUBMITTED = "submitted"  # 整改待核验
    SENT_BACK = "sent_back"  # 整改被退回
    CLOSED = "closed"  # 已销号

    @property
    def label(self) -> str:
        return {"open": "待整改", "submitted": "整改待核验", "sent_back": "整改被退回", "closed": "已销号"}[
            self.value
        ]


class Party(StrEnum):
    RESPONSIBLE_UNIT = "responsible_unit"  # the unit that must rectify (the constructor, as a rule)
    AUTHORITY = "authority"  # the housing and construction authority of the work's area


class Step(StrEnum):
    SUBMIT = "submit"  # 提交整改: evidence files and a note
    SEND_BACK = "send_back"  # 退回整改: with a reason
    CLOSE = "close"  # 核验销号
    SUPERVISE = "supervise"  # 挂牌督办
    STOP = "stop"  # 责令停工
    LIFT_STOP = "lift_stop"  # 解除停工

    @property
    def label(self) -> str:
        return STEP_LABELS[self]


STEP_LABELS: dict[Step, str] = {
    Step.SUBMIT: "提交整改",
    Step.SEND_BACK: "退回整改",
    Step.CLOSE: "核验销号",
    Step.SUPERVISE: "挂牌督办",
    Step.STOP: "责令停工",
    Step.LIFT_STOP: "解除停工",
}

# Deadlines are policy, not law (DOMAIN.md section 8: "default: a major hazard 7 days, others 15"): these are the
# defaults; the admin sets the province's figures on the policy page (knowledge.site.deadlines).
DEADLINE_DAYS: dict[Level, int] = {Level.MAJOR: 7, Level.ORDINARY: 15}

# Who takes each step.
PARTY_OF: dict[Step, Party] = {
    Step.SUBMIT: Party.RESPONSIBLE_UNIT,
    Step.SEND_BACK: Party.AUTHORITY,
    Step.CLOSE: Party.AUTHORITY,
    Step.SUPERVISE: Party.AUTHORITY,
    Step.STOP: Party.AUTHORITY,
    Step.LIFT_STOP: Party.AUTHORITY,
}

# The states each step may be taken from (stop orders and supervision stand beside the state).
FROM_STATES: dict[Step, frozenset[State]] = {
    Step.SUBMIT: frozenset({State.OPEN, State.SENT_BACK}),
    Step.SEND_BACK: frozenset({State.SUBMITTED}),
    Step.CLOSE: frozenset({State.SUBMITTED}),
    Step.SUPERVISE: frozenset({State.OPEN, State.SUBMITTED, State.SENT_BACK}),
    Step.STOP: frozenset({State.OPEN, State.SUBMITTED, State.SENT_BACK}),
    Step.LIFT_STOP: frozenset(State),
}


@dataclass(frozen=True)
class Event:
    """One step as recorded: what, by whom, when, and what it carried."""

    step: Step
    party: Party
    on: date
    evidence: int = 0  # files attached to a rectification
    note: str = ""


@dataclass(frozen=True)
class Hazard:
    """A hazard's loop as its events leave it."""

    level: Level
    found_on: date
    state: State = State.OPEN
    supervised: bool = False
    stopped: bool = False
    closed_on: date | None = None
    due: date | None = (
        None  # the deadline set when it was found (the policy of that day); None: today's default
    )

    @property
    def deadline(self) -> date:
        return self.due if self.due is not None else deadline(self.level, self.found_on)

    def is_overdue(self, today: date) -> bool:
        """Past its deadline with the unit's move awaited (open or sent back): a rectification submitted in time
        and awaiting the authority is not the unit's delay."""
        return self.state in (State.OPEN, State.SENT_BACK) and today > self.deadline


def deadline(level: Level, found_on: date, days: int | None = None) -> date:
    """The day by which the responsible unit must have rectified a hazard found on ``found_on``: ``days`` later
    (the policy's figure for the level), or the default's."""
    return found_on + timedelta(days=DEADLINE_DAYS[level] if days is None else days)


def apply(hazard: Hazard, event: Event) -> Hazard:
    """The hazard after ``event``. :raises LoopError: with the reason, when the step is not allowed."""
    step = event.step
    if event.party is not PARTY_OF[step]:
        who = "整改责任单位" if PARTY_OF[step] is Party.RESPONSIBLE_UNIT else "主管部门"
        raise LoopError(f"“{step.label}”只能由{who}办理")
    if event.on < hazard.found_on:
        raise LoopError(f"“{step.label}”的日期早于隐患发现日期（{hazard.found_on.isoformat()}）")
    if hazard.state is State.CLOSED and step is not Step.LIFT_STOP:
        raise LoopError(f"隐患已于 {hazard.closed_on} 销号，不能再“{step.label}”")
    if hazard.state not in FROM_STATES[step]:
        raise LoopError(f"隐患当前为“{hazard.state.label}”，不能“{step.label}”")
    if step is Step.SUBMIT:
        if event.evidence < 1:
            raise LoopError("提交整改须附整改证明材料（照片或文件）")
        if not event.note.strip():
            raise LoopError("提交整改须填写整改情况说明")
        return replace(hazard, state=State.SUBMITTED)
    if step is Step.SEND_BACK:
        if not event.note.strip():
            raise LoopError("退回整改须写明理由")
        return replace(hazard, state=State.SENT_BACK)
    if step is Step.CLOSE:
        return replace(hazard, state=State.CLOSED, closed_on=event.on)
    if step is Step.SUPERVISE:
        if hazard.supervised:
            raise LoopError("该隐患已挂牌督办")
        if not hazard.is_overdue(event.on) and not event.note.strip():
            raise LoopError("未逾期的隐患挂牌督办须写明理由（如反复出现）")
        return replace(hazard, supervised=True)
    if step is Step.STOP:
        if hazard.stopped:
            raise LoopError("该隐患已责令停工")
        if not event.note.strip():
            raise LoopError("责令停工须写明理由")
        return replace(hazard, stopped=True)
    if not hazard.stopped:  # LIFT_STOP
        raise LoopError("该隐患没有未解除的停工令")
    return replace(hazard, stopped=False)


def replay(level: Level, found_on: date, events: Iterable[Event], due: date | None = None) -> Hazard:
    """The hazard its recorded events make, checked step by step (``due``: its deadline as set when found).

    :raises LoopError: at the first bad step."""
    hazard = Hazard(level, found_on, due=due)
    last = found_on
    for event in events:
        if event.on < last:
            raise LoopError(f"“{event.step.label}”的日期早于上一步（{last.isoformat()}）")
        hazard, last = apply(hazard, event), event.on
    return hazard
