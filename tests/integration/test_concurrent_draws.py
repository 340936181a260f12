"""Two draws at the same moment for the same half-day: nobody is seated twice and the chain does not fork.

Runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL, where both transactions really overlap.
"""

import threading
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from expert_pool.draws import chain, invitations
from expert_pool.draws import services as draws
from expert_pool.draws.models import Booking, ChainEntry, Draw, HalfDay, Seat
from expert_pool.reviews import meetings
from knowledge.registry.models import Work
from tests.integration.test_draws import DAY, NOW, site  # noqa: F401
from webapp.extensions import db


def test_concurrent_draws_never_double_book_or_fork(app, session, site):  # noqa: F811
    works = [site["ready_work"]().id for _ in range(2)]
    with app.app_context():
        engine = db.engine
    barrier = threading.Barrier(2)
    results: dict[int, object] = {}

    def run(work_id: int, seed: str) -> None:
        with Session(engine) as own:
            work = own.get(Work, work_id)
            barrier.wait()
            try:
                results[work_id] = draws.request_draw(own, work, DAY, HalfDay.AM, actor_id=None,
                                                      now=NOW + timedelta(seconds=1), seed=seed).id  # fmt: skip
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                results[work_id] = exc

    # The same seed over the same pool: without the booking key both would seat the very same experts.
    threads = [threading.Thread(target=run, args=(w, "same-seed")) for w in works]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert all(isinstance(r, int) for r in results.values()), results
    session.expire_all()
    stored = session.scalars(select(Draw).order_by(Draw.seq)).all()
    assert [d.seq for d in stored] == [1, 2] and stored[1].prev_hash == stored[0].record_hash
    assert not set(stored[0].seated) & set(stored[1].seated)
    booked = session.scalars(select(Booking.expert_id)).all()
    assert len(booked) == len(set(booked)) == 10
    assert all(v.ok for v in draws.verify_all(session)) and chain.verify_chain(session) == []


def test_parallel_replies_append_to_one_unforked_keyed_chain(app, session, site):  # noqa: F811
    """A confirmation and a decline (its alternate called) at the same moment: both are entries, in one chain."""
    first = draws.request_draw(
        session, site["ready_work"](), DAY, HalfDay.AM, actor_id=None, now=NOW, seed="a"
    )
    second = draws.request_draw(
        session, site["ready_work"](), DAY, HalfDay.PM, actor_id=None, now=NOW, seed="b"
    )
    seat_ids = [next(s.id for s in d.seats if s.position == 1) for d in (first, second)]
    with app.app_context():
        engine = db.engine
    barrier = threading.Barrier(2)
    results: dict[int, object] = {}

    def reply(seat_id: int) -> None:
        with Session(engine) as own:
            seat = own.get(Seat, seat_id)
            barrier.wait()
            try:
                if seat_id == seat_ids[0]:
                    meetings.confirm_seat(own, seat, now=NOW + timedelta(hours=1), actor_id=None)
                else:
                    invitations.decline(own, seat, "临时出差", now=NOW + timedelta(hours=1), actor_id=None)
                results[seat_id] = "ok"
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                results[seat_id] = exc

    threads = [threading.Thread(target=reply, args=(s,)) for s in seat_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results == {seat_ids[0]: "ok", seat_ids[1]: "ok"}, results
    session.expire_all()
    kinds = session.scalars(select(ChainEntry.kind).order_by(ChainEntry.seq)).all()
    assert sorted(kinds[18:]) == ["alternate_seated", "seat_confirmed", "seat_declined"]
    assert session.scalars(select(ChainEntry.seq).order_by(ChainEntry.seq)).all() == list(range(1, 22))
    assert chain.verify_chain(session) == [] and all(v.ok for v in draws.verify_all(session))
