"""Pure generation of demo 危大工程: which projects register which works, their names, people and verdicts."""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache

from knowledge.demo import vocabulary as vocab
from knowledge.demo import work_catalogue as cat
from knowledge.demo.sampling import Picker, Row
from knowledge.demo.work_parameters import ParameterDrawer
from knowledge.enterprises.models import ParticipantRole
from knowledge.registry.rules import Classification, Verdict, catalogue, classify
from knowledge.registry.services import classification_fields
from knowledge.registry.workflow import WorkStatus

MAX_DRAWS = 60  # parameter draws per work before giving up: the catalogue keeps most far fewer
SUBCONTRACT_RATES: Mapping[str, float] = {
    "excavation": 0.35,
    "formwork": 0.15,
    "lifting": 0.55,
    "scaffolding": 0.5,
    "demolition": 0.6,
    "underground": 0.4,
    "other": 0.6,
}
# Words in a specialist subcontractor's name that suit a category: a 幕墙 firm installs the curtain wall.
SPECIALTY_WORDS: Mapping[str, tuple[str, ...]] = {
    "excavation": ("地基基础",),
    "formwork": ("模架",),
    "lifting": ("起重设备",),
    "scaffolding": ("脚手架", "模架"),
    "demolition": ("拆除",),
    "underground": ("隧道",),
    "other": ("钢结构", "幕墙", "预制构件"),
}
SUB_TYPE_LABELS: Mapping[str, tuple[str, str, str]] = {
    s.code: (c.code, c.label, s.label) for c in catalogue() for s in c.sub_types
}
SUB_TYPES: tuple[str, ...] = tuple(SUB_TYPE_LABELS)


@dataclass
class ProjectInfo:
    """A generated project with its kind (read back from its name) and its units by role."""

    row: Row
    kind: str
    family: str
    units: dict[ParticipantRole, list[int]] = field(default_factory=dict)


@dataclass
class WorkSeed:
    """A work row in the making, with what its plans need: the project, facts, people and status plan."""

    row: Row
    project: ProjectInfo
    facts: dict[str, str]
    people: dict[str, str]
    classification: Classification
    intended: WorkStatus = WorkStatus.REGISTERED
    versions: int = 0
    draws: tuple[float, ...] = ()


def project_infos(projects: Sequence[Row], participants: Sequence[Row]) -> list[ProjectInfo]:
    """The projects in id order, each with its kind and its participating units."""
    infos = {}
    for row in projects:
        kind = cat.kind_of_project(row["name"])
        infos[row["id"]] = ProjectInfo(row, kind, cat.FAMILY_OF_KIND[kind])
    for part in participants:
        infos[part["project_id"]].units.setdefault(part["role"], []).append(part["enterprise_id"])
    return list(infos.values())


class PersonNamer:
    """Chinese personal names, and the same person for the same role of the same unit or project."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.surname = Picker(vocab.SURNAMES)
        self.given_two = vocab.words(vocab.GIVEN_NAMES_TWO)
        self.given_one = vocab.words(vocab.GIVEN_NAMES_ONE)
        self.known: dict[tuple[str, int], str] = {}

    def __call__(self) -> str:
        rng = self.rng
        given = rng.choice(self.given_two) if rng.random() < 0.65 else rng.choice(self.given_one)
        return self.surname(rng) + given

    def of(self, role: str, owner_id: int) -> str:
        key = (role, owner_id)
        if key not in self.known:
            self.known[key] = self()
        return self.known[key]


class WorkBuilder:
    """Builds one work of a given sub-type on a given project: name, place, parameters, people, verdict."""

    def __init__(self, rng: random.Random, enterprise_names: Mapping[int, str]) -> None:
        self.rng = rng
        self.enterprise_names = enterprise_names
        self.drawer = ParameterDrawer(rng)
        self.people = PersonNamer(rng)
        self.names_used: dict[int, set[str]] = {}

    def build(self, work_id: int, project: ProjectInfo, sub_type: str) -> WorkSeed:
        category, _, _ = SUB_TYPE_LABELS[sub_type]
        facts, result = self.classified(category, sub_type, project.family)
        facts.update(self.name_context(project, sub_type))
        name, names_part = self.unique_name(project, sub_type, facts)
        subcontractor = self.subcontractor(project, category)
        people = self.team(project, subcontractor)
        # The registry's own serialisation (parameters as exact decimal strings, clauses as JSON), so a
        # seeded work reads exactly like one registered through the service.
        row: Row = {
            "id": work_id,
            "project_id": project.row["id"],
            "name": name,
            "city": project.row["city"],
            "district": project.row["district"],
            "location": self.location(project, sub_type, name, facts, names_part),
            **classification_fields(result),
            "subcontractor_id": subcontractor,
            "project_manager": people["project_manager"],
            "technical_lead": people["technical_lead"],
            "chief_supervisor": people["chief_supervisor"],
            "safety_officer": people["safety_officer"],
            "registered_by": None,
        }
        return WorkSeed(row, project, facts, people, result)

    def classified(self, category: str, sub_type: str, family: str) -> tuple[dict[str, str], Classification]:
        """Every parameter of the sub-type, drawn until the verdict is 危大 or over scale (nothing else is listed)."""
        for _ in range(MAX_DRAWS):
            params, facts = self.drawer.draw(sub_type, family)
            result = classify(category, params, sub_type)
            if result.verdict is not Verdict.NOT_HAZARDOUS and result.is_decided:
                return dict(facts), result
        raise RuntimeError(f"no hazardous parameters drawn for {category}/{sub_type}")

    def name_context(self, project: ProjectInfo, sub_type: str) -> dict[str, str]:
        """The words a name and a location may use; only those this sub-type can use are drawn."""
        rng = self.rng
        needed = placeholders(sub_type, project.family)
        context = dict.fromkeys(CONTEXT_FIELDS, "")
        context["b"] = self.part(project)
        if "seg" in needed:
            start, metres, length = (
                rng.randint(0, 12),
                rng.randrange(0, 1000, 10),
                rng.randrange(200, 1600, 10),
            )
            end = start * 1000 + metres + length
            context["seg"] = f"K{start}+{metres:03d}～K{end // 1000}+{end % 1000:03d}段"
        if "sys" in needed:
            context["sys"] = rng.choice(cat.SUPPORT_SYSTEMS)
        if "old" in needed:
            context["old"] = rng.choice(cat.OLD_STRUCTURES)
        if "n" in needed:
            context["n"] = str(rng.randint(1, 6))
        if "span" in needed and (span := re.search(r"工程(.+?)区间$", project.row["name"])):
            context["span"] = span.group(1)
        if "side" in needed:
            context["side"] = rng.choice(("左线", "右线"))
        if "dn" in needed:
            context["dn"] = str(rng.choice(cat.PIPE_DIAMETERS))
        return context

    def part(self, project: ProjectInfo) -> str:
        rng = self.rng
        top = cat.MAX_BUILDING_NUMBER.get(project.kind)
        if top is not None and rng.random() < 0.85:
            number = rng.randint(1, rng.randint(3, top))
            return f"{number}#厂房" if project.kind == "industrial" else f"{number}#楼"
        return rng.choice(cat.parts_of(project.kind, project.row["name"]))

    def unique_name(self, project: ProjectInfo, sub_type: str, facts: dict[str, str]) -> tuple[str, bool]:
        """A name not yet used in the project, and whether it names a building or part."""
        facts["m"], facts["mk"] = facts.get("machine", ""), facts.get("machine_kind", "")
        patterns = cat.patterns_for(sub_type, project.family)
        if not facts["span"]:
            patterns = tuple(p for p in patterns if "{span}" not in p) or patterns
        used = self.names_used.setdefault(project.row["id"], set())
        name, pattern = "", ""
        for attempt in range(8):
            if attempt:
                facts["b"] = self.part(project)
            pattern = self.rng.choice(patterns)
            name = pattern.format_map(facts)
            if name not in used:
                break
        else:
            name = f"{name}（{len(used) + 1}）"
        used.add(name)
        return name, "{b}" in pattern

    def location(
        self, project: ProjectInfo, sub_type: str, name: str, facts: Mapping[str, str], names_part: bool
    ) -> str:
        """部位: the chainage on a line, the part named, else a side of the building or the site."""
        rng = self.rng
        family, part = project.family, facts["b"]
        if family in ("road", "pipe_gallery"):
            return facts["seg"]
        if sub_type == "shield":
            return f"{facts['span'] or '区间'}{facts['side']}"
        if "联络通道" in name:
            return f"{facts['n']}号联络通道"
        if not names_part:
            prefix = next((p for p in cat.PLACE_PREFIXES if name.startswith(p)), "")
            return f"{prefix}范围" if prefix else f"场区{rng.choice(cat.SIDES)}"
        if family in ("metro", "metro_interval", "bridge"):
            return part
        if sub_type == "cantilevered":
            low = rng.randint(3, 20)
            return f"{part}{low}层至{low + rng.randint(5, 7)}层"
        if sub_type in ("attached_lifting", "curtain_wall", "suspended_platform"):
            return f"{part}外立面"
        return f"{part}{rng.choice(cat.SIDES)}"

    def subcontractor(self, project: ProjectInfo, category: str) -> int | None:
        """A subcontractor of the project whose trade suits the work (a 幕墙 firm, not a 爆破拆除 one), or None."""
        candidates = project.units.get(ParticipantRole.SUBCONTRACTOR, [])
        if not candidates or self.rng.random() >= SUBCONTRACT_RATES[category]:
            return None
        words = SPECIALTY_WORDS[category]
        suited = [e for e in candidates if any(w in self.enterprise_names.get(e, "") for w in words)]
        return self.rng.choice(suited) if suited else None

    def team(self, project: ProjectInfo, subcontractor: int | None) -> dict[str, str]:
        """The project's people (one team per project) and the technical leads who sign its plans."""
        project_id = project.row["id"]
        general = project.units.get(ParticipantRole.GENERAL_CONTRACTOR, [0])[0]
        people = {
            "project_manager": self.people.of("project_manager", project_id),
            "technical_lead": self.people.of("technical_lead", project_id),
            "chief_supervisor": self.people.of("chief_supervisor", project_id),
            "safety_officer": self.people.of("safety_officer", project_id),
            "constructor_signer": self.people.of("company_technical_director", general),
            "author": self.people(),
        }
        if subcontractor is not None:
            people["subcontractor_signer"] = self.people.of("company_technical_director", subcontractor)
        return people


CONTEXT_FIELDS = ("b", "seg", "sys", "old", "n", "span", "side", "dn", "m", "mk")


@cache
def placeholders(sub_type: str, family: str) -> frozenset[str]:
    """The context fields a work's name patterns, location or plan can use."""
    needed = set(re.findall(r"\{(\w+)\}", "".join(cat.patterns_for(sub_type, family))))
    if family in ("road", "pipe_gallery"):
        needed.add("seg")  # the location is a chainage segment
    if sub_type == "shield":
        needed |= {"span", "side"}
    if sub_type == "concrete_support":
        needed.add("sys")  # the calculations depend on the support system and the pipe diameter
    if sub_type == "pipe_jacking":
        needed.add("dn")
    return frozenset(needed)


def assign_sub_types(
    rng: random.Random, projects: Sequence[ProjectInfo], count: int
) -> list[tuple[ProjectInfo, str]]:
    """(project, sub-type) pairs, by project order; the first pick of each sub-type is forced, so all appear."""
    pairs: list[tuple[ProjectInfo, str]] = []
    if count >= len(SUB_TYPES):
        for sub_type in SUB_TYPES:
            suited = [p for p in projects if cat.SUB_TYPE_WEIGHTS[p.family].get(sub_type)]
            pairs.append((rng.choice(suited or list(projects)), sub_type))
    project_picker = Picker([(p, cat.WORKS_PER_KIND[p.kind]) for p in projects])
    sub_type_pickers = {family: Picker(weights) for family, weights in cat.SUB_TYPE_WEIGHTS.items()}
    while len(pairs) < count:
        project = project_picker(rng)
        pairs.append((project, sub_type_pickers[project.family](rng)))
    order = {id(p): index for index, p in enumerate(projects)}
    return sorted(pairs, key=lambda pair: order[id(pair[0])])


def generate_works(
    rng: random.Random,
    count: int,
    projects: Sequence[ProjectInfo],
    enterprise_names: Mapping[int, str],
    *,
    first_id: int,
) -> list[WorkSeed]:
    """``count`` works on the projects, ids counted up from ``first_id``, in project order.

    Status, dates and plans come later (``work_status``, ``plan_versions``): they depend on the run's options.
    """
    if not projects or count <= 0:
        return []
    builder = WorkBuilder(rng, enterprise_names)
    pairs = assign_sub_types(rng, projects, count)
    return [
        builder.build(first_id + index, project, sub_type) for index, (project, sub_type) in enumerate(pairs)
    ]
