"""Comparing two versions of a plan section by section (the nine sections of 建办质〔2018〕31号 part 三),
so whoever confirms a revision after 修改后通过 (Decree 37 Art. 13) sees what changed where.

A text is cut at the headings ``sections.find_sections`` recognises: each section runs from its heading
to the next recognised heading. Lines before the first heading (cover, table of contents) are the
preamble. A section whose heading is not found in a version is empty in that version.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from knowledge.plans.sections import SECTION_NUMBERS, SECTION_TITLES, find_sections

PREAMBLE = 0  # the key of the text before the first recognised heading
DIFF_CONTEXT = 2  # unchanged lines shown around each change


@dataclass(frozen=True)
class SectionDiff:
    """One section of two versions: its text in each and a unified difference (empty when unchanged)."""

    number: int  # 1-9, or PREAMBLE
    title: str
    before: str
    after: str
    diff: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return self.before != self.after

    @property
    def in_before(self) -> bool:
        return bool(self.before.strip())

    @property
    def in_after(self) -> bool:
        return bool(self.after.strip())


def split_sections(text: str) -> dict[int, str]:
    """The text of each required section (1-9, those found) and of the preamble (``PREAMBLE``), by heading."""
    lines = text.splitlines()
    report = find_sections(text)
    starts: dict[int, int] = {}
    for number, heading in report.headings.items():
        index = next((i for i, line in enumerate(lines) if line.strip() == heading), None)
        if index is not None:
            starts[number] = index
    bounds = sorted(set(starts.values()))
    parts = {PREAMBLE: "\n".join(lines[: bounds[0] if bounds else len(lines)])}
    for number, start in starts.items():
        end = next((b for b in bounds if b > start), len(lines))
        parts[number] = "\n".join(lines[start:end])
    return parts


def compare_sections(
    before: str, after: str, *, before_label: str = "", after_label: str = ""
) -> list[SectionDiff]:
    """Per required section (and the preamble, when either version has one), both texts and their unified
    difference; the labels name the versions in the difference's header lines."""
    old, new = split_sections(before), split_sections(after)
    rows = []
    for number in (PREAMBLE, *SECTION_NUMBERS):
        a, b = old.get(number, ""), new.get(number, "")
        if number == PREAMBLE and not a.strip() and not b.strip():
            continue
        title = "封面及目录等（第一个章节标题之前）" if number == PREAMBLE else SECTION_TITLES[number]
        diff = difflib.unified_diff(a.splitlines(), b.splitlines(), before_label, after_label, lineterm="",
                                    n=DIFF_CONTEXT)  # fmt: skip
        rows.append(SectionDiff(number, title, a, b, tuple(diff) if a != b else ()))
    return rows
