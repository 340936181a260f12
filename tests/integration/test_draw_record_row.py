"""A draw's record row (issue 18, speed): its canonical JSON is written once, hashed, and stored as that same
text; the record hash still verifies from the stored values; PostgreSQL compresses the candidates with lz4."""

import hashlib
import json
from datetime import date

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from expert_pool.draws import canonical, chain, record_row
from expert_pool.draws import services as draws
from expert_pool.draws.funnel import build_funnel
from expert_pool.draws.models import Draw
from expert_pool.draws.panel import Candidate
from expert_pool.experts.models import ExpertSpecialty
from expert_pool.policy import pool_policy
from knowledge.regions import City
from tests.factories import make_expert
from tests.integration import draws_helpers
from tests.integration.draws_helpers import run_draw

site = draws_helpers.site
JSON_COLUMNS = ("policy", "funnel", "candidates", "seated", "alternates")


def test_the_stored_json_is_the_text_the_record_hash_covers(session, site):
    draw = run_draw(session, site["ready_work"]())
    session.expire_all()
    stored = session.get(Draw, draw.id)
    assert stored is not None
    columns = ", ".join(f"CAST({c} AS TEXT)" for c in JSON_COLUMNS)
    raw = dict(zip(JSON_COLUMNS, session.execute(text(f"SELECT {columns} FROM draw WHERE id = :id"),
                                                 {"id": draw.id}).one(), strict=True))  # fmt: skip
    # Each column holds exactly the canonical text of its value (so it was not serialised a second time).
    for name in JSON_COLUMNS:
        assert raw[name] == canonical.dumps(getattr(stored, name)), name
    # The hash over the record rebuilt from those stored texts is the record's hash, and verification agrees.
    plain = {k: canonical.dumps(v) for k, v in draws.content(stored).items() if k not in JSON_COLUMNS}
    rebuilt = canonical.object_text({**plain, **raw})
    assert hashlib.sha256(rebuilt.encode()).hexdigest() == stored.record_hash
    assert draws.record_hash(stored) == stored.record_hash
    assert draws.verify(session, stored).ok


def test_a_draw_in_the_session_is_the_stored_one_and_loads_its_candidates_when_asked(session, site):
    work = site["ready_work"]()
    draw = draws.request_draw(session, work, draws_helpers.DAY, draws_helpers.HalfDay.AM, actor_id=None,
                              now=draws_helpers.NOW, seed="seed-row")  # fmt: skip
    assert session.scalar(select(Draw.id).where(Draw.work_id == work.id)) == draw.id
    assert [c["expert_id"] for c in draw.candidates] == sorted(e.id for e in site["experts"])
    assert len(draw.seats) == 8 and draw.seats[0].draw_id == draw.id
    assert session.scalar(text("SELECT count(*) FROM draw")) == 1


def test_canonical_texts_are_those_of_json_with_sorted_keys():
    people = [Candidate(3, "名", City.SUZHOU, frozenset({"lifting", "excavation"}), recent_reviews=2),
              Candidate(1, "", City.NANJING, frozenset())]  # fmt: skip
    reference = json.dumps(
        [c.to_dict() for c in people], ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )
    assert canonical.candidates_text(people) == reference
    assert canonical.candidates_text([]) == "[]"
    members = {"z": [1, 2], "a": {"名": "值", "b": None}, "m": "x"}
    assert canonical.object_text({k: canonical.dumps(v) for k, v in members.items()}) == json.dumps(
        members, ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )


def test_postgresql_compresses_the_candidate_list_with_lz4_in_the_draws_transaction_only(session, site):
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite does not compress")
    if not session.scalar(text("SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
                               "WHERE name = 'default_toast_compression'")):  # fmt: skip
        pytest.skip("this PostgreSQL is built without lz4")
    for i in range(40):  # a candidate list long enough to be compressed (rows over about 2 kB are)
        expert = make_expert(session, name=f"候选{i:02d}")
        expert.specialties.append(ExpertSpecialty(category="excavation"))
    session.commit()
    default = session.scalar(text("SHOW default_toast_compression"))
    draw = run_draw(session, site["ready_work"]())
    found = session.execute(text("SELECT pg_column_compression(candidates), octet_length(CAST(candidates AS TEXT)) "
                                 "FROM draw WHERE id = :id"), {"id": draw.id}).one()  # fmt: skip
    assert found[1] > 2000 and found[0] == "lz4", found
    assert session.scalar(text("SHOW default_toast_compression")) == default  # SET LOCAL ended with the draw
    assert draws.verify(session, session.get(Draw, draw.id)).ok


def test_a_draw_taken_meanwhile_after_its_row_was_stored_is_drawn_again(session, site, monkeypatch):
    """A unique violation after the record's row went in (a seat or booking taken meanwhile): the retry stores
    a new record, even where the database hands out the same id again (SQLite)."""
    real_append, calls = chain.append, []

    def append_taken_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise IntegrityError("INSERT INTO chain_entry", {}, Exception("position taken meanwhile"))
        return real_append(*args, **kwargs)

    real_store, stored = record_row.store, []

    def store_and_keep(*args, **kwargs):  # as an error report holding the failed attempt's frames would
        stored.append(real_store(*args, **kwargs))
        return stored[-1]

    monkeypatch.setattr(chain, "append", append_taken_once)
    monkeypatch.setattr(record_row, "store", store_and_keep)
    draw = run_draw(session, site["ready_work"]())
    assert len(calls) == 2 and len(stored) == 2 and stored[0] not in session
    assert session.scalar(text("SELECT count(*) FROM draw")) == 1
    assert draws.verify(session, session.get(Draw, draw.id)).ok


def test_a_candidate_with_recent_reviews_is_stored_with_them_as_he_was_drawn(session, site):
    """The funnel hands the record each candidate's text, prepared with the pool; a candidate whose recent
    reviews changed his weight is stored with those reviews, so the stored list is the one drawn from."""
    first = run_draw(session, site["ready_work"]())
    second = run_draw(session, site["ready_work"](), day=date(2026, 12, 4), seed="seed-2")
    session.expire_all()
    stored = session.get(Draw, second.id)
    recent = {c["expert_id"]: c["recent_reviews"] for c in stored.candidates}
    assert {i for i, n in recent.items() if n} == set(first.seated) and set(recent.values()) == {0, 1}
    assert draws.verify(session, stored).ok
    # The texts the funnel prepared are exactly the canonical texts of the candidates it let through.
    funnel = build_funnel(session, stored.work, date(2026, 12, 4), draws_helpers.HalfDay.PM,
                          policy=pool_policy(session), today=draws_helpers.NOW.date())  # fmt: skip
    assert funnel.texts == [canonical.candidate_text(c) for c in funnel.candidates]
    drawn_before = set(first.seated) | set(second.seated)
    assert {c.expert_id for c in funnel.candidates if c.recent_reviews} == drawn_before
