"""Draws end to end on the database: funnel with reasons, conflicts, refusals, chain, replay, tampering, caches."""

from datetime import date, timedelta

import pytest
from sqlalchemy import delete, func, select, update

from expert_pool.credit import ledger
from expert_pool.draws import chain
from expert_pool.draws import services as draws
from expert_pool.draws.feasibility import DrawInfeasible
from expert_pool.draws.models import Booking, ChainEntry, Draw
from expert_pool.errors import DrawError
from expert_pool.experts.models import Employment
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.regions import City
from knowledge.registry.workflow import WorkStatus
from tests.factories import make_account, make_plan_version, make_work
from tests.integration import draws_helpers
from tests.integration.chain_guard import chain_unguarded
from tests.integration.draws_helpers import DAY, NOW, run_draw

site = draws_helpers.site  # the fixture; other modules import DAY, NOW and site from here


def test_draw_seats_five_and_three_alternates_with_a_verifiable_record(session, site):
    work = site["ready_work"]()
    draw = run_draw(session, work)
    assert len(draw.seated) == 5 and len(draw.alternates) == 3
    assert work.status is WorkStatus.UNDER_REVIEW
    locals_ = [s for s in draw.seated if session.get(type(site["experts"][0]), s).city is City.SUZHOU]
    assert len(locals_) <= 2
    assert session.scalar(select(func.count()).select_from(Booking)) == 5
    assert draw.prev_hash == draws.GENESIS and draw.funnel["pool"] == 14
    assert draws.verify(session, draw).ok


def test_conflicted_expert_is_excluded_with_a_readable_path(session, site):
    victim = site["experts"][0]
    session.add(Employment(expert_id=victim.id, enterprise_id=site["gc"].id, start=date(2020, 1, 1)))
    session.commit()
    draw = run_draw(session, site["ready_work"]())
    excluded = {e["expert_id"]: e["reasons"] for e in draw.funnel["excluded"]}
    assert victim.id not in draw.seated + draw.alternates
    assert any("苏州某建设有限公司 —(施工总承包)→ 某项目" in r for r in excluded[victim.id])


def test_a_change_seen_at_once_even_from_another_connection(app, session, site):
    run_draw(session, site["ready_work"]())  # builds and caches the graph
    victim = site["experts"][1]
    from sqlalchemy.orm import Session as PlainSession

    from webapp.extensions import db

    with app.app_context():
        other_engine = db.engine
    with PlainSession(other_engine) as other:  # as another worker would
        other.add(Employment(expert_id=victim.id, enterprise_id=site["gc"].id, start=date(2021, 1, 1)))
        other.commit()
    draw = run_draw(session, site["ready_work"](), day=DAY + timedelta(days=1))
    assert victim.id not in draw.seated + draw.alternates
    assert victim.id in {e["expert_id"] for e in draw.funnel["excluded"]}


def test_not_drawable_works_are_refused(session, site):
    work = make_work(session, site["project"], status=WorkStatus.PLAN_DRAFTED)
    with pytest.raises(DrawError, match="申请论证后"):
        run_draw(session, work)
    hazardous = make_work(session, site["project"], status=WorkStatus.REVIEW_REQUESTED,
                          parameters={"excavation_depth": "4", "complex_conditions": False,
                                      "affects_adjacent_structures": False})  # fmt: skip
    with pytest.raises(DrawError, match="不需要抽取"):
        run_draw(session, hazardous)
    unsigned = make_work(session, site["project"], status=WorkStatus.REVIEW_REQUESTED)
    with pytest.raises(DrawError, match="签字"):
        run_draw(session, unsigned)
    assert session.scalar(select(func.count()).select_from(Draw)) == 0


def test_only_the_signatures_on_the_latest_plan_version_count(session, site, tmp_path):
    work = site["ready_work"]()
    make_plan_version(session, work, str(tmp_path / "up"))  # a revision nobody has signed yet
    with pytest.raises(DrawError, match="签字"):
        run_draw(session, work)
    assert session.scalar(select(func.count()).select_from(Draw)) == 0


def test_a_policy_that_cannot_be_met_names_the_counts(session, site):
    for e in site["experts"][4:]:
        e.specialties.clear()
    session.commit()
    with pytest.raises(DrawInfeasible, match="需要8名"):
        run_draw(session, site["ready_work"]())
    assert session.scalar(select(func.count()).select_from(Draw)) == 0


def test_an_expert_is_never_booked_twice_in_one_half_day(session, site):
    first = run_draw(session, site["ready_work"]())
    second = run_draw(session, site["ready_work"](), seed="seed-2")
    assert not set(first.seated) & set(second.seated)
    reasons = {e["expert_id"]: e["reasons"] for e in second.funnel["excluded"]}
    assert all(any("已占用" in r for r in reasons[i]) for i in first.seated)


def test_tampering_is_detected_by_replay_hash_and_chain(session, site):
    first = run_draw(session, site["ready_work"]())
    second = run_draw(session, site["ready_work"](), day=DAY + timedelta(days=1), seed="seed-2")
    assert [v.ok for v in draws.verify_all(session)] == [True, True]
    swapped = [first.alternates[0], *first.seated[1:]]
    session.execute(update(Draw).where(Draw.id == first.id).values(seated=swapped))
    session.commit()
    session.expire_all()
    result = draws.verify(session, session.get(Draw, first.id))
    assert not result.replay_matches and not result.hash_matches and "校验失败" in result.message
    # Re-hashing the edited record hides it from its own check, but not from the next record's link.
    edited = session.get(Draw, first.id)
    session.execute(update(Draw).where(Draw.id == first.id).values(record_hash=draws.record_hash(edited)))
    session.commit()
    session.expire_all()
    assert not draws.verify(session, session.get(Draw, second.id)).chain_matches


def test_the_policy_in_force_is_used_and_recorded(session, site):
    from expert_pool.policy import set_policy

    set_policy(session, "pool", {"panel_size": 7, "alternates": 2, "max_local": 1}, actor_id=None)
    draw = run_draw(session, site["ready_work"]())
    assert len(draw.seated) == 7 and len(draw.alternates) == 2
    assert draw.policy["panel"]["max_local"] == 1 and draw.policy["pool"]["panel_size"] == 7
    assert draws.verify(session, draw).ok


def test_a_suspension_or_credit_drop_is_seen_by_the_next_draw(session, site):
    from expert_pool.credit.rules import EventKind
    from expert_pool.experts import services
    from expert_pool.experts.models import ExpertStatus

    run_draw(session, site["ready_work"]())  # the pool snapshot is now cached
    suspended, careless = site["experts"][5], site["experts"][6]
    services.set_status(session, suspended, ExpertStatus.SUSPENDED, until=DAY + timedelta(days=90),
                        reason="信用分低", scope=Scope.of(make_account(session, Role.DRAW_OFFICE)))  # fmt: skip
    for _ in range(2):
        ledger.record(session, careless.id, EventKind.CARELESS_REVIEW, day=NOW.date(), reason="明显计算错误未指出",
                      actor_id=None, points=-20)  # fmt: skip
    draw = run_draw(session, site["ready_work"](), day=DAY + timedelta(days=2))
    reasons = {e["expert_id"]: " ".join(e["reasons"]) for e in draw.funnel["excluded"]}
    assert "状态：暂停至" in reasons[suspended.id] and "信用：60分" in reasons[careless.id]


def test_a_record_stored_with_candidate_names_still_verifies_and_chains(session, site):
    first = run_draw(session, site["ready_work"]())
    names = {e.id: e.name for e in site["experts"]}
    older = [{**c, "name": names[c["expert_id"]], "title_level": ""} for c in first.candidates]
    session.execute(update(Draw).where(Draw.id == first.id).values(candidates=older))
    session.commit()
    session.expire_all()
    as_stored = session.get(Draw, first.id)  # its hash was made over the names too
    session.execute(update(Draw).where(Draw.id == first.id).values(record_hash=draws.record_hash(as_stored)))
    # As the keyed chain's migration found such a record: written before the chain, adopted by its genesis.
    with chain_unguarded(session):
        session.execute(delete(ChainEntry))
        chain.adopt(session, now=NOW)
        session.commit()
    session.expire_all()
    second = run_draw(session, site["ready_work"](), day=DAY + timedelta(days=1), seed="seed-2")
    assert "name" in session.get(Draw, first.id).candidates[0] and "name" not in second.candidates[0]
    assert [v.ok for v in draws.verify_all(session)] == [True, True]


def test_a_credit_policy_change_is_seen_by_the_next_draw(session, site):
    from expert_pool.credit.rules import EventKind
    from expert_pool.policy import set_policy

    late = site["experts"][3]
    ledger.record(session, late.id, EventKind.LATE_DECLINE, day=NOW.date(), reason="临时谢绝", actor_id=None)
    run_draw(session, site["ready_work"]())  # the pool snapshot is now cached: 95 points for him
    set_policy(session, "credit", {"base_score": 74, "warning_below": 74}, actor_id=None)
    draw = run_draw(session, site["ready_work"](), day=DAY + timedelta(days=1), seed="seed-2")
    reasons = {e["expert_id"]: " ".join(e["reasons"]) for e in draw.funnel["excluded"]}
    assert "信用：69分" in reasons[late.id] and len(reasons) == 1


def test_a_draw_takes_a_bounded_number_of_statements(session, site):
    """No lazy load per seat or per expert: 14 statements now (one of them the keyed chain's entries),
    where there were 26 (5 one per seat)."""
    from sqlalchemy import event

    first, work = site["ready_work"](), site["ready_work"]()
    run_draw(session, first)  # the pool snapshot and the conflict graph are now cached
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        run_draw(session, work, day=DAY + timedelta(days=1), seed="seed-2")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) <= 17, "\n".join(statements)
