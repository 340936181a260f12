"""Plausible histories of demo hazards through their loop, who inspected before each, and the small generated
pictures the demo stores."""

from __future__ import annotations

import io
import random
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from PIL import Image, ImageDraw

from knowledge.site.hazard_loop import Event, Level, Party, Step, deadline


class LoopHistories:
    """Draws each hazard's events up to ``today`` from one random stream; ``with_evidence`` False leaves out every
    rectification (a submission needs evidence files, which need somewhere to be stored)."""

    def __init__(self, rng: random.Random, today: date, *, with_evidence: bool) -> None:
        self.rng, self.today, self.with_evidence = rng, today, with_evidence
        self.taken: set[Step] = set()

    def loop(self, level: Level, found: date) -> Iterator[Event]:
        """A plausible history up to today: most closed, some sent back, some overdue and supervised, some
        stopped; the first chance of each rarer step always takes it, so even the small demo shows every one."""
        due, age = deadline(level, found), (self.today - found).days
        roll = self.rng.random()
        if self.with_evidence and (age > 30 and roll < 0.7 or roll < 0.25):
            submit = min(self.today, found + timedelta(days=self.rng.randint(1, max(1, (due - found).days))))
            yield Event(Step.SUBMIT, Party.RESPONSIBLE_UNIT, submit, 1, "已按要求整改完毕，附整改照片")
            if self.rare(Step.SEND_BACK, 0.2):
                yield Event(Step.SEND_BACK, Party.AUTHORITY, submit, 0, "整改不到位，请补充材料")
            elif self.rng.random() < 0.85:
                yield Event(
                    Step.CLOSE,
                    Party.AUTHORITY,
                    min(self.today, submit + timedelta(days=2)),
                    0,
                    "核验合格，同意销号",
                )
            return
        if level is Level.MAJOR and self.rare(Step.STOP, 0.4):
            yield Event(Step.STOP, Party.AUTHORITY, found, 0, "存在重大事故隐患，责令停工整改")
        if self.today > due and self.rare(Step.SUPERVISE, 0.5):
            yield Event(Step.SUPERVISE, Party.AUTHORITY, due + timedelta(days=1), 0, "逾期未整改，挂牌督办")

    def rare(self, step: Step, chance: float) -> bool:
        taken = self.rng.random() < chance or step not in self.taken
        if taken:
            self.taken.add(step)
        return taken


def demo_photo(rng: random.Random) -> bytes:
    """A small generated picture (a site seen as coloured bands), not a real photograph."""
    image = Image.new("RGB", (160, 120), (135, 170, 200))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 70, 160, 120), fill=(150, 120, 90))
    for x in range(10, 150, 30):
        draw.rectangle((x, 30 + rng.randint(0, 20), x + 8, 90), fill=(90, 90, 95))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def last_inspections(rows: dict[str, list[dict[str, Any]]]) -> None:
    """Each hazard's accountability names the work's last inspection before the one that found it (责任倒查)."""
    by_work: dict[int, list[tuple[date, int, list[str]]]] = {}
    for ins in rows["ins"]:
        by_work.setdefault(ins["work_id"], []).append((ins["inspected_on"], ins["id"], ins["inspectors"]))
    for hazard in rows["hazards"]:
        earlier = [i for i in by_work.get(hazard["work_id"], []) if i[0] < hazard["found_on"]]
        if earlier:
            day, ins_id, inspectors = max(earlier, key=lambda i: (i[0], i[1]))
            hazard["accountability"] = {**hazard["accountability"], "last_inspection": {
                "id": ins_id, "on": day.isoformat(), "inspectors": inspectors}}  # fmt: skip
