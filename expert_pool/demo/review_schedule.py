"""When each seeded review and revision happens (DOMAIN.md section 3): sign-offs, the request and draw, the
meeting, then the revision loop, all between a version's submission and the next one (or the seed's now)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from expert_pool.demo.review_meetings import Held, at
from expert_pool.demo.review_world import Version, WorkInfo
from expert_pool.draws.models import HalfDay
from expert_pool.draws.services import meeting_start
from expert_pool.reviews.models import Conclusion
from knowledge.clock import CST
from knowledge.demo.sampling import Picker
from knowledge.plans.models import SignoffKind

MEETING_HOURS = 9  # from the meeting's start until the last signature at the latest
STAGES = ("drafted", "constructor", "signed", "confirmed")  # how far a revision got (DOMAIN.md section 3)
# After 修改后通过 the seed's last review of a work: no revision yet, or one that got this far.
NEW_REVISION = Picker({"none": 25, "drafted": 4, "constructor": 4, "signed": 10, "confirmed": 57})
# A seeded later version that answers a 修改后通过 report.
OLD_REVISION = Picker({"drafted": 8, "constructor": 5, "signed": 15, "confirmed": 72})
Shape = tuple[
    str, ...
]  # per existing version: "fail" / "pass_after_revision" (reviewed, not last), "final", "revision"
SHAPES: dict[int, tuple[tuple[Shape, int], ...]] = {
    1: ((("final",), 1),),
    2: ((("fail", "final"), 40), (("pass_after_revision", "revision"), 60)),
    3: ((("fail", "fail", "final"), 15), (("fail", "pass_after_revision", "revision"), 45),
        (("pass_after_revision", "revision", "final"), 40)),
}  # fmt: skip
SHAPE_PICKERS = {n: Picker(dict(options)) for n, options in SHAPES.items()}


def signoff_kinds(work: WorkInfo) -> list[SignoffKind]:
    """Art. 11, as ``plan_services.required_signoffs``: the builders' technical leads, then the chief supervisor."""
    sub = [SignoffKind.SUBCONTRACTOR] if work.subcontractor_id is not None else []
    return [SignoffKind.CONSTRUCTOR, *sub, SignoffKind.SUPERVISOR]


def working_day(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


@dataclass
class Slot:
    signs: list[tuple[SignoffKind, datetime]]  # the sign-offs the version still lacked
    requested_at: datetime
    day: date
    half: HalfDay

    @property
    def start(self) -> datetime:
        return meeting_start(self.day, self.half)

    @property
    def end(self) -> datetime:
        return self.start + timedelta(hours=MEETING_HOURS)


@dataclass
class Revise:
    """The version answering a 修改后通过 report and how far it got: submitted, signed, confirmed."""

    version: Version | None  # a seeded later version, or None: the seed adds one at ``submitted``
    submitted: datetime
    stage: str
    signs: list[tuple[SignoffKind, datetime]] = field(default_factory=list)
    confirmed_at: datetime | None = None

    @property
    def last(self) -> datetime:
        return self.confirmed_at or (self.signs[-1][1] if self.signs else self.submitted)


@dataclass(eq=False)  # compared by identity: a plan is one meeting
class Plan:
    """One review to hold: the version, its conclusion (None until drawn for the last review), when."""

    work: WorkInfo
    version: Version
    conclusion: Conclusion | None
    slot: Slot
    earlier: list[Plan] = field(default_factory=list)  # this work's earlier reviews
    revision: Revise | None = None
    focus: bool = False  # the demo expert sits on it if he may
    lead: bool = False  # and leads it
    missing: list[int] = field(default_factory=list)  # required sections the version lacks
    held: Held | None = None  # what the meeting produced, once held


def slot(rng: random.Random, work: WorkInfo, version: Version, deadline: datetime) -> Slot | None:
    """Sign-offs, request, draw and meeting after the version's submission, over by ``deadline``; a tighter
    timetable (sign-offs within hours, the meeting 3 days after the draw) when the usual one does not fit."""
    kinds = [k for k in signoff_kinds(work) if k.value not in version.signed]
    for fast in (False, True):
        cursor, signs = version.submitted_at, []
        for kind in kinds:
            cursor = at(cursor, 30, 120, rng) if fast else at(cursor, 120, 60 * 48, rng)
            signs.append((kind, cursor))
        requested = at(cursor, 20, 90, rng) if fast else at(cursor, 120, 60 * 72, rng)
        lead = 3 if fast else rng.randint(5, 14)
        day = working_day(requested.astimezone(CST).date() + timedelta(days=lead))
        found = Slot(signs, requested, day, rng.choice((HalfDay.AM, HalfDay.PM)))
        if found.end <= deadline:
            return found
    return None


def revise(
    rng: random.Random,
    work: WorkInfo,
    version: Version | None,
    submitted: datetime,
    stage: str,
    deadline: datetime,
) -> Revise:
    """The revision at ``submitted``, taken as far towards ``stage`` as the time before ``deadline`` allows."""
    wanted = STAGES.index(stage)
    kinds = signoff_kinds(work)
    while True:
        cursor, signs = submitted, []
        signed = (
            [k for k in kinds if k is not SignoffKind.SUPERVISOR]
            if wanted == 1
            else kinds
            if wanted >= 2
            else []
        )
        for kind in signed:
            cursor = at(cursor, 60, 60 * 36, rng)
            signs.append((kind, cursor))
        confirmed = at(cursor, 60 * 6, 60 * 72, rng) if wanted == 3 else None
        if (confirmed or cursor) <= deadline or wanted == 0:
            return Revise(version, submitted, STAGES[wanted], signs, confirmed)
        wanted -= 1


def plan_existing(
    rng: random.Random, work: WorkInfo, now: datetime, *, shape: Shape | None = None
) -> list[Plan]:
    """The reviews of a work's seeded versions by a shape drawn for their number; [] when they do not fit."""
    versions = work.versions
    shape = shape or SHAPE_PICKERS[min(len(versions), 3)](rng)
    versions = versions[-len(shape) :]
    plans: list[Plan] = []
    for index, (version, role) in enumerate(zip(versions, shape, strict=True)):
        following = (
            versions[index + 1].submitted_at - timedelta(hours=1) if index + 1 < len(versions) else now
        )
        if role == "revision":
            stage = OLD_REVISION(rng) if index + 1 == len(versions) else "confirmed"
            answer = revise(rng, work, version, version.submitted_at, stage, following)
            if stage == "confirmed" and answer.stage != stage or version.submitted_at <= plans[-1].slot.end:
                return []
            plans[-1].revision = answer
            continue
        after = plans[-1].revision.last if plans and plans[-1].revision else version.submitted_at
        found = slot(rng, work, version, following)
        if found is None or (plans and found.requested_at <= after):
            return []
        conclusion = None if role == "final" else Conclusion(role)
        plans.append(Plan(work, version, conclusion, found, earlier=list(plans)))
    return plans


def new_revision(rng: random.Random, plan: Plan, stage: str, now: datetime) -> Revise | None:
    """A revision the seed adds after the last review's 修改后通过: submitted days after the report."""
    latest = now - timedelta(hours=2)
    room = (latest - plan.slot.end).total_seconds()
    if stage == "none" or room < 3 * 3600:
        return None
    submitted = (plan.slot.end + timedelta(seconds=min(room * 0.5, 86400 * rng.uniform(2, 25)))).replace(
        microsecond=0
    )
    return revise(rng, plan.work, None, submitted, stage, latest)
