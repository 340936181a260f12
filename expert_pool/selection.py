"""Panel draws (抽取): weighted, cross-region, covering the specialties, replayable (DOMAIN.md §4)."""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import cache, reduce
from operator import attrgetter, or_
from typing import Any

from knowledge.errors import ValidationError
from knowledge.regions import City
from knowledge.rules import catalogue

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

SPECIALTY_LABELS: dict[str, str] = {c.code: c.label for c in catalogue()}

# A candidate's profile: bit 0 set for a local expert, bit k+1 when he covers required specialty k.
Profile = int
LOCAL = 1
_BY_ID = attrgetter("expert_id")


class DrawInfeasible(ValidationError):
    """No panel can satisfy the policy over this pool; ``constraint`` names the rule that cannot be met."""

    code = "draw_infeasible"

    def __init__(self, message: str, *, constraint: str) -> None:
        super().__init__(message)
        self.constraint = constraint


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
            raise ValidationError(f"专家{self.name}的近12个月评审次数不能为负数", field="recent_reviews")

    def to_dict(self) -> dict[str, Any]:
        # Written out rather than dataclasses.asdict: a draw stores thousands of these (asdict was 11 ms).
        return {"expert_id": self.expert_id, "name": self.name, "city": self.city.value,
                "specialties": sorted(self.specialties), "recent_reviews": self.recent_reviews,
                "title_level": self.title_level}  # fmt: skip

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Candidate:
        return cls(**{**data, "city": City(data["city"]), "specialties": frozenset(data["specialties"])})


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


def draw_panel(candidates: Sequence[Candidate], policy: PanelPolicy, rng: random.Random) -> Panel:
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
    """
    pool = sorted(candidates, key=_BY_ID)
    _check_distinct([c.expert_id for c in pool])
    profiles = _profiles(pool, policy)
    counts = Counter(profiles)
    _check_feasible(counts, len(pool), policy)
    return _draw(pool, profiles, counts, policy, rng, staying=(), seats=policy.panel_size)


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
    seated, set_aside = _seat(urn, profiles, counts, rng, uncovered=uncovered, seats=seats, quota=quota)
    urn.put_back(set_aside)
    wanted = policy.alternates if alternates is None else alternates
    panel = [*staying, *(profiles[i] for i in seated)]
    chosen = _pick_alternates(urn, profiles, panel, policy, wanted, rng)
    seated_ids, alternate_ids = (tuple(ids[i] for i in picks) for picks in (seated, chosen))
    return Panel(seated_ids, alternate_ids, tuple(zip(ids, weights, strict=True)))


def next_alternate(
    panel: Panel, leaving_id: int, candidates: Sequence[Candidate], policy: PanelPolicy
) -> int | None:
    """The first alternate, in draw order, whose taking the seat of ``leaving_id`` keeps the panel valid."""
    if leaving_id not in panel.seated:
        raise ValidationError(f"专家{leaving_id}不在正选名单中")
    by_id = {c.expert_id: c for c in candidates}
    missing = [i for i in panel.seated + panel.alternates if i not in by_id]
    if missing:
        raise ValidationError(f"候选名单中缺少专家{missing[0]}")
    staying = [by_id[i] for i in panel.seated if i != leaving_id]
    for alternate in panel.alternates:
        if is_valid_panel([*staying, by_id[alternate]], policy):
            return alternate
    return None


def is_valid_panel(members: Sequence[Candidate], policy: PanelPolicy) -> bool:
    """The local quota holds and every required specialty is covered (the size is the caller's)."""
    locals_ = sum(1 for c in members if c.city is policy.home_city)
    covered = set().union(*(c.specialties for c in members))
    return locals_ <= policy.max_local and set(policy.required_specialties) <= covered


def replay_inputs(candidates: Sequence[Candidate], policy: PanelPolicy, seed: str | int) -> dict[str, Any]:
    """What a draw record stores so that ``replay`` gives the same panel (JSON-ready)."""
    return {
        "algorithm_version": ALGORITHM_VERSION,
        "candidates": [c.to_dict() for c in sorted(candidates, key=_BY_ID)],
        "policy": policy.to_dict(),
        "seed": seed,
    }


def replay(record_inputs: Mapping[str, Any]) -> Panel:
    """Redraw a stored draw from its candidates, policy and seed: the same panel, bit for bit.

    A record with ``kind: "top_up"`` (``expert_pool.top_up.top_up_inputs``) is redrawn as a top-up draw;
    one without ``kind`` (or ``kind: "panel"``) as a whole panel.
    """
    kind = record_inputs.get("kind", "panel")
    if kind == "top_up":
        from expert_pool.top_up import replay_top_up  # here, not above: top_up builds on this module

        return replay_top_up(record_inputs)
    if kind != "panel":
        raise ValidationError(f"未知的抽取类型：{kind}")
    seed = _replay_seed(record_inputs)
    candidates = [Candidate.from_dict(d) for d in record_inputs["candidates"]]
    policy = PanelPolicy.from_dict(record_inputs["policy"])
    return draw_panel(candidates, policy, random.Random(seed))


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


class _Urn:
    """Candidate indices grouped by weight (a handful of groups), to pick from by roulette."""

    def __init__(self, weights: Sequence[float]) -> None:
        self.weights = weights
        self.groups: defaultdict[float, list[int]] = defaultdict(list)
        for i, weight in enumerate(weights):
            self.groups[weight].append(i)
        self.order = sorted(self.groups)  # the walk over groups does not depend on insertion order

    def pick(self, rng: random.Random) -> int | None:
        """An index with chance proportional to its weight among those left (one ``u`` and one index)."""
        shares = [(w * len(self.groups[w]), self.groups[w]) for w in self.order]
        target = rng.random() * sum(share for share, _ in shares)
        chosen: list[int] = []
        for share, members in shares:
            if members:
                chosen = members
                if target < share:
                    break
                target -= share
        if not chosen:
            return None
        k = rng.randrange(len(chosen))
        chosen[k], chosen[-1] = chosen[-1], chosen[k]
        return chosen.pop()

    def put_back(self, indices: Iterable[int]) -> None:
        for i in sorted(indices):
            self.groups[self.weights[i]].append(i)


def _full(policy: PanelPolicy) -> int:
    """The mask of every required specialty (a profile's bits above ``LOCAL``, shifted down)."""
    return (1 << len(policy.required_specialties)) - 1


def _seat(
    urn: _Urn,
    profiles: Sequence[Profile],
    counts: Counter[Profile],
    rng: random.Random,
    *,
    uncovered: int,
    seats: int,
    quota: int,
) -> tuple[list[int], list[int]]:
    """The ``seats`` new seats in pick order, and the candidates set aside as not admissible on the way.

    ``uncovered`` are the specialties still to cover and ``quota`` the local seats still free.
    """
    seated: list[int] = []
    set_aside: list[int] = []
    verdicts: dict[Profile, bool] = {}  # admissibility per profile, until the next seat is filled
    while seats:
        i = urn.pick(rng)
        if i is None:
            raise RuntimeError("admissible candidates ran out after a feasibility check that passed")
        profile = profiles[i]
        if profile not in verdicts:
            verdicts[profile] = _admits(counts, profile, uncovered, seats, quota)
        if not verdicts[profile]:
            set_aside.append(i)
            continue
        seated.append(i)
        counts[profile] -= 1
        uncovered &= ~(profile >> 1)
        seats, quota = seats - 1, quota - (profile & LOCAL)
        verdicts.clear()
    return seated, set_aside


def _pick_alternates(
    urn: _Urn,
    profiles: Sequence[Profile],
    seated: Sequence[Profile],
    policy: PanelPolicy,
    wanted: int,
    rng: random.Random,
) -> list[int]:
    """Up to ``wanted`` alternates in pick order, among the candidates who could take at least one seat.

    ``seated`` holds the profiles of the whole panel (staying members included).
    """
    full = _full(policy)
    masks = [profile >> 1 for profile in seated]
    local = [profile & LOCAL for profile in seated]
    others = [reduce(or_, masks[:k] + masks[k + 1 :], 0) for k in range(len(seated))]

    @cache
    def could_sit(profile: Profile) -> bool:
        return any(
            others[k] | profile >> 1 == full and sum(local) - local[k] + (profile & LOCAL) <= policy.max_local
            for k in range(len(seated))
        )

    chosen: list[int] = []
    while len(chosen) < wanted and (i := urn.pick(rng)) is not None:
        if could_sit(profiles[i]):
            chosen.append(i)
    return chosen


def _admits(counts: Counter[Profile], profile: Profile, uncovered: int, seats: int, quota: int) -> bool:
    """Whether seating one candidate of ``profile`` leaves a completable panel."""
    if profile & LOCAL and quota == 0:
        return False
    rest = counts.copy()
    rest[profile] -= 1
    return _can_complete(rest, uncovered & ~(profile >> 1), seats - 1, quota - (profile & LOCAL))


def _can_complete(counts: Mapping[Profile, int], uncovered: int, seats: int, quota: int) -> bool:
    """Whether ``seats`` more can be chosen from ``counts`` with at most ``quota`` locals, covering ``uncovered``.

    Exact: a valid choice exists iff (a) some set T of at most ``seats`` candidates with at most ``quota``
    locals covers ``uncovered``, and (b) seats <= non-locals + min(locals, quota). Filling up after T
    needs seats-|T| <= (non-locals - non-locals(T)) + min(locals, quota) - locals(T), which is (b).
    """
    local = sum(n for profile, n in counts.items() if profile & LOCAL)
    non_local = sum(counts.values()) - local
    return seats <= non_local + min(local, quota) and _can_cover(counts, uncovered, seats, quota)


def _can_cover(counts: Mapping[Profile, int], uncovered: int, seats: int, quota: int) -> bool:
    """(a) above, by a dynamic programme over covered masks: the fewest locals spent for each, per pick."""
    if not uncovered:
        return True
    offers: dict[int, int] = {}  # useful mask -> locals it costs (0 when a non-local offers it)
    for profile, n in counts.items():
        if n > 0 and (useful := profile >> 1 & uncovered):
            offers[useful] = min(offers.get(useful, 1), profile & LOCAL)
    best = {0: 0}
    for _ in range(min(seats, uncovered.bit_count())):  # a minimal cover has at most one pick per bit
        step = dict(best)
        for covered, spent in best.items():
            for useful, cost in offers.items():
                if spent + cost < step.get(covered | useful, quota + 1):
                    step[covered | useful] = spent + cost
        best = step
        if uncovered in best:
            return True
    return False


def _check_distinct(ids: Sequence[int]) -> None:
    if len(set(ids)) != len(ids):
        repeated = next(a for a, b in zip(ids, ids[1:], strict=False) if a == b)
        raise ValidationError(f"候选名单中专家{repeated}重复出现")


def _check_feasible(counts: Counter[Profile], total: int, policy: PanelPolicy) -> None:
    size, quota, city = policy.panel_size, policy.max_local, policy.home_city.label
    if total < size + policy.alternates:
        raise DrawInfeasible(
            f"可用专家仅{total}名，需要{size + policy.alternates}名（正选{size}名、候补{policy.alternates}名）",
            constraint="pool_size",
        )
    outside = sum(n for profile, n in counts.items() if not profile & LOCAL)
    if outside < size - quota:
        raise DrawInfeasible(
            f"{city}以外的可用专家仅{outside}名，需要{size - quota}名（正选{size}名，{city}本地至多{quota}名）",
            constraint="max_local",
        )
    for code, (able, able_outside) in _coverage(counts, policy).items():
        if not able or (not able_outside and not quota):
            where = f"{city}以外的" if able else ""
            raise DrawInfeasible(
                f"{where}{SPECIALTY_LABELS[code]}专业可用专家为0名，需要至少1名（{city}本地{able}名，本地名额{quota}名）",
                constraint="specialty",
            )
    if not _can_complete(counts, _full(policy), size, quota):
        raise DrawInfeasible(_combination_message(counts, policy), constraint="combination")


def _coverage(counts: Counter[Profile], policy: PanelPolicy) -> dict[str, tuple[int, int]]:
    """Per required specialty: how many candidates cover it, and how many of them are not local."""
    return {
        code: (
            sum(n for profile, n in counts.items() if profile >> (bit + 1) & 1),
            sum(n for profile, n in counts.items() if profile >> (bit + 1) & 1 and not profile & LOCAL),
        )
        for bit, code in enumerate(policy.required_specialties)
    }


def _combination_message(counts: Counter[Profile], policy: PanelPolicy) -> str:
    city, labels = policy.home_city.label, SPECIALTY_LABELS
    found = "，".join(
        f"{labels[c]}{n}名（{city}以外{m}名）" for c, (n, m) in _coverage(counts, policy).items()
    )
    wanted = "、".join(labels[c] for c in policy.required_specialties)
    return f"无法同时满足正选{policy.panel_size}名、{city}本地至多{policy.max_local}名并覆盖{wanted}：可用专家中{found}"
