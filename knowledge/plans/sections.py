"""The nine required sections of a special construction plan, and advice on which a plan's text lacks.

Source: 住房城乡建设部办公厅《关于实施〈危险性较大的分部分项工程安全管理规定〉有关问题的通知》
(建办质〔2018〕31号), part 三「关于专项施工方案内容」: 危大工程专项施工方案的主要内容应当包括
(一) 工程概况 … (九) 计算书及相关施工图纸 (DOMAIN.md 2.2).

The check is advice shown to people, never a block: it looks for HEADINGS that name a section (a
numbered line such as 「第八章 应急处置措施」, or a short line with no sentence punctuation), so a
sentence that mentions 应急 in passing does not count. Choice to review: a table of contents (目录)
line such as 「第八章 应急处置措施……35」 counts as the section's heading, because a plan's own TOC
lists its headings; the report prefers a body heading when the plan has both.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class RequiredSection:
    """One required section: its number and title in the notice, and the headings real plans use for it."""

    number: int
    title: str
    contents: str
    key_phrases: tuple[str, ...]


SECTIONS: tuple[RequiredSection, ...] = (
    RequiredSection(
        1,
        "工程概况",
        "危大工程概况和特点、施工平面布置、施工要求和技术保证条件",
        ("工程概况", "工程概述", "项目概况", "项目概述", "工程简介", "项目简介", "概况"),
    ),
    RequiredSection(
        2,
        "编制依据",
        "法律法规、标准规范、施工图设计文件、施工组织设计等",
        ("编制依据", "编写依据", "编制说明", "编制原则", "标准规范", "法律法规"),
    ),
    RequiredSection(
        3,
        "施工计划",
        "施工进度计划、材料与设备计划",
        (
            "施工计划",
            "进度计划",
            "进度安排",
            "工期安排",
            "施工安排",
            "施工部署",
            "材料与设备",
            "材料计划",
            "设备计划",
        ),
    ),
    RequiredSection(
        4,
        "施工工艺技术",
        "技术参数、工艺流程、施工方法、操作要求、检查要求等",
        (
            "施工工艺",
            "工艺技术",
            "施工方法",
            "工艺流程",
            "施工流程",
            "技术参数",
            "施工技术",
            "操作要求",
            "检查要求",
        ),
    ),
    RequiredSection(
        5,
        "施工安全保证措施",
        "组织保障措施、技术措施、监测监控措施等",
        ("安全保证措施", "安全技术措施", "安全保障措施", "安全措施", "组织保障", "监测", "监控"),
    ),
    RequiredSection(
        6,
        "施工管理及作业人员配备和分工",
        "施工管理人员、专职安全生产管理人员、特种作业人员、其他作业人员等",
        ("人员配备", "人员配置", "劳动力", "管理人员", "作业人员", "岗位职责", "人员分工", "职责分工"),
    ),
    RequiredSection(
        7,
        "验收要求",
        "验收标准、验收程序、验收内容、验收人员等",
        ("验收",),
    ),
    RequiredSection(
        8,
        "应急处置措施",
        "应急处置措施",
        ("应急",),
    ),
    RequiredSection(
        9,
        "计算书及相关施工图纸",
        "计算书及相关施工图纸",
        ("计算书", "设计计算", "计算", "验算", "施工图", "附图", "图纸"),
    ),
)
SECTION_NUMBERS: tuple[int, ...] = tuple(section.number for section in SECTIONS)
SECTION_TITLES: Mapping[int, str] = MappingProxyType({section.number: section.title for section in SECTIONS})

# A numbered heading may carry a qualifier (「第五章 深基坑工程施工安全保证措施（组织保障、监测监控）」);
# an unnumbered line must be short to read as a heading (a wrapped sentence is not).
MAX_NUMBERED_HEADING = 40
MAX_UNNUMBERED_HEADING = 30

_CN_DIGITS = "一二三四五六七八九十百零〇两"
_NUMBERING = re.compile(
    rf"(?:第[0-9{_CN_DIGITS}]+(?:章|节|篇|部分|条|款)"  # 第八章, 第3节
    rf"|[{_CN_DIGITS}]+[、.]"  # 一、 八.
    rf"|\([0-9{_CN_DIGITS}]+\)"  # (一) (8) — also ⑻ and （八） after NFKC
    r"|[0-9]{1,2}(?:\.[0-9]{1,3})*(?![0-9])[、.)]?"  # 8 8. 8.1 8、 8) — also ⑧ and ８ after NFKC
    r"|[A-Za-z][、.)])"  # A. a)
)
# A TOC line ends with dot leaders (Word: a tab) and a page number: 「第八章 应急处置措施……35」.
_TOC_TAIL = re.compile(r"[\s.·・‧⋯…—_\-]+[0-9]{1,4}$")
_LEADERS = re.compile(r"[.·・‧⋯…—_]{2,}|\t")
_BULLETS = "#*•●○◆◇■□▲△►▶【】[]"
# Sentence punctuation (after NFKC: ，；！？ became ,;!?) and words that only sentences use; 应 as a
# modal verb, not in 应急 / 响应 / 供应 / 相应 / 应用; 由 as in 由项目经理组织验收.
_SENTENCE = re.compile(
    r"[。,;!?]|(?<![响供适对相反效回感答])应(?!急|用)|须(?!知)|由|详见|参见|见附|按照|根据|进行"
)
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class SectionReport:
    """Which required sections a plan's text has headings for; ``headings`` holds the line that matched."""

    found: tuple[int, ...]
    missing: tuple[int, ...]
    headings: Mapping[int, str]

    @property
    def is_complete(self) -> bool:
        return not self.missing

    @property
    def missing_titles(self) -> tuple[str, ...]:
        return tuple(SECTION_TITLES[number] for number in self.missing)


@dataclass(frozen=True)
class _Heading:
    line: str
    is_toc: bool
    body: str


def find_sections(text: str) -> SectionReport:
    """Report which of the nine required sections have a heading in ``text`` (advice, not a block)."""
    chosen: dict[int, _Heading] = {}
    for line in text.splitlines():
        heading = _parse_heading(line)
        if heading is None:
            continue
        for number in _matching_sections(heading.body):
            current = chosen.get(number)
            if current is None or (current.is_toc and not heading.is_toc):
                chosen[number] = heading
    found = tuple(number for number in SECTION_NUMBERS if number in chosen)
    missing = tuple(number for number in SECTION_NUMBERS if number not in chosen)
    headings = MappingProxyType({number: chosen[number].line for number in found})
    return SectionReport(found=found, missing=missing, headings=headings)


def section_title(number: int) -> str:
    """The notice's title of section ``number`` (1-9)."""
    return SECTION_TITLES[number]


def _parse_heading(raw: str) -> _Heading | None:
    """The line as a heading candidate, or None when it reads as a sentence or is too long."""
    line = unicodedata.normalize("NFKC", raw).strip()
    tail = _TOC_TAIL.search(line)
    is_toc = bool(tail and _LEADERS.search(tail.group()))
    # Removing every space also mends PDF text spaced out as 「工 程 概 况」.
    compact = _SPACES.sub("", line[: tail.start()] if tail else line).strip(_BULLETS)
    numbering = _NUMBERING.match(compact)
    body = compact[numbering.end() :] if numbering else compact
    body = body.strip(_BULLETS).rstrip(":").rstrip(".·・‧⋯…—_-")
    limit = MAX_NUMBERED_HEADING if numbering else MAX_UNNUMBERED_HEADING
    if not body or len(body) > limit or ":" in body or _SENTENCE.search(body):
        return None
    return _Heading(line=raw.strip(), is_toc=is_toc, body=body)


def _matching_sections(body: str) -> list[int]:
    return [section.number for section in SECTIONS if any(phrase in body for phrase in section.key_phrases)]


def section_texts(text: str) -> dict[int, str]:
    """The text of each required section the plan has a heading for, cut at the headings ``find_sections``
    chose (a section runs to the next chosen heading); empty when the text has none of them."""
    report = find_sections(text)
    numbers_of: dict[str, list[int]] = {}
    for number, line in report.headings.items():
        numbers_of.setdefault(line.strip(), []).append(number)
    found: dict[int, list[str]] = {}
    current: list[int] = []
    for line in text.splitlines():
        if line.strip() in numbers_of:
            current = numbers_of[line.strip()]
        for number in current:
            found.setdefault(number, []).append(line)
    return {number: "\n".join(lines) for number, lines in sorted(found.items())}
