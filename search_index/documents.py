"""Plain search documents: the dict shape domain packages build, the index fields and snippets made of it."""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import zlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from search_index.analysis import ANALYSIS_VERSION
from search_index.folding import version_code
from search_index.normalize import fold as normalize
from search_index.normalize import number_tokens, squeeze
from search_index.schema import SCHEMA_VERSION

SearchDocument = Mapping[str, Any]
"""A dict with these keys (only doc_id, kind and title are required):

doc_id "plan:12", kind "plan" | "review" | "work", title, url, city (code, e.g. "nanjing"), city_name, district
(division code), district_name, category (code, e.g. "excavation"), category_name, verdict (code), conclusion
("pass" | "pass_after_revision" | "fail" | ""), enterprise_ids (ints: units that may see it), expert_ids (ints:
reviewers who may see it), published (bool), project_id, year (int), date (ISO string or date), units (names),
body (full text), sections (plans: [(number, heading, text)]), and for reviews conclusion_text, required_changes,
expert_findings (text or list of texts). A plan version also has plan_key (the plan it is a version of: its
versions share it) and plan_version (its number): results show one hit per plan (``folding``).
"""

KINDS = frozenset({"plan", "review", "work"})
CONCLUSIONS = frozenset({"pass", "pass_after_revision", "fail", ""})
REVIEW_PARTS = (
    ("conclusion_text", "论证结论"),
    ("required_changes", "修改意见"),
    ("expert_findings", "专家意见"),
)


class DocumentError(ValueError):
    """A search document that does not have the documented shape."""

    def __init__(self, doc_id: object, problem: str) -> None:
        super().__init__(f"检索文档 {doc_id!r} 无效：{problem}")
        self.doc_id = doc_id


def make_doc_id(kind: str, key: object) -> str:
    return f"{kind}:{key}"


def version_of(doc: SearchDocument) -> str:
    """Content hash of a document, with the analysis and schema versions: what ``SearchIndex.check`` compares."""
    payload = json.dumps(doc, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha1(f"{ANALYSIS_VERSION}/{SCHEMA_VERSION}/{payload}".encode()).hexdigest()[:16]


def _texts(value: object) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value] if isinstance(value, Iterable) else [str(value)]


def _sections(doc: SearchDocument) -> list[tuple[str, str]]:
    found = []
    for section in doc.get("sections") or ():
        if isinstance(section, Mapping):
            number, heading, text = (
                section.get("number", ""),
                section.get("heading", ""),
                section.get("text", ""),
            )
        else:
            number, heading, text = section
        found.append((f"{number} {heading}".strip(), str(text)))
    return found


def passages(doc: SearchDocument) -> list[tuple[str, str]]:
    """(label, text) pieces a snippet can come from: the plan's sections, or the body; the review's parts."""
    found = _sections(doc) or [("", text) for text in _texts(doc.get("body"))]
    for key, label in REVIEW_PARTS:
        found += [(label, text) for text in _texts(doc.get(key))]
    return [(label, text) for label, text in found if text.strip()]


def likeness_text(title: str, packed: bytes | None) -> str:
    """What "more like this" reads of a stored document: the title and passages, without a review's
    conclusion part, which is the same few sentences in every review."""
    skip = REVIEW_PARTS[0][1]
    return "\n".join([title, *(text for label, text in unpack(packed) if label != skip)])


def _date(value: object) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return value.isoformat() if isinstance(value, dt.date) else str(value or "")


def _ids(doc: SearchDocument, key: str) -> str:
    try:
        return " ".join(str(int(v)) for v in doc.get(key) or ())
    except (TypeError, ValueError) as exc:
        raise DocumentError(doc.get("doc_id"), f"{key} 应为整数列表") from exc


def validate(doc: SearchDocument) -> None:
    """:raises DocumentError: if a required key is missing or a code is not one of the known values."""
    doc_id = doc.get("doc_id")
    if not isinstance(doc_id, str) or not doc_id:
        raise DocumentError(doc_id, "缺少 doc_id")
    if doc.get("kind") not in KINDS:
        raise DocumentError(doc_id, f"kind 应为 {sorted(KINDS)} 之一")
    if not isinstance(doc.get("title"), str):
        raise DocumentError(doc_id, "缺少 title")
    if (doc.get("conclusion") or "") not in CONCLUSIONS:
        raise DocumentError(doc_id, f"conclusion 应为 {sorted(CONCLUSIONS)} 之一")


def to_fields(doc: SearchDocument) -> dict[str, Any]:
    """The Whoosh field values of a document; empty values are left out so no empty term is indexed."""
    validate(doc)
    sections = _sections(doc)
    main = _texts(doc.get("body")) or [f"{label}\n{text}" for label, text in sections]
    body = "\n".join(main + [text for key, _ in REVIEW_PARTS for text in _texts(doc.get(key))])
    units = "\n".join(_texts(doc.get("units")))
    fields: dict[str, Any] = {
        "doc_id": doc["doc_id"],
        "version": version_of(doc),
        "kind": doc["kind"],
        "title": doc["title"],
        "url": str(doc.get("url") or ""),
        "city": str(doc.get("city") or ""),
        "district": str(doc.get("district") or ""),
        "place": " ".join(_texts(doc.get("city_name")) + _texts(doc.get("district_name"))),
        "category": str(doc.get("category") or ""),
        "category_name": str(doc.get("category_name") or ""),
        "verdict": str(doc.get("verdict") or ""),
        "conclusion": str(doc.get("conclusion") or ""),
        "enterprise_ids": _ids(doc, "enterprise_ids"),
        "expert_ids": _ids(doc, "expert_ids"),
        "published": "1" if doc.get("published") else "0",
        "project_id": str(doc.get("project_id") or ""),
        "plan_key": str(doc.get("plan_key") or ""),
        "plan_version": version_code(doc["plan_version"]) if doc.get("plan_version") else "",
        "year": str(doc.get("year") or ""),
        "date": _date(doc.get("date")),
        "units": units,
        "body": body,
        "pairs": "\n".join([doc["title"], units, body]),
        "passages": pack(passages(doc)),
    }
    return {key: value for key, value in fields.items() if value != "" or key == "url"}


def pack(pieces: Sequence[tuple[str, str]]) -> bytes:
    """Stored passages, zlib-compressed: they are the largest stored field, read only for the hits of a page."""
    return zlib.compress(json.dumps(pieces, ensure_ascii=False).encode(), 6)


def unpack(packed: bytes | None) -> list[tuple[str, str]]:
    return [tuple(p) for p in json.loads(zlib.decompress(packed))] if packed else []


def snippets(packed: bytes | None, terms: Iterable[str], *, limit: int = 3, width: int = 90) -> list[str]:
    """The fragments of ``placed_snippets`` without their passages' labels."""
    return [fragment for _, fragment in placed_snippets(packed, terms, limit=limit, width=width)]


def placed_snippets(
    packed: bytes | None, terms: Iterable[str], *, limit: int = 3, width: int = 90
) -> list[tuple[str, str]]:
    """(label of its passage, fragment) of escaped HTML fragments with <mark> around the terms, from the
    passages that contain most of them; the opening of the first passage when none does.

    Only the passages that match are looked at, by plain substring search on normalized text: re-running the
    segmenter over a whole stored plan to highlight it is what made the first version slow.
    """
    needles = sorted({normalize(t) for t in terms if t.strip()}, key=len, reverse=True)
    pieces = unpack(packed)
    ranked = []
    for order, (label, text) in enumerate(pieces):
        spans = _spans(normalize(text), needles)
        if spans:
            distinct = len({normalize(text[a:b]) for a, b in spans})
            ranked.append((-distinct, order, label, text, spans))
    if not ranked:
        return [(pieces[0][0], _window(pieces[0][0], pieces[0][1], [], width))] if pieces else []
    ranked.sort(key=lambda item: item[:2])
    windows = [
        [(label, _window(label, text, group, width)) for group in _groups(spans, width)]
        for *_, label, text, spans in ranked
    ]
    first = [w[0] for w in windows]
    rest = [fragment for w in windows for fragment in w[1:]]
    return (first + rest)[:limit]


def section_anchor(label: str) -> str:
    """The HTML id of a plan section on its page, from the section's heading (what a snippet's label is)."""
    return "sec-" + "".join(label.split()) if label.strip() else ""


def _spans(folded: str, needles: Sequence[str]) -> list[tuple[int, int]]:
    """Where the needles are in the normalized text, read as the segmenter reads it (without OCR's spaces between
    two Chinese characters, ``normalize.squeeze``); a canonical number token (建质〔2009〕87号, jgj120) where the
    text writes that number in any spelling (建质[2009]87号, JGJ 120-2012)."""
    text, kept = squeeze(folded)
    taken = bytearray(len(text))
    spans: list[tuple[int, int]] = []
    wanted = set(needles)
    numbered = any(ch.isdigit() for needle in wanted for ch in needle)  # every number token has a digit
    for token, start, end in number_tokens(text) if numbered else ():
        if token in wanted and not any(taken[start:end]):
            spans.append((start, end))
            taken[start:end] = b"\x01" * (end - start)
    for needle in needles:
        start = text.find(needle)
        while start >= 0 and len(spans) < 200:
            end = start + len(needle)
            if not any(taken[start:end]) and _bounded(text, start, end):
                spans.append((start, end))
                taken[start:end] = b"\x01" * (end - start)
            start = text.find(needle, end)
    if kept is not None:
        spans = [(kept[a], kept[b - 1] + 1) for a, b in spans]
    return sorted(spans)


def _bounded(text: str, start: int, end: int) -> bool:
    """An ASCII term (c30) must not match inside a longer ASCII word (c300)."""

    def is_ascii_word(ch: str) -> bool:
        return ch.isascii() and ch.isalnum()

    if not is_ascii_word(text[start]) and not is_ascii_word(text[end - 1]):
        return True
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    return not (is_ascii_word(text[start]) and is_ascii_word(before)) and not (
        is_ascii_word(text[end - 1]) and is_ascii_word(after)
    )


def _groups(spans: list[tuple[int, int]], width: int) -> list[list[tuple[int, int]]]:
    groups: list[list[tuple[int, int]]] = []
    for span in spans:
        if groups and span[1] - groups[-1][0][0] <= width:
            groups[-1].append(span)
        else:
            groups.append([span])
    return groups


def _joined(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Adjacent spans as one: 抗隆起 (segmented 抗/隆起) is marked once, not as two marks side by side."""
    joined: list[tuple[int, int]] = []
    for a, b in spans:
        if joined and joined[-1][1] == a:
            joined[-1] = (joined[-1][0], b)
        else:
            joined.append((a, b))
    return joined


def _window(label: str, text: str, spans: list[tuple[int, int]], width: int) -> str:
    start = max(0, spans[0][0] - width // 4) if spans else 0
    end = min(len(text), max(spans[-1][1] if spans else 0, start + width))
    out = [html.escape(f"{label}：")] if label else []
    out.append("…" if start else "")
    cursor = start
    for a, b in _joined(spans):
        out += [html.escape(text[cursor:a]), "<mark>", html.escape(text[a:b]), "</mark>"]
        cursor = b
    out += [html.escape(text[cursor:end]), "…" if end < len(text) else ""]
    return " ".join("".join(out).split())
