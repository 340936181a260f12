"""Panel draws (抽取): weighted, cross-region, covering the specialties, replayable (DOMAIN.md §4)."""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import reduce
from operator import attrgetter, or_
from typing import Any

from expert_pool.draws.feasibility import (
    LOCAL,
    SPECIALTY_LABELS,
    Profile,
    _check_distinct,
    _check_feasible,
    _full,
)
from expert_pool.draws.feasibility import DrawInfeasible as DrawInfeasible
from expert_pool.draws.feasibility import _can_complete as _can_complete
from expert_pool.draws.feasibility import _coverage as _coverage
from expert_pool.draws.sampling import Crowded, _pick_alternates, _seat, _Urn
from knowledge.errors import ValidationError
from knowledge.regions import City

ALGORITHM_VERSION = "weighted-sample/1"
# The fairness weight (DOMAIN.md §4, policy): 1 / (1 + reviews in the last 12 months) ** exponent.
WEIGHT_FUNCTION = "inverse-recent-reviews"
MIN_PANEL_SIZE = 5  # Decree 37 Art. 12: a review meeting has at least 5 experts
DEFAULT_PANEL_SIZE = 5  # DOMAIN.md §4, policy
COMPLEX_PANEL_SIZE = 7  # DOMAIN.md §4, policy: works flagged complex
DEFAULT_ALTERNATES = 3  # DOMAIN.md §4, policy
DEFAULT_MAX_LOCAL = 2  # DOMAIN.md §4, policy: at most 2 experts from the work's own city
DEFAULT_WEIGHT_EXPONENT = 1.0  # DOMAIN.md §4, policy
MAX_WEIGHT_EXPONENT = 10.0  # beyond this a busy expert's weight nears 0: a ban, no longer a lean
_BY_ID = attrgetter("expert_id")


@dataclass(frozen=True, slots=True)
class Candidate:
    """An eligible expert as the draw sees him; exclusions (leave, cap, conflicts, credit) happen before."""

    expert_id: int
    name: str
    city: City
    specialties: frozenset[str]
    recent_reviews: int = 0  # reviews in the last 12 months
    title_level: str = ""

    def __post_init__(self) -> None:
        if self.recent_reviews < 0:
            who = self.name or self.expert_id
            raise ValidationError(f"专家{who}的近12个月评审次数不能为负数", field="recent_reviews")

    def to_dict(self) -> dict[str, Any]:
        """What a replay needs and nothing more: a draw stores thousands of these, and hashes them.

        Name and title level are left out (the expert id finds them); records stored with them still replay.
        Written out rather than dataclasses.asdict, which was 11 ms a draw.
        """
        return {"expert_id": self.expert_id, "city": self.city.value, "specialties": sorted(self.specialties),
                "recent_reviews": self.recent_reviews}  # fmt: skip

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Candidate:
        values = {"name": "", **data}  # older records also hold the name and title level
        return cls(**{**values, "city": City(data["city"]), "specialties": frozenset(data["specialties"])})


@dataclass(frozen=True, slots=True)
class PanelPolicy:
    """The rules of one draw; every number is a provincial policy (DOMAIN.md §4) stored with the draw."""

    home_city: City
    panel_size: int = DEFAULT_PANEL_SIZE
    alternates: int = DEFAULT_ALTERNATES
    max_local: int = DEFAULT_MAX_LOCAL
    required_specialties: tuple[str, ...] = ()
    weight_function: str = WEIGHT_FUNCTION
    weight_exponent: float = DEFAULT_WEIGHT_EXPONENT

    def __post_init__(self) -> None:
        if self.panel_size < MIN_PANEL_SIZE:
            raise ValidationError(
                f"论证专家不得少于{MIN_PANEL_SIZE}名（住建部令第37号第十二条），抽取规则设为{self.panel_size}名",
                field="panel_size",
            )
        if self.alternates < 0 or self.max_local < 0:
            raise ValidationError("候补人数和本地专家上限不能为负数", field="alternates")
        unknown = [code for code in self.required_specialties if code not in SPECIALTY_LABELS]
        if unknown:
            raise ValidationError(f"未知的专业类别：{'、'.join(unknown)}", field="required_specialties")
        if self.weight_function != WEIGHT_FUNCTION:
            raise ValidationError(f"未知的权重函数：{self.weight_function}", field="weight_function")
        if not 0.0 <= self.weight_exponent <= MAX_WEIGHT_EXPONENT:
            raise ValidationError(f"权重指数须在0到{MAX_WEIGHT_EXPONENT:g}之间", field="weight_exponent")
        object.__setattr__(self, "required_specialties", tuple(dict.fromkeys(self.required_specialties)))

    @classmethod
    def for_work(cls, home: City, specialties: Iterable[str], *, is_complex: bool = False) -> PanelPolicy:
        """The default policy for a work: 7 seats instead of 5 for a work flagged complex."""
        size = COMPLEX_PANEL_SIZE if is_complex else DEFAULT_PANEL_SIZE
        return cls(home, panel_size=size, required_specialties=tuple(specialties))

    def weight(self, recent_reviews: int) -> float:
        return 1.0 / math.pow(1 + recent_reviews, self.weight_exponent)

    def to_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "home_city": self.home_city.value,
            "required_specialties": list(self.required_specialties),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PanelPolicy:
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValidationError(f"抽取规则含未知项：{'、'.join(sorted(unknown))}")
        required = tuple(data.get("required_specialties", ()))
        return cls(**{**data, "home_city": City(data["home_city"]), "required_specialties": required})


@dataclass(frozen=True, slots=True)
class Panel:
    """Seats and alternates (候补) in draw order, and the weight of every candidate, by expert id.

    ``alternates`` holds ``policy.alternates`` ids, fewer only when too few of the remaining candidates
    could take any seat; a later gap is filled by a top-up draw (DOMAIN.md §4).
    """

    seated: tuple[int, ...]
    alternates: tuple[int, ...]
    weights: tuple[tuple[int, float], ...]
    algorithm_version: str = ALGORITHM_VERSION

    def weight_of(self, expert_id: int) -> float:
        return dict(self.weights)[expert_id]

    def replace(self, leaving_id: int, alternate_id: int) -> Panel:
        """The panel after ``alternate_id`` takes the seat of ``leaving_id`` (at the same place)."""
        if leaving_id not in self.seated or alternate_id not in self.alternates:
            raise ValidationError(f"专家{leaving_id}不在正选名单中，或专家{alternate_id}不在候补名单中")
        seated = tuple(alternate_id if i == leaving_id else i for i in self.seated)
        rest = tuple(i for i in self.alternates if i != alternate_id)
        return Panel(seated, rest, self.weights, self.algorithm_version)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "weights": {str(i): w for i, w in self.weights}}


def draw_panel(
    candidates: Sequence[Candidate], policy: PanelPolicy, rng: random.Random,
    apart: Iterable[Sequence[int]] = (),
) -> Panel:  # fmt: skip
    """Draw the seats, then the alternates, of a panel; raises ``DrawInfeasible`` before any random number.

    Method: sequential roulette (weighted sampling without replacement) with rejection. Candidates are
    sorted by expert id; each pick takes one from the urn with chance proportional to its weight. A pick
    is seated when *admissible*: the seats so far plus him can still be completed to a valid panel (size,
    local quota, every required specialty), which ``_can_complete`` decides exactly; otherwise he is set
    aside. Admissibility only shrinks as seats fill, so a candidate set aside would never be admissible
    later: each seat is thus a weighted pick among the candidates admissible at that moment, and since
    the feasibility check holds before the first pick, an admissible candidate is always left (no short
    panel). Then those set aside go back into the urn and alternates are picked the same way among the
    candidates who could take at least one seat, in pick order.

    The pairs of ``apart`` (expert ids; DOMAIN.md 5 soft limit, ``soft_limits.crowded_pairs``) are kept apart:
    a pick whose partner already holds a seat is set aside too. Should that leave the seats impossible to fill,
    the seats are drawn again, with the same generator going on, as if there were no such pairs: a soft limit
    never makes a draw fail. Without pairs the draw is exactly the one before pairs existed (old records replay).
    """
    pool = sorted(candidates, key=_BY_ID)
    _check_distinct([c.expert_id for c in pool])
    profiles = _profiles(pool, policy)
    counts = Counter(profiles)
    _check_feasible(counts, len(pool), policy)
    partners = _partners(pool, apart)
    if partners:
        try:
            return _draw(pool, profiles, Counter(counts), policy, rng, staying=(), seats=policy.panel_size,
                         partners=partners)  # fmt: skip
        except Crowded:
            pass
    return _draw(pool, profiles, counts, policy, rng, staying=(), seats=policy.panel_size)


def _partners(
    pool: Sequence[Candidate], apart: Iterable[Sequence[int]], staying: Sequence[int] = ()
) -> dict[int, frozenset[int]]:
    """The pairs to keep apart as indices into ``pool``; the members who stay seated (a top-up draw) are
    -1, -2, … in their order. Pairs with an expert outside both, or between two staying members, drop out."""
    index = {c.expert_id: i for i, c in enumerate(pool)} | {e: -1 - k for k, e in enumerate(staying)}
    found: dict[int, set[int]] = {}
    for a, b in apart:
        if a in index and b in index and max(index[a], index[b]) >= 0:
            found.setdefault(index[a], set()).add(index[b])
            found.setdefault(index[b], set()).add(index[a])
    return {i: frozenset(p) for i, p in found.items()}


def _draw(
    pool: Sequence[Candidate],
    profiles: Sequence[Profile],
    counts: Counter[Profile],
    policy: PanelPolicy,
    rng: random.Random,
    *,
    staying: Sequence[Profile],
    seats: int,
    alternates: int | None = None,
    partners: Mapping[int, frozenset[int]] | None = None,
    taken: frozenset[int] = frozenset(),
) -> Panel:
    """The sampling behind ``draw_panel`` and the top-up draw, once the feasibility check has passed.

    ``pool`` is sorted by expert id, ``profiles`` and ``counts`` describe it (``counts`` is used up);
    ``staying`` are the profiles of members already seated (none for a fresh draw): they use up local
    quota and cover specialties. Returns the new seats only, then ``alternates`` (default the policy's)
    who could each take at least one seat of the whole panel, and the weight of everyone in ``pool``.
    """
    ids = [c.expert_id for c in pool]
    weight_of = {n: policy.weight(n) for n in {c.recent_reviews for c in pool}}
    weights = [weight_of[c.recent_reviews] for c in pool]
    urn = _Urn(weights)
    uncovered = _full(policy) & ~reduce(or_, (p >> 1 for p in staying), 0)
    quota = policy.max_local - sum(p & LOCAL for p in staying)
    seated, set_aside = _seat(urn, profiles, counts, rng, uncovered=uncovered, seats=seats, quota=quota,
                              partners=partners, taken=taken)  # fmt: skip
    urn.put_back(set_aside)
    wanted = policy.alternates if alternates is None else alternates
    panel = [*staying, *(profiles[i] for i in seated)]
    chosen = _pick_alternates(urn, profiles, panel, policy, wanted, rng)
    seated_ids, alternate_ids = (tuple(ids[i] for i in picks) for picks in (seated, chosen))
    return Panel(seated_ids, alternate_ids, tuple(zip(ids, weights, strict=True)))


def next_alternate(
    panel: Panel,
    leaving_id: int,
    candidates: Sequence[Candidate],
    policy: PanelPolicy,
    apart: Iterable[Sequence[int]] = (),
) -> int | None:
    """The first alternate, in draw order, whose taking the seat of ``leaving_id`` keeps the panel valid; the
    first such one who forms none of the ``apart`` pairs (DOMAIN.md 5 soft limit) with the staying members
    when there is one."""
    if leaving_id not in panel.seated:
        raise ValidationError(f"专家{leaving_id}不在正选名单中")
    by_id = {c.expert_id: c for c in candidates}
    missing = [i for i in panel.seated + panel.alternates if i not in by_id]
    if missing:
        raise ValidationError(f"候选名单中缺少专家{missing[0]}")
    staying = [by_id[i] for i in panel.seated if i != leaving_id]
    valid = [a for a in panel.alternates if is_valid_panel([*staying, by_id[a]], policy)]
    crowded = {frozenset(pair) for pair in apart}
    for alternate in valid:
        if not any(frozenset((alternate, s.expert_id)) in crowded for s in staying):
            return alternate
    return valid[0] if valid else None


def is_valid_panel(members: Sequence[Candidate], policy: PanelPolicy) -> bool:
    """The local quota holds and every required specialty is covered (the size is the caller's)."""
    locals_ = sum(1 for c in members if c.city is policy.home_city)
    covered = set().union(*(c.specialties for c in members))
    return locals_ <= policy.max_local and set(policy.required_specialties) <= covered


def replay_inputs(
    candidates: Sequence[Candidate], policy: PanelPolicy, seed: str | int, apart: Iterable[Sequence[int]] = ()
) -> dict[str, Any]:
    """What a draw record stores so that ``replay`` gives the same panel (JSON-ready)."""
    return {
        "algorithm_version": ALGORITHM_VERSION,
        "candidates": [c.to_dict() for c in sorted(candidates, key=_BY_ID)],
        "policy": policy.to_dict(),
        "seed": seed,
        "apart": sorted([list(p) for p in apart]),
    }


def replay(record_inputs: Mapping[str, Any]) -> Panel:
    """Redraw a stored draw from its candidates, policy and seed: the same panel, bit for bit.

    A record with ``kind: "top_up"`` (``expert_pool.draws.top_up.top_up_inputs``) is redrawn as a top-up draw;
    one without ``kind`` (or ``kind: "panel"``) as a whole panel.
    """
    kind = record_inputs.get("kind", "panel")
    if kind == "top_up":
        from expert_pool.draws.top_up import replay_top_up  # here, not above: top_up builds on this module

        return replay_top_up(record_inputs)
    if kind != "panel":
        raise ValidationError(f"未知的抽取类型：{kind}")
    seed = _replay_seed(record_inputs)
    candidates = [Candidate.from_dict(d) for d in record_inputs["candidates"]]
    policy = PanelPolicy.from_dict(record_inputs["policy"])
    return draw_panel(candidates, policy, random.Random(seed), apart=record_inputs.get("apart") or ())


def _replay_seed(record_inputs: Mapping[str, Any]) -> str | int:
    """The seed of a stored draw, once its algorithm version is known to be this one."""
    version = record_inputs.get("algorithm_version", ALGORITHM_VERSION)
    if version != ALGORITHM_VERSION:
        raise ValidationError(f"抽取算法版本{version}无法用{ALGORITHM_VERSION}重放")
    seed = record_inputs["seed"]
    if isinstance(seed, bool) or not isinstance(seed, str | int):
        raise ValidationError("随机种子须为字符串或整数")
    return seed


def _profiles(pool: Sequence[Candidate], policy: PanelPolicy) -> list[Profile]:
    codes = list(enumerate(policy.required_specialties))
    mask_of = {s: sum(2 << bit for bit, code in codes if code in s) for s in {c.specialties for c in pool}}
    home = policy.home_city
    return [(c.city is home) | mask_of[c.specialties] for c in pool]
