"""The one normalisation of search text, for the index, the query parser, highlights and similar documents.

``fold`` maps each character to one character, so an offset in the folded text is an offset in the text as
written (highlights mark the document's own characters): NFKC (full-width to half-width), lower case, and
traditional to simplified script through OpenCC's character table (each character converted alone, never
phrase conversion, which may change lengths).

The segmenter reads the folded text without spaces between two Chinese characters (``squeeze``): OCR puts
stray spaces inside words (钻孔灌注 桩); offsets are mapped back to the text as written.

Numbers people cite in many spellings get one canonical token besides the words they are cut into:

- document numbers: 建质[2009]87号, 建质〔2009〕87号, 建质(2009)87号, 建质【2009】87号 and 建质200987号 are all
  ``建质〔2009〕87号`` (issuer, year in 〔〕, number without leading zeros, 号: the form of GB/T 9704). The issuer is
  the run of Chinese characters before the year; a text indexes every ending of it of two characters or more
  (依据建质〔2009〕87号 gives 建质〔2009〕87号 too), a query only the run it typed.
- standard numbers: JGJ 120-2012, JGJ120—2012, JGJ/T 120-2012 give ``jgj120`` and ``jgj120-2012``; JGJ 120 gives
  ``jgj120``. A query for an edition also matches the bare number (``alternatives``), ranked below it.

Model codes (QTZ80A, SC200) are words already; ``code_prefixes`` gives their prefixes at letter/digit
boundaries (qtz80a → qtz, qtz80), which the index adds as sub-words so QTZ80 finds QTZ80A(6010).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator

import opencc

_CJK_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))
_CJK_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Spaces between two Chinese characters: OCR's stray spaces inside words (钻孔灌注 桩), never meaningful.
_CJK_GAP = re.compile(f"(?<=[{_CJK_CLASS}])[ \t]+(?=[{_CJK_CLASS}])")
MIN_ISSUER = 2
MAX_ISSUER = 6

# The year and number of a document number; its issuer is the run of Chinese characters just before (looked
# for backwards from each match: a pattern that starts with the issuer is tried at every character, 10× slower).
_DOC_NUMBER = re.compile(
    r"(?<=[\u4e00-\u9fff])\s*[〔\[(（【［{｛〖]?\s*(?P<year>(?:19|20)\d{2})\s*"
    r"[〕\])）】］}｝〗]?\s*(?P<number>\d{1,4})\s*号"
)
MAX_ISSUER_RUN = 12
_STANDARD = re.compile(
    r"(?<![a-z])(?P<code>gb|jgj|jtg|cjj|hg|db\d{0,4}|dgj\d{0,4})\s*(?:/\s*t)?\s*"
    r"(?P<number>\d{1,6}(?:\.\d{1,3})?)(?![\d.])(?:\s*[-—–~]\s*(?P<year>(?:19|20)\d{2})(?!\d))?"
)
_CODE = re.compile(r"(?=[a-z0-9]*[a-z])(?=[a-z0-9]*[0-9])[a-z0-9]+")
_CODE_PART = re.compile(r"[a-z]+|\d+")
_EDITION = re.compile(r"(?P<base>[a-z]+\d+(?:\.\d+)?)-(?:19|20)\d{2}")


@functools.cache
def _t2s() -> dict[str, str]:
    """OpenCC's traditional-to-simplified mapping of single characters (one OpenCC call over all of them, one a
    line, so no phrase can span two); only the characters that change to one other character."""
    chars = [chr(c) for low, high in _CJK_RANGES for c in range(low, high + 1)]
    converted = opencc.OpenCC("t2s").convert("\n".join(chars)).split("\n")
    if len(converted) != len(chars):  # pragma: no cover - OpenCC keeps line breaks
        raise RuntimeError("OpenCC changed the number of lines")
    return {a: b for a, b in zip(chars, converted, strict=True) if a != b and len(b) == 1}


@functools.cache
def _fold_char(ch: str) -> str:
    folded = unicodedata.normalize("NFKC", ch).lower()
    if len(folded) != 1:
        return ch
    return _t2s().get(folded, folded)


# A text is folded several times in a row (its segmentation, its number tokens, the segmentation cache's key).
@functools.lru_cache(maxsize=64)
def fold(text: str) -> str:
    """The text folded one character for one: half-width, lower case, simplified script."""
    if text.isascii():
        return text.lower()
    return "".join(map(_fold_char, text))


def squeeze_text(folded: str) -> str:
    """The folded text without spaces between two Chinese characters: what the segmenter reads."""
    return _CJK_GAP.sub("", folded) if " " in folded or "\t" in folded else folded


def squeeze(folded: str) -> tuple[str, list[int] | None]:
    """``squeeze_text`` and, when it took anything out, the offset in ``folded`` of each character it kept."""
    joined = squeeze_text(folded)
    if len(joined) == len(folded):
        return folded, None
    kept = list(range(len(folded)))
    for gap in reversed(list(_CJK_GAP.finditer(folded))):
        del kept[gap.start() : gap.end()]
    return joined, kept


def _doc_tokens(folded: str, every_ending: bool) -> Iterator[tuple[str, int, int]]:
    if "号" not in folded:
        return
    for match in _DOC_NUMBER.finditer(folded):
        end = match.start()
        begin = end
        while begin > max(0, end - MAX_ISSUER_RUN) and "\u4e00" <= folded[begin - 1] <= "\u9fff":
            begin -= 1
        issuer = folded[begin:end]
        tail = f"〔{match.group('year')}〕{int(match.group('number'))}号"
        if every_ending:
            for size in range(MIN_ISSUER, min(len(issuer), MAX_ISSUER) + 1):
                yield issuer[-size:] + tail, end - size, match.end()
        elif len(issuer) >= MIN_ISSUER:
            yield issuer + tail, begin, match.end()


def _standard_tokens(folded: str) -> Iterator[tuple[str, int, int]]:
    for match in _STANDARD.finditer(folded):
        base = match.group("code") + match.group("number")
        yield base, match.start(), match.end()
        if year := match.group("year"):
            yield f"{base}-{year}", match.start(), match.end()


def number_tokens(folded: str, *, query: bool = False) -> list[tuple[str, int, int]]:
    """Canonical document- and standard-number tokens of a folded text as (token, start, end). For a query,
    one token per number (the edition's when a year is given) and the issuer as typed."""
    found = list(_doc_tokens(folded, every_ending=not query))
    standards = list(_standard_tokens(folded))
    if query:
        longest: dict[int, tuple[str, int, int]] = {}
        for token in standards:
            if token[1] not in longest or len(token[0]) > len(longest[token[1]][0]):
                longest[token[1]] = token
        standards = list(longest.values())
    return sorted(found + standards, key=lambda t: (t[1], t[2]))


def index_tokens(text: str) -> list[str]:
    """The canonical number tokens the index adds for a text (as written)."""
    return [token for token, _, _ in number_tokens(fold(text))]


def alternatives(token: str) -> tuple[str, ...]:
    """What else a canonical query token matches: an edition (jgj120-2012) also the bare number (jgj120)."""
    if edition := _EDITION.fullmatch(token):
        return (edition.group("base"),)
    return ()


@functools.lru_cache(maxsize=65536)
def code_prefixes(word: str) -> tuple[str, ...]:
    """Prefixes of a model code at letter/digit boundaries, of two characters or more, without the code:
    qtz80a → (qtz, qtz80); qtz5012a → (qtz, qtz5012); sc200 → (sc,); 200g → (200,); c30 → ()."""
    if not _CODE.fullmatch(word):
        return ()
    ends = [m.end() for m in _CODE_PART.finditer(word)][:-1]
    return tuple(word[:end] for end in ends if end >= 2)


def join_numbers(text: str) -> str:
    """A query string with each document or standard number written as its canonical token, so the query
    parser reads it as one word: JGJ 120-2012 → jgj120-2012, 建质(2009)87号 → 建质〔2009〕87号 (the space and
    the brackets would otherwise split it). The rest of the text stays as typed (AND, OR stay operators)."""
    tokens = number_tokens(fold(text), query=True)
    if not tokens:
        return text
    out, cursor = [], 0
    for token, start, end in tokens:
        if start >= cursor:
            out += [text[cursor:start], token]
            cursor = end
    return "".join([*out, text[cursor:]])
