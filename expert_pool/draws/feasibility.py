"""Whether a panel can still be completed (DOMAIN.md §4): the exact check made before any random number."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from expert_pool.draws.panel import LOCAL, SPECIALTY_LABELS, PanelPolicy, Profile
from knowledge.errors import ValidationError


class DrawInfeasible(ValidationError):
    """No panel can satisfy the policy over this pool; ``constraint`` names the rule that cannot be met."""

    code = "draw_infeasible"

    def __init__(self, message: str, *, constraint: str) -> None:
        super().__init__(message)
        self.constraint = constraint


def full_mask(policy: PanelPolicy) -> int:
    """The mask of every required specialty (a profile's bits above ``LOCAL``, shifted down)."""
    return (1 << len(policy.required_specialties)) - 1


def admits(counts: Counter[Profile], profile: Profile, uncovered: int, seats: int, quota: int) -> bool:
    """Whether seating one candidate of ``profile`` leaves a completable panel."""
    if profile & LOCAL and quota == 0:
        return False
    rest = counts.copy()
    rest[profile] -= 1
    return can_complete(rest, uncovered & ~(profile >> 1), seats - 1, quota - (profile & LOCAL))


def can_complete(counts: Mapping[Profile, int], uncovered: int, seats: int, quota: int) -> bool:
    """Whether ``seats`` more can be chosen from ``counts`` with at most ``quota`` locals, covering ``uncovered``.

    Exact: a valid choice exists iff (a) some set T of at most ``seats`` candidates with at most ``quota``
    locals covers ``uncovered``, and (b) seats <= non-locals + min(locals, quota). Filling up after T
    needs seats-|T| <= (non-locals - non-locals(T)) + min(locals, quota) - locals(T), which is (b).
    """
    local = sum(n for profile, n in counts.items() if profile & LOCAL)
    non_local = sum(counts.values()) - local
    return seats <= non_local + min(local, quota) and can_cover(counts, uncovered, seats, quota)


def can_cover(counts: Mapping[Profile, int], uncovered: int, seats: int, quota: int) -> bool:
    """(a) above, by a dynamic programme over covered masks: the fewest locals spent for each, per pick."""
    if not uncovered:
        return True
    offers: dict[int, int] = {}  # useful mask -> locals it costs (0 when a non-local offers it)
    for profile, n in counts.items():
        if n > 0 and (useful := profile >> 1 & uncovered):
            offers[useful] = min(offers.get(useful, 1), profile & LOCAL)
    best = {0: 0}
    for _ in range(min(seats, uncovered.bit_count())):  # a minimal cover has at most one pick per bit
        step = dict(best)
        for covered, spent in best.items():
            for useful, cost in offers.items():
                if spent + cost < step.get(covered | useful, quota + 1):
                    step[covered | useful] = spent + cost
        best = step
        if uncovered in best:
            return True
    return False


def check_distinct(ids: Sequence[int]) -> None:
    if len(set(ids)) != len(ids):
        repeated = next(a for a, b in zip(ids, ids[1:], strict=False) if a == b)
        raise ValidationError(f"候选名单中专家{repeated}重复出现")


def check_feasible(counts: Counter[Profile], total: int, policy: PanelPolicy) -> None:
    size, quota, city = policy.panel_size, policy.max_local, policy.home_city.label
    if total < size + policy.alternates:
        raise DrawInfeasible(
            f"可用专家仅{total}名，需要{size + policy.alternates}名（正选{size}名、候补{policy.alternates}名）",
            constraint="pool_size",
        )
    outside = sum(n for profile, n in counts.items() if not profile & LOCAL)
    if outside < size - quota:
        raise DrawInfeasible(
            f"{city}以外的可用专家仅{outside}名，需要{size - quota}名（正选{size}名，{city}本地至多{quota}名）",
            constraint="max_local",
        )
    for code, (able, able_outside) in coverage_of(counts, policy).items():
        if not able or (not able_outside and not quota):
            where = f"{city}以外的" if able else ""
            raise DrawInfeasible(
                f"{where}{SPECIALTY_LABELS[code]}专业可用专家为0名，需要至少1名（{city}本地{able}名，本地名额{quota}名）",
                constraint="specialty",
            )
    if not can_complete(counts, full_mask(policy), size, quota):
        raise DrawInfeasible(_combination_message(counts, policy), constraint="combination")


def coverage_of(counts: Counter[Profile], policy: PanelPolicy) -> dict[str, tuple[int, int]]:
    """Per required specialty: how many candidates cover it, and how many of them are not local."""
    return {
        code: (
            sum(n for profile, n in counts.items() if profile >> (bit + 1) & 1),
            sum(n for profile, n in counts.items() if profile >> (bit + 1) & 1 and not profile & LOCAL),
        )
        for bit, code in enumerate(policy.required_specialties)
    }


def _combination_message(counts: Counter[Profile], policy: PanelPolicy) -> str:
    city, labels = policy.home_city.label, SPECIALTY_LABELS
    found = "，".join(
        f"{labels[c]}{n}名（{city}以外{m}名）" for c, (n, m) in coverage_of(counts, policy).items()
    )
    wanted = "、".join(labels[c] for c in policy.required_specialties)
    return f"无法同时满足正选{policy.panel_size}名、{city}本地至多{policy.max_local}名并覆盖{wanted}：可用专家中{found}"
