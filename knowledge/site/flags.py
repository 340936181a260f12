"""System-flagged hazards: rules that read a work's registry facts and flag a suspected major hazard, with the rule
and the facts that fired it (issue 20 item 7).

A flag is a suspicion, not a hazard: a regulator confirms it (it becomes a hazard citing its catalogue item) or
dismisses it with a reason. A dismissed flag stays dismissed on the next scan unless its facts change: each flag
carries a fingerprint of the facts that fired it, and the scan compares it with the dismissed one.

The rules cite the catalogue of 建质规〔2022〕2号 (``hazard_catalogue``):

- article 4 (四): a 危大 work without a plan, or with a plan not signed off, or an over-scale work whose plan was
  not reviewed by experts — read here as a work under way with no signed plan, or an over-scale work under way
  with no passed review;
- article 5 (三): a deep excavation without third-party monitoring — an excavation whose verdict is over-scale
  (the clause of 建办质〔2018〕31号 附件2 that makes it so is the deep-excavation threshold, kept in the
  registry's scope tables, not here) under way with no monitoring record.

"Under way" is what the registry says (briefed or in progress) or what the calendar says (the planned start has
passed and the work is neither accepted nor closed).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from knowledge.registry.rules import Verdict
from knowledge.registry.scope_tables import EXCAVATION
from knowledge.registry.workflow import WorkStatus
from knowledge.site.hazard_catalogue import CURRENT_VERSION, make_key

_STARTED = frozenset({WorkStatus.BRIEFED, WorkStatus.IN_PROGRESS})
_FINISHED = frozenset({WorkStatus.ACCEPTED, WorkStatus.CLOSED})

RULE_LABELS: dict[str, str] = {
    "over_scale_without_review": "超危大工程已开工（或计划开工日已过）但无论证通过记录",
    "hazardous_without_signed_plan": "危大工程已开工（或计划开工日已过）但专项施工方案未经审核签字",
    "deep_excavation_without_monitoring": "深基坑工程已开工但无第三方监测记录",
}
RULE_HAZARDS: dict[str, str] = {
    "over_scale_without_review": make_key(CURRENT_VERSION, 4, 4),
    "hazardous_without_signed_plan": make_key(CURRENT_VERSION, 4, 4),
    "deep_excavation_without_monitoring": make_key(CURRENT_VERSION, 5, 3),
}


@dataclass(frozen=True)
class WorkFacts:
    """What the rules read of one work (the scan job gathers them in bulk)."""

    work_id: int
    category: str
    verdict: Verdict
    status: WorkStatus
    planned_start: date | None = None
    has_signed_plan: bool = False  # a plan version signed by the constructor and the chief supervisor
    has_passed_review: bool = False  # a concluded review that passed (outright or after revision)
    has_monitoring_record: bool = False


@dataclass(frozen=True)
class Flag:
    rule: str
    work_id: int
    hazard_key: str
    facts: tuple[tuple[str, str], ...]  # (label, value) in the order shown

    @property
    def label(self) -> str:
        return RULE_LABELS[self.rule]

    @property
    def fingerprint(self) -> str:
        """What a dismissal is held against: the same rule on the same facts."""
        text = "\n".join([self.rule, str(self.work_id), *(f"{k}={v}" for k, v in self.facts)])
        return hashlib.sha256(text.encode()).hexdigest()[:32]


def under_way(work: WorkFacts, today: date) -> bool:
    if work.status in _STARTED:
        return True
    return work.status not in _FINISHED and work.planned_start is not None and work.planned_start <= today


def _facts(work: WorkFacts, *extra: tuple[str, str]) -> tuple[tuple[str, str], ...]:
    start = work.planned_start.isoformat() if work.planned_start else "未填写"
    return (("状态", work.status.label), ("计划开工", start), *extra)


def flags_of(work: WorkFacts, today: date) -> list[Flag]:
    """The flags the rules raise on one work today (none for a work not under way or not 危大)."""
    if work.verdict is Verdict.NOT_HAZARDOUS or not under_way(work, today):
        return []
    found: list[Flag] = []

    def flag(rule: str, *extra: tuple[str, str]) -> None:
        found.append(Flag(rule, work.work_id, RULE_HAZARDS[rule], _facts(work, *extra)))

    if not work.has_signed_plan:
        flag("hazardous_without_signed_plan", ("专项施工方案", "无审核签字的版本"))
    if work.verdict is Verdict.OVER_SCALE and not work.has_passed_review:
        flag("over_scale_without_review", ("专家论证", "无通过记录"))
    if (
        work.category == EXCAVATION.code
        and work.verdict is Verdict.OVER_SCALE
        and work.status in _STARTED
        and not work.has_monitoring_record
    ):
        flag("deep_excavation_without_monitoring", ("第三方监测", "无记录"))
    return found


def scan(works: Iterable[WorkFacts], today: date) -> list[Flag]:
    return [f for work in works for f in flags_of(work, today)]


def still_dismissed(flag: Flag, dismissed_fingerprint: str | None) -> bool:
    """Whether a dismissal recorded for this rule and work still holds: only while the facts are the same."""
    return dismissed_fingerprint is not None and dismissed_fingerprint == flag.fingerprint
