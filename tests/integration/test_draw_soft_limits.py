"""Draws and the soft limits (DOMAIN.md 5) on the database: the same constructor, experts who sat together often."""

from datetime import timedelta

from expert_pool.draws import services as draws
from expert_pool.draws.models import SeatStatus
from expert_pool.reviews import meetings
from knowledge.accounts.models import Role
from knowledge.regions import City
from tests.factories import make_account
from tests.integration import draws_helpers
from tests.integration.draws_helpers import DAY, NOW, run_draw

site = draws_helpers.site  # the fixture, bound here by its name


def test_an_expert_who_often_reviews_the_same_constructor_is_left_out(session, site):
    from expert_pool.policy import set_policy

    set_policy(session, "pool", {"max_same_constructor": 1}, actor_id=None)
    first = run_draw(session, site["ready_work"]())
    for seat in first.seats:
        if seat.status is SeatStatus.INVITED:
            meetings.confirm_seat(session, seat, now=NOW + timedelta(hours=1), actor_id=None)
    second = run_draw(session, site["ready_work"](), day=DAY + timedelta(days=3), seed="again")
    reasons = {e["expert_id"]: " ".join(e["reasons"]) for e in second.funnel["excluded"]}
    assert all("同一施工单位：12个月内已评审其方案1次" in reasons[i] for i in first.seated)
    assert not set(first.seated) & set(second.seated)


def test_experts_who_sat_together_often_are_kept_apart_and_the_record_replays(
    app, session, site, monkeypatch, tmp_path
):
    from itertools import combinations

    from expert_pool.draws import funnel as funnel_module
    from expert_pool.draws.replay import replay

    # Four experts have each shared three panels with one another in the last months (the policy's limit).
    group = sorted(e.id for e in site["experts"][:4])
    shared = {pair: (DAY - timedelta(days=90), DAY - timedelta(days=60), DAY - timedelta(days=30))
              for pair in combinations(group, 2)}  # fmt: skip
    real = funnel_module.draw_checks
    monkeypatch.setattr(funnel_module, "draw_checks", lambda *a, **k: (real(*a, **k)[0], shared))
    together_without = 0
    for k in range(3):
        draw = run_draw(session, site["ready_work"](), day=DAY + timedelta(days=k), seed=f"seed-{k}")
        assert sorted(map(tuple, draw.funnel["apart"])) == sorted(shared)
        assert len(set(draw.seated) & set(group)) <= 1, draw.seated
        assert draws.verify(session, draw).ok
        # The same record without the pairs: what the seed would have seated.
        inputs = {"seed": draw.seed, "candidates": draw.candidates, "policy": draw.policy["panel"]}
        together_without += len(set(replay(inputs).seated) & set(group)) >= 2
    assert together_without >= 1
    # The office and regulators see the pairs kept apart, by name, on the record's page and in its PDF.
    from expert_pool.draws.record_pdf import draw_pdf
    from tests.factories import login
    from tests.integration.test_report_pdf import flat, pdf_text

    names = {e.id: e.name for e in site["experts"]}
    client = app.test_client()
    login(client, make_account(session, Role.REGULATOR, city=None))
    page = client.get(f"/draws/{draw.id}").get_data(as_text=True)
    assert "同组软限制：以下6对专家近365天内同组已达3次" in page
    assert f"{names[group[0]]}—{names[group[1]]}" in page
    pdf = flat(pdf_text(draw_pdf(session, draw, now=NOW), tmp_path))
    assert "同组软限制：6对专家" in pdf and f"{names[group[0]]}—{names[group[1]]}" in pdf


def test_a_top_up_keeps_apart_the_staying_members_and_who_sat_with_them_too_often(session, site, monkeypatch):
    from expert_pool.draws import funnel as funnel_module

    original = run_draw(session, site["ready_work"]())
    staying = list(original.seated[:4])
    drawn = {s.expert_id for s in original.seats}
    free = sorted(e.id for e in site["experts"] if e.id not in drawn and e.city is not City.SUZHOU)
    left = free[-1]
    days = (DAY - timedelta(days=90), DAY - timedelta(days=60), DAY - timedelta(days=30))
    shared = {tuple(sorted((staying[0], other))): days for other in free[:-1]}
    real = funnel_module.draw_checks
    monkeypatch.setattr(funnel_module, "draw_checks", lambda *a, **k: (real(*a, **k)[0], shared))
    added = draws.top_up(session, original, staying, now=NOW, actor_id=None)
    session.commit()
    assert added.seated == [*staying, left]
    assert sorted(map(tuple, added.funnel["apart"])) == sorted(shared)
    assert draws.verify(session, added).ok
