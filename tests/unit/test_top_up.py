"""Top-up draws (补充抽取, DOMAIN.md §4 "Decline"): valid panels with the staying members counted, exact
refusals with the counts, fair weights, determinism and replay."""

from __future__ import annotations

import itertools
import json
import random
from collections import Counter
from collections.abc import Sequence
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from expert_pool.draws.panel import ALGORITHM_VERSION, Candidate, Panel, PanelPolicy
from expert_pool.draws.feasibility import DrawInfeasible
from expert_pool.draws.selection import draw_panel, is_valid_panel, next_alternate
from expert_pool.draws.replay import replay
from expert_pool.draws.top_up import draw_top_up, replay_top_up, top_up_inputs
from knowledge.errors import ValidationError
from knowledge.regions import City
from knowledge.registry.rules import catalogue

HOME = City.SUZHOU
CODES = [c.code for c in catalogue()]
FEW_CITIES = [City.SUZHOU, City.NANJING, City.WUXI]


def expert(
    expert_id: int, city: City = City.NANJING, specialties: Sequence[str] = ("formwork",), reviews: int = 0
) -> Candidate:
    return Candidate(expert_id, f"专家{expert_id}", city, frozenset(specialties), reviews)


def by_id(pool: Sequence[Candidate]) -> dict[int, Candidate]:
    return {c.expert_id: c for c in pool}


def could_take_a_seat(who: Candidate, seated: Sequence[Candidate], policy: PanelPolicy) -> bool:
    return any(is_valid_panel([*seated[:k], who, *seated[k + 1 :]], policy) for k in range(len(seated)))


def drawable(
    staying: Sequence[int], pool: Sequence[Candidate], exclude: Sequence[int] = ()
) -> list[Candidate]:
    return [c for c in pool if c.expert_id not in {*staying, *exclude}]


def has_valid_top_up(
    staying: Sequence[int], pool: Sequence[Candidate], policy: PanelPolicy, seats: int, exclude: Sequence[int]
) -> bool:
    """Brute force, independent of the module's own feasibility check."""
    members = by_id(pool)
    kept = [members[i] for i in staying]
    return any(
        is_valid_panel([*kept, *more], policy)
        for more in itertools.combinations(drawable(staying, pool, exclude), seats)
    )


def assert_valid_top_up(
    panel: Panel,
    staying: Sequence[int],
    pool: Sequence[Candidate],
    policy: PanelPolicy,
    *,
    alternates: int,
    exclude: Sequence[int] = (),
) -> None:
    members = by_id(pool)
    assert panel.seated[: len(staying)] == tuple(staying)
    new = panel.seated[len(staying) :]
    assert len(set(panel.seated)) == len(panel.seated) == policy.panel_size
    assert not set(new) & set(exclude)
    seated = [members[i] for i in panel.seated]
    assert is_valid_panel(seated, policy)
    assert sum(c.city is policy.home_city for c in seated) <= policy.max_local
    assert set(policy.required_specialties) <= set().union(*(c.specialties for c in seated))
    assert not set(panel.alternates) & (set(panel.seated) | set(exclude))
    assert len(set(panel.alternates)) == len(panel.alternates) <= alternates
    assert all(could_take_a_seat(members[i], seated, policy) for i in panel.alternates)
    rest = [c for c in drawable(staying, pool, exclude) if c.expert_id not in new]
    able = [c for c in rest if could_take_a_seat(c, seated, policy)]
    assert len(panel.alternates) == min(alternates, len(able))
    assert dict(panel.weights) == {
        c.expert_id: policy.weight(c.recent_reviews) for c in drawable(staying, pool, exclude)
    }


TopUp = tuple[list[Candidate], PanelPolicy, list[int], int, int, list[int], int]


@st.composite
def small_top_ups(draw: st.DrawFn) -> TopUp:
    """A panel that lost ``seats`` members, over a pool small enough to check by brute force."""
    panel_size = draw(st.integers(5, 6))
    seats = draw(st.integers(1, 3))
    size = draw(st.integers(panel_size - seats, panel_size - seats + 8))
    pool = [
        expert(
            i * 5 + 2,
            draw(st.sampled_from(FEW_CITIES)),
            draw(st.sets(st.sampled_from(CODES[:4]), max_size=3)),
            draw(st.integers(0, 12)),
        )
        for i in range(size)
    ]
    ids = [c.expert_id for c in pool]
    staying = draw(st.permutations(ids))[: panel_size - seats]
    others = [i for i in ids if i not in staying]
    exclude = draw(st.lists(st.sampled_from(others), max_size=2, unique=True)) if others else []
    policy = PanelPolicy(
        HOME,
        panel_size=panel_size,
        alternates=draw(st.integers(0, 3)),
        max_local=draw(st.integers(0, 3)),
        required_specialties=tuple(draw(st.lists(st.sampled_from(CODES[:4]), max_size=3, unique=True))),
        weight_exponent=draw(st.sampled_from([0.0, 0.5, 1.0, 2.0])),
    )
    alternates = draw(st.integers(0, 3))
    return (
        draw(st.permutations(pool)),
        policy,
        staying,
        seats,
        alternates,
        exclude,
        draw(st.integers(0, 2**32)),
    )


@st.composite
def tight_top_ups(draw: st.DrawFn) -> TopUp:
    """Staying outsiders with common specialties; the rare ones held by locals: quota and cover collide."""
    rare, common = CODES[:4], CODES[2:6]
    seats = draw(st.integers(1, 3))
    staying_locals = draw(st.integers(0, 2))
    staying = [
        expert(
            i,
            HOME if i <= staying_locals else City.NANJING,
            draw(st.sets(st.sampled_from(common), max_size=2)),
        )
        for i in range(1, 6 - seats)
    ]
    local_count, outside_count = draw(st.integers(1, 4)), draw(st.integers(1, 5))
    pool = (
        staying
        + [
            expert(
                i, HOME, draw(st.sets(st.sampled_from(rare), min_size=1, max_size=2)), draw(st.integers(0, 5))
            )
            for i in range(10, 10 + local_count)
        ]
        + [
            expert(
                i, City.WUXI, draw(st.sets(st.sampled_from(CODES[:6]), max_size=2)), draw(st.integers(0, 5))
            )
            for i in range(20, 20 + outside_count)
        ]
    )
    policy = PanelPolicy(
        HOME,
        max_local=draw(st.integers(1, 3)),
        required_specialties=tuple(
            draw(st.lists(st.sampled_from(rare), min_size=1, max_size=4, unique=True))
        ),
    )
    staying_ids = [c.expert_id for c in staying]
    return pool, policy, staying_ids, seats, draw(st.integers(0, 1)), [], draw(st.integers(0, 2**32))


@st.composite
def large_top_ups(draw: st.DrawFn) -> TopUp:
    rng = random.Random(draw(st.integers(0, 2**32)))
    size = draw(st.integers(12, 80))
    pool = [
        expert(i, rng.choice(list(City)), rng.sample(CODES, rng.randint(1, 3)), rng.randint(0, 25))
        for i in range(1, size + 1)
    ]
    panel_size = draw(st.sampled_from([5, 7]))
    seats = draw(st.integers(1, 3))
    staying = rng.sample([c.expert_id for c in pool], panel_size - seats)
    exclude = rng.sample([c.expert_id for c in pool if c.expert_id not in staying], rng.randint(0, 3))
    policy = PanelPolicy(
        rng.choice(list(City)),
        panel_size=panel_size,
        alternates=draw(st.integers(0, 3)),
        max_local=draw(st.integers(0, 2)),
        required_specialties=tuple(draw(st.lists(st.sampled_from(CODES), max_size=3, unique=True))),
    )
    return pool, policy, staying, seats, draw(st.integers(0, 3)), exclude, draw(st.integers(0, 2**32))


# --- valid panels, or a refusal that is right ------------------------------------------------------


@settings(max_examples=500, deadline=None)
@given(st.one_of(small_top_ups(), tight_top_ups()))
def test_small_top_ups_give_a_valid_panel_exactly_when_one_exists(case):
    pool, policy, staying, seats, alternates, exclude, seed = case
    members = by_id(pool)
    feasible = (
        sum(members[i].city is HOME for i in staying) <= policy.max_local
        and len(drawable(staying, pool, exclude)) >= seats + alternates
        and has_valid_top_up(staying, pool, policy, seats, exclude)
    )
    rng = random.Random(seed)
    state = rng.getstate()
    try:
        panel = draw_top_up(staying, pool, policy, rng, seats=seats, alternates=alternates, exclude=exclude)
    except DrawInfeasible as refusal:
        assert not feasible
        assert str(refusal).startswith("补充抽取：")
        assert rng.getstate() == state  # refused before any random number
    else:
        assert feasible
        assert_valid_top_up(panel, staying, pool, policy, alternates=alternates, exclude=exclude)


@settings(max_examples=200, deadline=None)
@given(large_top_ups())
def test_large_top_ups_give_valid_panels_or_name_the_counts(case):
    pool, policy, staying, seats, alternates, exclude, seed = case
    try:
        panel = draw_top_up(
            staying, pool, policy, random.Random(seed), seats=seats, alternates=alternates, exclude=exclude
        )
    except DrawInfeasible as refusal:
        assert refusal.constraint in {"pool_size", "max_local", "specialty", "combination"}
        assert str(refusal).startswith("补充抽取：")
        assert any(ch.isdigit() for ch in str(refusal))
    else:
        assert_valid_top_up(panel, staying, pool, policy, alternates=alternates, exclude=exclude)


def test_the_alternates_default_to_the_policy_and_may_be_none():
    pool = [expert(i) for i in range(1, 16)]
    policy = PanelPolicy(HOME, alternates=3)
    assert len(draw_top_up([1, 2, 3, 4], pool, policy, random.Random(1)).alternates) == 3
    assert draw_top_up([1, 2, 3, 4], pool, policy, random.Random(1), alternates=0).alternates == ()
    assert len(draw_top_up([1, 2, 3], pool, policy, random.Random(1), seats=2, alternates=5).alternates) == 5


# --- the staying members count ---------------------------------------------------------------------


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


# --- refusals with the counts ------------------------------------------------------------------------


def assert_refused(
    staying: list[int], pool: list[Candidate], policy: PanelPolicy, constraint: str, message: str, **kwargs
) -> None:
    rng = random.Random(7)
    state = rng.getstate()
    with pytest.raises(DrawInfeasible, match=message) as refusal:
        draw_top_up(staying, pool, policy, rng, **kwargs)
    assert refusal.value.constraint == constraint
    assert rng.getstate() == state


def test_no_outsider_left_when_the_staying_locals_fill_the_quota_is_refused():
    pool = [expert(1, HOME), expert(2, HOME), expert(3), expert(4), expert(5, HOME), expert(6, HOME)]
    assert_refused(
        [1, 2, 3, 4],
        pool,
        PanelPolicy(HOME, alternates=0),
        "max_local",
        r"^补充抽取：苏州市以外的可用专家仅0名，需要1名（已有本地专家2名，本地至多2名）$",
    )


def test_staying_locals_over_the_quota_are_refused():
    pool = [expert(1, HOME), expert(2, HOME), expert(3, HOME), expert(4)] + [expert(i) for i in range(5, 9)]
    assert_refused(
        [1, 2, 3, 4],
        pool,
        PanelPolicy(HOME, alternates=0),
        "max_local",
        "补充抽取：留任专家中苏州市本地专家已有3名，超过本地至多2名",
    )


def test_too_few_candidates_for_seats_and_alternates_is_refused():
    pool = [expert(i) for i in range(1, 8)]
    assert_refused(
        [1, 2, 3, 4],
        pool,
        PanelPolicy(HOME),
        "pool_size",
        r"补充抽取：可用专家仅2名，需要4名（补充正选1名、候补3名；留任及排除的5名不计入）",
        exclude=[5],
    )


def test_a_specialty_only_the_leaving_member_had_is_refused():
    pool = [expert(i) for i in range(1, 5)] + [expert(5, specialties=["excavation"])]
    pool += [expert(i) for i in range(6, 12)]
    policy = PanelPolicy(HOME, required_specialties=("excavation",))
    assert_refused(
        [1, 2, 3, 4],
        pool,
        policy,
        "specialty",
        r"补充抽取：基坑工程专业可用专家为0名，需要至少1名（留任专家均不具备该专业）",
        exclude=[5],
    )


def test_a_specialty_only_locals_have_is_refused_when_the_staying_locals_fill_the_quota():
    pool = [expert(1, HOME), expert(2, HOME), expert(3), expert(4)]
    pool += [expert(5, HOME, ["lifting"]), expert(6, HOME, ["lifting"])] + [expert(i) for i in range(7, 12)]
    policy = PanelPolicy(HOME, required_specialties=("lifting",))
    assert_refused(
        [1, 2, 3, 4],
        pool,
        policy,
        "specialty",
        r"补充抽取：苏州市以外的起重吊装及起重机械安装拆卸工程专业可用专家为0名，需要至少1名"
        r"（苏州市本地2名，已有本地专家2名，本地至多2名）",
    )


def test_two_lost_specialties_and_one_seat_without_a_versatile_expert_is_refused():
    pool = [expert(i) for i in range(1, 5)] + [expert(10, specialties=["excavation"])]
    pool += [expert(11, specialties=["lifting"])] + [expert(i) for i in range(12, 16)]
    policy = PanelPolicy(HOME, required_specialties=("excavation", "lifting"))
    assert_refused(
        [1, 2, 3, 4],
        pool,
        policy,
        "combination",
        r"补充抽取：无法以补充1名同时满足苏州市本地至多2名（已有本地专家0名）并覆盖基坑工程、起重吊装及起重机械安装拆卸工程"
        r"：可用专家中基坑工程1名（苏州市以外1名），起重吊装及起重机械安装拆卸工程1名（苏州市以外1名）",
    )
    # Two seats can cover both.
    panel = draw_top_up([1, 2, 3], pool, policy, random.Random(1), seats=2)
    assert set(panel.seated[3:]) == {10, 11}


@pytest.mark.parametrize(
    ("staying", "kwargs", "message"),
    [
        ([1, 2, 3], {}, "留任3名加补充1名共4名，与抽取规则的正选5名不符"),
        ([1, 2, 3, 4], {"seats": 2}, "留任4名加补充2名共6名"),
        ([1, 2, 3, 4, 5], {"seats": 0}, "至少补充1名正选专家，请求为0名"),
        ([1, 2, 3, 4], {"alternates": -1}, "候补人数不能为负数"),
        ([1, 2, 3, 3], {}, "留任专家3重复出现"),
        ([1, 2, 3, 99], {}, "候选名单中缺少留任专家99"),
        ([1, 2, 3, 4], {"exclude": [4]}, "专家4既是留任专家又被排除"),
    ],
)
def test_a_request_that_makes_no_sense_is_refused(staying, kwargs, message):
    pool = [expert(i) for i in range(1, 12)]
    with pytest.raises(ValidationError, match=message) as refusal:
        draw_top_up(staying, pool, PanelPolicy(HOME), random.Random(1), **kwargs)
    assert not isinstance(refusal.value, DrawInfeasible)


def test_a_repeated_candidate_is_refused():
    pool = [expert(i) for i in range(1, 12)] + [expert(7)]
    with pytest.raises(ValidationError, match="专家7重复"):
        draw_top_up([1, 2, 3, 4], pool, PanelPolicy(HOME), random.Random(1))


# --- determinism and replay --------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(small_top_ups(), st.randoms(use_true_random=False))
def test_the_same_seed_gives_the_same_top_up_whatever_the_input_order(case, shuffler):
    pool, policy, staying, seats, alternates, exclude, seed = case
    kwargs = {"seats": seats, "alternates": alternates, "exclude": exclude}
    try:
        first = draw_top_up(staying, pool, policy, random.Random(seed), **kwargs)
    except DrawInfeasible:
        return
    shuffled_pool, shuffled_staying = list(pool), list(staying)
    shuffler.shuffle(shuffled_pool)
    shuffler.shuffle(shuffled_staying)
    again = draw_top_up(staying, list(reversed(pool)), policy, random.Random(seed), **kwargs)
    assert again == first
    other = draw_top_up(shuffled_staying, shuffled_pool, policy, random.Random(seed), **kwargs)
    assert other.seated == (*shuffled_staying, *first.seated[len(staying) :])  # staying order is kept
    assert (other.alternates, other.weights) == (first.alternates, first.weights)


@settings(max_examples=100, deadline=None)
@given(large_top_ups(), st.one_of(st.integers(0, 2**64), st.text(min_size=1, max_size=40)))
def test_a_stored_top_up_replays_bit_for_bit(case, seed):
    pool, policy, staying, seats, alternates, exclude, _ = case
    kwargs = {"seats": seats, "alternates": alternates, "exclude": exclude}
    try:
        panel = draw_top_up(staying, pool, policy, random.Random(seed), **kwargs)
    except DrawInfeasible:
        return
    stored = json.loads(json.dumps(top_up_inputs(staying, pool, policy, seed, **kwargs), ensure_ascii=False))
    assert stored["kind"] == "top_up"
    assert stored["algorithm_version"] == ALGORITHM_VERSION
    assert (stored["staying"], stored["seats"], stored["alternates"]) == (list(staying), seats, alternates)
    assert replay(stored) == panel
    assert replay_top_up(stored) == panel


def test_a_stored_top_up_records_the_alternates_the_policy_gave():
    pool = [expert(i) for i in range(1, 12)]
    policy = PanelPolicy(HOME, alternates=2)
    stored = top_up_inputs([1, 2, 3, 4], pool, policy, "s", exclude=[9, 5, 9])
    assert (stored["alternates"], stored["exclude"], stored["seats"]) == (2, [5, 9], 1)
    assert replay(stored) == draw_top_up([1, 2, 3, 4], pool, policy, random.Random("s"), exclude=[5, 9])


def test_replay_of_a_top_up_refuses_odd_records():
    pool = [expert(i) for i in range(1, 12)]
    stored = top_up_inputs([1, 2, 3, 4], pool, PanelPolicy(HOME), "2025-06-01/abc")
    with pytest.raises(ValidationError, match="算法版本"):
        replay({**stored, "algorithm_version": "weighted-sample/0"})
    with pytest.raises(ValidationError, match="随机种子"):
        replay({**stored, "seed": 1.5})
    with pytest.raises(ValidationError, match="staying须为专家编号列表"):
        replay({**stored, "staying": "1,2,3,4"})
    with pytest.raises(ValidationError, match="seats须为整数"):
        replay({**stored, "seats": True})
    with pytest.raises(ValidationError, match="不是补充抽取"):
        replay_top_up({**stored, "kind": "panel"})
    with pytest.raises(ValidationError, match="未知的抽取类型：redraw"):
        replay({**stored, "kind": "redraw"})


# --- fairness ----------------------------------------------------------------------------------------


def test_idle_experts_are_topped_up_far_more_often_than_busy_ones():
    staying = [1, 2, 3, 4]
    idle = [expert(i, City.NANJING, reviews=0) for i in range(10, 50)]
    busy = [expert(i, City.WUXI, reviews=10) for i in range(50, 90)]
    pool = [expert(i) for i in staying] + idle + busy
    policy = PanelPolicy(HOME, alternates=0)
    seats = Counter(
        draw_top_up(staying, pool, policy, random.Random(seed)).seated[-1] for seed in range(3000)
    )
    idle_rate = sum(seats[c.expert_id] for c in idle) / len(idle)
    busy_rate = sum(seats[c.expert_id] for c in busy) / len(busy)
    assert idle_rate > 5 * busy_rate > 0


def reference_new_sets(
    staying: Sequence[int], pool: Sequence[Candidate], policy: PanelPolicy, seats: int
) -> dict[frozenset[int], Fraction]:
    """Exact law of the new seats under sequential roulette among admissible candidates (brute force)."""
    kept = [c for c in pool if c.expert_id in staying]
    rest = drawable(staying, pool)
    law: Counter[frozenset[int]] = Counter()

    def extendable(chosen: list[Candidate]) -> bool:
        others = [c for c in rest if c not in chosen]
        return any(
            is_valid_panel(kept + chosen + list(more), policy)
            for more in itertools.combinations(others, seats - len(chosen))
        )

    def walk(chosen: list[Candidate], chance: Fraction) -> None:
        if len(chosen) == seats:
            law[frozenset(c.expert_id for c in chosen)] += chance
            return
        able = [c for c in rest if c not in chosen and extendable([*chosen, c])]
        total = sum(Fraction(1, 1 + c.recent_reviews) for c in able)
        for c in able:
            walk([*chosen, c], chance * Fraction(1, 1 + c.recent_reviews) / total)

    walk([], Fraction(1))
    return dict(law)


def test_new_seats_follow_weighted_sampling_restricted_to_valid_panels():
    pool = [
        expert(1, HOME, ["formwork"]),
        expert(2, City.NANJING, ["formwork"]),
        expert(3, City.WUXI, ["formwork"]),
        expert(4, HOME, ["excavation"], 0),
        expert(5, HOME, ["underground"], 3),
        expert(6, City.CHANGZHOU, ["formwork"], 0),
        expert(7, City.YANGZHOU, ["formwork"], 4),
        expert(8, City.XUZHOU, ["underground", "formwork"], 9),
        expert(9, City.NANTONG, ["lifting"], 1),
    ]
    policy = PanelPolicy(HOME, alternates=0, required_specialties=("excavation", "underground"))
    staying = [1, 2, 3]
    exact = reference_new_sets(staying, pool, policy, 2)
    runs = 20_000
    seen = Counter(
        frozenset(draw_top_up(staying, pool, policy, random.Random(seed), seats=2).seated[3:])
        for seed in range(runs)
    )
    distance = sum(abs(seen[s] / runs - float(p)) for s, p in exact.items()) / 2
    assert set(seen) <= set(exact)
    assert distance < 0.02


def test_the_top_up_names_every_weight_it_used():
    pool = [expert(i, reviews=i) for i in range(1, 10)]
    panel = draw_top_up([1, 2, 3, 4], pool, PanelPolicy(HOME), random.Random("seed"), exclude=[9])
    assert panel.weight_of(5) == 1 / 6
    assert set(dict(panel.weights)) == {5, 6, 7, 8}


# ---- the soft limit on experts sitting together (DOMAIN.md 5)


def test_a_top_up_keeps_new_members_apart_from_staying_ones_they_sat_with_too_often():
    pool = [expert(i, FEW_CITIES[1 + i % 2], reviews=i % 3) for i in range(1, 16)]
    policy = PanelPolicy(HOME, alternates=0)
    staying = [1, 2, 3]
    apart = [(1, 4), (2, 5), (3, 6), (1, 7), (4, 5), (8, 9)]  # 4 and 5 may not both come either
    together_without = 0
    for seed in range(200):
        panel = draw_top_up(staying, pool, policy, random.Random(seed), seats=2, alternates=0, apart=apart)
        new = set(panel.seated[3:])
        assert not new & {4, 5, 6, 7} and not {8, 9} <= new, (seed, panel.seated)
        inputs = top_up_inputs(staying, pool, policy, seed, seats=2, alternates=0, apart=apart)
        assert replay_top_up(json.loads(json.dumps(inputs))) == panel
        free = draw_top_up(staying, pool, policy, random.Random(seed), seats=2, alternates=0)
        together_without += bool(set(free.seated[3:]) & {4, 5, 6, 7})
        old = {k: v for k, v in top_up_inputs(staying, pool, policy, seed, seats=2, alternates=0).items()
               if k != "apart"}  # fmt: skip
        assert replay_top_up(old) == free  # a record from before pairs replays as it was drawn
    assert together_without > 50


def test_a_top_up_fills_its_seats_even_when_every_candidate_sat_too_often_with_a_staying_member():
    pool = [expert(i, FEW_CITIES[1 + i % 2]) for i in range(1, 7)]
    policy = PanelPolicy(HOME, alternates=0)
    panel = draw_top_up([1, 2, 3, 4], pool, policy, random.Random(3), seats=1, alternates=0,
                        apart=[(1, 5), (2, 6)])  # fmt: skip
    assert len(panel.seated) == 5 and panel.seated[4] in (5, 6)


def test_the_next_alternate_is_one_who_did_not_sit_too_often_with_the_staying_members():
    pool = [expert(i, FEW_CITIES[1 + i % 2]) for i in range(1, 11)]
    policy = PanelPolicy(HOME)
    panel = Panel((1, 2, 3, 4, 5), (6, 7, 8), ())
    assert next_alternate(panel, 5, pool, policy) == 6
    assert next_alternate(panel, 5, pool, policy, apart=[(6, 2)]) == 7
    assert next_alternate(panel, 5, pool, policy, apart=[(6, 5)]) == 6  # the leaving member does not count
    assert (
        next_alternate(panel, 5, pool, policy, apart=[(6, 1), (7, 2), (8, 3)]) == 6
    )  # soft: the first valid
