"""The inspection checklist of a high-risk work: Decree 37's on-site duties, then the catalogue's major hazards.

The general items are the duties of chapter 4 (现场安全管理) of 《危险性较大的分部分项工程安全管理规定》
(住房和城乡建设部令第37号, 2018; amended by 第47号, 2019) that an inspector can see on site or in the records.
Their wording was checked against reprints of the decree (s.233.com 危大工程施工现场 summary, cooxue.com exam
key); the article numbers follow the decree's chapter 4 (14 公告, 15 交底, 16 按方案施工, 17 专职安全生产管理
人员监督, 18 监理专项巡视, 20 第三方监测, 21 验收). Art. 16 is the one DOMAIN.md 2.1 gives; the corpora held the
other articles' words but no copy that numbers them, so check those numbers against the gazetted text.
"""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.site.errors import ChecklistError
from knowledge.site.hazard_catalogue import (
    CURRENT_VERSION,
    HazardItem,
    category_label,
    clause_label,
    items_for_category,
)

DECREE_37 = "住房和城乡建设部令第37号"


@dataclass(frozen=True, slots=True)
class CheckItem:
    """One line of an inspection checklist; ``hazard_key`` is set when the line is a catalogue item."""

    key: str
    text: str
    clause: str
    hazard_key: str | None = None


def _decree(article: str) -> str:
    return f"{DECREE_37} 第{article}条"


GENERAL_ITEMS: tuple[CheckItem, ...] = (
    CheckItem("plan_followed", "施工现场按专项施工方案组织施工", _decree("十六")),
    CheckItem("briefings_recorded", "方案交底和安全技术交底记录齐全", _decree("十五")),
    CheckItem("acceptance_signed", "验收记录齐全并经签字", _decree("二十一")),
    CheckItem(
        "site_notices_posted",
        "公告危大工程名称、施工时间和具体责任人员，危险区域设置安全警示标志",
        _decree("十四"),
    ),
    CheckItem("safety_officer_on_site", "专职安全生产管理人员现场监督", _decree("十七")),
    CheckItem("supervisor_patrols", "监理单位专项巡视检查", _decree("十八")),
)

# Only works that need it (deep excavations above all) are monitored by a unit the owner engages (Art. 20).
MONITORING_ITEM = CheckItem("third_party_monitoring", "第三方监测按监测方案开展", _decree("二十"))


def checklist_for(
    category_code: str, needs_monitoring: bool, version: str = CURRENT_VERSION
) -> tuple[CheckItem, ...]:
    """The checklist of a work of ``category_code``: the general items, then its catalogue items in order.

    :raises CatalogueError: for a category or version the catalogue does not know.
    """
    general = GENERAL_ITEMS + ((MONITORING_ITEM,) if needs_monitoring else ())
    hazards = tuple(_hazard_check(h) for h in items_for_category(category_code, version))
    return general + hazards


def validate_item(
    category_code: str, needs_monitoring: bool, item_key: str, version: str = CURRENT_VERSION
) -> CheckItem:
    """The check item ``item_key`` of that work's checklist.

    :raises ChecklistError: when the key is not on the checklist (another category's hazard, the monitoring
        item of a work that needs none, or no item at all).
    """
    for check in checklist_for(category_code, needs_monitoring, version):
        if check.key == item_key:
            return check
    label = category_label(category_code)
    raise ChecklistError(f"检查项“{item_key}”不属于该类别的检查表（{label}，{category_code}）")


def _hazard_check(hazard: HazardItem) -> CheckItem:
    return CheckItem(hazard.key, hazard.wording, clause_label(hazard), hazard_key=hazard.key)
