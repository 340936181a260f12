"""Panel draw policies (DOMAIN.md §4): five seats at least, the domain's defaults, weights, nonsense refused."""

from __future__ import annotations

import json

import pytest

from expert_pool.draws.panel import PanelPolicy
from knowledge.errors import ValidationError
from tests.unit.selection_helpers import HOME, expert


def test_policy_below_five_seats_is_refused_by_decree_37_article_12():
    with pytest.raises(ValidationError, match="不得少于5名.*第十二条.*4名"):
        PanelPolicy(HOME, panel_size=4)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"alternates": -1}, "不能为负数"),
        ({"max_local": -1}, "不能为负数"),
        ({"required_specialties": ("tunnels",)}, "未知的专业类别：tunnels"),
        ({"weight_function": "random"}, "未知的权重函数"),
        ({"weight_exponent": -0.5}, "权重指数"),
        ({"weight_exponent": 11.0}, "权重指数"),
    ],
)
def test_policy_refuses_nonsense(overrides, message):
    with pytest.raises(ValidationError, match=message):
        PanelPolicy(HOME, **overrides)


def test_policy_defaults_follow_the_domain_and_round_trip_through_json():
    policy = PanelPolicy(HOME, required_specialties=("excavation", "excavation", "lifting"))
    assert (policy.panel_size, policy.alternates, policy.max_local, policy.weight_exponent) == (5, 3, 2, 1.0)
    assert policy.required_specialties == ("excavation", "lifting")
    assert PanelPolicy.from_dict(json.loads(json.dumps(policy.to_dict()))) == policy
    with pytest.raises(ValidationError, match="未知项：seats"):
        PanelPolicy.from_dict({**policy.to_dict(), "seats": 9})


def test_a_complex_work_gets_seven_seats():
    assert PanelPolicy.for_work(HOME, ["excavation"], is_complex=True).panel_size == 7
    assert PanelPolicy.for_work(HOME, ["excavation"]).panel_size == 5


def test_weight_leans_towards_experts_with_fewer_recent_reviews():
    policy = PanelPolicy(HOME)
    assert policy.weight(0) == 1.0
    assert policy.weight(9) == pytest.approx(0.1)
    assert PanelPolicy(HOME, weight_exponent=2.0).weight(9) == pytest.approx(0.01)
    assert PanelPolicy(HOME, weight_exponent=0.0).weight(30) == 1.0


def test_candidate_with_negative_review_count_is_refused():
    with pytest.raises(ValidationError, match="不能为负数"):
        expert(1, reviews=-1)
