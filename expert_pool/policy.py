"""The pool's policy values (DOMAIN 4-6, every number marked **policy**): defaults, stored overrides, edits."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from sqlalchemy.orm import Session

from expert_pool.conflicts.soft_limits import MIN_PAIR_LIMIT
from expert_pool.credit.ledger import credit_policy
from expert_pool.credit.rules import CREDIT_POLICY_BOUNDS, CREDIT_POLICY_LABELS, CreditPolicy
from knowledge import audit
from knowledge.cranes import spot_check_job
from knowledge.errors import ValidationError
from knowledge.settings import PolicySetting, check_bounds, coerce_value, stored_values
from knowledge.site import deadlines

MIN_PANEL_SIZE = (
    5  # Decree 37 Art. 12: a review meeting has at least 5 experts (draws.panel checks each draw)
)
MAX_PANEL_SIZE = 25  # no review meeting of the province seats more; above it is a typo, not a policy
MAX_WEIGHT_EXPONENT = 10.0  # beyond it a busy expert's weight nears 0: a ban rather than a lean


@dataclass(frozen=True)
class PoolPolicy:
    panel_size: int = 5  # Decree 37 Art. 12: at least 5
    complex_panel_size: int = 7  # DOMAIN 4: 7 for works flagged complex
    alternates: int = 3
    max_local: int = 2
    weight_exponent: float = 1.0  # fairness: weight = 1 / (1 + reviews in the last 12 months) ** exponent
    recent_window_days: int = 365
    annual_cap: int = 30
    credit_floor: int = 70  # DOMAIN 6: below 70 an expert is not drawn
    reply_hours: int = 24  # DOMAIN 4: an invitation's reply deadline
    reminder_hours: int = 6  # a reminder goes out this long before the reply deadline
    reveal_days_before: int = 1  # DOMAIN 4: names revealed the day before the meeting
    late_decline_hours: int = 24  # DOMAIN 4: a decline closer than this to the meeting is a credit event
    former_employment_years: int = 3  # DOMAIN 5, rule 2
    exclude_failed_panel: bool = True  # DOMAIN 5, rule 6
    max_same_constructor: int = 3  # DOMAIN 5, soft limit: reviews of one constructor's plans in 12 months
    max_pair_sittings: int = 3  # DOMAIN 5, soft limit: panels two experts shared in 12 months (0: no limit)
    materials_lead_days: int = 3  # materials reach the panel this many days before the meeting
    report_sign_days: int = 3  # DOMAIN 6: the report is signed within this many days after the meeting
    office_confirms_revision: bool = (
        False  # after 修改后通过: the office confirms the responses, not the leader
    )
    leader_by_office: bool = (
        False  # the draw office designates the panel's leader instead of the panel's vote
    )

    def __post_init__(self) -> None:
        if self.panel_size < MIN_PANEL_SIZE:
            raise ValidationError(
                f"论证专家不得少于{MIN_PANEL_SIZE}名（住建部令第37号第十二条），收到{self.panel_size}名",
                field="panel_size",
            )
        check_bounds(asdict(self), POLICY_BOUNDS, POLICY_LABELS)
        if self.complex_panel_size < self.panel_size:
            raise ValidationError(
                f"复杂工程论证专家人数（{self.complex_panel_size}名）不得少于论证专家人数（{self.panel_size}名）",
                field="complex_panel_size",
            )
        if self.max_pair_sittings != 0 and self.max_pair_sittings < MIN_PAIR_LIMIT:
            raise ValidationError(
                f"两名专家同组次数上限须为0（不限）或不少于{MIN_PAIR_LIMIT}", field="max_pair_sittings"
            )


# What the admin may set, (lowest, highest) of each number: the lowest are the rules' own floors (Decree 37
# Art. 12 for a panel), the highest keep a typo such as 999 from becoming the province's policy.
POLICY_BOUNDS: dict[str, tuple[float, float]] = {
    "panel_size": (MIN_PANEL_SIZE, MAX_PANEL_SIZE), "complex_panel_size": (MIN_PANEL_SIZE, MAX_PANEL_SIZE),
    "alternates": (0, 20), "max_local": (0, MAX_PANEL_SIZE), "weight_exponent": (0, MAX_WEIGHT_EXPONENT),
    "recent_window_days": (1, 3650), "annual_cap": (1, 366), "credit_floor": (0, 1000), "reply_hours": (1, 720),
    "reminder_hours": (0, 720), "reveal_days_before": (0, 30), "late_decline_hours": (0, 720),
    "former_employment_years": (0, 30), "max_same_constructor": (0, 1000), "max_pair_sittings": (0, 1000),
    "materials_lead_days": (0, 60), "report_sign_days": (0, 60),
}  # fmt: skip

POLICY_LABELS: dict[str, str] = {
    "panel_size": "论证专家人数", "complex_panel_size": "复杂工程论证专家人数", "alternates": "候补人数",
    "max_local": "本地专家上限", "weight_exponent": "公平性权重指数", "recent_window_days": "近期评审统计天数",
    "annual_cap": "年度评审上限", "credit_floor": "可抽取信用分下限", "reply_hours": "邀请答复时限（小时）", "reminder_hours": "答复截止前提醒（小时）",
    "reveal_days_before": "会前几天揭示名单", "late_decline_hours": "临时谢绝计信用的时限（小时）",
    "former_employment_years": "曾任职回避年限", "exclude_failed_panel": "不通过后原专家回避", "max_same_constructor": "12个月内评审同一施工单位方案上限",
    "max_pair_sittings": "近期评审统计期内两名专家同组次数上限（达到即尽量不再同组，0为不限）",
    "materials_lead_days": "材料提前送达天数", "report_sign_days": "会后签署论证报告期限（天）",
    "office_confirms_revision": "修改回复由抽取办公室确认（否则由专家组组长确认）",
    "leader_by_office": "专家组组长由抽取办公室指定（否则由到会专家推选）",
}  # fmt: skip


def pool_policy(session: Session) -> PoolPolicy:
    known = {f.name for f in fields(PoolPolicy)}
    stored = {
        k: coerce_value(PoolPolicy, k, v) for k, v in stored_values(session, "pool").items() if k in known
    }
    return PoolPolicy(**stored)


def set_policy(session: Session, group: str, values: dict[str, Any], *, actor_id: int | None) -> None:
    """Change policy values (admin); the whole set is validated before anything is stored."""
    if group == "pool":
        current = asdict(pool_policy(session))
        updated = {
            **current,
            **{
                k: coerce_value(PoolPolicy, k, v, POLICY_LABELS[k]) for k, v in values.items() if k in current
            },
        }
        PoolPolicy(**updated)
    elif group == "credit":
        current = credit_policy(session).to_dict()
        updated = {
            **current,
            **{
                k: coerce_value(CreditPolicy, k, v, CREDIT_POLICY_LABELS[k])
                for k, v in values.items()
                if k in current
            },
        }
        check_bounds(updated, CREDIT_POLICY_BOUNDS, CREDIT_POLICY_LABELS)
        CreditPolicy.from_dict(updated)
    elif group == deadlines.GROUP:
        current = deadlines.deadline_policy(session).to_dict()
        updated = deadlines.checked(deadlines.deadline_policy(session), values).to_dict()
    elif group == spot_check_job.GROUP:
        current = spot_check_job.policy_to_dict(spot_check_job.spot_check_policy(session))
        updated = spot_check_job.policy_to_dict(
            spot_check_job.checked(spot_check_job.policy_from_dict(current), values)
        )
    else:
        raise ValidationError(f"未知的政策组：{group}")
    changed = {k: v for k, v in updated.items() if current.get(k) != v}
    for key, value in changed.items():
        row = session.get(PolicySetting, f"{group}.{key}") or PolicySetting(key=f"{group}.{key}")
        row.value, row.updated_by = value, actor_id
        session.add(row)
    if changed:
        audit.record(session, actor_id=actor_id, action="policy_update", obj=("policy", group),
                     before={k: current[k] for k in changed}, after=changed)  # fmt: skip
    session.commit()
