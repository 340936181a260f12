"""Benchmark and honest measure of issue 23's common problems and plan pre-check.

On a seeded database (``--database-url``, or ``DATABASE_URL``; migrated to 0030 or later), it prints:

1. the full recomputation: its time (target < 120 s at province scale) and the number of problems per category;
2. the incremental update: the time to group the newest 100 concluded reviews again after taking them out;
3. the held-out measure: concluded reviews ordered by meeting day, the newest 20 % held out; problems grouped
   from the older 80 % only; for each held-out review, the pre-check of the plan version the panel reviewed
   against its category's top problems (as the product ranks them) flags those "not found". A problem the
   panel raised is a top problem one of whose wordings is the same problem (``grouping.SAME_PROBLEM``) as a
   statement of the review (a required change or a finding). Per category: recall (share of raised top
   problems that were flagged beforehand), noise (share of flags the panel did not raise), the same for
   flagging every top problem (the baseline any advice must beat), and coverage (share of what the panel raised
   that is among the top problems at all);
4. the pre-check's time per plan through the database (median and p95 over 200 plan versions; target < 100 ms).

Exits 1 if a time target is missed. Demo data (``flask seed-demo``) draws findings independently of the plan's
text except for missing sections, so on it the measure says how much the pre-check beats chance, nothing more.
"""

from __future__ import annotations

import argparse
import functools
import os
import random
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import delete, func, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from expert_pool.precedents import grouping, queries, services, sources  # noqa: E402
from expert_pool.precedents.models import PrecedentRun, PrecedentSource, ProblemOccurrence, SourceKind  # noqa: E402
from expert_pool.precedents.precheck import (  # noqa: E402
    KnownProblem,
    PlanText,
    Verdict,
    check_plan,
    is_checkable,
    is_readable,
    names_section,
)
from expert_pool.precedents.sections import section_of_group  # noqa: E402
from expert_pool.precedents.sources import Statement, wording_key  # noqa: E402
from expert_pool.precedents.terms import key_terms  # noqa: E402
from expert_pool.reviews.models import Review  # noqa: E402
from knowledge.db import utcnow  # noqa: E402
from knowledge.plans.models import PlanVersion  # noqa: E402
from knowledge.registry.models import Work  # noqa: E402
from webapp import create_app  # noqa: E402
from webapp.config import Config  # noqa: E402
from webapp.extensions import db  # noqa: E402

TARGETS = {"full_s": 120.0, "precheck_ms": 100.0}
HELD_OUT = 0.2
TIMED_PLANS = 200
REGROUPED = 100
KINDS = {True: "missing section", False: "content"}


@dataclass
class Tally:
    reviews: int = 0
    too_few: int = 0
    unreadable: int = 0
    raised: int = 0  # raised top problems, summed over reviews
    flagged: int = 0
    flagged_raised: int = 0
    top_shown: int = 0
    raised_any: int = 0  # every problem the panel raised (top or not)
    times: list[float] = field(default_factory=list)
    kinds: dict[str, list[int]] = field(default_factory=dict)


def full_run(session: Session) -> PrecedentRun:
    run = PrecedentRun(started_at=utcnow())
    session.add(run)
    session.commit()
    return services.run_full(session, run.id)


def incremental(session: Session) -> tuple[float, int]:
    newest = [
        r for r, in session.execute(
            select(PrecedentSource.source_id).where(PrecedentSource.kind == SourceKind.REVIEW)
            .order_by(PrecedentSource.on.desc(), PrecedentSource.source_id.desc()).limit(REGROUPED))
    ]  # fmt: skip
    session.execute(delete(ProblemOccurrence).where(ProblemOccurrence.review_id.in_(newest)))
    session.execute(delete(PrecedentSource).where(PrecedentSource.kind == SourceKind.REVIEW,
                                                  PrecedentSource.source_id.in_(newest)))  # fmt: skip
    session.commit()
    started = time.perf_counter()
    done = services.update_new(session, now=utcnow())
    return time.perf_counter() - started, done.sources


def _groups(statements: list[Statement]) -> dict[str, tuple[grouping.Grouper, list[list[Statement]]]]:
    """Each category's problems grouped from the given statements (as a full run groups them)."""
    by_category: dict[str, dict[str, list[Statement]]] = defaultdict(lambda: defaultdict(list))
    first: dict[str, date] = {}
    texts: dict[str, str] = {}
    for s in statements:
        key = wording_key(s.text)
        by_category[s.category][key].append(s)
        first[key] = min(first.get(key, s.on), s.on)
        texts.setdefault(key, s.text)
    found = {}
    for category, keyed in by_category.items():
        wordings = [grouping.Wording(k, texts[k], key_terms(texts[k]), len(v))
                    for k, v in sorted(keyed.items(), key=lambda p: (first[p[0]], p[0]))]  # fmt: skip
        grouper = grouping.Grouper()
        for w in wordings:
            if w.terms:
                grouper.add(w)
        grouper.refine()
        members = [[s for w in g.wordings for s in keyed[w.key]] for g in grouper.groups]
        found[category] = (grouper, members)
    return found


@functools.cache
def _ranked(category: str, sub_type: str) -> list[KnownProblem]:
    grouper, members = _GROUPS[category]
    return _top(grouper, members, sub_type)


_GROUPS: dict[str, tuple[grouping.Grouper, list[list[Statement]]]] = {}


def _top(grouper: grouping.Grouper, members: list[list[Statement]], sub_type: str) -> list[KnownProblem]:
    """Every checkable problem of the category ranked as ``queries.ranked_problems`` ranks them."""
    ranked = []
    for index, group in enumerate(grouper.groups):
        reviews = {s.review_id for s in members[index] if s.review_id is not None}
        own = {s.review_id for s in members[index] if s.review_id is not None and s.sub_type == sub_type}
        terms = grouping.key_terms_of(group.term_counts, group.size)
        section = section_of_group((w.text, w.count) for w in group.wordings)
        label = grouping.label_of(group.wordings, group.centre())
        known = KnownProblem(index, label, section, terms, len(reviews))
        if reviews and is_checkable(known):
            ranked.append((-len(own), -len(reviews), index, known))
    return [p for *_, p in sorted(ranked)]


def held_out(session: Session) -> dict[str, Tally]:
    reports = sources.reports_in_force(session)
    days = {r: d for r, d in session.execute(select(Review.id, Review.held_on))}
    order = sorted(reports, key=lambda r: (days.get(r) or date.min, r))
    cut = int(len(order) * (1 - HELD_OUT))
    train = {r: reports[r] for r in order[:cut]}
    test = {r: reports[r] for r in order[cut:]}
    train_statements = [s for b in sources.review_batches(session, train) for s in b.statements]
    groups = _groups(train_statements)
    precedents: dict[str, int] = defaultdict(int)
    for b in sources.review_batches(session, train):
        for g in b.sources:
            precedents[g.category] += 1
    plans = {r: v for r, v in session.execute(select(Review.id, Review.plan_version_id))}
    tallies: dict[str, Tally] = defaultdict(Tally)
    for batch in sources.review_batches(session, test):
        said: dict[int, list[Statement]] = defaultdict(list)
        for s in batch.statements:
            said[s.review_id or 0].append(s)
        for mark in batch.sources:
            _measure(session, mark.source_id, mark.category, said[mark.source_id], plans[mark.source_id], groups,
                     precedents, tallies[mark.category])  # fmt: skip
    return tallies


def _measure(session: Session, review_id: int, category: str, said: list[Statement], plan_id: int,
             groups: dict[str, tuple[grouping.Grouper, list[list[Statement]]]], precedents: dict[str, int],
             tally: Tally) -> None:  # fmt: skip
    tally.reviews += 1
    if precedents[category] < queries.MIN_PRECEDENTS or category not in groups:
        tally.too_few += 1
        return
    version = session.get(PlanVersion, plan_id)
    assert version is not None
    if not is_readable(version.text or ""):
        tally.unreadable += 1
        return
    work = session.get(Work, version.work_id)
    assert work is not None
    _GROUPS.update(groups)
    grouper = groups[category][0]
    every = _ranked(category, work.sub_type)
    top = every[: queries.TOP_PROBLEMS]
    started = time.perf_counter()
    checks = check_plan(PlanText.of(version.text), top)
    tally.times.append(time.perf_counter() - started)
    flagged = {c.problem.id for c in checks if c.verdict is Verdict.NOT_FOUND}
    raised: set[int] = set()
    for s in said:
        index, score = grouper.nearest(grouping.Wording(wording_key(s.text), s.text, key_terms(s.text)))
        if index is not None and score >= grouping.SAME_PROBLEM:
            raised.add(index)
    shown = {p.id for p in top}
    tally.raised_any += len(raised)
    tally.raised += len(raised & shown)
    tally.flagged += len(flagged)
    tally.flagged_raised += len(flagged & raised)
    tally.top_shown += len(shown)
    for c in check_plan(PlanText.of(version.text), every):  # every problem, by kind: is there any skill?
        kind = KINDS[names_section(c.problem)]
        k = tally.kinds.setdefault(kind, [0, 0, 0, 0])  # checked, raised, flagged, flagged and raised
        is_raised, is_flagged = c.problem.id in raised, c.verdict is Verdict.NOT_FOUND
        k[0] += 1
        k[1] += is_raised
        k[2] += is_flagged
        k[3] += is_raised and is_flagged


def precheck_times(session: Session) -> list[float]:
    ids = list(session.scalars(select(PlanVersion.id).order_by(PlanVersion.id)))
    random.Random(23).shuffle(ids)
    times = []
    for version_id in ids[:TIMED_PLANS]:
        version = session.get(PlanVersion, version_id)
        assert version is not None
        started = time.perf_counter()
        queries.precheck_version(session, version)
        times.append((time.perf_counter() - started) * 1000)
        session.expire_all()
    return times


def print_held_out(tallies: dict[str, Tally]) -> None:
    print(f"\nheld-out measure: the newest {HELD_OUT:.0%} of concluded reviews, problems from the older rest")
    head = f"{'category':<14}{'reviews':>8}{'recall':>8}{'noise':>7}{'flags/plan':>11}" \
           f"{'all-noise':>10}{'coverage':>9}  notes"  # fmt: skip
    print(head)
    for code, t in sorted(tallies.items()):
        checked = t.reviews - t.too_few - t.unreadable
        notes = []
        if t.too_few:
            notes.append(f"{t.too_few} too few precedents")
        if t.unreadable:
            notes.append(f"{t.unreadable} unreadable")
        print(f"{code:<14}{t.reviews:>8}{_share(t.flagged_raised, t.raised):>8}"
              f"{_share(t.flagged - t.flagged_raised, t.flagged):>7}{_share(t.flagged, checked):>11}"
              f"{_share(t.top_shown - t.raised, t.top_shown):>10}"
              f"{_share(t.raised, t.raised_any):>9}  {'; '.join(notes)}")  # fmt: skip
    print("\nevery checkable problem of the category (not only the top ones), by kind:")
    print(f"{'kind':<17}{'checks':>8}{'raised':>8}{'recall':>8}{'noise':>7}{'flag rate':>10}")
    for kind in KINDS.values():
        checked, raised, flagged, both = (sum(t.kinds.get(kind, [0] * 4)[i] for t in tallies.values())
                                          for i in range(4))  # fmt: skip
        print(f"{kind:<17}{checked:>8}{raised:>8}{_share(both, raised):>8}{_share(flagged - both, flagged):>7}"
              f"{_share(flagged, checked):>10}")  # fmt: skip
    pure = [x * 1000 for t in tallies.values() for x in t.times]
    if pure:
        print(f"pre-check, pure (text already loaded): median {statistics.median(pure):.1f} ms, "
              f"max {max(pure):.1f} ms over {len(pure)} plans")  # fmt: skip


def _share(a: int, b: int) -> str:
    return f"{a / b:.2f}" if b else "—"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument(
        "--times-only", action="store_true", help="skip the held-out measure (the same anywhere)"
    )
    args = parser.parse_args()
    if not args.database_url:
        parser.error("give --database-url (or DATABASE_URL) of a seeded database migrated to 0030")
    app = create_app(Config(), SQLALCHEMY_DATABASE_URI=args.database_url, SEARCH_BACKGROUND_WRITER=False)
    missed = []
    with app.app_context():
        session = db.session()
        reviews = session.scalar(select(func.count()).select_from(Review))
        print(f"database: {db.engine.url.render_as_string(hide_password=True)} · {reviews} reviews")
        run = full_run(session)
        figures = run.figures
        print(f"\nfull recomputation: {figures['seconds']:.1f} s for {figures['sources']} sources, "
              f"{figures['statements']} statements (target < {TARGETS['full_s']:.0f} s)")  # fmt: skip
        if figures["seconds"] >= TARGETS["full_s"]:
            missed.append("full")
        summary = {code: (label, n, r) for code, label, n, r in queries.category_summary(session)}
        print(f"{'category':<14}{'problems':>9}{'reviews':>9}")
        for code, (label, problems, grouped) in summary.items():
            print(f"{code:<14}{problems:>9}{grouped:>9}  {label}")
        seconds, regrouped = incremental(session)
        print(f"\nincremental update: {regrouped} reviews grouped again in {seconds:.2f} s")
        if not args.times_only:
            print_held_out(held_out(session))
        times = precheck_times(session)
        p95 = sorted(times)[int(len(times) * 0.95) - 1]
        print(f"\npre-check per plan (database, ranking, sections, terms): median {statistics.median(times):.1f} ms, "
              f"p95 {p95:.1f} ms over {len(times)} plan versions (target < {TARGETS['precheck_ms']:.0f} ms)")  # fmt: skip
        if p95 >= TARGETS["precheck_ms"]:
            missed.append("precheck")
    if missed:
        print("MISSED:", ", ".join(missed))
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
