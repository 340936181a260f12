"""The experts' credit ledger (信用): events, yearly scores, sanctions, appeals (DOMAIN.md §6, §4)."""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from knowledge.errors import ValidationError

RULE_SOURCE = "DOMAIN.md §6"


class EventKind(StrEnum):
    LATE_DECLINE = "late_decline"
    NO_SHOW = "no_show"
    LATE_REPORT = "late_report"
    CARELESS_REVIEW = "careless_review"
    HAZARD_LINKED = "hazard_linked"
    MISCONDUCT = "misconduct"
    EXCELLENT_REVIEW = "excellent_review"
    TRAINING = "training"
    REVERSAL = "reversal"

    @property
    def label(self) -> str:
        return EVENT_LABELS[self]

    @property
    def rule(self) -> str:
        """The line of DOMAIN.md §6 the event applies."""
        return f"{RULE_SOURCE}: {EVENT_RULES[self]}"


EVENT_LABELS: dict[EventKind, str] = {
    EventKind.LATE_DECLINE: "会前24小时内无正当理由拒绝参会",
    EventKind.NO_SHOW: "无故缺席论证会",
    EventKind.LATE_REPORT: "未签署论证结论或逾期提交论证报告",
    EventKind.CARELESS_REVIEW: "经主管部门认定评审不认真",
    EventKind.HAZARD_LINKED: "论证通过的方案关联重大隐患或事故",
    EventKind.MISCONDUCT: "收受财物、泄露专家信息或论证内容、应回避未回避",
    EventKind.EXCELLENT_REVIEW: "论证评审被主管部门评为优秀",
    EventKind.TRAINING: "完成年度培训",
    EventKind.REVERSAL: "申诉成立，撤销信用记录",
}
EVENT_RULES: dict[EventKind, str] = {
    EventKind.LATE_DECLINE: "declined less than 24 h before a meeting without a valid reason",
    EventKind.NO_SHOW: "absent from a meeting without notice",
    EventKind.LATE_REPORT: "conclusion not signed or report late beyond the deadline",
    EventKind.CARELESS_REVIEW: "review found careless by a regulator (e.g. obvious errors approved)",
    EventKind.HAZARD_LINKED: "plan approved by the expert later linked to a serious hazard or accident on site",
    EventKind.MISCONDUCT: (
        "took money or gifts, leaked panel identities or content, or acted despite a known conflict"
    ),
    EventKind.EXCELLENT_REVIEW: "rated excellent by a regulator for a review",
    EventKind.TRAINING: "completed annual training",
    EventKind.REVERSAL: "an upheld appeal reverses the event, and the reversal is logged too",
}
# The kinds whose points are fixed by the policy, and the policy field that holds them.
FIXED_POINTS: dict[EventKind, str] = {
    EventKind.LATE_DECLINE: "late_decline",
    EventKind.NO_SHOW: "no_show",
    EventKind.LATE_REPORT: "late_report",
    EventKind.HAZARD_LINKED: "hazard_linked",
    EventKind.EXCELLENT_REVIEW: "excellent_review",
    EventKind.TRAINING: "training",
}
PENALTIES = ("late_decline", "no_show", "late_report", "hazard_linked", "careless_max")
BONUSES = ("excellent_review", "training")
# The policy's fields in Chinese, for the admin's policy page and the audit of its changes.
CREDIT_POLICY_LABELS: dict[str, str] = {
    "base_score": "基础分", "warning_below": "警告线（低于此分予以警告）", "suspend_below": "暂停线（低于此分暂停抽取）",
    "remove_below": "取消资格线（低于此分取消专家资格）", "suspension_months": "暂停抽取期限（月）",
    "late_decline": "会前临时谢绝扣分", "no_show": "无故缺席扣分", "late_report": "逾期签署论证报告扣分",
    "careless_min": "评审不认真扣分（最重）", "careless_max": "评审不认真扣分（最轻）",
    "hazard_linked": "通过的方案关联重大隐患或事故扣分", "excellent_review": "评审优秀加分", "training": "完成年度培训加分",
}  # fmt: skip
# What the admin may set: (lowest, highest) of each field; the signs of penalties and bonuses are checked too.
CREDIT_POLICY_BOUNDS: dict[str, tuple[int, int]] = {
    "base_score": (1, 1000), "warning_below": (0, 1000), "suspend_below": (0, 1000), "remove_below": (0, 1000),
    "suspension_months": (1, 120), **{f: (-100, 0) for f in ("late_decline", "no_show", "late_report",
    "hazard_linked", "careless_min", "careless_max")}, "excellent_review": (0, 100), "training": (0, 100),
}  # fmt: skip


class Sanction(StrEnum):
    NONE = "none"
    WARNING = "warning"
    SUSPENDED = "suspended"
    REMOVED = "removed"

    @property
    def label(self) -> str:
        return SANCTION_LABELS[self]

    @property
    def rank(self) -> int:
        """0 to 3: a higher rank is a heavier sanction."""
        return list(Sanction).index(self)


SANCTION_LABELS: dict[Sanction, str] = {
    Sanction.NONE: "无",
    Sanction.WARNING: "警告",
    Sanction.SUSPENDED: "暂停抽取",
    Sanction.REMOVED: "取消专家资格",
}


@dataclass(frozen=True, slots=True)
class CreditPolicy:
    """Every number of DOMAIN.md §6 is a provincial policy: these are its defaults."""

    base_score: int = 100
    warning_below: int = 80
    suspend_below: int = 70
    remove_below: int = 60
    suspension_months: int = 6
    late_decline: int = -5
    no_show: int = -10
    late_report: int = -5
    careless_min: int = -20  # the heaviest deduction for a careless review
    careless_max: int = -10  # the lightest
    hazard_linked: int = -20
    excellent_review: int = 2
    training: int = 2

    def __post_init__(self) -> None:
        if not self.remove_below <= self.suspend_below <= self.warning_below <= self.base_score:
            raise ValidationError(
                "信用分数线须满足：取消资格线 ≤ 暂停线 ≤ 警告线 ≤ 基础分", field="warning_below"
            )
        if self.suspension_months < 1:
            raise ValidationError("暂停抽取期限至少1个月", field="suspension_months")
        if self.careless_min > self.careless_max or any(getattr(self, f) > 0 for f in PENALTIES):
            raise ValidationError("扣分项须为负数，且评审不认真的扣分下限不高于上限", field="careless_min")
        if any(getattr(self, f) < 0 for f in BONUSES):
            raise ValidationError("加分项不能为负数", field="excellent_review")

    def to_dict(self) -> dict[str, int]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CreditPolicy:
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValidationError(f"信用规则含未知项：{'、'.join(sorted(unknown))}")
        return cls(**{k: int(v) for k, v in data.items()})


@dataclass(frozen=True, slots=True)
class CreditEvent:
    """One line of an expert's ledger; ``kind.rule`` is the rule it applies."""

    id: int
    expert_id: int
    day: date
    kind: EventKind
    points: int
    reason: str
    recorded_by: str
    reversed: bool = False  # flagged by the store once a reversal of it is recorded
    reversal_of: int | None = None  # on a REVERSAL: the id of the event it reverses

    def __post_init__(self) -> None:
        if not self.reason.strip() or not self.recorded_by.strip():
            raise ValidationError("信用记录须写明事由和记录人", field="reason")
        if (self.kind is EventKind.REVERSAL) != (self.reversal_of is not None):
            raise ValidationError("只有撤销记录指向被撤销的记录", field="reversal_of")
        if self.kind is EventKind.REVERSAL and self.points:
            raise ValidationError("撤销记录本身不计分", field="points")


@dataclass(frozen=True, slots=True)
class SanctionChange:
    """A sanction that an event set off; ``until`` is the first day a suspended expert is drawn again."""

    day: date
    sanction: Sanction
    score: int
    event_id: int
    until: date | None = None


@dataclass(frozen=True, slots=True)
class Standing:
    """An expert's credit on a day: the year's score, the sanction in force, and the changes so far."""

    score: int
    sanction: Sanction
    until: date | None
    changes: tuple[SanctionChange, ...]


def points_for(kind: EventKind, policy: CreditPolicy, points: int | None = None) -> int:
    """The points of an event: fixed by the policy, or for a careless review chosen within its range."""
    if kind is EventKind.CARELESS_REVIEW:
        if points is None or not policy.careless_min <= points <= policy.careless_max:
            raise ValidationError(
                f"{kind.label}的扣分须在{policy.careless_min}至{policy.careless_max}分之间，收到{points}",
                field="points",
            )
        return points
    if points is not None:
        raise ValidationError(f"{kind.label}的分值由信用规则确定，不能另行指定", field="points")
    if kind is EventKind.REVERSAL:
        raise ValidationError("撤销记录只能由申诉成立产生", field="kind")
    # Misconduct scores nothing: it removes the expert outright (DOMAIN.md §6).
    return 0 if kind is EventKind.MISCONDUCT else int(getattr(policy, FIXED_POINTS[kind]))


def record_event(
    event_id: int,
    expert_id: int,
    day: date,
    kind: EventKind,
    *,
    reason: str,
    recorded_by: str,
    policy: CreditPolicy,
    points: int | None = None,
) -> CreditEvent:
    """A new ledger line, its points given by ``points_for``."""
    return CreditEvent(event_id, expert_id, day, kind, points_for(kind, policy, points), reason, recorded_by)


def reverse(event: CreditEvent, *, reversal_id: int, day: date, reason: str, recorded_by: str) -> CreditEvent:
    """The ledger line of an upheld appeal against ``event``: from then on ``event`` no longer counts."""
    if event.kind is EventKind.REVERSAL or event.reversed:
        raise ValidationError(f"信用记录{event.id}是撤销记录或已被撤销", field="reversal_of")
    if day < event.day:
        raise ValidationError("撤销日期不能早于被撤销记录的日期", field="day")
    return CreditEvent(
        reversal_id, event.expert_id, day, EventKind.REVERSAL, 0, reason, recorded_by, reversal_of=event.id
    )


# The earliest year a ranking may be asked for: the ledger holds nothing older.
FIRST_RANKING_YEAR = 2000
TRAILING_MONTHS = 12  # the rolling view: one year's length, so one base score (DOMAIN.md §6)


@dataclass(frozen=True, slots=True)
class Period:
    """The days a score is taken over, both ends included: a calendar year or the 12 months ending a day."""

    start: date
    end: date
    year: int | None = None  # set for a calendar year, None for the rolling 12 months

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ValidationError("统计期间的开始日期不能晚于结束日期", field="year")

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    @property
    def label(self) -> str:
        return f"{self.year}年" if self.year is not None else f"近12个月（{self.start}至{self.end}）"


def calendar_year(year: int) -> Period:
    """DOMAIN.md §6, "base score each year": the calendar year the score restarts from the base."""
    return Period(date(year, 1, 1), date(year, 12, 31), year)


def trailing_year(today: date) -> Period:
    """The 12 months ending ``today`` (a year's length, so one base score, DOMAIN.md §6)."""
    return Period(_add_months(today, -TRAILING_MONTHS) + timedelta(days=1), today)


def period_of(year_text: str, *, today: date) -> Period:
    """The period a ranking asks for: "" for the rolling 12 months, else a year from 2000 to ``today``'s.

    :raises ValidationError: with a message in Chinese for anything else ("abc", "1800", next year).
    """
    text = year_text.strip()
    if not text:
        return trailing_year(today)
    if not (text.isascii() and text.isdigit() and len(text) == 4):
        raise ValidationError(f"年份“{text[:10]}”无效：请填写四位数字的年份", field="year")
    year = int(text)
    if not FIRST_RANKING_YEAR <= year <= today.year:
        raise ValidationError(
            f"年份须在{FIRST_RANKING_YEAR}年至{today.year}年之间，收到{year}年", field="year"
        )
    return calendar_year(year)


def period_score(events: Iterable[CreditEvent], *, period: Period, policy: CreditPolicy) -> int:
    """The score over ``period`` (DOMAIN.md §6, "base score each year"), derived, never stored.

    The base score plus the points of the period's events that count: reversals and reversed events do
    not. It is not capped at the base: bonuses may lift it above.
    """
    return policy.base_score + sum(e.points for e in _counted(events) if e.day in period)


def credit_score(events: Iterable[CreditEvent], *, year: int, policy: CreditPolicy) -> int:
    """The score of a calendar year (DOMAIN.md §6, "base score each year"): ``period_score`` of that year."""
    return period_score(events, period=calendar_year(year), policy=policy)


def sanction(score: int, *, policy: CreditPolicy) -> Sanction:
    """The sanction a score calls for (misconduct, which removes whatever the score, is not a score)."""
    if score < policy.remove_below:
        return Sanction.REMOVED
    if score < policy.suspend_below:
        return Sanction.SUSPENDED
    if score < policy.warning_below:
        return Sanction.WARNING
    return Sanction.NONE


def sanction_changes(
    events: Iterable[CreditEvent], *, policy: CreditPolicy, today: date
) -> tuple[SanctionChange, ...]:
    """Each sanction set off by the ledger up to ``today``: every time an event makes it heavier."""
    changes: list[SanctionChange] = []
    year, score = 0, policy.base_score
    for event in sorted(_counted(e for e in events if e.day <= today), key=lambda e: (e.day, e.id)):
        if event.day.year != year:
            year, score = event.day.year, policy.base_score
        before = sanction(score, policy=policy)
        score += event.points
        after = Sanction.REMOVED if event.kind is EventKind.MISCONDUCT else sanction(score, policy=policy)
        if after.rank > before.rank:
            until = _add_months(event.day, policy.suspension_months) if after is Sanction.SUSPENDED else None
            changes.append(SanctionChange(event.day, after, score, event.id, until))
        if after is Sanction.REMOVED:
            break
    return tuple(changes)


def standing(events: Iterable[CreditEvent], *, policy: CreditPolicy, today: date) -> Standing:
    """The score of ``today``'s year and the sanction in force on ``today``.

    Removal is final. A suspension runs ``suspension_months`` from the day of the event that took the
    year's score below the line, across a new year if need be. A warning lasts while the year's score
    stays below its line, and so does one that follows a suspension which has run its months.
    """
    ledger = [e for e in events if e.day <= today]
    changes = sanction_changes(ledger, policy=policy, today=today)
    score = credit_score(ledger, year=today.year, policy=policy)
    ends = [c.until for c in changes if c.until is not None and c.until > today]
    if any(c.sanction is Sanction.REMOVED for c in changes):
        return Standing(score, Sanction.REMOVED, None, changes)
    if ends:
        return Standing(score, Sanction.SUSPENDED, max(ends), changes)
    lasting = Sanction.WARNING if score < policy.warning_below else Sanction.NONE
    return Standing(score, lasting, None, changes)


def _counted(events: Iterable[CreditEvent]) -> list[CreditEvent]:
    """The events that count: one expert's, neither reversals nor reversed."""
    ledger = list(events)
    if len({e.expert_id for e in ledger}) > 1:
        raise ValidationError("一本信用台账只属于一位专家")
    reversed_ids = {e.reversal_of for e in ledger if e.kind is EventKind.REVERSAL}
    return [
        e for e in ledger if e.kind is not EventKind.REVERSAL and not e.reversed and e.id not in reversed_ids
    ]


def _add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it is shorter (31 Aug + 6 = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
