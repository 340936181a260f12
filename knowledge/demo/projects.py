"""Pure generation of demo projects: Chinese names and addresses, and the units taking part in each."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from datetime import datetime

from knowledge.demo import vocabulary as vocab
from knowledge.demo.sampling import CITY_PICKER, DISTRICT_CODES, EnterprisePool, Picker, Row, created_before
from knowledge.enterprises.models import ParticipantRole
from knowledge.regions import DISTRICTS, City

PROJECT_KIND_WEIGHTS: Mapping[str, int] = {
    "residential": 30,
    "commercial": 10,
    "school": 9,
    "hospital": 5,
    "industrial": 15,
    "road": 10,
    "bridge": 4,
    "pipe_gallery": 3,
    "metro": 4,
    "civic": 10,
}
# Share of projects of each kind with a deep excavation, where the owner engages a monitoring unit.
DEEP_EXCAVATION_RATES: Mapping[str, float] = {
    "residential": 0.5,
    "commercial": 0.8,
    "school": 0.2,
    "hospital": 0.7,
    "industrial": 0.1,
    "road": 0.15,
    "bridge": 0.3,
    "pipe_gallery": 0.9,
    "metro": 1.0,
    "civic": 0.4,
}
# Share of each role's units drawn from the project's own city; the rest come from anywhere in Jiangsu.
LOCAL_SHARES: Mapping[str, float] = {
    "owner": 0.92,
    "general": 0.65,
    "specialty": 0.6,
    "supervisor": 0.75,
    "surveyor": 0.7,
    "designer": 0.6,
    "monitor": 0.8,
}
SURVEY_RATE = 0.85
DESIGN_RATE = 0.9
SUBCONTRACT_RATE = 0.4
ZONE_RATE = 0.3


class ProjectNamer:
    """Builds a project's name and address; a name may move the project into a zone's host district."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.places = vocab.words(vocab.PLACE_WORDS)
        self.road_stems = vocab.words(vocab.ROAD_STEMS)
        self.rivers = vocab.words(vocab.RIVER_STEMS)
        self.brands = vocab.brand_words()
        self.road_suffix = Picker(vocab.ROAD_SUFFIXES)
        self.builders: Mapping[str, Callable[[City, str, str], str]] = {
            "residential": self.residential,
            "commercial": self.commercial,
            "school": self.school,
            "hospital": self.hospital,
            "industrial": self.industrial,
            "road": self.road_works,
            "bridge": self.bridge,
            "pipe_gallery": self.pipe_gallery,
            "metro": self.metro,
            "civic": self.civic,
        }

    def name(self, kind: str, city: City, district: str) -> tuple[str, str]:
        """The name and the district it is filed under (a zone's host district when the name uses a zone)."""
        # A county-level city is named on its own (昆山市…), a district or county after its city (南京市江宁区…).
        locality = district if district.endswith("市") else f"{city.label}{district}"
        zones = vocab.ZONES.get(city)
        if zones and self.rng.random() < ZONE_RATE:
            locality, district = self.rng.choice(zones)
        return self.builders[kind](city, district, locality), district

    def address(self, district: str) -> str:
        """江宁区秣陵街道双龙大道1688号: towns rather than 街道 are common in counties."""
        rng = self.rng
        is_county = district.endswith(("县", "市"))
        unit = "镇" if is_county and rng.random() < 0.6 else "街道"
        return f"{district}{rng.choice(self.road_stems)}{unit}{self.road()}{rng.randint(1, 2999)}号"

    def road(self) -> str:
        return self.rng.choice(self.road_stems) + self.road_suffix(self.rng)

    def place(self) -> str:
        return self.rng.choice(self.places)

    def phase(self) -> str:
        return self.rng.choice(vocab.PHASES)

    def residential(self, city: City, district: str, locality: str) -> str:
        rng = self.rng
        plot = f"{rng.choice('ABCDEFG')}{rng.randint(1, 60)}"
        return rng.choice(
            (
                f"{locality}{self.place()}片区{plot}地块住宅项目（{self.phase()}）",
                f"{locality}NO.{rng.randint(2019, 2024)}G{rng.randint(1, 99):02d}地块商品住宅项目",
                f"{locality}{self.place()}安置房项目（{self.phase()}）",
                f"{locality}{self.place()}人才公寓项目",
            )
        )

    def commercial(self, city: City, district: str, locality: str) -> str:
        return self.rng.choice(
            (
                f"{locality}{self.road()}商业综合体",
                f"{vocab.city_short(city)}{self.place()}中心办公楼项目",
                f"{locality}{self.place()}商务广场项目",
            )
        )

    def school(self, city: City, district: str, locality: str) -> str:
        rng = self.rng
        school = rng.choice(vocab.SCHOOL_KINDS)
        return rng.choice(
            (
                f"{locality}{self.place()}{school}新建工程",
                f"{city.label}{self.place()}{school}改扩建工程",
                f"{vocab.city_short(city)}{rng.choice(vocab.COLLEGE_FIELDS)}{rng.choice(vocab.COLLEGE_KINDS)}"
                f"新校区（{self.phase()}）工程",
            )
        )

    def hospital(self, city: City, district: str, locality: str) -> str:
        rng = self.rng
        building = rng.choice(vocab.HOSPITAL_BUILDINGS)
        return rng.choice(
            (
                f"{city.label}{rng.choice(vocab.HOSPITAL_NAMES)}{building}工程",
                f"{district}{rng.choice(vocab.DISTRICT_HOSPITALS)}迁建工程（{self.phase()}）",
                f"{district}{rng.choice(vocab.DISTRICT_HOSPITALS)}{building}工程",
            )
        )

    def industrial(self, city: City, district: str, locality: str) -> str:
        rng = self.rng
        return rng.choice(
            (
                f"{rng.choice(self.brands)}{rng.choice(vocab.PRODUCTS)}生产基地建设项目（{self.phase()}）",
                f"{locality}{self.place()}标准厂房建设项目",
                f"{rng.choice(self.brands)}年产{rng.randint(2, 50)}万套{rng.choice(vocab.PRODUCTS)}项目",
            )
        )

    def road_works(self, city: City, district: str, locality: str) -> str:
        return self.rng.choice(
            (
                f"{locality}{self.road()}改造工程",
                f"{vocab.city_short(city)}{self.road()}（{self.road()}—{self.road()}）新建工程",
                f"{locality}{self.road()}快速化改造工程",
            )
        )

    def bridge(self, city: City, district: str, locality: str) -> str:
        river = self.rng.choice(self.rivers) + "河"
        return self.rng.choice(
            (
                f"{vocab.city_short(city)}{river}大桥新建工程",
                f"{self.road()}跨{river}桥梁工程",
                f"{locality}{self.road()}{river}桥改建工程",
            )
        )

    def pipe_gallery(self, city: City, district: str, locality: str) -> str:
        return self.rng.choice(
            (f"{locality}{self.road()}综合管廊工程", f"{locality}地下综合管廊（{self.phase()}）工程")
        )

    def metro(self, city: City, district: str, locality: str) -> str:
        rng = self.rng
        line = f"{vocab.city_short(city)}地铁{rng.randint(1, vocab.METRO_LINES[city])}号线{self.phase()}工程"
        station = f"{self.station()}站"
        if rng.random() < 0.4:
            return f"{line}{station}—{self.station()}站区间"
        return f"{line}{station}"

    def station(self) -> str:
        return self.rng.choice((self.place(), self.road()))

    def civic(self, city: City, district: str, locality: str) -> str:
        return self.rng.choice(
            (
                f"{locality}{self.place()}{self.rng.choice(vocab.CIVIC_BUILDINGS)}工程",
                f"{locality}{self.place()}城市更新项目",
                f"{locality}{self.place()}污水处理厂提标改造工程",
                f"{locality}{self.place()}地下停车场工程",
            )
        )


def pick_participants(
    rng: random.Random, pool: EnterprisePool, city: City, kind: str
) -> list[tuple[int, ParticipantRole]]:
    """The units on one project: always owner, general contractor and supervisor, often more."""
    owner = _required(pool.pick(rng, "owner", city, LOCAL_SHARES["owner"]), "owner")
    general = _required(pool.pick(rng, "general", city, LOCAL_SHARES["general"]), "general")
    # 建筑法 第三十四条: a supervisor may have no tie of ownership with the contractor it supervises.
    supervisor = _required(
        pool.pick_outside_group(rng, "supervisor", city, LOCAL_SHARES["supervisor"], general), "supervisor"
    )
    units = [
        (owner, ParticipantRole.OWNER),
        (general, ParticipantRole.GENERAL_CONTRACTOR),
        (supervisor, ParticipantRole.SUPERVISOR),
    ]
    optional = (
        ("surveyor", ParticipantRole.SURVEYOR, SURVEY_RATE),
        ("designer", ParticipantRole.DESIGNER, DESIGN_RATE),
    )
    for unit_kind, role, rate in optional:
        if rng.random() < rate and (unit := pool.pick(rng, unit_kind, city, LOCAL_SHARES[unit_kind])):
            units.append((unit, role))
    if rng.random() < SUBCONTRACT_RATE:
        chosen: list[int] = []
        for _ in range(rng.randint(1, 3)):
            sub = pool.pick(rng, "specialty", city, LOCAL_SHARES["specialty"])
            if sub is not None and sub != general and sub not in chosen:
                chosen.append(sub)
        units.extend((sub, ParticipantRole.SUBCONTRACTOR) for sub in chosen)
    if rng.random() < DEEP_EXCAVATION_RATES[kind]:
        # Third-party monitoring is engaged by the owner and must be independent of the contractor.
        monitor = pool.pick_outside_group(rng, "monitor", city, LOCAL_SHARES["monitor"], general)
        if monitor is not None:
            units.append((monitor, ParticipantRole.MONITOR))
    return units


def _required(enterprise_id: int | None, kind: str) -> int:
    if enterprise_id is None:
        raise RuntimeError(f"demo enterprise pool has no unit of kind {kind!r}")
    return enterprise_id


def generate_projects(
    rng: random.Random,
    count: int,
    pool: EnterprisePool,
    *,
    first_project_id: int,
    first_participant_id: int,
    anchor: datetime,
) -> tuple[list[Row], list[Row]]:
    """Project rows and their participant rows, ids counted up from the first ids given."""
    namer = ProjectNamer(rng)
    kind_picker = Picker(PROJECT_KIND_WEIGHTS)
    projects: list[Row] = []
    participants: list[Row] = []
    participant_id = first_participant_id
    for index in range(count):
        project_id = first_project_id + index
        city = CITY_PICKER(rng)
        district = DISTRICTS[city][rng.choice(DISTRICT_CODES[city])]
        kind = kind_picker(rng)
        if kind == "metro" and (city not in vocab.METRO_LINES or not district.endswith("区")):
            kind = "road"  # metro lines serve a city's urban districts, not its counties
        name, district = namer.name(kind, city, district)
        projects.append(
            {
                "id": project_id,
                "name": name,
                "city": city,
                "district": district,
                "address": namer.address(district),
                "created_at": created_before(rng, anchor),
            }
        )
        for enterprise_id, role in pick_participants(rng, pool, city, kind):
            participants.append(
                {"id": participant_id, "project_id": project_id, "enterprise_id": enterprise_id, "role": role}
            )
            participant_id += 1
    return projects, participants
