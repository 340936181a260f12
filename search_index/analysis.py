"""Chinese text analysis for the index: a private jieba tokenizer with the domain dictionary, and synonyms."""

from __future__ import annotations

import functools
import itertools
import logging
import re
import threading
import time
from collections.abc import Iterator
from typing import Any

import jieba
from whoosh.analysis import Token, Tokenizer

from search_index import normalize as _normalize

# Bump when the dictionary or the tokenization changes: every document's version hash changes with it, so
# SearchIndex.check() reports the whole index stale and a rebuild follows.
ANALYSIS_VERSION = "5"

# Terms of 建办质〔2018〕31号 and of the JGJ/GB standards that plans cite, kept whole by the segmenter. Only
# nouns: a compound such as 基坑开挖 would win over 深基坑 in 深基坑开挖 (深/基坑开挖), so actions stay apart.
_TERM_TEXT = """
基坑: 深基坑 超深基坑 钻孔灌注桩 灌注桩 排桩 双排桩 咬合桩 支护桩 钢板桩 拉森钢板桩 SMW工法桩 型钢水泥土搅拌墙
  三轴搅拌桩 水泥土搅拌桩 搅拌桩 高压旋喷桩 旋喷桩 地下连续墙 地连墙 钢支撑 内支撑 混凝土支撑 冠梁 腰梁 围檩
  止水帷幕 轻型井点降水 管井降水 深井降水 土钉墙 桩锚支护 预应力锚索 锚索 锚杆 立柱桩 格构柱 逆作法 坑中坑
  钢栈桥 人工挖孔桩 沉井
模板: 高支模 高大模板 高大模板支撑体系 高大模板支撑系统 模板支撑体系 模板支架 满堂支撑架 满堂脚手架
  扣件式钢管脚手架 扣件式钢管支撑 碗扣式脚手架 滑模 爬模 飞模 隧道模 铝合金模板 承重支撑体系 剪刀撑 扫地杆
  可调托撑 集中线荷载 施工总荷载
起重: 塔式起重机 塔吊 塔机 施工升降机 施工电梯 物料提升机 汽车起重机 汽车吊 履带起重机 履带吊 门式起重机 龙门吊
  桥式起重机 缆索起重机 架桥机 起重吊装 起重机械 附着装置 顶升加节 双机抬吊 卷扬机 钢丝绳
脚手架: 落地式钢管脚手架 落地式脚手架 落地架 悬挑式脚手架 悬挑脚手架 悬挑架 型钢悬挑脚手架 附着式升降脚手架
  附着升降脚手架 爬架 盘扣式脚手架 盘扣脚手架 盘扣架 承插型盘扣式钢管脚手架 承插型盘扣式钢管支架 异型脚手架
  盘扣 盘扣式 扣件式 碗扣式 高处作业吊篮 吊篮 卸料平台 悬挑式卸料平台 操作平台 连墙件 悬挑工字钢 临边防护
其它: 爆破拆除 静力切割 盾构 盾构法 盾构机 顶管 顶管法 矿山法 浅埋暗挖 移动模架 挂篮 幕墙 建筑幕墙 玻璃幕墙
  网架 索膜 索膜结构 膜结构 装配式建筑 预制构件 有限空间作业
方案: 危大工程 超危大工程 超过一定规模 专项施工方案 专项方案 专家论证 论证报告 修改后通过 不通过 应急预案
  监测方案 安全技术交底 施工组织设计 计算书
"""
DOMAIN_TERMS: tuple[str, ...] = tuple(w for w in _TERM_TEXT.split() if not w.endswith(":"))

# Query-time synonyms, one group a line: a word of a group finds documents that use any word of its group.
_SYNONYM_TEXT = """
高支模 高大模板支撑体系 高大模板 高大模板支撑系统
爬架 附着式升降脚手架 附着升降脚手架
塔吊 塔式起重机 塔机
盘扣架 盘扣式脚手架 盘扣脚手架 承插型盘扣式钢管脚手架 承插型盘扣式钢管支架
施工电梯 施工升降机
吊篮 高处作业吊篮
汽车吊 汽车起重机
履带吊 履带起重机
龙门吊 门式起重机
悬挑架 悬挑式脚手架 悬挑脚手架
落地架 落地式脚手架 落地式钢管脚手架
地连墙 地下连续墙
SMW工法桩 型钢水泥土搅拌墙
旋喷桩 高压旋喷桩
搅拌桩 水泥土搅拌桩
管井降水 深井降水
专项方案 专项施工方案
超危大工程 超过一定规模
模板支撑体系 模板支撑系统
支护 围护
支护结构 围护结构
安装拆卸 安拆 装拆
防坠落装置 防坠装置
"""
SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = tuple(
    tuple(line.split()) for line in _SYNONYM_TEXT.strip().splitlines()
)

# One-way: a broader word also finds its narrower ones, never the reverse.
# A narrower word brings its synonyms along (起重机械 finds 塔吊 through 塔式起重机).
NARROWER: dict[str, tuple[str, ...]] = {
    "深基坑": ("超深基坑",),
    "脚手架": ("爬架", "盘扣架", "悬挑架"),
    # The supports of JGJ 162-2008 (模板支架), JGJ 130-2011 (满堂支撑架) and JGJ/T 231-2021 (盘扣式支架).
    "模板支撑体系": ("模板支架", "满堂支撑架", "承插型盘扣式钢管支架", "扣件式钢管支撑", "承重支撑体系"),
    # 建筑起重机械 of 建设部令第166号 and the mobile cranes of 建办质〔2018〕31号's 起重吊装 works.
    "起重机械": (
        "塔式起重机",
        "施工升降机",
        "物料提升机",
        "门式起重机",
        "桥式起重机",
        "缆索起重机",
        "架桥机",
        "汽车起重机",
        "履带起重机",
    ),
    # The hoist's anti-fall device (JGJ 215-2010) is one kind of 防坠落装置.
    "防坠落装置": ("防坠安全器",),
}

# Terms whose parts would change their meaning: 不通过 must not be found by 通过.
OPAQUE_TERMS = frozenset({"不通过"})

STOP_WORDS = frozenset("的了和与及或等之其在对为将把被并是") | {"a", "an", "and", "of", "the", "to"}

# High enough that a domain term beats any split of itself in context, low enough not to swallow neighbours
# (屋顶管道 stays 屋顶/管道 although 顶管 is a term): jieba's own top words are around 10^5-10^6.
TERM_FREQ = 3000

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_SENTENCE_END = re.compile(r"(?<=[\n。；！？])")
_NUMBER = re.compile(r"[0-9.]+")
_DECIMAL = re.compile(r"(\d+)\.\d+")
_ASCII_RUN = re.compile(r"[a-z0-9]+(?:\.[0-9]+)?")
_init_lock = threading.Lock()

jieba.setLogLevel(logging.WARNING)


def normalize(text: str) -> str:
    """``search_index.normalize.fold``: half-width, lower case, simplified script, one character for one."""
    return _normalize.fold(text)


def _build() -> jieba.Tokenizer:
    segmenter = jieba.Tokenizer()
    segmenter.initialize()
    for term in _all_terms():
        segmenter.add_word(term, freq=max(TERM_FREQ, segmenter.suggest_freq(term, False)))
    return segmenter


def _all_terms() -> list[str]:
    words = set(DOMAIN_TERMS) | {w for group in SYNONYM_GROUPS for w in group}
    words |= {w for broad, words in NARROWER.items() for w in (broad, *words)}
    return sorted(normalize(w) for w in words)


_segmenter: jieba.Tokenizer | None = None


def segmenter() -> jieba.Tokenizer:
    """The private jieba tokenizer with the domain dictionary; the global ``jieba.dt`` is never touched."""
    global _segmenter
    if _segmenter is None:
        with _init_lock:
            if _segmenter is None:
                _segmenter = _build()
    return _segmenter


def warm_up() -> float:
    """Load jieba's dictionary now (about half a second) rather than on the first search; returns seconds."""
    started = time.perf_counter()
    segmenter()
    return time.perf_counter() - started


def is_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def _is_word(token: str) -> bool:
    return any(ch.isalnum() for ch in token) and token not in STOP_WORDS


def words(text: str) -> Iterator[tuple[str, int, int]]:
    """Accurate-mode words of the normalized text as (word, start, end), stop words and punctuation left out;
    spaces between two Chinese characters are not read (``normalize.squeeze``), offsets are the text's."""
    start = 0
    joined, kept = _normalize.squeeze(normalize(text))
    for sentence in _SENTENCE_END.split(joined):
        for word, is_word in _cut(sentence) if len(sentence) <= 500 else _segment(sentence):
            end = start + len(word)
            if is_word:
                yield (word, start, end) if kept is None else (word, kept[start], kept[end - 1] + 1)
            start = end


def _segment(sentence: str) -> tuple[tuple[str, bool], ...]:
    return tuple((word, _is_word(word)) for word in segmenter().cut(sentence))


# The body and pairs fields cut the same text, and plans share boilerplate: cut each sentence once. jieba cuts
# every run of CJK/ASCII characters on its own, so splitting at 。 or a line break changes no segmentation.
_cut = functools.lru_cache(maxsize=8192)(_segment)


# Words of whole texts known ahead: a rebuild's writer process puts here, per batch, what the segmentation
# cache (``segcache``) holds for the batch's texts, and clears it after the batch.
known_words: dict[str, list[str]] = {}


def word_list(text: str) -> list[str]:
    """The words of ``words(text)`` without their offsets: what indexing needs, several times faster."""
    if (known := known_words.get(text)) is not None:
        return known
    found: list[str] = []
    for sentence in _SENTENCE_END.split(_normalize.squeeze_text(normalize(text))):
        found.extend(_sentence_words(sentence) if len(sentence) <= 500 else _real_words(sentence))
    return found


def _real_words(sentence: str) -> tuple[str, ...]:
    return tuple(word for word, is_word in _segment(sentence) if is_word)


# Indexing's own cache (a rebuild would otherwise push the queries' sentences out of ``_cut``).
_sentence_words = functools.lru_cache(maxsize=16384)(_real_words)


def query_words(text: str) -> list[str]:
    """The words of a query; a document or standard number (建质〔2009〕87号, JGJ 120-2012) as its one canonical
    token (``normalize.number_tokens``) in place of the words it was cut into."""
    numbers = _normalize.number_tokens(normalize(text), query=True)
    if not numbers:
        return [word for word, _, _ in words(text)]
    found: list[str] = []
    placed: set[int] = set()
    for word, start, end in words(text):
        spans = [i for i, (_, a, b) in enumerate(numbers) if a < end and start < b]
        if not spans:
            found.append(word)
        for i in spans:
            if i not in placed:
                placed.add(i)
                found.append(numbers[i][0])
    return found


@functools.lru_cache(maxsize=65536)
def subwords(word: str) -> tuple[str, ...]:
    """Dictionary words inside a longer word (基坑 in 深基坑), and the ASCII runs of a mixed word (smw).

    A word jieba's HMM made up (预加轴力, in no dictionary) may have been cut anywhere, so all its pieces count.
    A decimal gives its whole part: plans write the φ48 tube of everyday speech as φ48.3 (JGJ 130).
    """
    if decimal := _DECIMAL.fullmatch(word):
        return (decimal.group(1),)
    if prefixes := _normalize.code_prefixes(word):
        return prefixes
    if len(word) < 3 or not is_cjk(word) or word in OPAQUE_TERMS:
        return ()
    freq = segmenter().FREQ
    is_known = freq.get(word, 0) > 0
    found = [
        word[i:j]
        for i in range(len(word))
        for j in range(i + 2, len(word) + 1)
        if j - i < len(word) and (freq.get(word[i:j], 0) > 0 or not is_known and is_cjk(word[i:j]))
    ]
    found += [run for run in _ASCII_RUN.findall(word) if run != word]
    return tuple(dict.fromkeys(found))


def expand(word: str) -> tuple[str, ...]:
    """The word, its synonyms and its narrower words: what a query word may match."""
    word = normalize(word)
    return (word, *(w for w in _synonyms().get(word, ()) if w != word), *_normalize.alternatives(word))


@functools.cache
def _synonyms() -> dict[str, tuple[str, ...]]:
    table: dict[str, tuple[str, ...]] = {}
    for group in SYNONYM_GROUPS:
        for word in group:
            table[normalize(word)] = tuple(normalize(w) for w in group)
    for broad, narrow in NARROWER.items():
        narrower = [w for n in narrow for w in table.get(normalize(n), (normalize(n),))]
        table[broad] = tuple(dict.fromkeys((*table.get(broad, (broad,)), *narrower)))
    return table


class _BaseTokenizer(Tokenizer):  # type: ignore[misc]
    """Yields Whoosh tokens; holds no jieba state, so the pickled schema stays small."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and vars(other) == vars(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def terms(self, text: str, mode: str) -> Iterator[tuple[str, int]]:
        raise NotImplementedError

    def __call__(self, value: str, positions: bool = False, mode: str = "", **kwargs: Any) -> Iterator[Token]:
        token = Token(positions=positions, chars=False, removestops=False, mode=mode, **kwargs)
        token.boost = 1.0
        for text, pos in self.terms(value, mode):
            token.text = text
            token.pos = pos
            token.stopped = False
            yield token


class WordTokenizer(_BaseTokenizer):
    """Words, and at index time also their sub-words.

    No single characters: a one-character query (桩) is answered from the words that contain it
    (``query.Contains``). Indexing every character once per document made a fifth of all postings, and
    the build's time goes with the number of postings."""

    def terms(self, text: str, mode: str) -> Iterator[tuple[str, int]]:
        pos = -1
        for pos, (word, _, _) in enumerate(words(text)):
            if mode == "index":
                for sub in subwords(word):
                    yield sub, pos
            yield word, pos
        if mode == "index":
            for token in _normalize.index_tokens(text):
                yield token, pos + 1

    def index_terms(self, text: str) -> list[str]:
        """``terms(text, "index")`` without positions, built as a list: the rebuild's hot path."""
        found: list[str] = []
        for word in word_list(text):
            found.extend(subwords(word))
            found.append(word)
        found.extend(_normalize.index_tokens(text))
        return found


class PairTokenizer(_BaseTokenizer):
    """Adjacent word pairs ("深基坑 开挖"): a quoted phrase becomes terms, not a slow positional match.

    The left word may be any suffix sub-word and the right one any prefix sub-word, so the phrase 基坑开挖
    (segmented 基坑/开挖 on its own) still finds 深基坑开挖 (segmented 深基坑/开挖 in context). Numbers make
    no pairs: "深度 15.2" would be a term of its own in nearly every document and doubled the field's size.
    """

    def terms(self, text: str, mode: str) -> Iterator[tuple[str, int]]:
        previous: list[str] = []
        for pos, (word, _, _) in enumerate(words(text)):
            if not is_pairable(word):
                previous = []
                continue
            subs = subwords(word) if mode == "index" else ()
            for left, right in itertools.product(previous, [word, *(s for s in subs if word.startswith(s))]):
                yield pair(left, right), pos
            previous = [word, *(s for s in subs if word.endswith(s))]

    def index_terms(self, text: str) -> list[str]:
        """``terms(text, "index")`` without positions, built as a list: the rebuild's hot path."""
        found: list[str] = []
        previous: tuple[str, ...] = ()
        for word in word_list(text):
            sides = _pair_sides(word)
            if sides is None:
                previous = ()
                continue
            rights, lefts = sides
            if previous:
                found.extend([f"{left} {right}" for left in previous for right in rights])
            previous = lefts
        return found


@functools.lru_cache(maxsize=65536)
def _pair_sides(word: str) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """What a word can be on the right of a pair (itself or a prefix sub-word) and on the left (itself or a
    suffix sub-word); None for a number, which makes no pairs."""
    if not is_pairable(word):
        return None
    subs = subwords(word)
    return (word, *(s for s in subs if word.startswith(s))), (word, *(s for s in subs if word.endswith(s)))


def is_pairable(word: str) -> bool:
    return _NUMBER.fullmatch(word) is None


def pair(left: str, right: str) -> str:
    return f"{left} {right}"


def phrase_pairs(text: str) -> list[str]:
    """The pair terms a quoted phrase must all match; empty for a phrase of one word."""
    found = [word for word, _, _ in words(text)]  # as the index cut them: no canonical number tokens
    return [pair(a, b) for a, b in itertools.pairwise(found) if is_pairable(a) and is_pairable(b)]


def tokens(text: str, mode: str = "index") -> list[str]:
    """What the body field indexes for ``text``: for tests and for looking at the analysis."""
    return [term for term, _ in WordTokenizer().terms(text, mode)]
