"""Draw invitations on the database: declines pass the seat on, expiry, reminders, a top-up when alternates run out."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from expert_pool.credit import ledger
from expert_pool.draws import invitations
from expert_pool.draws import services as draws
from expert_pool.draws.models import Booking, Draw, HalfDay, Seat, SeatStatus
from expert_pool.errors import DrawError
from expert_pool.experts.models import CreditEventRow
from expert_pool.reviews import meetings
from tests.integration import draws_helpers
from tests.integration.draws_helpers import DAY, NOW, run_draw

site = draws_helpers.site  # the fixture, bound here by its name


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


def test_reminders_go_once_before_the_deadline(session, site):
    from expert_pool.draws.models import Notification

    run_draw(session, site["ready_work"]())
    invitations_sent = session.scalar(select(func.count()).select_from(Notification))
    assert invitations.remind_due(session, now=NOW + timedelta(hours=1), hours_before=6) == 0  # not due yet
    assert invitations.remind_due(session, now=NOW + timedelta(hours=19), hours_before=6) == 5
    assert invitations.remind_due(session, now=NOW + timedelta(hours=20), hours_before=6) == 0  # once only
    assert session.scalar(select(func.count()).select_from(Notification)) == invitations_sent + 5


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
    """Queued to ``expert:<id>`` (no address stored in the outbox); delivery decrypts the current address."""
    from expert_pool.draws import notify
    from expert_pool.draws.models import Notification
    from expert_pool.experts import services
    from tests.factories import TEST_VAULT

    run_draw(session, site["ready_work"]())  # the pool snapshot is now cached, with the old contacts
    for n, expert in enumerate(site["experts"]):
        services.update_contact(
            session, expert, "", f"expert{n}@example.com", vault=TEST_VAULT, actor_id=None
        )
    before = session.scalar(select(func.max(Notification.id)))
    run_draw(session, site["ready_work"](), day=DAY + timedelta(days=1), seed="seed-2")
    notes = session.scalars(select(Notification).where(Notification.id > before)).all()
    emails = {e.id: f"expert{n}@example.com" for n, e in enumerate(site["experts"])}
    assert len(notes) == 5 and all(note.recipient == f"expert:{note.expert_id}" for note in notes)
    assert all(notify.address_of(session, n.recipient, TEST_VAULT) == emails[n.expert_id] for n in notes)
