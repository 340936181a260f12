"""The pool's policy values (DOMAIN 4-6, every number marked **policy**): defaults, stored overrides, edits."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from sqlalchemy.orm import Session

from expert_pool.conflicts.soft_limits import MIN_PAIR_LIMIT
from expert_pool.credit.ledger import credit_policy
from expert_pool.credit.rules import CreditPolicy
from expert_pool.settings import PolicySetting, coerce_value, stored_values
from knowledge import audit
from knowledge.errors import ValidationError


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

    def __post_init__(self) -> None:
        if self.panel_size < 5 or self.complex_panel_size < self.panel_size:
            raise ValidationError("论证专家不得少于5名（住建部令第37号第十二条）", field="panel_size")
        if self.max_local < 0 or self.alternates < 0 or self.annual_cap < 1 or self.reply_hours < 1:
            raise ValidationError("抽取政策的数值不能为负，年度上限和答复时限至少为1", field="max_local")
        if self.max_pair_sittings != 0 and self.max_pair_sittings < MIN_PAIR_LIMIT:
            raise ValidationError(
                f"两名专家同组次数上限须为0（不限）或不少于{MIN_PAIR_LIMIT}", field="max_pair_sittings"
            )


POLICY_LABELS: dict[str, str] = {
    "panel_size": "论证专家人数", "complex_panel_size": "复杂工程论证专家人数", "alternates": "候补人数",
    "max_local": "本地专家上限", "weight_exponent": "公平性权重指数", "recent_window_days": "近期评审统计天数",
    "annual_cap": "年度评审上限", "credit_floor": "可抽取信用分下限", "reply_hours": "邀请答复时限（小时）", "reminder_hours": "答复截止前提醒（小时）",
    "reveal_days_before": "会前几天揭示名单", "late_decline_hours": "临时谢绝计信用的时限（小时）",
    "former_employment_years": "曾任职回避年限", "exclude_failed_panel": "不通过后原专家回避", "max_same_constructor": "12个月内评审同一施工单位方案上限",
    "max_pair_sittings": "近期评审统计期内两名专家同组次数上限（达到即尽量不再同组，0为不限）",
    "materials_lead_days": "材料提前送达天数", "report_sign_days": "会后签署论证报告期限（天）",
    "office_confirms_revision": "修改回复由抽取办公室确认（否则由专家组组长确认）",
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
            **{k: coerce_value(PoolPolicy, k, v) for k, v in values.items() if k in current},
        }
        PoolPolicy(**updated)
    elif group == "credit":
        current = credit_policy(session).to_dict()
        updated = {**current, **{k: v for k, v in values.items() if k in current}}
        CreditPolicy.from_dict(updated)
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
