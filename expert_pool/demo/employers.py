"""The enterprises demo experts work for: by type, city and corporate group, and each career's employers."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from expert_pool.demo.people import ACADEMIC_TITLES, Person
from knowledge.demo.sampling import Picker
from knowledge.enterprises.models import Enterprise, EnterpriseType, ProjectParticipant
from knowledge.regions import City

E = EnterpriseType
EMPLOYER_TYPES = {E.CONSTRUCTOR: 56, E.DESIGNER: 12, E.SUPERVISOR: 14, E.SURVEYOR: 6, E.MONITOR: 5, E.OWNER: 7}  # fmt: skip
ACADEMIC_EMPLOYER_TYPES = {E.DESIGNER: 50, E.SURVEYOR: 25, E.MONITOR: 25}
POSITIONS: Mapping[EnterpriseType, list[str]] = {kind: words.split() for kind, words in (
    (E.CONSTRUCTOR, "总工程师 副总工程师 技术负责人 项目技术负责人 技术质量部经理 项目经理"),
    (E.DESIGNER, "总工程师 结构专业负责人 岩土工程所所长 设计所总工"), (E.SUPERVISOR, "总监理工程师 技术负责人 总工程师"),
    (E.SURVEYOR, "总工程师 岩土工程师 勘察项目负责人"), (E.MONITOR, "技术负责人 监测项目负责人 总工程师"),
    (E.OWNER, "工程部经理 总工程师 项目总工"), (E.OTHER, "技术负责人"))}  # fmt: skip
HOME_EMPLOYER_SHARE = 0.8
EMPLOYER_TYPES_PICKER = Picker(EMPLOYER_TYPES)
ACADEMIC_TYPES_PICKER = Picker(ACADEMIC_EMPLOYER_TYPES)


@dataclass
class Units:
    """The enterprises an expert can work for or declare: by type and city, and their corporate groups."""

    by_type: dict[EnterpriseType, list[int]] = field(default_factory=dict)
    by_type_city: dict[tuple[EnterpriseType, City], list[int]] = field(default_factory=dict)
    info: dict[int, tuple[EnterpriseType, City]] = field(default_factory=dict)
    root: dict[int, int] = field(default_factory=dict)
    groups: dict[int, list[int]] = field(default_factory=dict)  # root -> members, for groups of 2 or more
    groups_in: dict[City, list[int]] = field(default_factory=dict)  # city -> roots with a member there
    participants_in: dict[City, list[int]] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session) -> Units:
        units = cls()
        parents: dict[int, int | None] = {}
        for unit_id, kind, city, parent in session.execute(
            select(Enterprise.id, Enterprise.type, Enterprise.city, Enterprise.parent_id).order_by(Enterprise.id)
        ):  # fmt: skip
            parents[unit_id] = parent
            units.info[unit_id] = (kind, city)
            units.by_type.setdefault(kind, []).append(unit_id)
            units.by_type_city.setdefault((kind, city), []).append(unit_id)
        for unit_id in parents:
            top = unit_id
            while parents[top] is not None:
                top = parents[top]  # type: ignore[assignment]
            units.root[unit_id] = top
            units.groups.setdefault(top, []).append(unit_id)
        units.groups = {r: members for r, members in units.groups.items() if len(members) > 1}
        for root_id, members in units.groups.items():
            for city in dict.fromkeys(units.info[m][1] for m in members):
                units.groups_in.setdefault(city, []).append(root_id)
        taking_part = session.scalars(select(ProjectParticipant.enterprise_id).distinct())
        for unit_id in sorted(taking_part):
            units.participants_in.setdefault(units.info[unit_id][1], []).append(unit_id)
        return units

    def employers(self, rng: random.Random, person: Person, jobs: int, moves_in_group: bool) -> list[int]:
        """Mostly in the expert's city, never the same twice in a row; a group move puts two of one group in a row."""
        units, chosen = self, list[int]()
        kinds = ACADEMIC_TYPES_PICKER if person.title in ACADEMIC_TITLES else EMPLOYER_TYPES_PICKER
        while len(chosen) < jobs:
            kind = kinds(rng)
            local = units.by_type_city.get((kind, person.city))
            anywhere = units.by_type.get(kind) or list(units.info)
            unit_id = rng.choice(local if local and rng.random() < HOME_EMPLOYER_SHARE else anywhere)
            if not chosen or unit_id != chosen[-1] or len(units.info) == 1:
                chosen.append(unit_id)
        roots = units.groups_in.get(person.city) or sorted(units.groups)
        if moves_in_group and roots:
            members = units.groups[rng.choice(roots)]
            first = rng.choice([m for m in members if units.info[m][1] is person.city] or members)
            at = rng.randrange(jobs - 1)
            chosen[at : at + 2] = [first, rng.choice([m for m in members if m != first])]
        return chosen
