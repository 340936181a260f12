"""Demo inspection reports of cranes: how each body inspects (a normal body, or one that inspects too lightly), who
inspects on which day, and the item rows of a report that agree with its conclusion by ``checklists``' rule.

A light body (粗检、漏检, the behaviour the spot-check list is for) finds almost nothing, finishes in a fraction of
the time the checklist needs, and lets one inspector sign a day's batch of reports. Which bodies are light is
decided here and returned to the caller only (the seed summary): the spot-check job is never told.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from knowledge.cranes.checklists import CheckItem, Checklist, Measure, checklist
from knowledge.cranes.inspection_models import Conclusion, ReportState
from knowledge.cranes.inspection_queries import ItemOutcome
from knowledge.cranes.machines import MachineType

INSPECTED_TYPES = (MachineType.TOWER_CRANE, MachineType.CONSTRUCTION_HOIST, MachineType.MATERIAL_HOIST)
NUMBER_PREFIX = "苏起检"  # the format of ``knowledge.cranes.inspections.report_number``
# Minutes an inspection takes, per type: a careful body's range, and a light body's.
MINUTES = {
    MachineType.TOWER_CRANE: ((130, 260), (25, 55)),
    MachineType.CONSTRUCTION_HOIST: ((90, 180), (20, 45)),
    MachineType.MATERIAL_HOIST: ((60, 120), (12, 30)),
}
NORMAL_DAY_CAP = 3  # reports one careful inspector finishes in a day, at most
LIGHT_DAY_CAP = 14
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # ``certificates.CODE_ALPHABET``
WORK_START_HOUR = 8  # local time (UTC+8)


@dataclass(frozen=True)
class BodyProfile:
    """How one body inspects: failed general items per report (Poisson mean), the chance a key item fails, and
    whether it is light (short inspections, one inspector's batches on one day of the week)."""

    body_id: int
    inspectors: tuple[int, ...]
    general_mean: float
    key_fail: float
    light: bool
    weekday: int = 0  # a light body's batch day


def profile(rng: random.Random, body_id: int, inspectors: tuple[int, ...], *, light: bool) -> BodyProfile:
    if light:
        return BodyProfile(body_id, inspectors, rng.uniform(0.02, 0.06), 0.004, True, rng.randint(0, 4))
    return BodyProfile(body_id, inspectors, rng.uniform(1.5, 2.3), rng.uniform(0.05, 0.09), False)


class Diary:
    """Who of a body inspects on which day: careful inspectors finish at most ``NORMAL_DAY_CAP`` a day; a light
    body moves each inspection to its batch day and gives most to its first inspector."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.load: Counter[tuple[int, date]] = Counter()

    def book(self, body: BodyProfile, wanted: date) -> tuple[int, date]:
        day = wanted
        if body.light:
            day += timedelta(days=(body.weekday - day.weekday()) % 7)
            busy = body.inspectors[0]
            if self.load[(busy, day)] < LIGHT_DAY_CAP and self.rng.random() < 0.8:
                self.load[(busy, day)] += 1
                return busy, day
        while True:
            free = [
                i
                for i in body.inspectors
                if self.load[(i, day)] < (LIGHT_DAY_CAP if body.light else NORMAL_DAY_CAP)
            ]
            if free:
                chosen = self.rng.choice(free)
                self.load[(chosen, day)] += 1
                return chosen, day
            day += timedelta(days=7 if body.light else 1)


def new_code(rng: random.Random, taken: set[str], length: int = 12) -> str:
    while True:
        code = "".join(rng.choices(CODE_ALPHABET, k=length))
        if code not in taken:
            taken.add(code)
            return code


def _poisson(rng: random.Random, mean: float) -> int:
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _measured(rng: random.Random, measure: Measure, fails: bool) -> str:
    low, high = measure.minimum, measure.maximum
    if fails:
        value = (
            high * Decimal(rng.uniform(1.05, 1.6))
            if high is not None
            else low * Decimal(rng.uniform(0.4, 0.95))
        )  # type: ignore[operator]
    elif low is not None and high is not None:
        value = low + (high - low) * Decimal(rng.uniform(0.1, 0.9))
    elif low is not None:
        value = low * Decimal(rng.uniform(1.05, 1.8))
    else:
        assert high is not None
        value = high * Decimal(rng.uniform(0.3, 0.9))
    return f"{value.quantize(Decimal('0.01'))}"


@dataclass
class ReportDraft:
    """A report to write: its machine and installation, the body, the day it was wanted, and what it retests."""

    machine_id: int
    machine_type: MachineType
    installation_id: int | None
    body: BodyProfile
    wanted: date
    retest_of_id: int | None = None


class ReportWriter:
    """Builds report and item rows with the ids given; items agree with the report's conclusion and count."""

    def __init__(self, rng: random.Random, diary: Diary, codes: set[str], today: date) -> None:
        self.rng, self.diary, self.codes, self.today = rng, diary, codes, today
        self.checklists: dict[MachineType, Checklist] = {t: checklist(t) for t in INSPECTED_TYPES}

    def write(self, report_id: int, draft: ReportDraft, *, must_pass: bool, items: list[dict[str, Any]],
              first_item_id: int) -> dict[str, Any] | None:  # fmt: skip
        """The report row, its item rows appended to ``items`` with ids from ``first_item_id``; None when the day
        the body can inspect falls after today."""
        body, found = draft.body, self.checklists[draft.machine_type]
        inspector, day = self.diary.book(body, draft.wanted)
        if day > self.today:
            self.diary.load[(inspector, day)] -= 1
            return None
        careful, light = MINUTES[draft.machine_type]
        minutes = self.rng.uniform(*(light if body.light else careful))
        start = datetime(day.year, day.month, day.day, WORK_START_HOUR - 8, tzinfo=UTC) + timedelta(
            minutes=self.rng.randint(0, 360)
        )
        failed = self._failures(found, body, must_pass)
        passed = (
            not any(i.is_key for i in failed)
            and sum(not i.is_key for i in failed) <= found.max_general_failures
        )
        for n, item in enumerate(found.items):
            fails = item in failed
            items.append({
                "id": first_item_id + n, "report_id": report_id, "item_key": item.key,
                "result": (ItemOutcome.NONCONFORM if fails else ItemOutcome.CONFORM).value,
                "measured": _measured(self.rng, item.measure, fails) if item.measure else None,
                "note": "现场检查不符合要求，已告知使用单位整改" if fails else "",
                "recorded_at": start + timedelta(minutes=minutes * (n + 1) / (len(found.items) + 1)),
            })  # fmt: skip
        finished = start + timedelta(minutes=minutes)
        published = (finished + timedelta(hours=8)).date()
        return {
            "id": report_id, "number": f"{NUMBER_PREFIX}-{published.year}-{body.body_id:04d}-{report_id:08d}",
            "machine_id": draft.machine_id, "machine_type": draft.machine_type,
            "installation_id": draft.installation_id, "body_id": body.body_id, "inspector_id": inspector,
            "checklist_version": found.version, "retest_of_id": draft.retest_of_id, "state": ReportState.PUBLISHED,
            "started_at": start, "finished_at": finished, "published_on": published,
            "conclusion": Conclusion.PASS if passed else Conclusion.FAIL, "nonconformities": len(failed),
            "verify_code": new_code(self.rng, self.codes), "sha256": "", "created_at": start,
        }  # fmt: skip

    def _failures(self, found: Checklist, body: BodyProfile, must_pass: bool) -> set[CheckItem]:
        keys = [i for i in found.items if i.is_key]
        general = [i for i in found.items if not i.is_key]
        count = min(_poisson(self.rng, body.general_mean), len(general))
        if must_pass:
            count = min(count, found.max_general_failures)
        failed = set(self.rng.sample(general, count))
        if not must_pass and self.rng.random() < body.key_fail:
            failed.add(self.rng.choice(keys))
        return failed
