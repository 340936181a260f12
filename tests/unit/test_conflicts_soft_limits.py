"""The conflict graph's soft limits (DOMAIN.md 5): panels shared by pairs, reviews per constructor, crowded pairs."""

from __future__ import annotations

from datetime import date

from expert_pool.conflicts.graph import PanelSeat, Participation, WorkNode, constructor_counts, pair_counts
from tests.unit.conflicts_helpers import (
    CONTRACTOR,
    GROUP,
    LI,
    ON,
    OTHER_PROJECT,
    OTHER_WORK,
    PROJECT,
    SISTER,
    WORK,
    ZHANG,
)


def test_pair_counts_over_the_twelve_months_ending_on_the_day():
    seats = [
        *(PanelSeat(e, WORK, 1, "pass", date(2025, 6, 30)) for e in (1, 2, 3)),
        *(PanelSeat(e, WORK, 2, "fail", date(2024, 7, 1)) for e in (2, 1)),  # 364 days before: inside
        *(PanelSeat(e, WORK, 3, "pass", date(2024, 6, 30)) for e in (1, 2)),  # 365 days before: outside
        *(PanelSeat(e, WORK, 4, "pass", date(2025, 7, 1)) for e in (1, 2)),  # after the day: outside
    ]
    assert pair_counts(seats, ON) == {(1, 2): 2, (1, 3): 1, (2, 3): 1}
    assert pair_counts(seats, ON, window_days=1) == {(1, 2): 1, (1, 3): 1, (2, 3): 1}


def test_constructor_counts_count_reviews_per_expert_and_constructor():
    works = [WorkNode(WORK, "甲", PROJECT), WorkNode(OTHER_WORK, "乙", OTHER_PROJECT)]
    participations = [
        Participation(PROJECT, CONTRACTOR, "general_contractor"),
        Participation(PROJECT, SISTER, "subcontractor"),
        Participation(PROJECT, GROUP, "owner"),
        Participation(OTHER_PROJECT, CONTRACTOR, "general_contractor"),
    ]
    seats = [
        PanelSeat(ZHANG, WORK, 1, "fail", date(2025, 1, 1)),
        PanelSeat(ZHANG, WORK, 2, "pass", date(2025, 3, 1)),
        PanelSeat(ZHANG, OTHER_WORK, 3, "pass", date(2025, 5, 1)),
        PanelSeat(LI, OTHER_WORK, 3, "pass", date(2023, 5, 1)),
    ]
    assert constructor_counts(seats, works, participations, on=ON) == {
        (ZHANG, CONTRACTOR): 3,
        (ZHANG, SISTER): 2,
    }


def test_crowded_pairs_count_shared_panels_in_the_window_among_candidates():
    from datetime import date as d

    from expert_pool.conflicts.records import PanelSeat
    from expert_pool.conflicts.soft_limits import crowded_pairs, shared_days

    def panel(review_id, day, *experts):
        return [PanelSeat(e, 100 + review_id, review_id, "pass", day) for e in experts]

    seats = [
        *panel(1, d(2025, 1, 10), 1, 2, 3),
        *panel(2, d(2025, 6, 1), 2, 1, 4),
        *panel(3, d(2025, 9, 1), 1, 2, 5),
        *panel(4, d(2025, 9, 2), 3, 4),
    ]
    shared = shared_days(seats)
    assert shared[(1, 2)] == (d(2025, 1, 10), d(2025, 6, 1), d(2025, 9, 1))
    assert (3, 4) not in shared  # one shared panel: never a limit's concern
    assert crowded_pairs(shared, {1, 2, 3}, on=d(2025, 12, 1), limit=3) == [(1, 2)]
    assert crowded_pairs(shared, {1, 3}, on=d(2025, 12, 1), limit=3) == []  # 2 is not a candidate
    # 365 days ending on 2026-01-10: the panel of 2025-01-10 falls out, two remain
    assert crowded_pairs(shared, {1, 2}, on=d(2026, 1, 10), limit=3) == []
    assert crowded_pairs(shared, {1, 2}, on=d(2026, 1, 10), limit=2) == [(1, 2)]
    assert crowded_pairs(shared, {1, 2}, on=d(2025, 12, 1), limit=0) == []  # 0: no limit
