"""Plan versions and sign-offs the review seed adds: a first version for an over-scale work that had none
(composed by ``knowledge.demo``'s plan text, as the registry's are), a revised version answering a report's
required changes point by point (Decree 37 Art. 13), and the Art. 11 sign-offs before each review."""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from expert_pool.demo.review_world import HEADER, HEADER_CHARS, Units, Version, WorkInfo
from knowledge.demo import work_catalogue as cat
from knowledge.demo.plan_text import PlanContext, compose
from knowledge.demo.plan_versions import (
    CONTENT_TYPE,
    INCOMPLETE_RATE,
    OMITTABLE_SECTIONS,
    UNIT_ROLES,
    original_name,
    stored_name,
)
from knowledge.demo.plan_vocabulary import SECTION_TITLES
from knowledge.demo.sampling import Row
from knowledge.demo.work_parameters import pit_dewatering, pit_schemes
from knowledge.demo.works import SUB_TYPE_LABELS, PersonNamer
from knowledge.enterprises.models import ParticipantRole, Project
from knowledge.plans.files import normalize_text
from knowledge.plans.models import PlanVersion, SignoffKind
from knowledge.registry.models import Work
from knowledge.registry.rules import Verdict

REVISION_NOTE = "根据专家论证意见逐条修改完善，并附修改说明"


@dataclass
class PlanRows:
    """New plan versions with each one's file content, and new sign-offs; ids counted up from the first free."""

    next_version: int
    next_signoff: int
    versions: list[Row] = field(default_factory=list)
    contents: list[str] = field(default_factory=list)
    signoffs: list[Row] = field(default_factory=list)

    def add_signoff(
        self, version_id: int, kind: SignoffKind, account_id: int, name: str, at: datetime
    ) -> None:
        self.signoffs.append({"id": self.next_signoff, "plan_version_id": version_id, "kind": kind,
                              "account_id": account_id, "signer_name": name, "signed_at": at})  # fmt: skip
        self.next_signoff += 1


class Directors:
    """Each unit's technical director, who signs its plans (Art. 11): as the seeded plans' title pages name him
    (审批人), else a name made once per unit."""

    def __init__(self, session: Session, units: Units, namer: PersonNamer) -> None:
        self.namer, self.known = namer, {}
        stmt = (select(Work.project_id, Work.subcontractor_id, func.substr(PlanVersion.text, 1, HEADER_CHARS))
                .join(PlanVersion, PlanVersion.work_id == Work.id).order_by(PlanVersion.id))  # fmt: skip
        for project_id, sub, header in session.execute(stmt):
            found = HEADER.search(header or "")
            unit = sub if sub is not None else units.first(project_id, ParticipantRole.GENERAL_CONTRACTOR)
            if found and unit is not None:
                self.known.setdefault(unit, found.group(3))

    def __call__(self, unit: int | None) -> str:
        if unit is None:
            return self.namer()
        if unit not in self.known:
            self.known[unit] = self.namer.of("company_technical_director", unit)
        return self.known[unit]


def plan_contexts(session: Session, units: Units, works: Sequence[WorkInfo], directors: Directors,
                  seed: int) -> dict[int, PlanContext]:  # fmt: skip
    """What a plan says about each work, as ``knowledge.demo.plan_versions.plan_context`` builds it, from the
    database: the registry keeps all but a few generation facts, which are read back from the work's name
    and parameters (the support scheme, machine, pipe size) or chosen as the generator would."""
    by_id = {w.id: w for w in works}
    rows = {}
    columns = (Work.id, Work.location, Work.parameters, Work.clauses, Project.address)
    for start in range(0, len(by_id), 1_000):
        ids = list(by_id)[start : start + 1_000]
        stmt = select(*columns).join(Project, Project.id == Work.project_id).where(Work.id.in_(ids))
        rows.update({row.id: row for row in session.execute(stmt)})
    contexts = {}
    namer = directors.namer
    for work_id, row in rows.items():
        work = by_id[work_id]
        project_name, city = units.projects[work.project_id]
        people = {**work.people, "author": namer(), "constructor_signer": directors(units.first(
            work.project_id, ParticipantRole.GENERAL_CONTRACTOR))}  # fmt: skip
        if work.subcontractor_id is not None:
            people["subcontractor_signer"] = directors(work.subcontractor_id)
        people["approver"] = people.get("subcontractor_signer", people["constructor_signer"])
        named = {label: units.names[unit] for label, role in UNIT_ROLES.items()
                 if (unit := units.first(work.project_id, role)) is not None}  # fmt: skip
        if work.subcontractor_id is not None:
            named["author_unit"] = units.names[work.subcontractor_id]
        _, category_label, sub_type_label = SUB_TYPE_LABELS[work.sub_type]
        contexts[work_id] = PlanContext(
            key=f"{seed}/{work.id}", work_name=work.name, project_name=project_name, address=row.address,
            city=city.label, location=row.location, category=work.category, category_label=category_label,
            sub_type=work.sub_type, sub_type_label=sub_type_label, parameters=row.parameters,
            facts=_facts(work, row.parameters, project_name, random.Random(f"{seed}/facts/{work.id}")),
            verdict_label=Verdict.OVER_SCALE.label, is_over_scale=True,
            citations=tuple(dict.fromkeys(c["citation"] for c in row.clauses)), units=named, people=people,
            planned_start=work.planned_start or work.created_at.date(),
            planned_end=work.planned_end or work.planned_start or work.created_at.date(),
        )  # fmt: skip
    return contexts


def _facts(
    work: WorkInfo, parameters: dict[str, object], project_name: str, rng: random.Random
) -> dict[str, str]:
    facts: dict[str, str] = {}
    if work.sub_type == "foundation_pit" and "excavation_depth" in parameters:
        depth = float(str(parameters["excavation_depth"]))
        family = cat.FAMILY_OF_KIND[cat.kind_of_project(project_name)]
        facts.update(scheme=rng.choice(pit_schemes(depth, family)), dewatering=pit_dewatering(depth))
    machine = max((m for m in cat.MACHINES if m in work.name), key=len, default=None)
    if machine is not None:
        facts.update(machine=machine, machine_kind=cat.MACHINES[machine].kind)
    system = next((s for s in cat.SUPPORT_SYSTEMS if s in work.name), None)
    if system is not None:
        facts["sys"] = system
    if (pipe := re.search(r"DN(\d+)", work.name)) is not None:
        facts["dn"] = pipe.group(1)
    return facts


def first_version(
    rows: PlanRows, ctx: PlanContext, work: WorkInfo, submitted: datetime, seed: int
) -> Version:
    """Version 1 of a work that had no plan, written as ``PlanWriter.add_version`` writes the registry's."""
    rng = random.Random(f"{seed}/plans/{work.id}")
    omitted: frozenset[int] = frozenset()
    if rng.random() < INCOMPLETE_RATE:
        omitted = frozenset(rng.sample(OMITTABLE_SECTIONS, 1 if rng.random() < 0.6 else 2))
    content, found = compose(ctx, rng, number=1, note="", submitted=submitted.date(), omitted=omitted)
    data = content.encode("utf-8")
    row: Row = {
        "id": rows.next_version, "work_id": work.id, "number": 1, "title": f"{work.name}专项施工方案"[:200], "note": "",
        "original_name": original_name(work.name, 1), "stored_name": stored_name(seed, work.id, 1),
        "content_type": CONTENT_TYPE, "size": len(data), "sha256": hashlib.sha256(data).hexdigest(),
        "text": normalize_text(content), "sections_found": found, "submitted_by": None, "submitted_at": submitted,
    }  # fmt: skip
    rows.versions.append(row)
    rows.contents.append(content)
    rows.next_version += 1
    return Version(row["id"], work.id, 1, submitted, row["sha256"], list(found), content[:HEADER_CHARS])


def revised_version(
    rows: PlanRows, work: WorkInfo, base: Version, base_text: str, answers: Sequence[tuple[str, str]], number: int,
    submitted: datetime, seed: int, missing: Sequence[int] = (),
) -> Version:  # fmt: skip
    """The reviewed text (as stored: normalised) with a new title-page date and version, the revision note, any
    section the report asked for, and an appendix answering each required change (change, response) in order.

    The file holds the normalised text, so the stored text is the file's text as an upload would keep it;
    only the added lines need normalising, and the sections are the reviewed ones and those added.
    """
    lines = [line for line in base_text.split("\n") if not line.startswith("修订说明")]
    added: list[str] = []
    for section in missing:
        title = SECTION_TITLES[section - 1]
        added += [
            f"{title}（补充）",
            f"按专家论证意见补充{title}的内容，已与施工组织设计及现场实际核对一致。",
        ]
    added.append("附：专家论证意见修改说明")
    for n, (change, response) in enumerate(answers, 1):
        added += [f"{n}. 论证意见：{change}", f"修改情况：{response}"]
    lines += [normalize_text(line) for line in added]
    for i, line in enumerate(lines[:8]):
        if line.startswith("编制日期"):
            lines[i] = normalize_text(f"编制日期：{submitted:%Y年%m月%d日}　版本：第{number}版")
            lines.insert(i + 1, normalize_text(f"修订说明：{REVISION_NOTE}。"))
            break
    text = "\n".join(lines).strip()
    data = (text + "\n").encode("utf-8")
    sections = sorted(set(base.sections) | set(missing))
    row: Row = {
        "id": rows.next_version, "work_id": work.id, "number": number, "title": f"{work.name}专项施工方案"[:200],
        "note": REVISION_NOTE, "original_name": original_name(work.name, number),
        "stored_name": stored_name(seed, work.id, number), "content_type": CONTENT_TYPE, "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(), "text": text, "sections_found": sections,
        "submitted_by": None, "submitted_at": submitted,
    }  # fmt: skip
    rows.versions.append(row)
    rows.contents.append(text + "\n")
    rows.next_version += 1
    return Version(row["id"], work.id, number, submitted, row["sha256"], sections, text[:400])


def write_files(upload_dir: Path, rows: PlanRows, written: list[Path]) -> None:
    """Each new version's file under its stored name, as ``knowledge.demo.loader.write_versions`` does."""
    upload_dir.mkdir(parents=True, exist_ok=True)
    for row, content in zip(rows.versions, rows.contents, strict=True):
        path = upload_dir / row["stored_name"]
        path.write_bytes(content.encode("utf-8"))
        written.append(path)
