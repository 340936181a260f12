"""Sweeps (排查轮次): a period and an area in which every work under way, every enterprise on them and every crane
on them is to be inspected once (建质〔2024〕27号: two full-coverage sweeps a year, "逐企业、逐项目、逐设备"; DOMAIN.md
section 8). Pure: the scope of a sweep, what it has not yet reached, and its coverage per city and category.

A work is reached when it has an inspection dated within the sweep; an enterprise when one of its works in the
sweep is reached (its site was inspected); a crane when it has an inspection of its own within the sweep.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from knowledge.site.errors import SiteError


class SweepError(SiteError):
    """A sweep that cannot be opened as asked."""


@dataclass(frozen=True)
class Sweep:
    starts: date
    ends: date
    city: str | None = None  # None: the whole province

    def __post_init__(self) -> None:
        if self.ends < self.starts:
            raise SweepError("排查轮次的结束日期不能早于开始日期")

    def covers(self, day: date) -> bool:
        return self.starts <= day <= self.ends

    def holds(self, city: str) -> bool:
        return self.city is None or self.city == city


@dataclass(frozen=True)
class SiteUnit:
    """A work under way in the sweep's period, with the enterprises and cranes on it."""

    work_id: int
    city: str
    category: str
    enterprise_ids: frozenset[int] = frozenset()
    crane_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Share:
    reached: int
    total: int

    @property
    def percent(self) -> float:
        return 100.0 * self.reached / self.total if self.total else 100.0


@dataclass(frozen=True)
class Coverage:
    works: Share
    enterprises: Share
    cranes: Share
    by_city: dict[str, Share] = field(default_factory=dict)
    by_category: dict[str, Share] = field(default_factory=dict)
    works_left: tuple[int, ...] = ()
    enterprises_left: tuple[int, ...] = ()
    cranes_left: tuple[int, ...] = ()


def coverage(
    sweep: Sweep,
    units: Iterable[SiteUnit],
    work_inspections: Mapping[int, Iterable[date]],
    crane_inspections: Mapping[int, Iterable[date]] | None = None,
) -> Coverage:
    """What the sweep has reached of the works in its area (``units``: works under way in its period), and
    what is left, from the dates of each work's and each crane's inspections."""
    in_area = [u for u in units if sweep.holds(u.city)]
    reached = {
        u.work_id for u in in_area if any(sweep.covers(d) for d in work_inspections.get(u.work_id, ()))
    }
    cranes_seen = {c for c, days in (crane_inspections or {}).items() if any(sweep.covers(d) for d in days)}
    enterprises = {e for u in in_area for e in u.enterprise_ids}
    enterprises_reached = {e for u in in_area if u.work_id in reached for e in u.enterprise_ids}
    cranes = {c for u in in_area for c in u.crane_ids}
    by_city: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_category: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for u in in_area:
        for table, key in ((by_city, u.city), (by_category, u.category)):
            table[key][1] += 1
            table[key][0] += u.work_id in reached
    return Coverage(
        works=Share(len(reached), len(in_area)),
        enterprises=Share(len(enterprises_reached), len(enterprises)),
        cranes=Share(len(cranes & cranes_seen), len(cranes)),
        by_city={k: Share(*v) for k, v in sorted(by_city.items())},
        by_category={k: Share(*v) for k, v in sorted(by_category.items())},
        works_left=tuple(sorted(u.work_id for u in in_area if u.work_id not in reached)),
        enterprises_left=tuple(sorted(enterprises - enterprises_reached)),
        cranes_left=tuple(sorted(cranes - cranes_seen)),
    )
