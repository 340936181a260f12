"""The key terms of a finding, a required change or a hazard: what it is about, after normalisation, without
the boilerplate every review repeats (建议/应/补充/完善/未明确…), each term with the weight it carries.

The text is normalised and cut by the search index's Chinese analysis (``search_index.analysis``: NFKC, lower
case, simplified script, jieba with the domain dictionary). Two things are added on top, for the wording of
review findings rather than of search queries:

- ``FIELD_TERMS``: terms of the standards that findings turn on and that the segmenter cuts apart (抗隆起 is
  抗/隆起, 预警值 is 预警/值) or that findings write in several ways (预警值 = 报警值, 拆撑 = 换撑). They are
  matched first, longest first, and stand for their canonical form; the pre-check looks for every variant.
- Weights: a field term 1.5, an ordinary word 1, a ``GENERIC`` word 0.4 (a word that many different problems
  share: 验算, 措施, 间距, 基坑…, so that two findings are not the same problem because both ask for a 验算),
  a ``BOILERPLATE`` word 0 (dropped: the request and deficiency words of every finding and change).

Citations (建办质〔2018〕31号, JGJ 120-2012) are taken out before cutting: the normaliser of the search index
finds them (``search_index.normalize.number_tokens``), and a problem is never "the same" because two findings
cite the same notice.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from knowledge.plans.sections import SECTIONS
from search_index.analysis import SYNONYM_GROUPS, normalize, word_list
from search_index.normalize import number_tokens

FIELD_WEIGHT = 1.5
WORD_WEIGHT = 1.0
GENERIC_WEIGHT = 0.4

# canonical: its variants (the canonical form is a variant too). Variants are matched in the folded text.
_FIELD_TEXT = """
抗隆起: 抗隆起 坑底隆起
坑底: 坑底 基坑底部 坑底部
整体稳定: 整体稳定性 整体稳定 整体滑动
抗倾覆: 抗倾覆 倾覆
抗滑移: 抗滑移 抗滑
抗浮: 抗浮 上浮
抗渗流: 抗渗流 渗流稳定 抗突涌 突涌 管涌 流土
嵌固深度: 嵌固深度 入土深度 嵌固长度
勘察报告: 岩土工程勘察报告 岩土勘察报告 地质勘察报告 地勘报告 勘察报告 地勘资料 勘察资料
报警值: 报警值 预警值 警戒值 报警指标 预警指标 报警标准
控制值: 控制值 控制标准
监测点: 监测点 测点 观测点 监测点位
监测频率: 监测频率 监测频次 观测频率 观测频次
监测项目: 监测项目 监测内容
累计值: 累计值 累计变化量 累计变形
变化速率: 变化速率 变形速率
堆载: 堆载 超载 坑边荷载 地面荷载
换撑: 换撑 拆撑 支撑拆除
降水: 降水 降排水 井点降水
回灌: 回灌井 回灌
水位观测: 水位观测 观测井 水位观测井
周边建筑: 周边建筑物 周边建筑 邻近建筑物 邻近建筑 临近建筑物 临近建筑 既有建筑物 既有建筑 周边建（构）筑物 周边建构筑物
管线: 地下管线 管线
立杆: 立杆 立柱杆
扣件: 扣件
剪刀撑: 剪刀撑 竖向斜杆
扫地杆: 扫地杆
可调托撑: 可调托撑 可调托座 顶托 可调顶托
对拉螺栓: 对拉螺栓 对拉螺杆
后浇带: 后浇带
浇筑: 浇筑 浇捣
地基承载力: 地基承载力 地基承载能力 地耐力
附着: 附着装置 附着杆件 附着杆 附着支座 附着点 附墙装置 附墙支座 附墙 附着
防碰撞: 防碰撞 防碰 碰撞
吊索具: 吊索具 吊索 索具 钢丝绳 卸扣 吊具
吊耳: 吊耳 吊点
试吊: 试吊
顶升: 顶升加节 顶升
连墙件: 连墙件 连墙杆 拉结点
悬挑梁: 悬挑型钢梁 悬挑型钢 悬挑梁 悬挑工字钢 工字钢 型钢梁
锚固: 锚固段 锚固端 锚固螺栓 锚环 锚固
防坠: 防坠落装置 防坠装置 防坠安全器 防坠落 防坠
同步控制: 同步控制 同步升降 不同步
配重: 配重
卸料平台: 卸料平台 卸料台
限载: 限载 限重
应急: 应急救援预案 应急预案 应急处置措施 应急处置 应急措施 应急救援 应急
险情: 险情 突发情况
应急物资: 应急物资 抢险物资
编制依据: 编制依据
废止: 废止 作废 过期 失效 过时 非现行
验收: 验收
交底: 安全技术交底 技术交底 方案交底 交底
专职安全员: 专职安全生产管理人员 专职安全管理人员 专职安全员
特种作业: 特种作业人员 特种作业 持证上岗 持证
警戒区: 警戒区 警戒范围 警戒线 隔离区
有害气体: 有毒有害气体 有害气体 有毒气体
通风: 通风 送风
超前支护: 超前支护 超前小导管 超前管棚 超前注浆
端头加固: 端头加固
注浆: 同步注浆 注浆
拆除顺序: 拆除顺序 拆除次序
扬尘: 扬尘 降尘
不一致: 不一致 不符 不相符 不统一 不对应
不符合: 不符合 不满足
"""


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that many different problems share: they count, but little.
GENERIC = _words("""
验算 计算 计算书 稳定 稳定性 承载力 措施 施工 结构 设置 布置 安全 检查 作业 工程 强度 顺序 程序 人员 底部 顶部 上部 下部
数量 位置 范围 图 图纸 平面图 平面布置图 剖面图 节点 详图 参数 取值 基坑 支护 支护结构 围护 围护结构 模板 支架 支撑
支撑体系 模板支撑体系 模板支架 脚手架 架体 起重机械 吊装 拆除 周边 现场 工况 方法 工艺 流程 标准 规范 标准规范 条件
情况 影响 分析 控制 质量 材料 设备 机械 现行 版本 保护 防护 基础 不一致 监测 要点 部位 种类 形式 施工工艺 施工方法 工艺流程
单位 记录 过程 操作
""")

# The requests and deficiencies every finding and change is written with: they say nothing of the problem.
BOILERPLATE = _words("""
建议 应 应当 应该 须 需 需要 必须 宜 补充 完善 明确 细化 进一步 相关 有关 内容 方案 专项 施工方案 专项施工方案 专项方案
未 没有 无 缺少 缺乏 缺失 不足 不够 不明确 不具体 不完整 不全 不详 不清 不清楚 欠缺 未见 未经 未按 未能 漏 遗漏
提供 给出 说明 考虑 存在 问题 进行 按 按照 据此 并 及 等 其 中 处 时 各 个别 部分 重新 复核 核对 核实 核算 调整 修改
加强 确保 满足 符合 依据 表述 笼统 针对性 可操作性 不强 较 偏 偏大 偏小 过大 过小 已 对 采取 制定 编制 增设 更新
见 于 后 前 内 以 所 由 从 将 把 被 也 还 且 但 而 或 及时 具体 详细 充分 合理 要求 不 满足要求 一定 相应 对应 相符
中未 予以 结合 实际 本工程 本项目 项目 报审 落实 做好 严格 确定 情形 若干 多处 部分内容 一律 所有 全部 均 该 此 进
位于 表示 设定 中未见 图中 未在 文中 其中 当中 仍 尚 尚未 有待 引用 采用 选用 列出 列明 注明 标明 标注
不符合 规定 产生 引起 参加 发现 整改 责令 已责令 责令整改 限期 重大事故隐患 事故隐患 隐患 判定 判定为 重大 完成 方面
""")

# Write 验算 for every way findings say "check by calculation", 稳定 for 稳定性.
_WORD_CANONICAL = {
    "计算": "验算",
    "核算": "验算",
    "稳定性": "稳定",
    "计算书": "计算书",
    "规范": "规范",
    "标准规范": "规范",
}

_NUMBER = re.compile(r"^[0-9.]+[a-z%]*$")
_SEPARATOR = "\n"


@dataclass(frozen=True)
class FieldTerm:
    canonical: str
    variants: tuple[str, ...]


def _parse(text: str) -> tuple[FieldTerm, ...]:
    terms = []
    for line in text.strip().splitlines():
        head, _, rest = line.partition(":")
        variants = tuple(dict.fromkeys(normalize(v) for v in (head.strip(), *rest.split())))
        terms.append(FieldTerm(normalize(head.strip()), variants))
    return tuple(terms)


FIELD_TERMS: tuple[FieldTerm, ...] = _parse(_FIELD_TEXT)
VARIANTS: Mapping[str, tuple[str, ...]] = MappingProxyType({t.canonical: t.variants for t in FIELD_TERMS})


@functools.cache
def _field_pattern() -> re.Pattern[str]:
    variants = sorted({v for t in FIELD_TERMS for v in t.variants}, key=len, reverse=True)
    return re.compile("|".join(re.escape(v) for v in variants))


@functools.cache
def _canonical_of() -> dict[str, str]:
    table: dict[str, str] = {}
    for group in SYNONYM_GROUPS:  # the index's synonyms: 塔式起重机 → 塔吊, 施工升降机 → 施工电梯…
        for word in group:
            table[normalize(word)] = normalize(group[0])
    for term in FIELD_TERMS:
        for variant in term.variants:
            table[variant] = term.canonical
    table.update(_WORD_CANONICAL)
    return table


def canonical(word: str) -> str:
    return _canonical_of().get(word, word)


def variants(term: str) -> tuple[str, ...]:
    """Every spelling the pre-check looks for: a field term's variants, an index synonym's group, the term."""
    found = [*VARIANTS.get(term, ()), term]
    found += [w for w, c in _canonical_of().items() if c == term]
    return tuple(dict.fromkeys(found))


def weight(term: str) -> float:
    if term.startswith(SECTION_MARK):
        return FIELD_WEIGHT
    if term in BOILERPLATE:
        return 0.0
    if term in GENERIC:
        return GENERIC_WEIGHT
    if term in VARIANTS:
        return FIELD_WEIGHT
    return WORD_WEIGHT


# The characters of issuers' abbreviations (建办质, 苏建质安, 建质规, 住建部…): the normaliser cannot tell where an
# issuer starts in running text (按建办质〔2018〕31号), so the blanking runs back over these characters only.
ISSUER_CHARACTERS = frozenset("建办质安规苏住城乡部发函字令厅省市标委")
MAX_ISSUER = 6


def _without_citations(folded: str) -> str:
    """The folded text with document numbers (and their issuer) and standard numbers blanked out."""
    spans: dict[int, int] = {}
    for _, start, end in number_tokens(folded):
        spans[end] = max(spans.get(end, start), start)  # the shortest issuer ending of each number
    if not spans:
        return folded
    chars = list(folded)
    for end, start in spans.items():
        while start > 0 and end - start < MAX_ISSUER + 12 and folded[start - 1] in ISSUER_CHARACTERS:
            start -= 1
        chars[start:end] = _SEPARATOR * (end - start)
    return "".join(chars)


# A required section named as missing (建办质〔2018〕31号 三): its title quoted (方案缺少“验收要求”内容), or between
# 缺少/补充… and 内容/章节. The wording is then about the section, one term (章节:验收要求) in place of its words,
# so that "the plan lacks its acceptance section" is not the problem "the acceptance procedure is unclear".
SECTION_MARK = "章节:"


@functools.cache
def _section_pattern() -> re.Pattern[str]:
    titles = "|".join(
        re.escape(t) for t in sorted((normalize(s.title) for s in SECTIONS), key=len, reverse=True)
    )
    return re.compile(
        rf"[“\"「『]\s*(?P<quoted>{titles})\s*[”\"」』]"
        rf"|(?:缺少|缺|补充|增加|增补|无|未编制|未包含|没有)(?P<named>{titles})(?:内容|章节|一章|部分)"
    )


def named_section(text: str) -> int | None:
    """The required section a wording names as missing, if it does."""
    match = _section_pattern().search(normalize(text))
    if match is None:
        return None
    title = match.group("quoted") or match.group("named")
    return next(s.number for s in SECTIONS if normalize(s.title) == title)


@functools.lru_cache(maxsize=65536)
def key_terms(text: str) -> tuple[str, ...]:
    """The terms of ``text`` that say what it is about, canonical, in order, each once."""
    folded = _without_citations(normalize(text))
    found: list[str] = []
    for match in _section_pattern().finditer(folded):
        found.append(SECTION_MARK + (match.group("quoted") or match.group("named")))
        folded = folded[: match.start()] + _SEPARATOR * (match.end() - match.start()) + folded[match.end() :]
    cursor = 0
    pieces: list[str] = []
    for match in _field_pattern().finditer(folded):
        pieces.append(folded[cursor : match.start()])
        pieces.append(match.group())
        cursor = match.end()
    pieces.append(folded[cursor:])
    for index, piece in enumerate(pieces):
        if index % 2 == 1:  # a field term
            found.append(canonical(piece))
            continue
        for word in word_list(piece):
            if len(word) < 2 or _NUMBER.match(word):
                continue
            found.append(canonical(word))
    return tuple(t for t in dict.fromkeys(found) if weight(t) > 0)


def weighted(terms: Iterable[str]) -> dict[str, float]:
    return {t: weight(t) for t in terms if weight(t) > 0}


def content_terms(terms: Iterable[str]) -> tuple[str, ...]:
    """The terms that are not generic: what a problem can be recognised by in a plan."""
    return tuple(t for t in terms if weight(t) > GENERIC_WEIGHT)


# -- a text as the statements it makes ----------------------------------------------------------------

_SENTENCE_END = re.compile(r"[。；;！？!?\n]+")
# 1. 1、 (1) （一） ① 一、 at the start of a statement (or glued to the previous one: "…验算。2. 监测…").
_ENUMERATION = re.compile(r"^\s*(?:[(（]?[0-9一二三四五六七八九十]{1,2}[)）.、．]|[①-⑳])\s*")
_GLUED_ENUMERATION = re.compile(r"(?<=[^\s0-9.])\s*(?=(?:[0-9]{1,2}[.、．]|[①-⑳])[^0-9])")
MIN_STATEMENT = 4  # characters: shorter pieces are left-overs of punctuation (「见附图。」)
MAX_STATEMENT = 300

# A finding states a deficiency or asks for a change; an expert's "方案内容基本完整" under a point is neither.
# 不大于/不超过… are limits a plan sets, not deficiencies.
_DEFICIENCY = re.compile(
    r"未(?!来)|缺|无(?!误)|欠缺|遗漏|漏[项算列]|有误|错误|废止|过期|作废|失效|笼统|偏[大小高低少多紧短长]"
    r"|过[大小高低短长]|超[出过](?!规模)|不(?![大小]于|超过|低于|少于|多于|得|应|宜|仅|但|错)"
)
_VERBS = "补充|完善|细化|明确|增设|增加|调整|修改|复核|核对|核实|加密|更新|重新|注明|标明|标注"
# A change starts with its verb (补充…); a finding asks with a modal first (应在图中注明…, 建议进一步细化…).
_REQUEST = re.compile(
    rf"^(?:进一步)?(?:{_VERBS})|(?:应(?![急用])当?|须|需要?|建议|宜|请)[^，,。]{{0,12}}?(?:{_VERBS}|验算)"
)


@functools.lru_cache(maxsize=65536)
def statements(text: str) -> tuple[str, ...]:
    """The statements of a text: its sentences and enumerated items, without their numbering."""
    found = []
    for sentence in _SENTENCE_END.split(_GLUED_ENUMERATION.sub("\n", text or "")):
        sentence = _ENUMERATION.sub("", sentence).strip(" ，,、:：")
        if len(sentence) >= MIN_STATEMENT:
            found.append(sentence[:MAX_STATEMENT])
    return tuple(found)


@functools.lru_cache(maxsize=65536)
def is_problem(statement: str) -> bool:
    """Whether an expert's statement points at a problem (a deficiency, or a change it asks for)."""
    folded = normalize(statement)
    return bool(_DEFICIENCY.search(folded) or _REQUEST.search(folded))
