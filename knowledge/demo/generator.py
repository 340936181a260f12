"""Pure generation of demo rows: enterprises with their groups, experts, and the whole data set."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from knowledge.demo import vocabulary as vocab
from knowledge.demo.plan_versions import generate_plans
from knowledge.demo.projects import generate_projects
from knowledge.demo.sampling import (
    CITY_PICKER,
    DISTRICT_CODES,
    KIND_TYPES,
    KINDS,
    EnterprisePool,
    Picker,
    Row,
    created_before,
)
from knowledge.demo.work_status import plan_statuses, settle
from knowledge.demo.works import generate_works, project_infos
from knowledge.enterprises.creditcode import CHARSET, make_code
from knowledge.regions import DISTRICTS, City

# Registration authority 9 (market regulation) and type 1 (company), GB 32100-2015 table 1.
COMPANY_REGISTRATION = "91"
MAX_NAME_ATTEMPTS = 200

ROOT_KIND_WEIGHTS: Mapping[str, int] = {
    "owner": 30,
    "general": 30,
    "specialty": 15,
    "supervisor": 8,
    "surveyor": 4,
    "designer": 6,
    "monitor": 3,
}
GROUP_RATES: Mapping[str, float] = {
    "owner": 0.05,
    "general": 0.08,
    "specialty": 0.02,
    "supervisor": 0.03,
    "surveyor": 0.03,
    "designer": 0.04,
    "monitor": 0.02,
}
# What a group of each kind owns: constructor groups often hold a design institute or a developer.
CHILD_KIND_WEIGHTS: Mapping[str, Mapping[str, int]] = {
    "owner": {"owner": 70, "general": 15, "supervisor": 10, "designer": 5},
    "general": {"general": 45, "specialty": 30, "designer": 8, "supervisor": 7, "owner": 7, "monitor": 3},
    "specialty": {"specialty": 85, "general": 15},
    "supervisor": {"supervisor": 70, "designer": 15, "monitor": 15},
    "surveyor": {"surveyor": 60, "monitor": 25, "designer": 15},
    "designer": {"designer": 50, "surveyor": 25, "supervisor": 20, "monitor": 5},
    "monitor": {"monitor": 80, "surveyor": 20},
}
SUBSIDIARY_COUNTS = {2: 30, 3: 25, 4: 15, 5: 10, 6: 8, 7: 6, 8: 6}
SECOND_LEVEL_RATE = 0.2
# Values of expert_pool.experts.models.ExpertStatus, written out because knowledge may not import expert_pool
# (ARCHITECTURE.md section 1); the status column's CHECK and enum validation refuse any drift.
EXPERT_STATUS_WEIGHTS = {"active": 94, "suspended": 4, "removed": 2}


@dataclass(frozen=True)
class ScaleSpec:
    """How many rows a scale makes; ``min_groups`` guarantees a few groups in a small data set.

    ``plan_versions`` is a target: works get plans with a probability that spends it, so a run lands close.
    """

    enterprises: int
    projects: int
    experts: int
    min_groups: int = 0
    works: int = 0
    plan_versions: int = 0


SCALES: Mapping[str, ScaleSpec] = {
    "small": ScaleSpec(enterprises=200, projects=300, experts=60, min_groups=4, works=400, plan_versions=150),
    "province": ScaleSpec(
        enterprises=30_000, projects=50_000, experts=3_000, works=100_000, plan_versions=20_000
    ),
}


@dataclass(frozen=True)
class FirstIds:
    """The first primary key to give in each table (one past the current maximum)."""

    enterprise: int = 1
    project: int = 1
    participant: int = 1
    expert: int = 1
    work: int = 1
    plan_version: int = 1
    signoff: int = 1


@dataclass(frozen=True)
class DemoRows:
    enterprises: list[Row]
    projects: list[Row]
    participants: list[Row]
    experts: list[Row]
    works: list[Row] = field(default_factory=list)
    plan_versions: list[Row] = field(default_factory=list)
    plan_files: list[str] = field(default_factory=list)  # each version's file content, in the same order
    signoffs: list[Row] = field(default_factory=list)


def anchor_date(seed: int) -> datetime:
    """The fixed moment every created_at counts back from: derived from the seed, never the clock."""
    return datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=seed % 366)


class EnterpriseBuilder:
    """Makes enterprise rows with unique names and credit codes, groups first-parent-then-children."""

    def __init__(self, rng: random.Random, spec: ScaleSpec, first_id: int, anchor: datetime) -> None:
        self.rng = rng
        self.spec = spec
        self.next_id = first_id
        self.anchor = anchor
        self.rows: list[Row] = []
        self.pool = EnterprisePool()
        self.names: set[str] = set()
        self.codes: set[str] = set()
        self.brands = vocab.brand_words()
        self.root_kind = Picker(ROOT_KIND_WEIGHTS)
        self.child_kind = {kind: Picker(weights) for kind, weights in CHILD_KIND_WEIGHTS.items()}
        self.subsidiary_count = Picker(SUBSIDIARY_COUNTS)

    def build(self) -> list[Row]:
        roots = groups = 0
        while not self.is_full():
            # The first roots take each kind once, so even a small data set has every kind.
            kind = KINDS[roots] if roots < len(KINDS) else self.root_kind(self.rng)
            is_group = groups < self.spec.min_groups or self.rng.random() < GROUP_RATES[kind]
            self.add_root(kind, is_group)
            roots += 1
            groups += is_group
        return self.rows

    def is_full(self) -> bool:
        return len(self.rows) >= self.spec.enterprises

    def add_root(self, kind: str, is_group: bool) -> None:
        city = CITY_PICKER(self.rng)
        district_code = self.rng.choice(DISTRICT_CODES[city])
        brand, name = self.root_name(kind, city, is_group)
        root_id = self.add(name, kind, city, district_code, parent_id=None, root_id=None)
        if is_group:
            self.add_subsidiaries(root_id, root_id, kind, city, brand, name, level=2)

    def add_subsidiaries(
        self,
        parent_id: int,
        root_id: int,
        parent_kind: str,
        parent_city: City,
        brand: str,
        parent_name: str,
        level: int,
    ) -> None:
        rng = self.rng
        count = self.subsidiary_count(rng) if level == 2 else rng.randint(1, 3)
        stay_home = 0.5 if level == 2 else 0.7  # subsidiaries are often registered in other cities
        for _ in range(count):
            if self.is_full():
                return
            kind = self.child_kind[parent_kind](rng)
            city = parent_city if rng.random() < stay_home else CITY_PICKER(rng)
            district_code = rng.choice(DISTRICT_CODES[city])
            name = self.subsidiary_name(kind, city, district_code, brand, parent_name, level)
            child_id = self.add(name, kind, city, district_code, parent_id=parent_id, root_id=root_id)
            if level == 2 and rng.random() < SECOND_LEVEL_RATE:
                self.add_subsidiaries(child_id, root_id, kind, city, brand, name, level=3)

    def add(
        self,
        name: str,
        kind: str,
        city: City,
        district_code: str,
        *,
        parent_id: int | None,
        root_id: int | None,
    ) -> int:
        enterprise_id = self.next_id
        self.next_id += 1
        # Most companies register with their district's market authority, some with the city's.
        division = district_code if self.rng.random() < 0.8 else city.division_code
        self.rows.append(
            {
                "id": enterprise_id,
                "name": name,
                "credit_code": self.credit_code(division),
                "type": KIND_TYPES[kind],
                "city": city,
                "parent_id": parent_id,
                "created_at": created_before(self.rng, self.anchor),
            }
        )
        self.pool.add(enterprise_id, kind, city, root_id if root_id is not None else enterprise_id)
        return enterprise_id

    def credit_code(self, division: str) -> str:
        rng = self.rng
        while True:
            if rng.random() < 0.3:
                # Codes issued since 2015 carry an organisation body starting with "MA".
                org8 = "MA" + rng.choice("12") + "".join(rng.choices(CHARSET, k=5))
            else:
                org8 = str(rng.randint(1, 9)) + "".join(rng.choices("0123456789", k=7))
            code = make_code(COMPANY_REGISTRATION, division, org8)
            if code not in self.codes:
                self.codes.add(code)
                return code

    def root_name(self, kind: str, city: City, is_group: bool) -> tuple[str, str]:
        rng = self.rng
        for _ in range(MAX_NAME_ATTEMPTS):
            brand = rng.choice(self.brands)
            prefix = rng.choices((vocab.city_short(city), vocab.PROVINCE_PREFIX, ""), weights=(45, 30, 25))[0]
            word = rng.choice(vocab.INDUSTRY_WORDS[kind])
            if is_group:
                name = rng.choice(
                    (
                        f"{prefix}{brand}{word}集团有限公司",
                        f"{prefix}{brand}集团有限公司",
                        f"{brand}控股集团有限公司",
                    )
                )
            else:
                suffix = "股份有限公司" if rng.random() < 0.12 else "有限公司"
                name = f"{prefix}{brand}{word}{suffix}"
            if self.claim(name):
                return brand, name
        raise RuntimeError("demo vocabulary too small for the number of enterprise names asked for")

    def subsidiary_name(
        self, kind: str, city: City, district_code: str, brand: str, parent_name: str, level: int
    ) -> str:
        rng = self.rng
        stem = parent_name.removesuffix("有限公司").removesuffix("股份")
        short = vocab.city_short(city)
        district = vocab.district_short(DISTRICTS[city][district_code])
        for _ in range(MAX_NAME_ATTEMPTS):
            word = rng.choice(vocab.INDUSTRY_WORDS[kind])
            options = [f"{short}{brand}{word}有限公司", f"{brand}{word}（{short}）有限公司"]
            if level == 2 and stem.endswith("集团"):
                # A group prefixed by the subsidiary's own city does not repeat it: 泰州某某集团工程咨询有限公司.
                options.append(f"{stem}{word}有限公司" if short in stem else f"{stem}{short}{word}有限公司")
                if kind == "general":
                    ordinal = rng.choice(vocab.CHINESE_ORDINALS)
                    options.append(f"{stem}第{ordinal}{rng.choice(vocab.NUMBERED_UNIT_WORDS)}有限公司")
            if level == 3:
                options.append(f"{short}{district}{brand}{word}有限公司")
            name = rng.choice(options)
            if self.claim(name):
                return name
        raise RuntimeError("demo vocabulary too small for the subsidiaries of one group")

    def claim(self, name: str) -> bool:
        if name in self.names:
            return False
        self.names.add(name)
        return True


def generate_experts(rng: random.Random, count: int, first_id: int, anchor: datetime) -> list[Row]:
    """Experts in every city (the first 13 take one city each), with senior titles and realistic names."""
    surname = Picker(vocab.SURNAMES)
    title = Picker(vocab.EXPERT_TITLES)
    status = Picker(EXPERT_STATUS_WEIGHTS)
    given_two = vocab.words(vocab.GIVEN_NAMES_TWO)
    given_one = vocab.words(vocab.GIVEN_NAMES_ONE)
    cities = tuple(City)
    rows: list[Row] = []
    for index in range(count):
        given = rng.choice(given_two) if rng.random() < 0.65 else rng.choice(given_one)
        row: Row = {
            "id": first_id + index,
            "name": surname(rng) + given,
            "city": cities[index] if index < len(cities) else CITY_PICKER(rng),
            "title": title(rng),
            "status": status(rng),
            "created_at": created_before(rng, anchor),
        }
        # A suspension has an end (expert table CHECK suspension_has_end); derived without a draw, so the
        # stream, and every other expert, stays as it was.
        suspended = row["status"] == "suspended"
        row["suspended_until"] = (anchor + timedelta(days=90 + index % 270)).date() if suspended else None
        rows.append(row)
    return rows


def generate(
    spec: ScaleSpec,
    *,
    seed: int,
    first_ids: FirstIds | None = None,
    with_plans: bool = False,
    signers: Mapping[str, int] | None = None,
) -> DemoRows:
    """Every demo row for a scale; the same seed, first ids and options always give the same rows.

    Each part draws from its own generator seeded by a string (hashed with SHA-512 by ``random``,
    so independent of PYTHONHASHSEED), so a change to project names leaves enterprises as they were.
    Works are the same whatever the options; only how far along the workflow they stand changes: without
    ``with_plans`` every work is registered, and none is past plan_drafted whose signers have no account.
    """
    ids = first_ids or FirstIds()
    anchor = anchor_date(seed)
    builder = EnterpriseBuilder(random.Random(f"{seed}/enterprises"), spec, ids.enterprise, anchor)
    enterprises = builder.build()
    projects, participants = generate_projects(
        random.Random(f"{seed}/projects"),
        spec.projects,
        builder.pool,
        first_project_id=ids.project,
        first_participant_id=ids.participant,
        anchor=anchor,
    )
    experts = generate_experts(random.Random(f"{seed}/experts"), spec.experts, ids.expert, anchor)
    names = {row["id"]: row["name"] for row in enterprises}
    works = generate_works(
        random.Random(f"{seed}/works"),
        spec.works,
        project_infos(projects, participants),
        names,
        first_id=ids.work,
    )
    plan_statuses(random.Random(f"{seed}/work-status"), works, spec.plan_versions)
    settle(works, anchor, with_plans=with_plans, signer_kinds=frozenset(signers or ()))
    plans = generate_plans(
        works,
        seed=seed,
        names=names,
        anchor=anchor,
        signers=signers,
        first_version_id=ids.plan_version,
        first_signoff_id=ids.signoff,
    )
    return DemoRows(
        enterprises=enterprises,
        projects=projects,
        participants=participants,
        experts=experts,
        works=[work.row for work in works],
        plan_versions=plans.versions,
        plan_files=plans.contents,
        signoffs=plans.signoffs,
    )
