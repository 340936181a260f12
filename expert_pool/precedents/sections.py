"""Which of the nine required sections of a plan (建办质〔2018〕31号 三) a problem concerns, read from its words.

A wording that names a section as missing (方案缺少“验收要求”内容: ``terms.named_section``) concerns it. Otherwise the
section whose cue words it holds, asked in the order of ``PRIORITY``: a finding about a calculation or a drawing
(验算, 计算书, 详图) concerns 计算书及相关施工图纸 whatever it calculates, an emergency one 应急处置措施, then
acceptance, the safety and monitoring measures, the staff, the schedule, the basis and the overview; what is
left (the method: 顺序, 工艺, 开挖) concerns 施工工艺技术. The cue words are the headings' own key phrases
(``knowledge.plans.sections``) and the words findings use for each section's contents (``EXTRA_CUES``).
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Mapping

from expert_pool.precedents.terms import key_terms, named_section
from knowledge.plans.sections import SECTIONS
from search_index.analysis import normalize

METHOD_SECTION = 4
PRIORITY: tuple[int, ...] = (9, 8, 7, 5, 6, 3, 2, 1)

EXTRA_CUES: Mapping[int, tuple[str, ...]] = {
    1: ("周边环境", "环境调查", "管线调查", "地质条件", "水文地质", "勘察"),
    2: ("编制依据", "废止", "作废", "过期", "现行"),
    3: ("进度计划", "工期", "材料计划", "设备计划", "进场计划", "设备进场", "材料进场"),
    5: ("报警值", "预警值", "控制值", "观测", "防护", "防坠", "防倾覆", "安全装置", "警戒", "保护措施", "回灌",
        "防碰撞", "限位", "通风", "有害气体", "扬尘", "交底", "巡视", "专人监护", "安全措施"),
    6: ("特种作业", "持证", "架子工", "分工", "配备", "人员配置", "专职安全"),
    7: ("验收",),
    8: ("应急", "预案", "险情", "抢险", "救援", "医院"),
    9: ("计算书", "验算", "计算", "核算", "计算模型", "详图", "节点图", "布置图", "剖面图", "平面图", "附图", "图纸",
        "图中", "抗隆起", "整体稳定", "抗倾覆", "抗滑移", "承载力", "嵌固深度"),
}  # fmt: skip


@functools.cache
def _cues() -> dict[int, tuple[str, ...]]:
    found: dict[int, tuple[str, ...]] = {}
    for section in SECTIONS:
        words = (*section.key_phrases, *EXTRA_CUES.get(section.number, ()))
        found[section.number] = tuple(dict.fromkeys(normalize(w) for w in words))
    return found


@functools.lru_cache(maxsize=65536)
def section_of(text: str) -> int:
    """The section (1-9) a finding's wording concerns."""
    # The canonical terms too: 入土深度 is 嵌固深度.
    folded = normalize(text) + "|" + "|".join(key_terms(text))
    named = named_section(text)
    if named is not None:
        return named
    cues = _cues()
    for number in PRIORITY:
        if any(cue in folded for cue in cues[number]):
            return number
    return METHOD_SECTION


def section_of_group(wordings: Iterable[tuple[str, int]]) -> int:
    """The section most of a problem's occurrences concern ((wording, count) pairs); the lower number on a tie."""
    votes: Counter[int] = Counter()
    for text, count in wordings:
        votes[section_of(text)] += count
    if not votes:
        return METHOD_SECTION
    return min(votes, key=lambda n: (-votes[n], n))
