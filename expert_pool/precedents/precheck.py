"""The pre-check of a plan against the common problems of its category (pure): for each problem, are its key
terms in the section of the plan it concerns? Advice for the plan's authors and the panel, never a verdict.

A problem is **addressed** when every key term of it (``grouping.key_terms_of``, in any of its spellings:
``terms.variants``) appears in the plan's text of the section it concerns, and **not found** otherwise; the
evidence names the section looked in and quotes the words found, or says what was missing. A problem stated as
a missing section (方案缺少“验收要求”内容: its key term is the section, ``terms.SECTION_MARK``) is addressed when the plan has a heading
of that section, quoted as the evidence. When the plan has
no heading of that section it is not found ("方案中未找到该章节"); when the plan has no heading of any required
section its whole text is searched instead, and the evidence says so. Words found elsewhere in the plan are
quoted too (the author may have put the calculation in another chapter), without changing the verdict.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from expert_pool.precedents.terms import SECTION_MARK, variants
from knowledge.plans.sections import section_texts, section_title
from search_index.normalize import fold

SNIPPET = 20  # characters quoted on each side of a word found
MIN_READABLE = 50  # characters of text, spaces left out: below, the text was not extracted (a scan)


class Verdict(StrEnum):
    ADDRESSED = "addressed"
    NOT_FOUND = "not_found"

    @property
    def label(self) -> str:
        return {"addressed": "已涉及", "not_found": "未找到"}[self.value]


@dataclass(frozen=True)
class KnownProblem:
    id: int
    label: str
    section: int
    key_terms: tuple[str, ...]
    reviews: int  # how many reviews raised it (for the ranking shown)


@dataclass(frozen=True)
class Hit:
    term: str
    word: str  # the spelling found
    snippet: str


@dataclass(frozen=True)
class Evidence:
    section: int | None  # the section looked in; None: the whole text (no required heading found)
    section_present: bool
    found: tuple[Hit, ...]
    missing: tuple[str, ...]
    elsewhere: tuple[Hit, ...] = ()

    def describe(self) -> str:
        where = f"“{section_title(self.section)}”" if self.section is not None else "全文（未识别到章节标题）"
        if not self.section_present:
            return f"方案中未找到{where}章节"
        said = "；".join(f"“{h.word}”：…{h.snippet}…" for h in self.found)
        lacking = "、".join(self.missing)
        if not self.missing:
            return f"在{where}中找到 {said}"
        return f"在{where}中未找到“{lacking}”" + (f"（找到 {said}）" if said else "")


@dataclass(frozen=True)
class Check:
    problem: KnownProblem
    verdict: Verdict
    evidence: Evidence


@dataclass(frozen=True)
class PlanText:
    whole: str
    sections: Mapping[int, str]

    @classmethod
    def of(cls, text: str) -> PlanText:
        return cls(text, section_texts(text))


def is_readable(text: str) -> bool:
    return len("".join((text or "").split())) >= MIN_READABLE


def find(term: str, text: str, folded: str) -> Hit | None:
    """The first spelling of ``term`` in the text (folded alike: half-width, lower case, simplified)."""
    best: tuple[int, str] | None = None
    for word in variants(term):
        at = folded.find(fold(word))
        if at >= 0 and (best is None or at < best[0]):
            best = (at, word)
    if best is None:
        return None
    at, word = best
    start, end = max(0, at - SNIPPET), min(len(text), at + len(word) + SNIPPET)
    return Hit(term, text[at : at + len(word)], " ".join(text[start:end].split()))


def names_section(problem: KnownProblem) -> bool:
    """A problem stated as a missing required section (方案缺少“验收要求”内容): its key term is the section."""
    return any(t.startswith(SECTION_MARK) for t in problem.key_terms)


def is_checkable(problem: KnownProblem) -> bool:
    return bool(problem.key_terms) or names_section(problem)


def _check_section(plan: PlanText, problem: KnownProblem) -> Check:
    """A missing-section problem is addressed when the plan has a heading of that section."""
    title = section_title(problem.section)
    text = plan.sections.get(problem.section)
    if text is None:
        evidence = Evidence(problem.section if plan.sections else None, False, (), (title,))
        return Check(problem, Verdict.NOT_FOUND, evidence)
    heading = text.splitlines()[0].strip()
    hit = Hit(title, heading, heading)
    return Check(problem, Verdict.ADDRESSED, Evidence(problem.section, True, (hit,), ()))


def check_problem(plan: PlanText, problem: KnownProblem) -> Check:
    if names_section(problem):
        return _check_section(plan, problem)
    has_headings = bool(plan.sections)
    section = problem.section if has_headings else None
    text = plan.sections.get(problem.section, "") if has_headings else plan.whole
    present = not has_headings or problem.section in plan.sections
    folded = fold(text)
    found = tuple(h for t in problem.key_terms if (h := find(t, text, folded)) is not None)
    missing = tuple(t for t in problem.key_terms if t not in {h.term for h in found})
    elsewhere: tuple[Hit, ...] = ()
    if missing and has_headings:
        whole = fold(plan.whole)
        elsewhere = tuple(h for t in missing if (h := find(t, plan.whole, whole)) is not None)
    verdict = Verdict.ADDRESSED if present and not missing else Verdict.NOT_FOUND
    return Check(
        problem,
        verdict,
        Evidence(section, present, found, missing if present else problem.key_terms, elsewhere),
    )


def check_plan(plan: PlanText, problems: Sequence[KnownProblem]) -> list[Check]:
    """Each problem that can be checked, in the order given (the most often raised first)."""
    return [check_problem(plan, p) for p in problems if is_checkable(p)]
