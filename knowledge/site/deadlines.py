"""The hazards' rectification deadlines as **policy**: days per level, stored with the other policy values and set
by the admin on the policy page (DOMAIN.md section 8: "Deadlines are policy (default: a major hazard 7 days,
others 15)"). A hazard keeps the deadline set when it was found; a change applies to hazards found afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from sqlalchemy.orm import Session

from knowledge.errors import ValidationError
from knowledge.settings import check_bounds, coerce_value, stored_values
from knowledge.site.hazard_loop import DEADLINE_DAYS, Level

GROUP = "site"
LABELS: dict[str, str] = {
    "major_days": "重大事故隐患整改期限（天）",
    "ordinary_days": "一般事故隐患整改期限（天）",
}
BOUNDS: dict[str, tuple[float, float]] = {"major_days": (1, 90), "ordinary_days": (1, 180)}


@dataclass(frozen=True)
class DeadlinePolicy:
    major_days: int = DEADLINE_DAYS[Level.MAJOR]
    ordinary_days: int = DEADLINE_DAYS[Level.ORDINARY]

    def __post_init__(self) -> None:
        check_bounds({"major_days": self.major_days, "ordinary_days": self.ordinary_days}, BOUNDS, LABELS)
        if self.major_days > self.ordinary_days:
            raise ValidationError("重大事故隐患的整改期限不应长于一般事故隐患", field="major_days")

    def days(self, level: Level) -> int:
        return self.major_days if level is Level.MAJOR else self.ordinary_days

    def to_dict(self) -> dict[str, int]:
        return {"major_days": self.major_days, "ordinary_days": self.ordinary_days}


def deadline_policy(session: Session) -> DeadlinePolicy:
    known = {f.name for f in fields(DeadlinePolicy)}
    stored = stored_values(session, GROUP)
    return DeadlinePolicy(**{k: coerce_value(DeadlinePolicy, k, v) for k, v in stored.items() if k in known})


def checked(current: DeadlinePolicy, values: dict[str, object]) -> DeadlinePolicy:
    """The policy with the submitted values, checked whole before anything is stored."""
    updated = {**current.to_dict(), **{k: coerce_value(DeadlinePolicy, k, v, LABELS[k])
                                       for k, v in values.items() if k in LABELS}}  # fmt: skip
    return DeadlinePolicy(**updated)
