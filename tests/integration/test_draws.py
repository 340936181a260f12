"""Draws end to end on the database: funnel with reasons, conflicts, chain, replay, tampering, alternates."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from expert_pool.credit import ledger
from expert_pool.draws import invitations
from expert_pool.draws import services as draws
from expert_pool.draws.feasibility import DrawInfeasible
from expert_pool.draws.models import Booking, Draw, HalfDay, Seat, SeatStatus
from expert_pool.errors import DrawError
from expert_pool.experts.models import CreditEventRow, Employment, ExpertSpecialty
from expert_pool.reviews import meetings
from knowledge.accounts.models import Role
from knowledge.enterprises.models import ParticipantRole
from knowledge.plans.models import PlanSignoff, SignoffKind
from knowledge.regions import City
from knowledge.registry.workflow import WorkStatus
from tests.factories import (
    make_account,
    make_enterprise,
    make_expert,
    make_plan_version,
    make_project,
    make_work,
)

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
DAY = date(2026, 12, 3)
CITIES = [City.NANJING, City.WUXI, City.NANTONG, City.YANGZHOU, City.SUZHOU, City.CHANGZHOU, City.XUZHOU]


@pytest.fixture
def site(session, tmp_path):
    gc, sup = make_enterprise(session, name="苏州某建设有限公司"), make_enterprise(session)
    project = make_project(session, [(gc, ParticipantRole.GENERAL_CONTRACTOR), (sup, ParticipantRole.SUPERVISOR)],
                           name="某项目")  # fmt: skip
    signer = make_account(session, Role.PROJECT_TEAM, enterprise_id=gc.id)

    def ready_work(**overrides):
        work = make_work(session, project, status=WorkStatus.REVIEW_REQUESTED, **overrides)
        version = make_plan_version(session, work, str(tmp_path / "up"))
        for kind in (SignoffKind.CONSTRUCTOR, SignoffKind.SUPERVISOR):
            session.add(
                PlanSignoff(plan_version_id=version.id, kind=kind, account_id=signer.id, signer_name="x")
            )
        session.commit()
        return work

    experts = []
    for i in range(14):
        e = make_expert(session, name=f"专家{i:02d}", city=CITIES[i % len(CITIES)])
        e.specialties.append(ExpertSpecialty(category="excavation"))
        experts.append(e)
    session.commit()
    return {"gc": gc, "project": project, "ready_work": ready_work, "experts": experts}


def run_draw(session, work, day=DAY, half=HalfDay.AM, seed="seed-1"):
    return draws.request_draw(session, work, day, half, actor_id=None, now=NOW, seed=seed)


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


def test_decline_passes_the_seat_on_and_a_late_decline_costs_credit_once(session, site):
    draw = run_draw(session, site["ready_work"]())
    seat = next(s for s in draw.seats if s.position == 1)
    late = draws.meeting_start(DAY, HalfDay.AM) - timedelta(hours=3)
    successor = invitations.decline(session, seat, "临时出差", now=late, actor_id=None)
    assert successor is not None and successor.status is SeatStatus.INVITED
    assert successor.expert_id == draw.alternates[0] or successor.expert_id in draw.alternates
    events = session.scalars(select(CreditEventRow).where(CreditEventRow.expert_id == seat.expert_id)).all()
    assert [(e.kind, e.points) for e in events] == [("late_decline", -5)]
    assert ledger.standing(session, seat.expert_id, today=late.date()).score == 95
    with pytest.raises(DrawError, match="不能再答复"):
        invitations.decline(session, seat, "再次谢绝", now=late, actor_id=None)


def test_unanswered_invitations_expire_without_penalty(session, site):
    draw = run_draw(session, site["ready_work"]())
    first = next(s for s in draw.seats if s.position == 1)
    meetings.confirm_seat(session, first, now=NOW + timedelta(hours=1), actor_id=None)
    expired = invitations.expire_overdue(session, now=NOW + timedelta(hours=25))
    assert expired == 4
    statuses = sorted(s.status.value for s in session.scalars(select(Seat).where(Seat.draw_id == draw.id)))
    assert (
        statuses.count("expired") == 4 and statuses.count("confirmed") == 1 and statuses.count("invited") == 3
    )
    assert session.scalar(select(func.count()).select_from(CreditEventRow)) == 0


def test_decline_after_the_meeting_is_refused(session, site):
    draw = run_draw(session, site["ready_work"]())
    seat = next(s for s in draw.seats if s.position == 2)
    with pytest.raises(DrawError, match="已经开始或结束"):
        invitations.decline(session, seat, "忘了", now=draws.meeting_start(DAY, HalfDay.AM) + timedelta(hours=5),
                            actor_id=None)  # fmt: skip


def test_the_policy_in_force_is_used_and_recorded(session, site):
    from expert_pool.policy import set_policy

    set_policy(session, "pool", {"panel_size": 7, "alternates": 2, "max_local": 1}, actor_id=None)
    draw = run_draw(session, site["ready_work"]())
    assert len(draw.seated) == 7 and len(draw.alternates) == 2
    assert draw.policy["panel"]["max_local"] == 1 and draw.policy["pool"]["panel_size"] == 7
    assert draws.verify(session, draw).ok


def test_when_alternates_run_out_a_top_up_draw_fills_the_seat_and_is_chained(session, site):
    from expert_pool.policy import set_policy

    set_policy(session, "pool", {"alternates": 0}, actor_id=None)
    draw = run_draw(session, site["ready_work"]())
    leaving = next(s for s in draw.seats if s.position == 1)
    newcomer = invitations.decline(session, leaving, "身体原因", now=NOW + timedelta(hours=1), actor_id=None)
    assert newcomer is not None and newcomer.status is SeatStatus.INVITED
    top = session.get(Draw, newcomer.draw_id)
    assert top.top_up_of == draw.id and top.seq == 2 and top.prev_hash == draw.record_hash
    assert newcomer.expert_id not in draw.seated and leaving.expert_id not in top.seated
    assert len(top.seated) == 5 and set(draw.seated) - {leaving.expert_id} <= set(top.seated)
    assert all(v.ok for v in draws.verify_all(session))
    booked = session.scalars(select(Booking.expert_id)).all()
    assert len(booked) == 5 and newcomer.expert_id in booked and leaving.expert_id not in booked


def test_a_suspension_or_credit_drop_is_seen_by_the_next_draw(session, site):
    from expert_pool.credit.rules import EventKind
    from expert_pool.experts import services
    from expert_pool.experts.models import ExpertStatus

    run_draw(session, site["ready_work"]())  # the pool snapshot is now cached
    suspended, careless = site["experts"][5], site["experts"][6]
    services.set_status(session, suspended, ExpertStatus.SUSPENDED, until=DAY + timedelta(days=90),
                        reason="信用分低", actor_id=None)  # fmt: skip
    for _ in range(2):
        ledger.record(session, careless.id, EventKind.CARELESS_REVIEW, day=NOW.date(), reason="明显计算错误未指出",
                      actor_id=None, points=-20)  # fmt: skip
    draw = run_draw(session, site["ready_work"](), day=DAY + timedelta(days=2))
    reasons = {e["expert_id"]: " ".join(e["reasons"]) for e in draw.funnel["excluded"]}
    assert "状态：暂停至" in reasons[suspended.id] and "信用：60分" in reasons[careless.id]


def test_reminders_go_once_before_the_deadline(session, site):
    from expert_pool.draws.models import Notification

    run_draw(session, site["ready_work"]())
    invitations_sent = session.scalar(select(func.count()).select_from(Notification))
    assert invitations.remind_due(session, now=NOW + timedelta(hours=1), hours_before=6) == 0  # not due yet
    assert invitations.remind_due(session, now=NOW + timedelta(hours=19), hours_before=6) == 5
    assert invitations.remind_due(session, now=NOW + timedelta(hours=20), hours_before=6) == 0  # once only
    assert session.scalar(select(func.count()).select_from(Notification)) == invitations_sent + 5


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


def test_each_invited_expert_gets_his_own_invitation_and_a_booking(session, site):
    from expert_pool.draws.models import Notification

    draw = run_draw(session, site["ready_work"]())
    seats = session.scalars(select(Seat).where(Seat.draw_id == draw.id).order_by(Seat.position)).all()
    assert [s.expert_id for s in seats] == [*draw.seated, *draw.alternates]
    assert [s.status for s in seats] == [SeatStatus.INVITED] * 5 + [SeatStatus.STANDBY] * 3
    assert all(s.reply_by is not None for s in seats[:5]) and all(s.invited_at is None for s in seats[5:])
    bookings = session.scalars(select(Booking)).all()
    assert sorted((b.seat_id, b.expert_id) for b in bookings) == [(s.id, s.expert_id) for s in seats[:5]]
    names = {e.id: e.name for e in site["experts"]}
    notes = session.scalars(select(Notification).order_by(Notification.id)).all()
    assert sorted(n.expert_id for n in notes) == sorted(draw.seated)
    for note in notes:
        others = [names[i] for i in (*draw.seated, *draw.alternates) if i != note.expert_id]
        assert note.body.startswith(f"{names[note.expert_id]}专家：") and note.status == "pending"
        assert not any(name in note.body for name in others)


def test_an_invitation_goes_to_the_contact_changed_since_the_last_draw(session, site):
    from expert_pool.draws.models import Notification
    from expert_pool.experts import services

    run_draw(session, site["ready_work"]())  # the pool snapshot is now cached, with the old contacts
    for n, expert in enumerate(site["experts"]):
        services.update_contact(session, expert, "", f"expert{n}@example.com", actor_id=None)
    before = session.scalar(select(func.max(Notification.id)))
    run_draw(session, site["ready_work"](), day=DAY + timedelta(days=1), seed="seed-2")
    notes = session.scalars(select(Notification).where(Notification.id > before)).all()
    emails = {e.id: f"expert{n}@example.com" for n, e in enumerate(site["experts"])}
    assert len(notes) == 5 and all(note.recipient == emails[note.expert_id] for note in notes)


def test_a_record_stored_with_candidate_names_still_verifies_and_chains(session, site):
    first = run_draw(session, site["ready_work"]())
    names = {e.id: e.name for e in site["experts"]}
    older = [{**c, "name": names[c["expert_id"]], "title_level": ""} for c in first.candidates]
    session.execute(update(Draw).where(Draw.id == first.id).values(candidates=older))
    session.commit()
    session.expire_all()
    as_stored = session.get(Draw, first.id)  # its hash was made over the names too
    session.execute(update(Draw).where(Draw.id == first.id).values(record_hash=draws.record_hash(as_stored)))
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
    """No lazy load per seat or per expert: 13 statements now, where there were 26 (5 one per seat)."""
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
    assert len(statements) <= 16, "\n".join(statements)


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
