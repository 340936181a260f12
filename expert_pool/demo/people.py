"""The demo experts as people: title levels, ID numbers (GB 11643), mobile phones and specialties."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from expert_pool.experts.identity import check_character
from expert_pool.experts.models import ExpertStatus, TitleLevel
from knowledge.demo.sampling import CITY_PICKER, DISTRICT_CODES, Picker
from knowledge.regions import City

# Notice 31 part 二 asks for a senior title; these are the full-senior (正高级) ones of the demo vocabulary.
FULL_SENIOR_TITLES = frozenset({"正高级工程师", "教授级高级工程师", "研究员级高级工程师", "教授"})
ACADEMIC_TITLES = frozenset({"教授", "副教授"})  # universities are not enterprises: their institutes are
SPECIALTY_WEIGHTS = {"excavation": 30, "formwork": 24, "scaffolding": 20, "lifting": 18, "demolition": 7,
                     "underground": 6, "other": 6}  # fmt: skip
SPECIALTY_COUNTS = {1: 35, 2: 40, 3: 25}
# Every category held by enough experts that 5 seats and 3 alternates with at most 2 locals can be drawn
# in every city, after suspensions, leave and conflicts, even in the 60 experts of the small data set.
MIN_SPECIALTY_SHARE = 0.06
MIN_SPECIALTY_EXPERTS = 16
BIRTH_YEARS = {TitleLevel.FULL_SENIOR: (1955, 1978), TitleLevel.SENIOR: (1960, 1985)}
# Mobile number segments of China's three carriers (1[3-9]x); 154 was never issued.
PHONE_PREFIXES = [str(n) for n in (*range(130, 140), *range(150, 160), 166, 173, 177, *range(180, 190), 191, 198, 199)
                  if n not in (134, 154)]  # fmt: skip


@dataclass(frozen=True)
class Person:
    id: int
    city: City
    title: str
    status: ExpertStatus
    suspended_until: date | None

    @property
    def level(self) -> TitleLevel:
        return TitleLevel.FULL_SENIOR if self.title in FULL_SENIOR_TITLES else TitleLevel.SENIOR


def draw_identity(rng: random.Random, person: Person, taken: set[str]) -> tuple[str, str]:
    """An ID number, of a district mostly in the expert's city, and a mobile phone: neither already ``taken``."""
    first, last = BIRTH_YEARS[person.level]
    birth = date(rng.randint(first, last), 1, 1) + timedelta(days=rng.randrange(365))
    home = person.city if rng.random() < 0.75 else CITY_PICKER(rng)
    while True:
        first17 = f"{rng.choice(DISTRICT_CODES[home])}{birth:%Y%m%d}{rng.randrange(1, 1000):03d}"
        number = first17 + check_character(first17)
        phone = rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        if number not in taken and phone not in taken:
            taken.update((number, phone))
            return number, phone


def draw_specialties(rng: random.Random, people: Sequence[Person]) -> dict[int, list[str]]:
    """1-3 specialty codes per expert, by id, then topped up so that every category has enough experts."""
    pick, count = Picker(SPECIALTY_WEIGHTS), Picker(SPECIALTY_COUNTS)
    held: dict[int, list[str]] = {}
    for person in people:
        wanted, codes = count(rng), held.setdefault(person.id, [])
        while len(codes) < wanted:
            code = pick(rng)
            codes.extend([] if code in codes else [code])
    floor = min(len(people), max(math.ceil(MIN_SPECIALTY_SHARE * len(people)), MIN_SPECIALTY_EXPERTS))
    for code in SPECIALTY_WEIGHTS:
        others = [p.id for p in people if code not in held[p.id]]
        rng.shuffle(others)
        others.sort(key=lambda i: len(held[i]) >= 3)  # stable: the shuffled order among equals stays
        for expert_id in others[: max(0, floor - (len(people) - len(others)))]:
            held[expert_id].append(code)
    return held
