"""Pure generation of demo plan versions (text, file name, digest) and their sign-offs, for settled works."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from knowledge.demo.plan_text import PlanContext, compose
from knowledge.demo.sampling import Row
from knowledge.demo.work_status import CONSTRUCTOR_SIGNED, STARTED, SUPERVISOR_SIGNED
from knowledge.demo.works import SUB_TYPE_LABELS, WorkSeed
from knowledge.enterprises.models import ParticipantRole
from knowledge.plans.files import normalize_text
from knowledge.plans.models import SignoffKind
from knowledge.registry.rules import Verdict
from knowledge.registry.workflow import WorkStatus

CONTENT_TYPE = "text/plain; charset=utf-8"  # what knowledge.plans.files reports for a UTF-8 text upload
INCOMPLETE_RATE = 0.10  # share of versions that leave out one or two required sections
OMITTABLE_SECTIONS = (2, 3, 5, 6, 7, 8, 9)  # 工程概况 always stays: it carries the parameters
EARLIER_SIGNED_RATE = 0.6  # a superseded version of a 危大 work was often signed before it was revised
REVISION_NOTES: Mapping[Verdict, tuple[str, ...]] = {
    Verdict.OVER_SCALE: (
        "根据专家论证意见逐条修改完善，并附修改说明",
        "按论证报告要求补充监测方案及应急处置措施",
        "根据专家论证意见复核计算书并调整节点做法",
    ),
    Verdict.HAZARDOUS: (
        "根据总监理工程师审查意见修改",
        "根据施工单位技术部门审核意见补充计算书",
        "根据现场条件变化调整施工部署",
    ),
}
UNIT_ROLES: Mapping[str, ParticipantRole] = {
    "owner": ParticipantRole.OWNER,
    "general": ParticipantRole.GENERAL_CONTRACTOR,
    "supervisor": ParticipantRole.SUPERVISOR,
    "designer": ParticipantRole.DESIGNER,
    "monitor": ParticipantRole.MONITOR,
}


@dataclass
class PlanRows:
    """Version rows, each version's file content (same order), and sign-off rows."""

    versions: list[Row] = field(default_factory=list)
    contents: list[str] = field(default_factory=list)
    signoffs: list[Row] = field(default_factory=list)


def stored_name(seed: int, work_id: int, number: int) -> str:
    """A file name that looks like a random upload's yet is the same in every run of the same seed."""
    return hashlib.sha1(f"{seed}/{work_id}/{number}".encode()).hexdigest()[:32] + ".txt"


def original_name(work_name: str, number: int) -> str:
    """1#楼基坑支护及土方开挖工程 → 1#楼基坑支护及土方开挖专项施工方案V2.txt ("/" cannot be in a file name)."""
    stem = work_name.replace("（四新）", "").removesuffix("工程").replace("/", "-")
    return f"{stem}专项施工方案V{number}.txt"


def plan_context(seed: WorkSeed, names: Mapping[int, str], key: str) -> PlanContext:
    row, project = seed.row, seed.project
    units = {label: names[ids[0]] for label, role in UNIT_ROLES.items() if (ids := project.units.get(role))}
    if row["subcontractor_id"] is not None:
        units["author_unit"] = names[row["subcontractor_id"]]
    _, category_label, sub_type_label = SUB_TYPE_LABELS[row["sub_type"]]
    citations = tuple(dict.fromkeys(clause["citation"] for clause in row["clauses"]))
    people = dict(seed.people)
    people["approver"] = people.get("subcontractor_signer", people["constructor_signer"])
    return PlanContext(
        key=key,
        work_name=row["name"],
        project_name=project.row["name"],
        address=project.row["address"],
        city=project.row["city"].label,
        location=row["location"],
        category=row["category"],
        category_label=category_label,
        sub_type=row["sub_type"],
        sub_type_label=sub_type_label,
        parameters=row["parameters"],
        facts=seed.facts,
        verdict_label=row["verdict"].label,
        is_over_scale=row["verdict"] is Verdict.OVER_SCALE,
        citations=citations,
        units=units,
        people=people,
        planned_start=row["planned_start"],
        planned_end=row["planned_end"],
    )


class PlanWriter:
    """Writes the versions and sign-offs of one work after another, counting ids up."""

    def __init__(
        self,
        seed: int,
        names: Mapping[int, str],
        anchor: datetime,
        signers: Mapping[str, int] | None,
        first_version_id: int,
        first_signoff_id: int,
    ) -> None:
        self.seed = seed
        self.names = names
        self.anchor = anchor
        self.signers = signers
        self.next_version_id = first_version_id
        self.next_signoff_id = first_signoff_id
        self.rows = PlanRows()

    def add(self, work: WorkSeed) -> None:
        if work.versions == 0:
            return
        work_id = work.row["id"]
        rng = random.Random(f"{self.seed}/plans/{work_id}")
        ctx = plan_context(work, self.names, f"{self.seed}/{work_id}")
        kinds = [self.signoff_kinds(work, number, rng) for number in range(1, work.versions + 1)]
        moments = self.timeline(work, sum(1 + len(k) for k in kinds), rng)
        times = iter(moments)
        for number, version_kinds in enumerate(kinds, 1):
            version_id = self.add_version(work, ctx, number, next(times), rng)
            for kind in version_kinds:
                self.add_signoff(work, version_id, kind, next(times))
        work.row["updated_at"] = moments[-1]

    def signoff_kinds(self, work: WorkSeed, number: int, rng: random.Random) -> list[SignoffKind]:
        """Who signed this version: the latest as the status says; earlier ones as their revision implies."""
        draw = rng.random()
        subcontracted = work.row["subcontractor_id"] is not None
        if self.signers is None or (subcontracted and SignoffKind.SUBCONTRACTOR not in self.signers):
            return []  # the work stays at plan_drafted (work_status.effective_status): nobody has signed
        status: WorkStatus = work.row["status"]
        if number == work.versions:
            constructor, supervisor = status in CONSTRUCTOR_SIGNED, status in SUPERVISOR_SIGNED
        elif work.row["verdict"] is Verdict.OVER_SCALE:
            constructor = supervisor = True  # it went to a review, which needs both signatures (Art. 12)
        else:
            constructor, supervisor = draw < EARLIER_SIGNED_RATE, False
        kinds = [SignoffKind.CONSTRUCTOR] if constructor else []
        if constructor and subcontracted:
            kinds.append(SignoffKind.SUBCONTRACTOR)
        if supervisor:
            kinds.append(SignoffKind.SUPERVISOR)
        return kinds

    def timeline(self, work: WorkSeed, events: int, rng: random.Random) -> list[datetime]:
        """Sorted moments between registration and the anchor (or the planned start, for started works)."""
        created: datetime = work.row["created_at"]
        cutoff = self.anchor - timedelta(hours=1)
        start = work.row["planned_start"]
        begins = datetime(start.year, start.month, start.day, 8, tzinfo=UTC)
        if work.row["status"] in STARTED and begins > created + timedelta(days=2):
            cutoff = min(cutoff, begins)
        span = (cutoff - created).total_seconds()
        moments = sorted(rng.uniform(0.02, 1.0) for _ in range(events))
        return [created + timedelta(seconds=round(span * m)) for m in moments]

    def add_version(
        self, work: WorkSeed, ctx: PlanContext, number: int, submitted: datetime, rng: random.Random
    ) -> int:
        row = work.row
        note = rng.choice(REVISION_NOTES[row["verdict"]]) if number > 1 else ""
        omitted: frozenset[int] = frozenset()
        if rng.random() < INCOMPLETE_RATE:
            omitted = frozenset(rng.sample(OMITTABLE_SECTIONS, 1 if rng.random() < 0.6 else 2))
        content, found = compose(
            ctx, rng, number=number, note=note, submitted=submitted.date(), omitted=omitted
        )
        data = content.encode("utf-8")
        version_id = self.next_version_id
        self.next_version_id += 1
        self.rows.versions.append(
            {
                "id": version_id,
                "work_id": row["id"],
                "number": number,
                "title": f"{row['name']}专项施工方案"[:200],
                "note": note,
                "original_name": original_name(row["name"], number),
                "stored_name": stored_name(self.seed, row["id"], number),
                "content_type": CONTENT_TYPE,
                "size": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
                # The file holds what was written; the column what an upload's text extraction keeps (NFKC).
                "text": normalize_text(content),
                "sections_found": found,
                "submitted_by": None,
                "submitted_at": submitted,
            }
        )
        self.rows.contents.append(content)
        return version_id

    def add_signoff(self, work: WorkSeed, version_id: int, kind: SignoffKind, signed_at: datetime) -> None:
        assert self.signers is not None
        people = work.people
        signer = {
            SignoffKind.CONSTRUCTOR: people["constructor_signer"],
            SignoffKind.SUBCONTRACTOR: people.get("subcontractor_signer", ""),
            SignoffKind.SUPERVISOR: people["chief_supervisor"],
        }[kind]
        self.rows.signoffs.append(
            {
                "id": self.next_signoff_id,
                "plan_version_id": version_id,
                "kind": kind,
                "account_id": self.signers[kind.value],
                "signer_name": signer,
                "signed_at": signed_at,
            }
        )
        self.next_signoff_id += 1


def generate_plans(
    works: Sequence[WorkSeed],
    *,
    seed: int,
    names: Mapping[int, str],
    anchor: datetime,
    signers: Mapping[str, int] | None,
    first_version_id: int,
    first_signoff_id: int,
) -> PlanRows:
    """Versions (1-3 per work that has a plan) and sign-offs; sets each work's updated_at to its last event."""
    writer = PlanWriter(seed, names, anchor, signers, first_version_id, first_signoff_id)
    for work in works:
        writer.add(work)
    return writer.rows
