"""Top-up draws (补充抽取, DOMAIN.md §4 "Decline"): new seats for a panel whose alternates ran out.

The members who stay keep their seats; the new ones are drawn by the same weighted sampling as a whole
panel (``expert_pool.draws.selection.draw_panel``), with the staying members counted: their local experts use
up the local quota and the specialties they cover need no new cover. A specialty covered only by a
member who left must be covered again. The feasibility check is exact, as for a whole panel.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from functools import reduce
from operator import or_
from typing import Any

from expert_pool.draws.feasibility import DrawInfeasible, can_complete, check_distinct, coverage_of, full_mask
from expert_pool.draws.panel import (
    ALGORITHM_VERSION,
    BY_ID,
    LOCAL,
    SPECIALTY_LABELS,
    Candidate,
    Panel,
    PanelPolicy,
    Profile,
    profiles_of,
    replay_seed,
)
from expert_pool.draws.sampling import Crowded
from expert_pool.draws.selection import draw_seats, partners_of
from knowledge.errors import ValidationError

PREFIX = "补充抽取："
KIND = "top_up"


def draw_top_up(
    staying: Sequence[int],
    candidates: Sequence[Candidate],
    policy: PanelPolicy,
    rng: random.Random,
    *,
    seats: int = 1,
    alternates: int | None = None,
    exclude: Iterable[int] = (),
    apart: Iterable[Sequence[int]] = (),
) -> Panel:
    """Draw ``seats`` new members, and ``alternates`` new alternates (default the policy's), for a panel.

    ``staying`` are the ids of the members who keep their seats; ``candidates`` must include them (their
    city and specialties count) and may include anyone else: the staying members and the ids in
    ``exclude`` (those who declined, alternates already used) are never drawn. ``len(staying) + seats``
    must be the policy's panel size. Raises ``DrawInfeasible`` before any random number when no valid
    panel can be completed, or when the pool is smaller than ``seats + alternates`` (as ``draw_panel``).

    The returned panel seats the staying members in the given order, then the new ones in draw order;
    its alternates are the new alternates, each able to take at least one seat of the whole panel, and its
    weights are those of the candidates who could be drawn (the staying and excluded ones left out).

    The ``apart`` pairs (DOMAIN.md 5 soft limit) are kept apart as in ``draw_panel``, the staying members
    included: a candidate who sat too often with one of them is set aside, unless the seats cannot be filled so.
    """
    wanted = policy.alternates if alternates is None else alternates
    members = _staying_members(staying, candidates, policy, seats, wanted, exclude)
    gone = {*staying, *exclude}
    pool = [c for c in sorted(candidates, key=BY_ID) if c.expert_id not in gone]
    profiles = profiles_of(pool, policy)
    counts = Counter(profiles)
    kept = profiles_of(members, policy)
    _check_feasible(
        counts, kept, policy, seats=seats, alternates=wanted, left_out=len(candidates) - len(pool)
    )
    partners = partners_of(pool, apart, staying)
    if partners:
        try:
            new = draw_seats(pool, profiles, Counter(counts), policy, rng, staying=kept, seats=seats, alternates=wanted,
                        partners=partners, taken=frozenset(range(-len(staying), 0)))  # fmt: skip
            return Panel((*staying, *new.seated), new.alternates, new.weights)
        except Crowded:
            pass
    new = draw_seats(pool, profiles, counts, policy, rng, staying=kept, seats=seats, alternates=wanted)
    return Panel((*staying, *new.seated), new.alternates, new.weights)


def top_up_inputs(
    staying: Sequence[int],
    candidates: Sequence[Candidate],
    policy: PanelPolicy,
    seed: str | int,
    *,
    seats: int = 1,
    alternates: int | None = None,
    exclude: Iterable[int] = (),
    apart: Iterable[Sequence[int]] = (),
) -> dict[str, Any]:
    """What a top-up draw record stores so that ``replay`` (or ``replay_top_up``) gives the same panel."""
    return {
        "kind": KIND,
        "algorithm_version": ALGORITHM_VERSION,
        "candidates": [c.to_dict() for c in sorted(candidates, key=BY_ID)],
        "policy": policy.to_dict(),
        "seed": seed,
        "staying": list(staying),
        "seats": seats,
        "alternates": policy.alternates if alternates is None else alternates,
        "exclude": sorted(set(exclude)),
        "apart": sorted([list(p) for p in apart]),
    }


def replay_top_up(record_inputs: Mapping[str, Any]) -> Panel:
    """Redraw a stored top-up draw from its inputs: the same panel, bit for bit."""
    if record_inputs.get("kind") != KIND:
        raise ValidationError(f"抽取记录类型为{record_inputs.get('kind')}，不是补充抽取")
    seed = replay_seed(record_inputs)
    staying, exclude = (_ids(record_inputs.get(key, []), key) for key in ("staying", "exclude"))
    seats, alternates = (_count(record_inputs[key], key) for key in ("seats", "alternates"))
    candidates = [Candidate.from_dict(d) for d in record_inputs["candidates"]]
    policy = PanelPolicy.from_dict(record_inputs["policy"])
    return draw_top_up(
        staying,
        candidates,
        policy,
        random.Random(seed),
        seats=seats,
        alternates=alternates,
        exclude=exclude,
        apart=record_inputs.get("apart") or (),
    )


def _staying_members(
    staying: Sequence[int],
    candidates: Sequence[Candidate],
    policy: PanelPolicy,
    seats: int,
    alternates: int,
    exclude: Iterable[int],
) -> list[Candidate]:
    """The staying members as candidates, once the request itself makes sense (else ``ValidationError``)."""
    if seats < 1:
        raise ValidationError(f"{PREFIX}至少补充1名正选专家，请求为{seats}名", field="seats")
    if alternates < 0:
        raise ValidationError(f"{PREFIX}候补人数不能为负数", field="alternates")
    check_distinct(sorted(c.expert_id for c in candidates))
    if len(set(staying)) != len(staying):
        repeated = next(i for i in staying if list(staying).count(i) > 1)
        raise ValidationError(f"{PREFIX}留任专家{repeated}重复出现", field="staying")
    if len(staying) + seats != policy.panel_size:
        raise ValidationError(
            f"{PREFIX}留任{len(staying)}名加补充{seats}名共{len(staying) + seats}名，"
            f"与抽取规则的正选{policy.panel_size}名不符",
            field="seats",
        )
    by_id = {c.expert_id: c for c in candidates}
    missing = [i for i in staying if i not in by_id]
    if missing:
        raise ValidationError(f"{PREFIX}候选名单中缺少留任专家{missing[0]}", field="staying")
    both = sorted(set(staying) & set(exclude))
    if both:
        raise ValidationError(f"{PREFIX}专家{both[0]}既是留任专家又被排除", field="exclude")
    return [by_id[i] for i in staying]


def _check_feasible(
    counts: Counter[Profile],
    kept: Sequence[Profile],
    policy: PanelPolicy,
    *,
    seats: int,
    alternates: int,
    left_out: int,
) -> None:
    """Refuse, with the counts, a top-up that cannot be completed; exact through ``can_complete``."""
    city, quota = policy.home_city.label, policy.max_local
    kept_local = sum(p & LOCAL for p in kept)
    local_note = f"已有本地专家{kept_local}名，本地至多{quota}名"
    if kept_local > quota:
        raise DrawInfeasible(
            f"{PREFIX}留任专家中{city}本地专家已有{kept_local}名，超过本地至多{quota}名",
            constraint="max_local",
        )
    total = sum(counts.values())
    if total < seats + alternates:
        raise DrawInfeasible(
            f"{PREFIX}可用专家仅{total}名，需要{seats + alternates}名"
            f"（补充正选{seats}名、候补{alternates}名；留任及排除的{left_out}名不计入）",
            constraint="pool_size",
        )
    free = quota - kept_local
    outside = sum(n for profile, n in counts.items() if not profile & LOCAL)
    if outside < seats - free:
        raise DrawInfeasible(
            f"{PREFIX}{city}以外的可用专家仅{outside}名，需要{seats - free}名（{local_note}）",
            constraint="max_local",
        )
    uncovered = full_mask(policy) & ~reduce(or_, (p >> 1 for p in kept), 0)
    open_codes = {code for bit, code in enumerate(policy.required_specialties) if uncovered >> bit & 1}
    coverage = {code: counts_ for code, counts_ in coverage_of(counts, policy).items() if code in open_codes}
    for code, (able, able_outside) in coverage.items():
        label = SPECIALTY_LABELS[code]
        if not able:
            raise DrawInfeasible(
                f"{PREFIX}{label}专业可用专家为0名，需要至少1名（留任专家均不具备该专业）",
                constraint="specialty",
            )
        if not able_outside and not free:
            raise DrawInfeasible(
                f"{PREFIX}{city}以外的{label}专业可用专家为0名，需要至少1名（{city}本地{able}名，{local_note}）",
                constraint="specialty",
            )
    if not can_complete(counts, uncovered, seats, free):
        found = "，".join(f"{SPECIALTY_LABELS[c]}{n}名（{city}以外{m}名）" for c, (n, m) in coverage.items())
        needed = "、".join(SPECIALTY_LABELS[c] for c in policy.required_specialties if c in open_codes)
        raise DrawInfeasible(
            f"{PREFIX}无法以补充{seats}名同时满足{city}本地至多{quota}名（已有本地专家{kept_local}名）"
            f"并覆盖{needed}：可用专家中{found}",
            constraint="combination",
        )


def _ids(value: Any, key: str) -> list[int]:
    if not isinstance(value, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in value):
        raise ValidationError(f"补充抽取记录中的{key}须为专家编号列表")
    return value


def _count(value: Any, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"补充抽取记录中的{key}须为整数")
    checked: int = value
    return checked
