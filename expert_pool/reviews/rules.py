"""The review meeting's rules as data and small pure functions (no database).

Sources: 建办质〔2018〕31号 part 四 (who attends a review meeting; the three points experts examine);
Decree 37 Art. 12-13 (at least 5 experts; a unanimous conclusion, signed by the experts); DOMAIN.md
section 6 (the signing deadline is a credit event) and the **policy** values named where used.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from expert_pool.reviews.models import Conclusion

# 建办质〔2018〕31号 四（二）: what the experts examine, one point each, with the checklist an expert ticks.
REVIEW_POINTS: dict[str, tuple[str, dict[str, str]]] = {
    "1": ("专项施工方案内容是否完整、可行", {
        "sections": "方案包含规定的九项内容",
        "method": "施工工艺、方法可行",
        "resources": "施工计划及材料设备、人员配置满足要求",
        "emergency": "应急处置措施具体可行",
    }),
    "2": ("专项施工方案计算书和验算依据、施工图是否符合有关标准规范", {
        "calculation": "计算书完整，计算模型和荷载取值正确",
        "basis": "验算依据的标准规范适用且现行有效",
        "drawings": "施工图纸齐全，与计算书一致",
    }),
    "3": ("专项施工方案是否满足现场实际情况，并能够确保施工安全", {
        "site": "方案与现场条件、周边环境相符",
        "measures": "安全保证措施和监测监控措施到位",
        "acceptance": "验收要求明确可操作",
    }),
}  # fmt: skip

# 建办质〔2018〕31号 四（一）: who attends a review meeting besides the experts.
ATTENDEE_ROLES: dict[str, str] = {
    "owner_lead": "建设单位项目负责人",
    "survey_lead": "勘察单位项目技术负责人",
    "design_lead": "设计单位项目技术负责人",
    "contractor_tech_lead": "总承包单位技术负责人或授权委派的专业技术人员",
    "subcontractor_tech_lead": "分包单位技术负责人或授权委派的专业技术人员",
    "project_manager": "项目负责人",
    "project_tech_lead": "项目技术负责人",
    "plan_author": "专项施工方案编制人员",
    "safety_officer": "项目专职安全生产管理人员",
    "chief_supervisor": "总监理工程师",
    "specialist_supervisor": "专业监理工程师",
}
# The ones a meeting cannot do without: the owner, the builder's side and the chief supervisor.
REQUIRED_ATTENDEES = (
    "owner_lead",
    "contractor_tech_lead",
    "project_manager",
    "plan_author",
    "chief_supervisor",
)

FINDINGS_MAX = 2000
# What an expert ticks to propose 通过 although he marked a checklist item failed (see check_pass_acknowledged).
PASS_DESPITE_FAILED = "我确认在有不符合项的情况下仍提出通过"
CHANGE_MAX = 1000
RESPONSE_MAX = 2000


@dataclass(frozen=True)
class Lead:
    """How many whole days before the meeting the materials reached an expert, against the policy minimum."""

    days: int
    minimum: int

    @property
    def short(self) -> bool:
        return self.days < self.minimum


def lead_days(available: datetime, meeting: datetime, *, minimum: int) -> Lead:
    """Calendar days between the day the plan became available and the meeting day (same zone)."""
    return Lead((meeting.date() - available.astimezone(meeting.tzinfo).date()).days, minimum)


def sign_deadline(held_on: date, *, days: int) -> date:
    """DOMAIN 6 (**policy** ``report_sign_days``): the last day on which the report may still be signed."""
    return held_on + timedelta(days=days)


def unsigned(panel: Iterable[int], signed: Iterable[int]) -> list[int]:
    """Decree 37 Art. 13: a report is final only when every seated expert has signed it."""
    done = set(signed)
    return [e for e in panel if e not in done]


def check_panel_size(present: int, required: int) -> str | None:
    """Decree 37 Art. 12: at least the policy's panel size (never fewer than 5) of experts took part."""
    if present < required:
        return f"参加论证的专家仅{present}名，不少于{required}名方可形成论证结论（住建部令第37号第十二条）"
    return None


def check_opinion(checks: Mapping[str, Mapping[str, bool]], findings: Mapping[str, str]) -> str | None:
    """Every point answered: each checklist item ticked yes or no, findings within length."""
    for point, (title, items) in REVIEW_POINTS.items():
        answered = checks.get(point, {})
        if set(answered) != set(items):
            return f"请逐项勾选“{title}”的检查项"
        if len(findings.get(point, "")) > FINDINGS_MAX:
            return f"“{title}”的意见不超过{FINDINGS_MAX}字"
    return None


@dataclass(frozen=True)
class PointTally:
    """How many checklist items of one point an expert marked met and failed, and which failed."""

    met: int
    failed: tuple[str, ...]  # the failed items' labels, in checklist order


def tally_checks(checks: Mapping[str, Mapping[str, bool]]) -> dict[str, PointTally]:
    """Per review point: the items ticked 符合 and those ticked 不符合 (items not answered count as neither)."""
    tallies = {}
    for point, (_, items) in REVIEW_POINTS.items():
        answered = checks.get(point, {})
        met = sum(1 for key in items if answered.get(key) is True)
        tallies[point] = PointTally(
            met, tuple(label for key, label in items.items() if answered.get(key) is False)
        )
    return tallies


def needs_pass_acknowledgement(proposed: Conclusion, checks: Mapping[str, Mapping[str, bool]]) -> bool:
    """A 通过 proposal while a checklist item is marked failed (Decree 37 Art. 13: the expert answers for his
    opinion) is accepted only when the expert confirms he means it."""
    return proposed is Conclusion.PASS and any(t.failed for t in tally_checks(checks).values())


def check_pass_acknowledged(
    proposed: Conclusion, checks: Mapping[str, Mapping[str, bool]], *, acknowledged: bool
) -> str | None:
    """The message refusing a 通过 proposal with failed items that the expert did not explicitly confirm."""
    if needs_pass_acknowledgement(proposed, checks) and not acknowledged:
        return (
            f"建议结论为“{Conclusion.PASS.label}”但有检查项为“不符合”：请勾选“{PASS_DESPITE_FAILED}”后再提交，"
            "或修改检查项或建议结论"
        )
    return None


def check_changes(conclusion: Conclusion, changes: list[str]) -> str | None:
    """修改后通过 and 不通过 say what must change (Art. 13: the plan is revised by the report)."""
    if conclusion is not Conclusion.PASS and not changes:
        return f"结论为“{conclusion.label}”时须列出修改意见"
    if any(not c.strip() for c in changes):
        return "修改意见不能为空"
    if any(len(c) > CHANGE_MAX for c in changes):
        return f"每条修改意见不超过{CHANGE_MAX}字"
    return None


def unanswered(change_numbers: Iterable[int], responses: Mapping[int, str]) -> list[int]:
    """Art. 13 after 修改后通过: a point-by-point response to every required change."""
    return [n for n in change_numbers if not responses.get(n, "").strip()]
