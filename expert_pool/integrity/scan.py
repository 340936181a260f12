"""The integrity scan (issue 22 item 4): the window's held panels, draws, opinions and constructors read in a
fixed number of queries (the draws streamed), the rules of ``expert_pool.integrity.rules`` applied, and the
findings stored — one per subject, refreshed by each run, a regulator's examination kept.

Progress: ``total`` is the number of draws to read plus the three other steps; ``done`` is committed from a
second connection every ``CHUNK`` draws, so the page that started the run can poll while it runs."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from itertools import combinations
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from expert_pool.draws.models import Draw, Seat, SeatStatus
from expert_pool.draws.panel import PanelPolicy
from expert_pool.experts.models import Expert
from expert_pool.integrity import rules
from expert_pool.integrity.models import FindingKind, IntegrityFinding, IntegrityRun
from expert_pool.reviews.models import Conclusion, Review, ReviewOpinion
from knowledge.db import utcnow
from knowledge.enterprises.models import Enterprise, ParticipantRole, ProjectParticipant
from knowledge.regions import City
from knowledge.registry.models import Work
from search_index.analysis import normalize

CHUNK = 500
MAX_LINKED_REVIEWS = 50
CONSTRUCTORS = (ParticipantRole.GENERAL_CONTRACTOR, ParticipantRole.SUBCONTRACTOR)  # Decree 37 Art. 10
PASSING = (Conclusion.PASS, Conclusion.PASS_AFTER_REVISION)
_NOT_WORD = re.compile(r"[\W_]+")
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Found:
    kind: FindingKind
    fingerprint: str
    city: City | None
    subject: str
    figures: dict[str, Any]
    review_ids: tuple[int, ...]


@dataclass
class Window:
    """The held panels of the window: who sat on which review, and each review's work, city and root draw."""

    panels: dict[int, set[int]]
    draws: dict[int, int]  # review -> root draw
    works: dict[int, int]  # review -> work
    cities: dict[int, City]  # review -> the work's city


def read_window(session: Session, start: date, end: date) -> Window:
    root = func.coalesce(Draw.top_up_of, Draw.id)
    rows = session.execute(
        select(Review.id, Review.draw_id, Review.work_id, Review.absent_expert_ids, Work.city, Seat.expert_id)
        .join(Work, Work.id == Review.work_id)
        .join(Draw, root == Review.draw_id)
        .join(Seat, Seat.draw_id == Draw.id)
        .where(Review.held_on >= start, Review.held_on <= end, Seat.status == SeatStatus.CONFIRMED)
    ).all()
    w = Window(defaultdict(set), {}, {}, {})
    for review_id, draw_id, work_id, absent, city, expert_id in rows:
        w.draws[review_id], w.works[review_id], w.cities[review_id] = draw_id, work_id, city
        if expert_id not in (absent or []):
            w.panels[review_id].add(expert_id)
    return w


def pair_findings(
    session: Session, w: Window, policy: rules.IntegrityPolicy, progress: Progress
) -> list[Found]:
    together: dict[tuple[int, int], list[int]] = defaultdict(list)
    for review_id, members in w.panels.items():
        for pair in combinations(sorted(members), 2):
            together[pair].append(review_id)
    tested = {p for p, r in together.items() if len(r) >= policy.min_together}
    people = {e for p in tested for e in p}
    expected: defaultdict[tuple[int, int], float] = defaultdict(float)
    draw_ids = sorted(set(w.draws.values()))
    for n, (candidates, policy_json) in enumerate(_stream_draws(session, draw_ids), start=1):
        _add_expectation(expected, candidates, policy_json, people, tested)
        if n % CHUNK == 0:
            progress(n, len(draw_ids))
    level = rules.per_test(policy.alpha, len(tested))
    flagged = {
        p: together[p] for p in sorted(tested)
        if rules.is_unlikely(len(together[p]), expected[p], minimum=policy.min_together, level=level)
    }  # fmt: skip
    names, homes = _experts(session, {e for p in flagged for e in p})
    found = [
        Found(FindingKind.PAIR, f"pair:{a}-{b}", homes[a] if homes[a] == homes[b] else None,
              f"{names[a]} 与 {names[b]}",
              {"together": len(r), "expected": round(expected[(a, b)], 2),
               "p_value": rules.poisson_tail(len(r), expected[(a, b)]), "experts": [a, b]},
              tuple(sorted(r)[-MAX_LINKED_REVIEWS:]))
        for (a, b), r in flagged.items()
    ]  # fmt: skip
    for clique in rules_cliques(flagged):
        shared = set.intersection(*(set(w_) for w_ in (together[p] for p in combinations(clique, 2))))
        cities = {homes[e] for e in clique}
        found.append(Found(FindingKind.PAIR, "clique:" + "-".join(map(str, clique)),
                           cities.pop() if len(cities) == 1 else None, "、".join(names[e] for e in clique) + "（团伙）",
                           {"members": list(clique), "together": len(shared)}, tuple(sorted(shared))))  # fmt: skip
    return found


def rules_cliques(pairs: Iterable[tuple[int, int]]) -> list[tuple[int, ...]]:
    """Maximal groups of three or more in which every two are a flagged pair (Bron–Kerbosch on a small graph)."""
    nbrs: dict[int, set[int]] = defaultdict(set)
    for a, b in pairs:
        nbrs[a].add(b)
        nbrs[b].add(a)
    out: list[tuple[int, ...]] = []

    def grow(r: set[int], p: set[int], x: set[int]) -> None:
        if not p and not x:
            if len(r) >= 3:
                out.append(tuple(sorted(r)))
            return
        for v in sorted(p):
            grow(r | {v}, p & nbrs[v], x & nbrs[v])
            p = p - {v}
            x = x | {v}

    grow(set(), set(nbrs), set())
    return sorted(out)


def _stream_draws(
    session: Session, draw_ids: list[int]
) -> Iterable[tuple[list[dict[str, Any]], dict[str, Any]]]:
    for start in range(0, len(draw_ids), CHUNK):
        chunk = draw_ids[start : start + CHUNK]
        yield from session.execute(
            select(Draw.candidates, Draw.policy).where(Draw.id.in_(chunk)).order_by(Draw.id)
        )


def _add_expectation(
    expected: defaultdict[tuple[int, int], float], candidates: list[dict[str, Any]], policy_json: dict[str, Any],
    people: set[int], tested: set[tuple[int, int]],
) -> None:  # fmt: skip
    panel = PanelPolicy.from_dict(policy_json.get("panel", policy_json))
    weights = [panel.weight(int(c.get("recent_reviews", 0))) for c in candidates]
    chance = rules.inclusion(weights, panel.panel_size)
    mine = {
        int(c["expert_id"]): p
        for c, p in zip(candidates, chance, strict=True)
        if int(c["expert_id"]) in people
    }
    for pair in combinations(sorted(mine), 2):
        if pair in tested:
            expected[pair] += rules.joint(mine[pair[0]], mine[pair[1]], panel.panel_size, len(candidates))


def constructor_findings(session: Session, w: Window, policy: rules.IntegrityPolicy) -> list[Found]:
    builders: dict[int, set[int]] = defaultdict(set)
    work_rows = session.execute(
        select(Work.id, ProjectParticipant.enterprise_id)
        .join(ProjectParticipant, ProjectParticipant.project_id == Work.project_id)
        .where(Work.id.in_(set(w.works.values())), ProjectParticipant.role.in_(CONSTRUCTORS))
    ).all()
    for work_id, enterprise_id in work_rows:
        builders[work_id].add(enterprise_id)
    met: dict[tuple[int, int], list[int]] = defaultdict(list)
    reviews_of: Counter[int] = Counter()
    sat: Counter[int] = Counter()
    for review_id, members in w.panels.items():
        units = builders.get(w.works[review_id], set())
        reviews_of.update(units)
        sat.update(members)
        for expert_id in members:
            for unit in units:
                met[(expert_id, unit)].append(review_id)
    total = len(w.panels)
    level = rules.per_test(policy.alpha, sum(1 for r in met.values() if len(r) >= policy.min_shared_reviews))
    flagged = {
        k: r for k, r in sorted(met.items())
        if rules.is_unlikely(len(r), reviews_of[k[1]] * sat[k[0]] / total, minimum=policy.min_shared_reviews,
                             level=level)
    }  # fmt: skip
    names, homes = _experts(session, {e for e, _ in flagged})
    unit_names = dict(session.execute(select(Enterprise.id, Enterprise.name).where(
        Enterprise.id.in_({u for _, u in flagged}))).all())  # fmt: skip
    return [
        Found(FindingKind.CONSTRUCTOR, f"constructor:{e}-{u}", homes[e], f"{names[e]} · {unit_names.get(u, u)}",
              {"met": len(r), "expected": round(reviews_of[u] * sat[e] / total, 2), "constructor_reviews": reviews_of[u],
               "expert_reviews": sat[e], "p_value": rules.poisson_tail(len(r), reviews_of[u] * sat[e] / total)},
              tuple(sorted(r)[-MAX_LINKED_REVIEWS:]))
        for (e, u), r in flagged.items()
    ]  # fmt: skip


def pass_rate_findings(
    session: Session, start: date, end: date, policy: rules.IntegrityPolicy
) -> list[Found]:
    rows = session.execute(
        select(ReviewOpinion.expert_id, Work.category, ReviewOpinion.proposed, func.count())
        .join(Review, Review.id == ReviewOpinion.review_id)
        .join(Work, Work.id == Review.work_id)
        .where(Review.held_on >= start, Review.held_on <= end)
        .group_by(ReviewOpinion.expert_id, Work.category, ReviewOpinion.proposed)
    ).all()
    given: Counter[tuple[int, str]] = Counter()
    passed: Counter[tuple[int, str]] = Counter()
    for expert_id, category, proposed, n in rows:
        given[(expert_id, category)] += n
        if proposed in PASSING:
            passed[(expert_id, category)] += n
    rate = {c: sum(passed[k] for k in passed if k[1] == c) / sum(given[k] for k in given if k[1] == c)
            for c in {k[1] for k in given}}  # fmt: skip
    tested = {
        k: rules.z_score(passed[k], n, rate[k[1]])
        for k, n in sorted(given.items())
        if n >= policy.min_opinions
    }
    level = rules.per_test(policy.alpha, len(tested))
    flagged = {k: z for k, z in tested.items() if rules.two_sided(z) <= level}
    names, homes = _experts(session, {e for e, _ in flagged})
    return [
        Found(FindingKind.PASS_RATE, f"pass_rate:{e}-{c}", homes[e], f"{names[e]} · {c}",
              {"category": c, "opinions": given[(e, c)], "passed": passed[(e, c)],
               "rate": round(passed[(e, c)] / given[(e, c)], 3), "category_rate": round(rate[c], 3), "z": round(z, 2),
               "p_value": rules.two_sided(z)},
              ())
        for (e, c), z in flagged.items()
    ]  # fmt: skip


def similar_opinion_findings(session: Session, w: Window, policy: rules.IntegrityPolicy) -> list[Found]:
    rows = session.execute(
        select(ReviewOpinion.review_id, ReviewOpinion.expert_id, ReviewOpinion.findings)
        .where(ReviewOpinion.review_id.in_(list(w.panels)))
        .order_by(ReviewOpinion.review_id, ReviewOpinion.expert_id)
    ).all()
    texts: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for review_id, expert_id, findings in rows:
        joined = "".join(str(v) for _, v in sorted((findings or {}).items()))
        texts[review_id].append((expert_id, _NOT_WORD.sub("", normalize(joined))))
    found = []
    for review_id, opinions in sorted(texts.items()):
        pairs = rules.similar_pairs(opinions, threshold=policy.similarity, min_chars=policy.min_chars)
        if pairs:
            experts = sorted({e for a, b, _ in pairs for e in (a, b)})
            found.append((review_id, experts, max(s for _, _, s in pairs)))
    names, _ = _experts(session, {e for _, ex, _ in found for e in ex})
    return [
        Found(FindingKind.SIMILAR_OPINIONS, f"similar:{r}", w.cities[r], "、".join(names[e] for e in ex),
              {"experts": ex, "similarity": s, "review_id": r}, (r,))
        for r, ex, s in found
    ]  # fmt: skip


def _experts(session: Session, ids: set[int]) -> tuple[dict[int, str], dict[int, City]]:
    rows = session.execute(select(Expert.id, Expert.name, Expert.city).where(Expert.id.in_(ids))).all()
    return {i: n for i, n, _ in rows}, {i: c for i, _, c in rows}


def scan(session: Session, on: date, policy: rules.IntegrityPolicy, progress: Progress) -> list[Found]:
    """Every finding of the window ending ``on``."""
    start = on - timedelta(days=policy.window_days - 1)
    w = read_window(session, start, on)
    found = pair_findings(session, w, policy, progress)
    found += constructor_findings(session, w, policy)
    found += pass_rate_findings(session, start, on, policy)
    found += similar_opinion_findings(session, w, policy)
    return found


def store(session: Session, run: IntegrityRun, found: list[Found]) -> int:
    """Insert new findings and refresh the figures of known ones (their examination kept); one commit."""
    known = {f.fingerprint: f for f in session.scalars(
        select(IntegrityFinding).where(IntegrityFinding.fingerprint.in_([x.fingerprint for x in found])))}  # fmt: skip
    for f in found:
        row = known.get(f.fingerprint)
        if row is None:
            session.add(IntegrityFinding(fingerprint=f.fingerprint, kind=f.kind, city=f.city, subject=f.subject[:300],
                                         figures=f.figures, review_ids=list(f.review_ids), first_run_id=run.id,
                                         last_run_id=run.id))  # fmt: skip
        else:
            row.figures, row.review_ids, row.last_run_id, row.subject = (f.figures, list(f.review_ids), run.id,
                                                                         f.subject[:300])  # fmt: skip
    run.finished_at = utcnow()
    run.policy = asdict(rules.IntegrityPolicy()) if not run.policy else run.policy
    session.commit()
    return len(found)
