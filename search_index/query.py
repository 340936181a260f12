"""Search requests and results, and the query language: Chinese or English field names, phrases, AND/OR/NOT."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from whoosh import query as wq

from search_index import expansion
from search_index.analysis import expand, is_cjk, is_pairable, normalize, phrase_pairs, query_words
from search_index.expansion import Contains as Contains
from search_index.normalize import join_numbers
from search_index.schema import TEXT_FIELDS

FIELD_ALIASES: dict[str, str] = {
    **dict.fromkeys(("标题", "题目", "title"), "title"),
    **dict.fromkeys(("单位", "企业", "unit", "units"), "unit"),
    **dict.fromkeys(("类别", "category"), "category"),
    **dict.fromkeys(("城市", "地市", "city"), "city"),
    **dict.fromkeys(("区县", "district"), "district"),
    **dict.fromkeys(("正文", "内容", "body", "text"), "body"),
    **dict.fromkeys(("结论", "conclusion"), "conclusion"),
    **dict.fromkeys(("等级", "verdict"), "verdict"),
    **dict.fromkeys(("年份", "年度", "year"), "year"),
    **dict.fromkeys(("种类", "文档类型", "kind"), "kind"),
}
# Codes of the document shape (documents.py) under the words people type.
CODE_LABELS: dict[str, dict[str, str]] = {
    "conclusion": {"通过": "pass", "修改后通过": "pass_after_revision", "不通过": "fail"},
    "kind": {"方案": "plan", "专项施工方案": "plan", "论证": "review", "专家论证": "review", "工程": "work"},
    "verdict": {"危大工程": "hazardous", "超危大工程": "over_scale", "超过一定规模": "over_scale"},
}
OPERATORS = {
    "AND": "and",
    "与": "and",
    "&&": "and",
    "OR": "or",
    "或": "or",
    "||": "or",
    "NOT": "not",
    "非": "not",
}
_QUOTES = str.maketrans({"“": '"', "”": '"', "「": '"', "」": '"', "『": '"', "』": '"'})
_LEXEME = re.compile(r'\s*(?:(?P<paren>[()])|"(?P<phrase>[^"]*)"|(?P<field>[^\s:()"]+):|(?P<word>[^\s()"]+))')
SORTS = ("relevance", "date")
# A strict AND of several words that finds fewer documents than this offers the OR of its words ("扩大检索").
BROADER_BELOW = 5


@dataclass(frozen=True)
class Allowed:
    """What the asking account may see: everything, or the union of these grants."""

    everything: bool = False
    cities: frozenset[str] = frozenset()
    enterprise_ids: frozenset[int] = frozenset()
    doc_ids: frozenset[str] = frozenset()
    expert_ids: frozenset[int] = frozenset()
    published: bool = False

    def __post_init__(self) -> None:
        for name in ("cities", "enterprise_ids", "doc_ids", "expert_ids"):
            object.__setattr__(self, name, frozenset(getattr(self, name)))

    @classmethod
    def all(cls) -> Allowed:
        return cls(everything=True)


@dataclass(frozen=True)
class Filters:
    city: str | None = None
    category: str | None = None
    verdict: str | None = None
    conclusion: str | None = None
    year: int | None = None
    enterprise: int | None = None
    kind: str | None = None

    def terms(self) -> list[tuple[str, str]]:
        """(field, value) pairs a document must all have."""
        values = {**vars(self), "enterprise_ids": self.enterprise}
        del values["enterprise"]
        return [(name, str(value)) for name, value in values.items() if value not in (None, "")]


@dataclass(frozen=True, kw_only=True)
class SearchRequest:
    allowed: Allowed | Literal["all"]
    q: str = ""
    filters: Filters = field(default_factory=Filters)
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20

    def __post_init__(self) -> None:
        if self.allowed == "all":
            object.__setattr__(self, "allowed", Allowed.all())
        if not isinstance(self.allowed, Allowed):
            raise TypeError("allowed must be an Allowed or 'all'")
        object.__setattr__(self, "page", max(1, int(self.page)))
        object.__setattr__(self, "per_page", min(100, max(1, int(self.per_page))))
        if self.sort not in SORTS:
            object.__setattr__(self, "sort", "relevance")


@dataclass(frozen=True)
class Hit:
    doc_id: str
    kind: str
    title: str
    url: str
    city: str
    category: str
    date: str
    score: float
    snippets: list[str]
    # The label of the passage each snippet comes from (a plan's section heading; see documents.section_anchor).
    places: list[str] = field(default_factory=list)
    # A plan's older versions found too, newest first, folded under this one (search_index.folding).
    older: list[OlderVersion] = field(default_factory=list)


@dataclass(frozen=True)
class OlderVersion:
    """An older version of a hit's plan: what the "另有 N 个历史版本" line links to."""

    doc_id: str
    title: str
    url: str
    date: str


@dataclass(frozen=True)
class SearchResult:
    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[Any, int]]]
    page: int
    per_page: int
    message: str = ""
    used_fallback: bool = False
    # When a strict AND found fewer than BROADER_BELOW documents, or partial matches fill its page: the OR of its
    # words ("扩大检索").
    broader_query: str = ""
    # The page where a strict AND's results run out is filled with documents holding only some of its words
    # (``View.partial``), ranked after every strict hit; ``partial_total`` is how many such documents exist.
    partial: list[Hit] = field(default_factory=list)
    partial_total: int = 0

    @property
    def few(self) -> bool:
        """Whether a strict AND found so few documents that the broader search is offered outright."""
        return bool(self.broader_query) and self.total < BROADER_BELOW

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass(frozen=True)
class ParsedQuery:
    query: wq.Query
    terms: tuple[str, ...]
    # The OR of a strict AND's words, offered when the AND finds few documents (``View.search``).
    broader: str = ""
    message: str = ""
    used_fallback: bool = False


class QuerySyntaxError(ValueError):
    """A query the parser cannot read; never leaves this module: the search falls back to plain words."""


def parse_query(text: str) -> ParsedQuery:
    """The Whoosh query for a search box string, and the words to highlight; never raises."""
    text = unicodedata.normalize("NFKC", join_numbers(text or "")).translate(_QUOTES).strip()
    if not text:
        return ParsedQuery(wq.Every(), ())
    try:
        tree = _Parser(_lex(text)).parse()
    except QuerySyntaxError as exc:
        words = _plain_words(text)
        shown = " ".join(words) or "（空）"
        message = f"未能理解查询语法（{exc}），已按关键词“{shown}”检索。"
        tree = ("and", [("word", w, None) for w in words])
        return ParsedQuery(*_compile_top(tree), message=message, used_fallback=True)
    return ParsedQuery(*_compile_top(tree))


def _lex(text: str) -> list[tuple[str, str]]:
    tokens, pos = [], 0
    while pos < len(text):
        match = _LEXEME.match(text, pos)
        if match is None:
            if text[pos:].strip() == "":
                break
            raise QuerySyntaxError("引号未闭合")
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "word" and value in OPERATORS:
            kind, value = "op", OPERATORS[value]
        elif kind == "word" and value.startswith("-"):
            tokens.append(("op", "not"))
            kind, value = ("word", value[1:]) if len(value) > 1 else ("skip", "")
        elif kind == "field":
            value = value.lower()
        if kind != "skip":
            tokens.append((kind, value))
        pos = match.end()
    return tokens


def _plain_words(text: str) -> list[str]:
    text = re.sub(r'[^\s:()"]+:', " ", text)
    return [w for w in re.split(r'[\s()"]+', text) if w and w not in OPERATORS and w.strip("-")]


Node = tuple[Any, ...]


class _Parser:
    """or := and (OR and)* ; and := unary (AND? unary)* ; unary := NOT unary | atom ;
    atom := "(" or ")" | field ":" atom | "phrase" | word"""

    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise QuerySyntaxError("查询不完整")
        self.pos += 1
        return token

    def parse(self) -> Node:
        tree = self.parse_or(None)
        if self.peek() is not None:
            raise QuerySyntaxError("括号不配对")
        return tree

    def parse_or(self, fieldname: str | None) -> Node:
        items = [self.parse_and(fieldname)]
        while self.peek() == ("op", "or"):
            self.take()
            items.append(self.parse_and(fieldname))
        return items[0] if len(items) == 1 else ("or", items)

    def parse_and(self, fieldname: str | None) -> Node:
        items = [self.parse_unary(fieldname)]
        while (token := self.peek()) not in (None, ("paren", ")"), ("op", "or")):
            if token == ("op", "and"):
                self.take()
            items.append(self.parse_unary(fieldname))
        return items[0] if len(items) == 1 else ("and", items)

    def parse_unary(self, fieldname: str | None) -> Node:
        if self.peek() == ("op", "not"):
            self.take()
            if self.peek() in (None, ("paren", ")")):
                raise QuerySyntaxError("NOT 后缺少检索词")
            return ("not", self.parse_unary(fieldname))
        return self.parse_atom(fieldname)

    def parse_atom(self, fieldname: str | None) -> Node:
        kind, value = self.take()
        if (kind, value) == ("paren", "("):
            inner = self.parse_or(fieldname)
            if self.take() != ("paren", ")"):
                raise QuerySyntaxError("括号不配对")
            return inner
        if kind == "field":
            if value not in FIELD_ALIASES:
                raise QuerySyntaxError(f"没有“{value}”这个字段")
            if self.peek() is None or self.peek() == ("paren", ")"):
                raise QuerySyntaxError(f"“{value}:”后缺少检索词")
            return self.parse_atom(FIELD_ALIASES[value])
        if kind in ("word", "phrase"):
            return (kind, value, fieldname)
        raise QuerySyntaxError("括号不配对" if kind == "paren" else f"{value.upper()} 的位置不对")


def _compile_top(tree: Node) -> tuple[wq.Query, tuple[str, ...], str]:
    """The query, the words to highlight, and the OR of a strict AND's words (the broader search)."""
    terms: list[str] = []
    compiled = _compile(tree, terms)
    if compiled is None:
        return wq.NullQuery, (), ""
    if isinstance(compiled, wq.Not):
        compiled = wq.And([wq.Every(), compiled])
    texts = _plain_texts(tree)
    words = [w for t in texts for w in query_words(t) if not _is_char(w) or len(query_words(t)) == 1]
    if boost := expansion.adjacency(phrase_pairs(" ".join(texts))):
        compiled = wq.AndMaybe(compiled, boost)
    broader = " OR ".join(dict.fromkeys(words)) if len(set(words)) > 1 else ""
    return compiled, tuple(dict.fromkeys(terms)), broader


def _plain_texts(tree: Node) -> list[str]:
    """The words of a query that is only words (no field, phrase or operator), each as typed; else none."""
    leaves = tree[1] if tree[0] == "and" else [tree]
    if all(leaf[0] == "word" and leaf[2] is None for leaf in leaves):
        return [leaf[1] for leaf in leaves]
    return []


def _compile(node: Node, terms: list[str]) -> wq.Query | None:
    kind = node[0]
    if kind in ("and", "or"):
        parts = [q for q in (_compile(child, terms) for child in node[1]) if q is not None]
        if not parts:
            return None
        if kind == "and" and all(isinstance(q, wq.Not) for q in parts):
            parts.insert(0, wq.Every())
        return parts[0] if len(parts) == 1 else (wq.And if kind == "and" else wq.Or)(parts)
    if kind == "not":
        inner = _compile(node[1], [])
        return wq.Not(inner) if inner is not None else None
    return _leaf(kind, node[1], node[2], terms)


def _leaf(kind: str, text: str, fieldname: str | None, terms: list[str]) -> wq.Query | None:
    if fieldname in CODE_LABELS or fieldname == "year":
        return wq.Term(fieldname, CODE_LABELS.get(fieldname, {}).get(text, normalize(text)))
    if fieldname in ("category", "city", "district"):
        named = _words(text, ("category_name",) if fieldname == "category" else ("place",), terms, kind)
        return wq.Or([wq.Term(fieldname, normalize(text)), *([named] if named else [])])
    fields = {"title": ("title",), "unit": ("units",), "body": ("body",)}.get(fieldname or "")
    if kind == "phrase" and (pairs := phrase_pairs(text)):
        words = query_words(text)
        terms += [text.replace(" ", ""), *words]
        # pairs are looked up in the whole text: a field prefix then also needs every word in that field
        required = [w for w in words if fields or not is_pairable(w)]
        fields_of = fields or TEXT_FIELDS
        checks = [wq.Or([wq.Term(f, w) for f in fields_of]) for w in required]
        return wq.And([*(wq.Term("pairs", p) for p in pairs), *checks])
    return _words(text, fields, terms, kind)


def _words(text: str, fields: Iterable[str] | None, terms: list[str], kind: str) -> wq.Query | None:
    """Every word must match (in one of the fields); a word matches any of its synonyms and its parts unless
    quoted (``expansion.word_query``). A single character the segmenter cut off a longer run (分 and 项 of
    分部分项) only adds to the score; typed on its own it stands for the words that contain it."""
    searched = tuple(fields) if fields else TEXT_FIELDS
    found = query_words(text)
    has_words = any(not _is_char(w) for w in found)
    required, optional = [], []
    for word in found:
        variants = (word,) if kind == "phrase" else expand(word)
        terms.extend(variants)
        if _is_char(word) and has_words:
            optional.append(expansion.in_fields(word, searched))
        elif _is_char(word):
            required.append(wq.Or([Contains(f, word, boost=expansion.weight(f)) for f in searched]))
        else:
            required.append(expansion.word_query(word, variants, searched, with_parts=kind != "phrase"))
            if kind != "phrase":
                terms.extend(v for part in expansion.parts(word) for v in expand(part))
    if not required:
        return None
    query = required[0] if len(required) == 1 else wq.And(required)
    return wq.AndMaybe(query, wq.Or(optional)) if optional else query


def _is_char(word: str) -> bool:
    return len(word) == 1 and is_cjk(word)
