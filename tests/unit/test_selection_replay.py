"""Panel draws (DOMAIN.md §4): the same seed gives the same panel, a stored draw replays bit for bit."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from expert_pool.draws.feasibility import DrawInfeasible
from expert_pool.draws.panel import ALGORITHM_VERSION, Candidate, PanelPolicy
from expert_pool.draws.replay import replay
from expert_pool.draws.selection import draw_panel, replay_inputs
from knowledge.errors import ValidationError
from knowledge.regions import City
from tests.unit.selection_helpers import CODES, FEW_CITIES, HOME, expert, large_draws, small_draws


@settings(max_examples=100, deadline=None)
@given(small_draws())
def test_the_same_seed_gives_the_same_panel_whatever_the_input_order(case):
    pool, policy, seed = case
    try:
        first = draw_panel(pool, policy, random.Random(seed))
    except DrawInfeasible:
        return
    assert draw_panel(list(reversed(pool)), policy, random.Random(seed)) == first


@settings(max_examples=100, deadline=None)
@given(large_draws(), st.one_of(st.integers(0, 2**64), st.text(min_size=1, max_size=40)))
def test_a_stored_draw_replays_bit_for_bit(case, seed):
    pool, policy, _ = case
    try:
        panel = draw_panel(pool, policy, random.Random(seed))
    except DrawInfeasible:
        return
    stored = json.loads(json.dumps(replay_inputs(pool, policy, seed), ensure_ascii=False))
    assert stored["algorithm_version"] == ALGORITHM_VERSION
    assert replay(stored) == panel


def test_a_stored_candidate_holds_only_what_the_replay_needs():
    stored = expert(7, City.WUXI, ("formwork", "excavation"), reviews=2).to_dict()
    assert stored == {"expert_id": 7, "city": "wuxi", "specialties": ["excavation", "formwork"],
                      "recent_reviews": 2}  # fmt: skip
    assert Candidate.from_dict(stored) == Candidate(7, "", City.WUXI, frozenset(stored["specialties"]), 2)


def test_records_stored_with_names_and_title_levels_still_replay():
    pool = [expert(i, FEW_CITIES[i % 3], reviews=i % 4) for i in range(1, 13)]
    policy = PanelPolicy(HOME)
    stored = replay_inputs(pool, policy, "older-record")
    older = {**stored, "candidates": [{**c, "name": f"专家{c['expert_id']}", "title_level": "senior"}
                                      for c in stored["candidates"]]}  # fmt: skip
    assert replay(older) == replay(stored) == draw_panel(pool, policy, random.Random("older-record"))
    assert Candidate.from_dict(older["candidates"][0]).name == "专家1"


def test_replay_refuses_another_algorithm_version_and_odd_seeds():
    pool = [expert(i) for i in range(1, 9)]
    stored = replay_inputs(pool, PanelPolicy(HOME), "2025-06-01/abc")
    with pytest.raises(ValidationError, match="算法版本"):
        replay({**stored, "algorithm_version": "weighted-sample/0"})
    with pytest.raises(ValidationError, match="随机种子"):
        replay({**stored, "seed": 1.5})


# --- replay kinds and a pinned draw ------------------------------------------------------------------


def test_replay_takes_a_record_without_kind_or_of_kind_panel_as_a_whole_panel():
    pool = [expert(i, list(City)[i % 13]) for i in range(1, 20)]
    stored = replay_inputs(pool, PanelPolicy(HOME), "2025-06-01/kind")
    panel = draw_panel(pool, PanelPolicy(HOME), random.Random("2025-06-01/kind"))
    assert "kind" not in stored
    assert replay(stored) == replay({**stored, "kind": "panel"}) == panel
    with pytest.raises(ValidationError, match="未知的抽取类型：lottery"):
        replay({**stored, "kind": "lottery"})


def test_replay_dispatches_a_top_up_record():
    from expert_pool.draws.top_up import draw_top_up, top_up_inputs

    pool = [expert(i, list(City)[i % 13]) for i in range(1, 20)]
    policy = PanelPolicy(HOME, alternates=1)
    stored = json.loads(json.dumps(top_up_inputs([1, 2, 3, 4], pool, policy, 42, exclude=[5])))
    assert replay(stored) == draw_top_up([1, 2, 3, 4], pool, policy, random.Random(42), exclude=[5])


def test_a_pinned_draw_stays_the_same_so_stored_draws_keep_replaying():
    # Computed with weighted-sample/1 as first released: a change here breaks the replay of stored draws.
    pool = [
        Candidate(i, f"专家{i}", list(City)[i % 13], frozenset([CODES[i % 7], CODES[i * 3 % 7]]), i % 9)
        for i in range(1, 41)
    ]
    policy = PanelPolicy(HOME, required_specialties=("excavation", "lifting"))
    panel = draw_panel(pool, policy, random.Random("2025-06-01/pinned"))
    assert (panel.seated, panel.alternates) == ((18, 28, 11, 40, 17), (10, 12, 16))
