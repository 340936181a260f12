"""Where each demo work stands in the workflow (most early), how many plan versions it has, and its dates."""

from __future__ import annotations

import random
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta

from knowledge.demo.sampling import Picker
from knowledge.demo.works import WorkSeed
from knowledge.registry.rules import Verdict
from knowledge.registry.workflow import WorkStatus

S = WorkStatus
# Among works that have a plan: a 危大 work never goes to review (Decree 37 Art. 12 is for over-scale works).
HAZARDOUS_STATUS_WEIGHTS: Mapping[WorkStatus, int] = {
    S.PLAN_DRAFTED: 30, S.CONSTRUCTOR_SIGNED: 12, S.SUPERVISOR_SIGNED: 3, S.IN_FORCE: 14, S.BRIEFED: 8,
    S.IN_PROGRESS: 20, S.ACCEPTED: 8, S.CLOSED: 5,
}  # fmt: skip
OVER_SCALE_STATUS_WEIGHTS: Mapping[WorkStatus, int] = {
    S.PLAN_DRAFTED: 20, S.CONSTRUCTOR_SIGNED: 9, S.SUPERVISOR_SIGNED: 5, S.REVIEW_REQUESTED: 8,
    S.UNDER_REVIEW: 6, S.PASSED: 4, S.PASSED_AFTER_REVISION: 7, S.FAILED: 3, S.IN_FORCE: 10, S.BRIEFED: 6,
    S.IN_PROGRESS: 13, S.ACCEPTED: 5, S.CLOSED: 4,
}  # fmt: skip
VERSION_WEIGHTS: Mapping[int, int] = {1: 65, 2: 25, 3: 10}
MEAN_VERSIONS = sum(n * w for n, w in VERSION_WEIGHTS.items()) / sum(VERSION_WEIGHTS.values())

# Statuses whose latest plan version carries the constructor's, and also the chief supervisor's, signature.
CONSTRUCTOR_SIGNED: frozenset[WorkStatus] = frozenset(WorkStatus) - {S.REGISTERED, S.PLAN_DRAFTED}
SUPERVISOR_SIGNED: frozenset[WorkStatus] = CONSTRUCTOR_SIGNED - {S.CONSTRUCTOR_SIGNED}
REVIEW_STATUSES: frozenset[WorkStatus] = frozenset(
    {S.REVIEW_REQUESTED, S.UNDER_REVIEW, S.PASSED, S.PASSED_AFTER_REVISION, S.FAILED}
)
STARTED: frozenset[WorkStatus] = frozenset({S.IN_PROGRESS, S.ACCEPTED, S.CLOSED})
FINISHED: frozenset[WorkStatus] = frozenset({S.ACCEPTED, S.CLOSED})

# Planned duration in days by category (a tower crane stays for the whole structure).
DURATIONS: Mapping[str, tuple[int, int]] = {
    "excavation": (45, 240),
    "formwork": (20, 90),
    "lifting": (5, 60),
    "machinery_erection": (180, 720),
    "scaffolding": (90, 480),
    "demolition": (15, 120),
    "underground": (120, 720),
    "other": (30, 240),
}
FIRST_DAY = date(2023, 1, 1)
LAST_DAY = date(2026, 12, 31)
DRAWS = 4  # uniform draws kept per work, so its dates never shift the stream of the works after it


def plan_statuses(rng: random.Random, works: Sequence[WorkSeed], target_versions: int) -> None:
    """Give works an intended status and version count, so that the versions add up to about the target.

    Each work has a plan with the probability that spends the remaining budget evenly over the remaining
    works; the stream draws the same numbers for every work whether it gets a plan or not.
    """
    pickers = {
        Verdict.HAZARDOUS: Picker(HAZARDOUS_STATUS_WEIGHTS),
        Verdict.OVER_SCALE: Picker(OVER_SCALE_STATUS_WEIGHTS),
    }
    version_picker = Picker(VERSION_WEIGHTS)
    remaining = target_versions
    for index, work in enumerate(works):
        share = remaining / ((len(works) - index) * MEAN_VERSIONS)
        has_plan = rng.random() < share
        status: WorkStatus = pickers[work.classification.verdict](rng)
        versions: int = version_picker(rng)
        work.draws = tuple(rng.random() for _ in range(DRAWS))
        if has_plan:
            work.intended, work.versions = status, versions
            remaining -= versions


def effective_status(work: WorkSeed, *, with_plans: bool, signer_kinds: Collection[str]) -> WorkStatus:
    """The intended status, held back to what the run can back with rows.

    No upload directory, no plan versions: registered. Past plan_drafted, the latest version carries the
    builders' signatures (Art. 11: the subcontractor's too when the work is subcontracted), so a work whose
    signer the caller gave no account for stays at plan_drafted.
    """
    if not with_plans or work.versions == 0:
        return S.REGISTERED
    needed = {"constructor", "supervisor"}
    if work.row["subcontractor_id"] is not None:
        needed.add("subcontractor")
    if work.intended in CONSTRUCTOR_SIGNED and not needed <= set(signer_kinds):
        return S.PLAN_DRAFTED
    return work.intended


def settle(
    works: Sequence[WorkSeed], anchor: datetime, *, with_plans: bool, signer_kinds: Collection[str]
) -> None:
    """Set each work's status, planned dates and created_at (dates follow the status: started works began)."""
    for work in works:
        status = effective_status(work, with_plans=with_plans, signer_kinds=signer_kinds)
        if status is S.REGISTERED:
            work.versions = 0
        u_start, u_length, u_lead, u_hour = work.draws
        row = work.row
        low, high = DURATIONS.get(row["sub_type"]) or DURATIONS[row["category"]]
        length = timedelta(days=round(low + (high - low) * u_length))
        today = anchor.date()
        if status in FINISHED:
            end = today - timedelta(days=round(3 + 250 * u_start))
            start = end - length
        elif status in STARTED:
            start = today - timedelta(days=round(5 + 300 * u_start))
            end = max(start + length, today + timedelta(days=7))
        else:
            offset = -3 + 33 * u_start if status is S.BRIEFED else -30 + 240 * u_start
            start = today + timedelta(days=round(offset))
            end = start + length
        start = min(max(start, FIRST_DAY), LAST_DAY)
        end = min(max(end, start), LAST_DAY)
        row["status"] = status
        row["planned_start"], row["planned_end"] = start, end
        lead = timedelta(days=20 + 130 * u_lead, hours=8 + 10 * u_hour)
        started_at = datetime(start.year, start.month, start.day, tzinfo=UTC)
        latest = anchor - timedelta(days=1)
        earliest = min(work.project.row["created_at"], latest)
        row["created_at"] = min(max(started_at - lead, earliest), latest)
        row["updated_at"] = row["created_at"]
