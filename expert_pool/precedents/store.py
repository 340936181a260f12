"""The statements grouped into the stored problems: the full recomputation and the incremental update.

Full: every statement of a category is grouped from scratch (``grouping.group_wordings``); a new group takes
the id of the old problem most of its occurrences belonged to (each old id once, largest share first), so a
problem keeps its address, and any link to it, across recomputations; old problems left without a group go.

Incremental: the new statements join the stored problems — a wording already seen joins the problem it is in,
a new wording the problem whose centre it is nearest (``grouping.Grouper`` over the stored term counts) or a
new problem. Counts are then recounted from the occurrences of the problems touched. Each source is marked
grouped in the same transaction as its occurrences.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import cast

from sqlalchemy import Table, delete, distinct, func, insert, select, update
from sqlalchemy.orm import Session

from expert_pool.precedents import grouping
from expert_pool.precedents.models import (
    CommonProblem,
    PrecedentSource,
    ProblemOccurrence,
    SourceKind,
)
from expert_pool.precedents.sections import section_of
from expert_pool.precedents.sources import Grouped, Statement, wording_key
from expert_pool.precedents.terms import key_terms

INSERT_CHUNK = 5000
# Core inserts into the tables, not the classes: the ORM's bulk path costs half the run at province scale.
_OCCURRENCES = cast(Table, ProblemOccurrence.__table__)
_SOURCES = cast(Table, PrecedentSource.__table__)
LABEL_END = "。；;，,、 "


@dataclass
class _Acc:
    """A distinct wording of a category as the statements give it: first text, first day, how often."""

    text: str
    first_on: date
    statements: list[Statement] = field(default_factory=list)


def _wordings(statements: Iterable[Statement]) -> dict[str, dict[str, _Acc]]:
    found: dict[str, dict[str, _Acc]] = defaultdict(dict)
    for s in statements:
        acc = found[s.category].setdefault(wording_key(s.text), _Acc(s.text, s.on))
        acc.statements.append(s)
        if s.on < acc.first_on:
            acc.first_on = s.on
    return found


def _ordered(accs: dict[str, _Acc]) -> list[grouping.Wording]:
    """Oldest first (the grouping's order), then by key: the same data always gives the same groups."""
    return [
        grouping.Wording(key, acc.text, key_terms(acc.text), len(acc.statements))
        for key, acc in sorted(accs.items(), key=lambda p: (p[1].first_on, p[0]))
    ]


def _label(text: str) -> str:
    return text.strip(LABEL_END)[:300]


def _votes(group: grouping.Group) -> dict[str, int]:
    votes: Counter[str] = Counter()
    for w in group.wordings:
        votes[str(section_of(w.text))] += w.count
    return dict(votes)


def _section(votes: dict[str, int]) -> int:
    return min((int(k) for k in votes), key=lambda n: (-votes[str(n)], n)) if votes else 4


def _describe(problem: CommonProblem, group: grouping.Group, now: datetime) -> None:
    """Set what the grouping decides on a problem: label, terms, key terms, section."""
    problem.label = _label(grouping.label_of(group.wordings, group.centre()))
    problem.term_counts = dict(group.term_counts)
    problem.wordings = group.size
    problem.key_terms = list(grouping.key_terms_of(group.term_counts, group.size))
    problem.section_votes = _votes(group)
    problem.section = _section(problem.section_votes)
    problem.updated_at = now


# -- full ---------------------------------------------------------------------------------------------


def replace_all(session: Session, statements: Sequence[Statement], sources: Sequence[Grouped], *, now: datetime) -> dict[str, int]:  # fmt: skip
    """Regroup everything; returns the number of problems per category. The caller commits."""
    previous: dict[tuple[str, int, int], int] = {
        (src.value, sid, part): pid
        for src, sid, part, pid in session.execute(
            select(ProblemOccurrence.source, ProblemOccurrence.source_id, ProblemOccurrence.part,
                   ProblemOccurrence.problem_id))
    }  # fmt: skip
    old = {p.id: p for p in session.scalars(select(CommonProblem))}
    session.execute(delete(ProblemOccurrence))
    session.execute(delete(PrecedentSource))
    per_category: dict[str, int] = {}
    placed: list[tuple[CommonProblem, list[Statement]]] = []
    taken: set[int] = set()
    for category, accs in sorted(_wordings(statements).items()):
        groups = grouping.group_wordings(_ordered(accs))
        members = [[s for w in g.wordings for s in accs[w.key].statements] for g in groups]
        reused = _reuse(members, previous, {i for i, p in old.items() if p.category == category} - taken)
        taken |= set(reused.values())
        for index, group in enumerate(groups):
            problem = old[reused[index]] if index in reused else CommonProblem(category=category)
            _describe(problem, group, now)
            if problem.id is None:
                session.add(problem)
            placed.append((problem, members[index]))
        per_category[category] = len(groups)
    for pid in sorted(set(old) - taken):
        session.delete(old[pid])
    session.flush()
    _insert(session, placed, sources)
    recount(session, [p.id for p, _ in placed])
    return per_category


def _reuse(members: list[list[Statement]], previous: dict[tuple[str, int, int], int], free: set[int]) -> dict[int, int]:  # fmt: skip
    """new group index -> the old problem id it keeps: largest shared occurrences first, each id once."""
    votes = Counter(
        (index, previous[s.key]) for index, stmts in enumerate(members) for s in stmts
        if previous.get(s.key) in free
    )  # fmt: skip
    chosen: dict[int, int] = {}
    used: set[int] = set()
    for (index, pid), _ in sorted(votes.items(), key=lambda p: (-p[1], p[0])):
        if index not in chosen and pid not in used:
            chosen[index] = pid
            used.add(pid)
    return chosen


# -- incremental --------------------------------------------------------------------------------------


def add_new(session: Session, statements: Sequence[Statement], sources: Sequence[Grouped], *, now: datetime) -> list[int]:  # fmt: skip
    """Join new statements to the stored problems; returns the ids of the problems touched. The caller commits."""
    regrouped = [s.source_id for s in sources if s.kind is SourceKind.REVIEW]
    touched: set[int] = set()
    if regrouped:  # a review grouped before with a report since corrected: its statements are read again
        touched |= set(session.scalars(select(ProblemOccurrence.problem_id).distinct()
                                       .where(ProblemOccurrence.review_id.in_(regrouped))))  # fmt: skip
        session.execute(delete(ProblemOccurrence).where(ProblemOccurrence.review_id.in_(regrouped)))
        session.execute(delete(PrecedentSource).where(
            PrecedentSource.kind == SourceKind.REVIEW, PrecedentSource.source_id.in_(regrouped)))  # fmt: skip
    placed: list[tuple[CommonProblem, list[Statement]]] = []
    for category, accs in sorted(_wordings(statements).items()):
        placed += _join(session, category, accs, now)
    session.flush()
    _insert(session, placed, sources)
    touched |= {p.id for p, _ in placed}
    recount(session, sorted(touched))
    return sorted(touched)


def _join(session: Session, category: str, accs: dict[str, _Acc], now: datetime) -> list[tuple[CommonProblem, list[Statement]]]:  # fmt: skip
    problems = list(session.scalars(select(CommonProblem).where(CommonProblem.category == category)
                                    .order_by(CommonProblem.id)))  # fmt: skip
    position = {p.id: i for i, p in enumerate(problems)}
    groups = [grouping.Group() for _ in problems]
    known: dict[str, int] = {}
    occ = ProblemOccurrence
    for pid, key, text, count in session.execute(
        select(occ.problem_id, occ.wording_key, func.min(occ.text), func.count()).where(occ.category == category)
        .group_by(occ.problem_id, occ.wording_key).order_by(occ.problem_id, func.min(occ.on), occ.wording_key)
    ):  # fmt: skip
        groups[position[pid]].add(grouping.Wording(key, text, key_terms(text), count))
        known[key] = position[pid]
    grouper = grouping.Grouper(groups)
    by_index: dict[int, list[Statement]] = defaultdict(list)
    for wording in _ordered(accs):
        if wording.key in known:
            by_index[known[wording.key]] += accs[wording.key].statements
        elif grouping.is_groupable(wording):
            by_index[grouper.add(wording)] += accs[wording.key].statements
    placed = []
    for index, stmts in sorted(by_index.items()):
        group = grouper.groups[index]
        problem = problems[index] if index < len(problems) else CommonProblem(category=category)
        if problem.id is None:
            session.add(problem)
        votes = Counter(problem.section_votes or {})
        votes.update(str(section_of(s.text)) for s in stmts)
        _describe(problem, group, now)
        problem.section_votes = dict(votes)
        problem.section = _section(problem.section_votes)
        placed.append((problem, stmts))
    return placed


# -- writing and counting -----------------------------------------------------------------------------


def _insert(session: Session, placed: list[tuple[CommonProblem, list[Statement]]], sources: Sequence[Grouped]) -> None:  # fmt: skip
    rows = [
        {"problem_id": problem.id, "source": s.source, "source_id": s.source_id, "part": s.part,
         "review_id": s.review_id, "inspection_id": s.inspection_id, "hazard_id": s.hazard_id, "work_id": s.work_id,
         "category": s.category, "sub_type": s.sub_type, "city": s.city, "on": s.on, "text": s.text[:300],
         "wording_key": wording_key(s.text)}
        for problem, stmts in placed for s in stmts
    ]  # fmt: skip
    for start in range(0, len(rows), INSERT_CHUNK):
        session.execute(insert(_OCCURRENCES), rows[start : start + INSERT_CHUNK])
    marks = [{"kind": g.kind, "source_id": g.source_id, "version": g.version, "category": g.category, "on": g.on}
             for g in sources]  # fmt: skip
    for start in range(0, len(marks), INSERT_CHUNK):
        session.execute(insert(_SOURCES), marks[start : start + INSERT_CHUNK])


def recount(session: Session, problem_ids: Sequence[int]) -> None:
    """Counts, sub-type counts and dates of the problems from their occurrences; a problem left with none goes."""
    occ = ProblemOccurrence
    totals: dict[int, tuple[int, int, date, date]] = {}
    per_type: dict[int, dict[str, int]] = defaultdict(dict)
    site: dict[int, int] = {}
    for start in range(0, len(problem_ids), INSERT_CHUNK):
        chunk = list(problem_ids[start : start + INSERT_CHUNK])
        for pid, n, reviews, first, last in session.execute(
            select(occ.problem_id, func.count(), func.count(distinct(occ.review_id)), func.min(occ.on), func.max(occ.on))
            .where(occ.problem_id.in_(chunk)).group_by(occ.problem_id)
        ):  # fmt: skip
            totals[pid] = (n, reviews, first, last)
        for pid, sub_type, reviews in session.execute(
            select(occ.problem_id, occ.sub_type, func.count(distinct(occ.review_id)))
            .where(occ.problem_id.in_(chunk), occ.review_id.is_not(None)).group_by(occ.problem_id, occ.sub_type)
        ):  # fmt: skip
            per_type[pid][sub_type] = reviews
        for pid, n in session.execute(
            select(occ.problem_id, func.count()).where(occ.problem_id.in_(chunk), occ.review_id.is_(None))
            .group_by(occ.problem_id)
        ):  # fmt: skip
            site[pid] = n
    gone = [pid for pid in problem_ids if pid not in totals]
    if gone:
        session.execute(delete(CommonProblem).where(CommonProblem.id.in_(gone)))
    rows = [
        {"id": pid, "occurrence_count": n, "review_count": reviews, "site_count": site.get(pid, 0),
         "sub_type_reviews": per_type.get(pid, {}), "first_on": first, "last_on": last}
        for pid, (n, reviews, first, last) in totals.items()
    ]  # fmt: skip
    if rows:
        session.execute(update(CommonProblem), rows)
