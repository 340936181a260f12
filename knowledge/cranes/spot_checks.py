"""The spot-check list: inspection bodies whose reports sit far from the province's, per machine type.

Campaign task 3 asks for spot checks of inspection bodies whose crane reports show few or no nonconformities
(suspected 粗检、漏检); DOMAIN.md section 9 and issue 21 item 6 describe the signals. No regulation sets the
figures, so every threshold here is **policy** (``SpotCheckPolicy``), chosen as a starting point:

- over a rolling window (12 months), per body and machine type: reports, the share with zero nonconformities,
  mean nonconformities per report, the median minutes from start to finish, and the most reports one inspector
  finished on one day;
- the province's distribution is taken over the bodies with at least ``min_reports`` reports of that type;
- a body with enough reports is flagged when its zero share is above the province's 90th percentile *and* above the
  province's median by a margin, when its mean is below the 10th percentile *and* under a share of the median,
  or when its median time is below the 10th percentile and under a share of the median, or below an absolute
  minimum for the type. A percentile alone would flag a tenth of the bodies in any province, light or not;
  the margin keeps a flag for a body that is really far out;
- one inspector finishing more than a cap of reports in a day is flagged whatever the body's count.

Each flag carries the body's figures, the threshold it crossed and the province's spread (every eligible body's
value, sorted, with its percentiles), so a regulator sees the body's place. Percentiles interpolate linearly
between ranks (the "inclusive" method of ``statistics.quantiles``). Pure and deterministic: same records, same list.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from knowledge.cranes.errors import CraneError, SpotCheckPolicyError
from knowledge.cranes.machines import MachineType
from knowledge.cranes.periods import add_months

# Policy: no standard sets a minimum inspection time; these are starting values an administrator can change.
MIN_PLAUSIBLE_MINUTES: dict[MachineType, float] = {
    MachineType.TOWER_CRANE: 90.0,
    MachineType.CONSTRUCTION_HOIST: 60.0,
    MachineType.MATERIAL_HOIST: 40.0,
    MachineType.GANTRY_CRANE: 60.0,
    MachineType.BRIDGE_CRANE: 60.0,
    MachineType.OTHER: 40.0,
}


class FlagKind(StrEnum):
    ZERO_SHARE = "zero_share"
    LOW_MEAN = "low_mean"
    SHORT_DURATION = "short_duration"
    INSPECTOR_DAY = "inspector_day"

    @property
    def label(self) -> str:
        return {
            FlagKind.ZERO_SHARE: "零不合格项报告占比异常高",
            FlagKind.LOW_MEAN: "平均不合格项数异常低",
            FlagKind.SHORT_DURATION: "检验用时异常短",
            FlagKind.INSPECTOR_DAY: "单人单日报告过多",
        }[self]


@dataclass(frozen=True, slots=True)
class ReportRecord:
    """One published inspection report, as the spot-check job reads it."""

    body_id: int
    machine_type: MachineType
    inspector_id: int
    started_at: datetime
    finished_at: datetime
    nonconformities: int
    on: date

    @property
    def minutes(self) -> float:
        return (self.finished_at - self.started_at).total_seconds() / 60


@dataclass(frozen=True, slots=True)
class SpotCheckPolicy:
    window_months: int = 12
    min_reports: int = 20
    zero_share_percentile: int = 90
    zero_share_margin: float = 0.2  # above the median by at least this share (0.2 = 20 points)
    low_mean_percentile: int = 10
    low_mean_ratio: float = 0.5  # and under half the median
    short_percentile: int = 10
    short_ratio: float = 0.6  # and under 60 % of the median
    min_minutes: Mapping[MachineType, float] = field(default_factory=lambda: dict(MIN_PLAUSIBLE_MINUTES))
    max_reports_per_inspector_day: int = 6

    def __post_init__(self) -> None:
        if self.window_months < 1 or self.min_reports < 1 or self.max_reports_per_inspector_day < 1:
            raise SpotCheckPolicyError("统计窗口、最少报告数和单人单日上限均须至少为1")
        for pct in (self.zero_share_percentile, self.low_mean_percentile, self.short_percentile):
            if not 1 <= pct <= 99:
                raise SpotCheckPolicyError(f"百分位须在1至99之间，不能是{pct}")
        if (
            not 0 <= self.zero_share_margin <= 1
            or not 0 < self.low_mean_ratio <= 1
            or not 0 < self.short_ratio <= 1
        ):
            raise SpotCheckPolicyError("零不合格占比的差距须在0至1之间，比例须大于0且不超过1")


DEFAULT_POLICY = SpotCheckPolicy()


def percentile(values: Iterable[float], pct: float) -> float:
    """The ``pct``-th percentile of ``values`` by linear interpolation between ranks.

    :raises SpotCheckPolicyError: for no values, or ``pct`` outside 0-100.
    """
    ordered = sorted(values)
    if not ordered:
        raise SpotCheckPolicyError("没有可计算百分位的数据")
    if not 0 <= pct <= 100:
        raise SpotCheckPolicyError(f"百分位须在0至100之间，不能是{pct}")
    rank = pct / 100 * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True, slots=True)
class Spread:
    """One figure across the province's eligible bodies, sorted, with its percentiles at hand."""

    values: tuple[float, ...]

    def at(self, pct: float) -> float:
        return percentile(self.values, pct)

    @property
    def median(self) -> float:
        return self.at(50)


@dataclass(frozen=True, slots=True)
class Distribution:
    machine_type: MachineType
    zero_share: Spread
    mean_nonconformities: Spread
    median_minutes: Spread

    @property
    def bodies(self) -> int:
        return len(self.zero_share.values)


@dataclass(frozen=True, slots=True)
class BodyFigures:
    body_id: int
    machine_type: MachineType
    reports: int
    zero_share: float
    mean_nonconformities: float
    median_minutes: float
    max_reports_per_inspector_day: int
    busiest_inspector_id: int
    busiest_day: date


@dataclass(frozen=True, slots=True)
class Flag:
    body_id: int
    machine_type: MachineType
    kind: FlagKind
    reason: str
    figures: BodyFigures
    threshold: float
    distribution: Distribution | None  # None when too few bodies of the type had enough reports


@dataclass(frozen=True, slots=True)
class SpotCheckList:
    on: date
    window_start: date  # exclusive: reports dated after it and on or before ``on``
    figures: tuple[BodyFigures, ...]
    distributions: Mapping[MachineType, Distribution]
    flags: tuple[Flag, ...]

    def flagged(self, kind: FlagKind | None = None) -> set[tuple[int, MachineType]]:
        return {(f.body_id, f.machine_type) for f in self.flags if kind is None or f.kind is kind}


def spot_check_list(
    records: Iterable[ReportRecord], *, on: date, policy: SpotCheckPolicy = DEFAULT_POLICY
) -> SpotCheckList:
    """Figures per body and machine type over the window ending ``on``, the province's spreads, and the flags.

    :raises CraneError: for a record that finishes before it starts or has a negative count.
    """
    start = add_months(on, -policy.window_months)
    groups: dict[tuple[int, MachineType], list[ReportRecord]] = defaultdict(list)
    for record in records:
        if record.finished_at < record.started_at or record.nonconformities < 0:
            raise CraneError(f"检验机构{record.body_id}的报告记录有误：完成时间早于开始时间或不合格项数为负")
        if start < record.on <= on:
            groups[(record.body_id, record.machine_type)].append(record)
    figures = tuple(_figures(body, kind, groups[(body, kind)]) for body, kind in sorted(groups))
    distributions = _distributions(figures, policy)
    flags: list[Flag] = []
    for fig in figures:
        flags.extend(_flags(fig, distributions.get(fig.machine_type), policy))
    return SpotCheckList(on, start, figures, distributions, tuple(flags))


def _figures(body_id: int, machine_type: MachineType, reports: list[ReportRecord]) -> BodyFigures:
    per_day = Counter((r.inspector_id, r.on) for r in reports)
    (inspector, day), most = min(per_day.items(), key=lambda kv: (-kv[1], kv[0][1], kv[0][0]))
    return BodyFigures(
        body_id=body_id,
        machine_type=machine_type,
        reports=len(reports),
        zero_share=sum(1 for r in reports if r.nonconformities == 0) / len(reports),
        mean_nonconformities=statistics.fmean(r.nonconformities for r in reports),
        median_minutes=statistics.median(r.minutes for r in reports),
        max_reports_per_inspector_day=most,
        busiest_inspector_id=inspector,
        busiest_day=day,
    )


def _distributions(
    figures: tuple[BodyFigures, ...], policy: SpotCheckPolicy
) -> dict[MachineType, Distribution]:
    eligible: dict[MachineType, list[BodyFigures]] = defaultdict(list)
    for fig in figures:
        if fig.reports >= policy.min_reports:
            eligible[fig.machine_type].append(fig)
    return {
        kind: Distribution(
            kind,
            Spread(tuple(sorted(f.zero_share for f in found))),
            Spread(tuple(sorted(f.mean_nonconformities for f in found))),
            Spread(tuple(sorted(f.median_minutes for f in found))),
        )
        for kind, found in sorted(eligible.items())
    }


def _flags(fig: BodyFigures, dist: Distribution | None, policy: SpotCheckPolicy) -> list[Flag]:
    found: list[Flag] = []
    label = fig.machine_type.label
    head = f"近{policy.window_months}个月{label}检验报告{fig.reports}份"
    if dist is not None and fig.reports >= policy.min_reports:
        high = dist.zero_share.at(policy.zero_share_percentile)
        floor = dist.zero_share.median + policy.zero_share_margin
        if fig.zero_share > high and fig.zero_share >= floor:
            reason = (
                f"{head}，零不合格项报告占{fig.zero_share:.0%}，高于全省第{policy.zero_share_percentile}百分位"
                f"（{high:.0%}），且比中位数（{dist.zero_share.median:.0%}）高出{policy.zero_share_margin:.0%}以上"
            )
            found.append(Flag(fig.body_id, fig.machine_type, FlagKind.ZERO_SHARE, reason, fig, high, dist))
        low = dist.mean_nonconformities.at(policy.low_mean_percentile)
        share = dist.mean_nonconformities.median * policy.low_mean_ratio
        if fig.mean_nonconformities < low and fig.mean_nonconformities < share:
            reason = (
                f"{head}，平均每份不合格项{fig.mean_nonconformities:.2f}项，低于全省第{policy.low_mean_percentile}"
                f"百分位（{low:.2f}），且不足中位数（{dist.mean_nonconformities.median:.2f}）的"
                f"{policy.low_mean_ratio:.0%}"
            )
            found.append(Flag(fig.body_id, fig.machine_type, FlagKind.LOW_MEAN, reason, fig, low, dist))
        found.extend(_short_flag(fig, dist, policy, head))
    if fig.max_reports_per_inspector_day > policy.max_reports_per_inspector_day:
        reason = (
            f"检验员{fig.busiest_inspector_id}于{fig.busiest_day.isoformat()}出具{label}检验报告"
            f"{fig.max_reports_per_inspector_day}份，超过每人每日{policy.max_reports_per_inspector_day}份"
        )
        cap = float(policy.max_reports_per_inspector_day)
        found.append(Flag(fig.body_id, fig.machine_type, FlagKind.INSPECTOR_DAY, reason, fig, cap, dist))
    return found


def _short_flag(fig: BodyFigures, dist: Distribution, policy: SpotCheckPolicy, head: str) -> list[Flag]:
    minimum = policy.min_minutes.get(fig.machine_type)
    low = dist.median_minutes.at(policy.short_percentile)
    share = dist.median_minutes.median * policy.short_ratio
    if fig.median_minutes < low and fig.median_minutes < share:
        why = (
            f"低于全省第{policy.short_percentile}百分位（{low:.0f}分钟），且不足中位数"
            f"（{dist.median_minutes.median:.0f}分钟）的{policy.short_ratio:.0%}"
        )
        threshold = low
    elif minimum is not None and fig.median_minutes < minimum:
        why, threshold = f"低于最短合理用时{minimum:.0f}分钟", minimum
    else:
        return []
    reason = f"{head}，检验用时中位数{fig.median_minutes:.0f}分钟，{why}"
    return [Flag(fig.body_id, fig.machine_type, FlagKind.SHORT_DURATION, reason, fig, threshold, dist)]
