"""The keyed chain of panel changes (issue 18): seat edits and re-rolled draws are caught, every panel change is an
entry, and a signed daily digest shows a rewrite of history, even one made with the chain's key."""

import hashlib
import secrets
from datetime import timedelta

import pytest
from flask_migrate import upgrade
from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.exc import DBAPIError

from expert_pool.draws import chain, digest, invitations
from expert_pool.draws import services as draws
from expert_pool.draws.models import Booking, ChainEntry, Draw, Seat, SeatStatus
from expert_pool.draws.replay import replay
from expert_pool.reviews import meetings
from tests.conftest import PG_URL
from tests.integration import draws_helpers
from tests.integration.chain_guard import chain_unguarded
from tests.integration.draws_helpers import DAY, NOW, run_draw
from webapp import create_app
from webapp.config import TestConfig
from webapp.extensions import db

site = draws_helpers.site


def _all_ok(session) -> bool:
    session.expire_all()
    return all(v.ok for v in draws.verify_all(session)) and not chain.verify_chain(session)


def test_editing_who_sits_on_a_seat_is_caught(session, site):
    draw = run_draw(session, site["ready_work"]())
    assert _all_ok(session)
    seat = next(s for s in draw.seats if s.position == 1)
    outsider = next(e.id for e in site["experts"] if e.id not in draw.seated + draw.alternates)
    session.execute(update(Seat).where(Seat.id == seat.id).values(expert_id=outsider))  # the attack: SQL
    session.commit()
    session.expire_all()
    result = draws.verify(session, session.get(Draw, draw.id))
    assert not result.ok and not result.seats_match and "席位" in result.message
    problems = chain.verify_chain(session)
    assert any(f"席位 {seat.id}" in p and f"专家 {outsider}" in p for p in problems), problems


def _reroll(session, draw: Draw, later: list[Draw]) -> list[int]:
    """The attack: draw again with a new seed until the panel changes, store it with the unkeyed hashes
    recomputed (this record and every later link), and put the new panel in the seats."""
    inputs = {"algorithm_version": draw.algorithm, "candidates": draw.candidates, "policy": draw.policy["panel"],
              "apart": (draw.funnel or {}).get("apart") or []}  # fmt: skip
    while True:
        seed = secrets.token_hex(16)
        panel = replay({**inputs, "seed": seed})
        if list(panel.seated) != draw.seated:
            break
    draw.seed, draw.seed_hash = seed, hashlib.sha256(seed.encode()).hexdigest()
    draw.seated, draw.alternates = list(panel.seated), list(panel.alternates)
    draw.record_hash = draws.record_hash(draw)
    previous = draw.record_hash
    for d in later:
        d.prev_hash = previous
        d.record_hash = previous = draws.record_hash(d)
    ids = [s.id for s in draw.seats]
    session.execute(delete(Booking).where(Booking.seat_id.in_(ids)))
    session.execute(delete(Seat).where(Seat.id.in_(ids)))
    members = [*panel.seated, *panel.alternates]
    session.execute(insert(Seat), [{"draw_id": draw.id, "expert_id": e, "position": i, "decline_reason": "",
                                    "status": SeatStatus.INVITED if i <= len(panel.seated) else SeatStatus.STANDBY}
                                   for i, e in enumerate(members, start=1)])  # fmt: skip
    session.commit()
    return list(panel.seated)


def test_a_rerolled_draw_with_recomputed_hashes_is_caught(session, site):
    first = run_draw(session, site["ready_work"]())
    second = run_draw(session, site["ready_work"](), day=DAY + timedelta(days=1), seed="seed-2")
    assert _all_ok(session)
    _reroll(session, first, [second])
    session.expire_all()
    results = draws.verify_all(session)
    # The unkeyed checks pass (the attack works on them): the replay, the hashes, the links ...
    assert all(r.replay_matches and r.hash_matches and r.chain_matches for r in results)
    # ... but not the keyed chain.
    assert [r.ok for r in results] == [False, False]
    assert not results[0].entry_matches and "密钥链" in results[0].message
    problems = chain.verify_chain(session)
    assert any(f"抽取记录 {first.id} 的哈希与链上记录不符" in p for p in problems)
    assert any("不在链上" in p for p in problems)  # the re-inserted seats


def test_forging_entries_without_the_key_or_deleting_one_is_caught(session, site):
    draw = run_draw(session, site["ready_work"]())
    with chain_unguarded(session):  # the attacker drops the append-only triggers first
        _forge_and_delete(session, site, draw)


def _forge_and_delete(session, site, draw):
    seat = next(s for s in draw.seats if s.position == 2)
    outsider = next(e.id for e in site["experts"] if e.id not in draw.seated + draw.alternates)
    session.execute(update(Seat).where(Seat.id == seat.id).values(expert_id=outsider))
    entry = session.scalar(select(ChainEntry).where(ChainEntry.seat_id == seat.id))
    guessed = {**entry.payload, "expert_id": outsider}
    forged = chain.entry_mac(b"a guessed key", {"seq": entry.seq, "kind": entry.kind, "draw_id": entry.draw_id,
                             "seat_id": entry.seat_id, "expert_id": outsider, "at": entry.at, "payload": guessed,
                             "prev_mac": entry.prev_mac})  # fmt: skip
    session.execute(update(ChainEntry).where(ChainEntry.id == entry.id)
                    .values(payload=guessed, expert_id=outsider, mac=forged))  # fmt: skip
    session.commit()
    problems = chain.verify_chain(session)
    assert any(f"链记录第{entry.seq}条" in p and "密钥签名不符" in p for p in problems), problems
    session.execute(delete(ChainEntry).where(ChainEntry.seq == 1))
    session.commit()
    assert any("第1条至第1条缺失" in p for p in chain.verify_chain(session))


@pytest.mark.parametrize(
    "attack",
    [
        "UPDATE chain_entry SET payload = '{}' WHERE seq = 2",
        "UPDATE chain_entry SET mac = 'f' WHERE seq = 1",
        "DELETE FROM chain_entry WHERE seq = 1",
        "DELETE FROM chain_entry",
    ],
)
def test_the_database_refuses_to_change_or_delete_a_chain_entry(session, site, attack):
    run_draw(session, site["ready_work"]())
    before = session.execute(select(ChainEntry.seq, ChainEntry.mac).order_by(ChainEntry.seq)).all()
    with pytest.raises(DBAPIError, match="chain_entry is append-only"):
        session.execute(text(attack))
    session.rollback()
    assert session.execute(select(ChainEntry.seq, ChainEntry.mac).order_by(ChainEntry.seq)).all() == before
    assert not chain.verify_chain(session)


def test_a_deleted_draw_is_caught(session, site):
    draw = run_draw(session, site["ready_work"]())
    run_draw(session, site["ready_work"](), day=DAY + timedelta(days=1), seed="seed-2")
    ids = [s.id for s in draw.seats]
    session.execute(delete(Booking).where(Booking.seat_id.in_(ids)))
    session.execute(delete(Seat).where(Seat.id.in_(ids)))
    session.execute(text("DELETE FROM meeting_arrangement WHERE draw_id = :d"), {"d": draw.id})
    session.execute(delete(Draw).where(Draw.id == draw.id))
    session.commit()
    assert f"链上的抽取记录 {draw.id} 在表中不存在（被删除）" in chain.verify_chain(session)


def test_every_panel_change_is_an_entry_and_replays_to_the_seats(session, site):
    draw = run_draw(session, site["ready_work"]())
    seats = {s.position: s for s in draw.seats}
    meetings.confirm_seat(session, seats[1], now=NOW + timedelta(hours=1), actor_id=None)
    successor = invitations.decline(
        session, seats[2], "临时出差", now=NOW + timedelta(hours=2), actor_id=None
    )
    assert successor is not None
    invitations.expire_overdue(session, now=NOW + timedelta(hours=25))
    kinds = [e.kind for e in session.scalars(select(ChainEntry).order_by(ChainEntry.seq))]
    assert kinds[:9] == ["draw"] + ["seat_drawn"] * 8
    assert kinds[9:12] == ["seat_confirmed", "seat_declined", "alternate_seated"]
    assert kinds.count("seat_expired") >= 3
    assert _all_ok(session)


def test_a_top_up_is_chained_with_its_seats(session, site):
    from expert_pool.policy import set_policy

    set_policy(session, "pool", {"alternates": 0}, actor_id=None)
    draw = run_draw(session, site["ready_work"]())
    leaving = next(s for s in draw.seats if s.position == 1)
    newcomer = invitations.decline(session, leaving, "身体原因", now=NOW + timedelta(hours=1), actor_id=None)
    assert newcomer is not None
    top = session.scalar(select(ChainEntry).where(ChainEntry.kind == "top_up"))
    assert top is not None and top.draw_id == newcomer.draw_id
    assert _all_ok(session)


def test_a_kept_digest_shows_a_rewrite_even_by_someone_holding_the_chain_key(session, site):
    key = digest.signing_key(secrets.token_hex(32))
    public = digest.public_key_hex(key)
    draw = run_draw(session, site["ready_work"]())
    kept = digest.as_document(digest.make_digest(session, key, now=NOW), public)
    assert (
        digest.make_digest(session, key, now=NOW + timedelta(minutes=5)).head_mac == kept["head_mac"]
    )  # once a day
    assert digest.check_against(session, kept, public).ok
    # An insider with the chain key (and the rights to drop the triggers) rewrites history: a seat edited and
    # the whole chain re-MACed.
    with chain_unguarded(session):
        _rewrite_with_the_key(session, site, draw)
    assert _all_ok(session)  # the chain alone cannot tell ...
    checked = digest.check_against(session, kept, public)
    assert not checked.ok and "此后链被改写" in checked.message  # ... the digest kept outside can
    forged = {
        **kept,
        "head_mac": session.scalar(select(ChainEntry.mac).where(ChainEntry.seq == kept["head_seq"])),
    }
    assert "签名无效" in digest.check_against(session, forged, public).message


def _rewrite_with_the_key(session, site, draw) -> None:
    seat = next(s for s in draw.seats if s.position == 1)
    outsider = next(e.id for e in site["experts"] if e.id not in draw.seated + draw.alternates)
    session.execute(update(Seat).where(Seat.id == seat.id).values(expert_id=outsider))
    entries = list(session.scalars(select(ChainEntry).order_by(ChainEntry.seq)))
    session.execute(delete(ChainEntry))
    session.flush()
    rewritten = [
        chain.Change(chain.Kind(e.kind), e.draw_id, e.seat_id, e.expert_id, e.payload) for e in entries
    ]
    rewritten = [chain.of_seat(chain.Kind.SEAT_DRAWN, seat) if c.seat_id == seat.id else c for c in rewritten]
    chain.append(session, rewritten, now=NOW)
    session.commit()


def test_adopting_rows_written_without_the_chain(session, site):
    draw = run_draw(session, site["ready_work"]())
    with chain_unguarded(session):  # as the migration finds a database: draws and seats, no keyed chain
        session.execute(delete(ChainEntry))
        session.commit()
    assert not _all_ok(session)
    added = chain.adopt(session, now=NOW)
    session.commit()
    assert added == 1 + 1 + len(draw.seats)
    first = session.scalar(select(ChainEntry).where(ChainEntry.seq == 1))
    assert first.kind == "genesis" and "不加密钥" in first.payload["note"]
    assert _all_ok(session)
    assert chain.adopt(session, now=NOW) == 0


def test_the_draw_path_appends_to_the_chain_in_its_own_transaction(session, site):
    draw = run_draw(session, site["ready_work"]())
    entries = session.scalars(select(ChainEntry).where(ChainEntry.draw_id == draw.id)).all()
    assert len(entries) == 1 + len(draw.seats)
    assert {e.seat_id for e in entries if e.seat_id} == {s.id for s in draw.seats}


@pytest.mark.skipif(bool(PG_URL), reason="rows written by SQL with foreign keys off: SQLite only")
def test_the_migration_starts_the_keyed_chain_over_existing_draws_and_seats(tmp_path):
    app = create_app(TestConfig(tmp_path), SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'm.db'}")
    with app.app_context():
        upgrade(revision="0014")
        with db.engine.begin() as conn:
            conn.execute(text("PRAGMA foreign_keys=OFF"))
            conn.execute(text(
                "INSERT INTO draw (id, seq, work_id, plan_version_id, meeting_day, half_day, requested_at, reveal_at,"
                " seed_hash, seed, algorithm, policy, funnel, candidates, seated, alternates, prev_hash, record_hash)"
                " VALUES (1, 1, 1, 1, '2026-12-03', 'am', '2026-11-24 02:00:00', '2026-12-01 00:00:00', 'h', 's',"
                " 'a', '{}', '{}', '[]', '[5]', '[]', '0', 'abc')"))  # fmt: skip
            conn.execute(text("INSERT INTO seat (id, draw_id, expert_id, position, status, decline_reason)"
                              " VALUES (7, 1, 5, 1, 'confirmed', '')"))  # fmt: skip
        upgrade(revision="0015")
        entries = db.session.scalars(select(ChainEntry).order_by(ChainEntry.seq)).all()
        assert [(e.kind, e.draw_id, e.seat_id) for e in entries] == [("genesis", None, None), ("draw", 1, None),
                                                                      ("state", 1, 7)]  # fmt: skip
        assert entries[2].payload == {"draw_id": 1, "expert_id": 5, "position": 1, "status": "confirmed"}
        assert chain.verify_chain(db.session) == []
        db.session.execute(update(Seat).where(Seat.id == 7).values(expert_id=6))
        assert any("席位 7" in p for p in chain.verify_chain(db.session))
        db.session.rollback()
        db.session.close()
        db.engine.dispose()
