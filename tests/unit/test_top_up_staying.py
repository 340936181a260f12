"""Top-up draws (补充抽取, DOMAIN.md §4 "Decline"): the staying members count towards the local quota and the specialties."""

from __future__ import annotations

import random
from collections import Counter

from expert_pool.draws.panel import PanelPolicy
from expert_pool.draws.selection import draw_panel, next_alternate
from expert_pool.draws.top_up import draw_top_up
from knowledge.regions import City
from tests.unit.selection_helpers import CODES, HOME, expert
from tests.unit.top_up_helpers import assert_valid_top_up


def test_the_local_quota_counts_the_staying_local_experts():
    # Two staying locals fill the quota: the idle locals in the pool are never drawn, busy outsiders are.
    pool = [expert(1, HOME), expert(2, HOME), expert(3), expert(4)]
    pool += [expert(i, HOME) for i in range(10, 30)] + [
        expert(i, City.WUXI, reviews=20) for i in range(30, 33)
    ]
    policy = PanelPolicy(HOME, alternates=1)
    for seed in range(200):
        panel = draw_top_up([1, 2, 3, 4], pool, policy, random.Random(seed))
        assert panel.seated[-1] in {30, 31, 32}
        assert_valid_top_up(panel, [1, 2, 3, 4], pool, policy, alternates=1)


def test_one_staying_local_leaves_one_local_seat_for_the_top_up():
    pool = [expert(1, HOME), expert(2), expert(3)] + [expert(i, HOME) for i in range(10, 20)]
    pool += [expert(i, City.NANTONG, reviews=30) for i in range(20, 25)]
    policy = PanelPolicy(HOME, alternates=0)
    locals_drawn = Counter()
    for seed in range(300):
        panel = draw_top_up([1, 2, 3], pool, policy, random.Random(seed), seats=2)
        new_locals = sum(1 for i in panel.seated[3:] if i < 20)
        assert new_locals <= 1
        locals_drawn[new_locals] += 1
    assert locals_drawn[1] > 250  # the free local seat is used by the idle locals almost every time


def test_a_specialty_the_leaving_member_covered_is_covered_again():
    # Expert 5 (excavation) left; only 40 still covers it and he is busy: every top-up must seat him.
    pool = [expert(i) for i in range(1, 5)] + [expert(5, specialties=["excavation"])]
    pool += [expert(i) for i in range(10, 40)] + [expert(40, City.XUZHOU, ["excavation"], reviews=30)]
    policy = PanelPolicy(HOME, alternates=2, required_specialties=("excavation",))
    for seed in range(200):
        panel = draw_top_up([1, 2, 3, 4], pool, policy, random.Random(seed), exclude=[5])
        assert panel.seated == (1, 2, 3, 4, 40)
        assert len(panel.alternates) == 2 and 40 not in panel.alternates
    # When a staying member covers it, the busy expert is no longer forced in.
    covered = [expert(1, specialties=["excavation"]), *pool[1:]]
    seated = {
        draw_top_up([1, 2, 3, 4], covered, policy, random.Random(s), exclude=[5]).seated[-1]
        for s in range(50)
    }
    assert 40 not in seated and len(seated) > 10


def test_a_local_cover_is_used_only_while_the_quota_allows_it():
    # Excavation is held only by local 20; one staying local leaves one local seat, so 20 must take it.
    pool = [expert(1, HOME), expert(2), expert(3), expert(4), expert(20, HOME, ["excavation"], reviews=9)]
    pool += [expert(i) for i in range(30, 40)]
    policy = PanelPolicy(HOME, alternates=0, required_specialties=("excavation",))
    for seed in range(100):
        assert draw_top_up([1, 2, 3, 4], pool, policy, random.Random(seed)).seated[-1] == 20


def test_excluded_experts_are_never_drawn_nor_named_as_alternates():
    pool = [expert(i) for i in range(1, 12)]
    policy = PanelPolicy(HOME, alternates=3)
    for seed in range(100):
        panel = draw_top_up([1, 2, 3, 4], pool, policy, random.Random(seed), exclude=[5, 6, 7, 99])
        assert set(panel.seated[4:] + panel.alternates) <= {8, 9, 10, 11}
        assert set(dict(panel.weights)) == {8, 9, 10, 11}


def test_a_panel_whose_alternates_ran_out_is_completed_by_a_top_up():
    pool = [expert(i, list(City)[i % 13], [CODES[i % 4]], i % 6) for i in range(1, 60)]
    policy = PanelPolicy(HOME, alternates=1, required_specialties=tuple(CODES[:2]))
    panel = draw_panel(pool, policy, random.Random("meeting"))
    first, second = panel.seated[0], panel.seated[1]
    alternate = next_alternate(panel, first, pool, policy)
    panel = panel.replace(first, alternate) if alternate is not None else panel
    staying = [i for i in panel.seated if i != second]
    declined = [first, second, *panel.alternates]
    topped = draw_top_up(staying, pool, policy, random.Random("top-up"), exclude=declined)
    assert_valid_top_up(topped, staying, pool, policy, alternates=policy.alternates, exclude=declined)
