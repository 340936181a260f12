"""A panel draw's values (DOMAIN.md §4): the candidates, the policy of one draw, the panel drawn, their profiles."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from operator import attrgetter
from typing import Any

from expert_pool.policy import MAX_WEIGHT_EXPONENT, MIN_PANEL_SIZE
from knowledge.errors import ValidationError
from knowledge.regions import City
from knowledge.registry.rules import catalogue

ALGORITHM_VERSION = "weighted-sample/1"
# The fairness weight (DOMAIN.md §4, policy): 1 / (1 + reviews in the last 12 months) ** exponent.
WEIGHT_FUNCTION = "inverse-recent-reviews"
# The stored identifiers in words, for the draw record a person reads (DOMAIN.md §4: "names its weights").
ALGORITHM_NAMES: Mapping[str, str] = {ALGORITHM_VERSION: "加权不放回随机抽样（第1版）"}
ALGORITHM_DESCRIPTIONS: Mapping[str, str] = {
    ALGORITHM_VERSION: (
        "候选专家按编号排序，由随机种子产生的随机数逐一抽取，每名专家被抽中的机会与其权重成正比；只有在本地专家"
        "上限和须覆盖的专业仍能满足时才入选正选，正选满额后按同样规则依次抽取候补"
    ),
}
WEIGHT_DESCRIPTIONS: Mapping[str, str] = {
    WEIGHT_FUNCTION: "近12个月参加论证次数越少，被抽中的机会越大：权重 = 1 ÷（1 + 近12个月论证次数）的{exponent}次方",
}


def algorithm_name(version: str) -> str:
    """The algorithm of a stored draw by name; an unknown identifier is shown as it is."""
    return ALGORITHM_NAMES.get(version, version)


def describe_algorithm(version: str) -> str:
    """The algorithm of a stored draw in words: its name and how it picks."""
    how = ALGORITHM_DESCRIPTIONS.get(version)
    return f"{algorithm_name(version)}：{how}" if how else version


def describe_weight(function: str, exponent: float) -> str:
    """The fairness weight of a stored draw in words, with its exponent."""
    template = WEIGHT_DESCRIPTIONS.get(function)
    return template.format(exponent=f"{exponent:g}") if template else function


DEFAULT_PANEL_SIZE = 5  # DOMAIN.md §4, policy
COMPLEX_PANEL_SIZE = 7  # DOMAIN.md §4, policy: works flagged complex
DEFAULT_ALTERNATES = 3  # DOMAIN.md §4, policy
DEFAULT_MAX_LOCAL = 2  # DOMAIN.md §4, policy: at most 2 experts from the work's own city
DEFAULT_WEIGHT_EXPONENT = 1.0  # DOMAIN.md §4, policy
BY_ID = attrgetter("expert_id")

SPECIALTY_LABELS: dict[str, str] = {c.code: c.label for c in catalogue()}

# A candidate's profile: bit 0 set for a local expert, bit k+1 when he covers required specialty k.
Profile = int
LOCAL = 1


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


def profiles_of(pool: Sequence[Candidate], policy: PanelPolicy) -> list[Profile]:
    codes = list(enumerate(policy.required_specialties))
    mask_of = {s: sum(2 << bit for bit, code in codes if code in s) for s in {c.specialties for c in pool}}
    home = policy.home_city
    return [(c.city is home) | mask_of[c.specialties] for c in pool]


def replay_seed(record_inputs: Mapping[str, Any]) -> str | int:
    """The seed of a stored draw, once its algorithm version is known to be this one."""
    version = record_inputs.get("algorithm_version", ALGORITHM_VERSION)
    if version != ALGORITHM_VERSION:
        raise ValidationError(f"抽取算法版本{version}无法用{ALGORITHM_VERSION}重放")
    seed = record_inputs["seed"]
    if isinstance(seed, bool) or not isinstance(seed, str | int):
        raise ValidationError("随机种子须为字符串或整数")
    checked: str | int = seed
    return checked
