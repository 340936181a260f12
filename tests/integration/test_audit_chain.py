"""The audit log's keyed chain (issue 18, item 11): every row carries its address and outcome, parallel writers
never fork the chain, one audit row per stored signature even under a parallel race, and `flask audit verify`
names a changed, inserted or deleted row. Runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from expert_pool.errors import ReviewError
from expert_pool.reviews import reports as review_reports
from expert_pool.reviews.models import ReportSignature, Review, ReviewReport
from knowledge import audit
from knowledge.audit import AuditChainHead, AuditLog
from knowledge.db import utcnow
from tests.integration.test_migrations import empty_db  # noqa: F401 - the fixture
from tests.review_fixtures import AT_MEETING, all_opinions, draft, ready_meeting, record
from webapp import create_app
from webapp.config import TestConfig
from webapp.extensions import db

DROP = {
    "sqlite": ["DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete"],
    "postgresql": ["DROP TRIGGER audit_log_no_change ON audit_log"],
}
GUARDS = {"sqlite": audit.SQLITE_GUARDS, "postgresql": audit.POSTGRES_GUARDS}


@pytest.fixture
def unguarded(session: Session) -> Iterator[Session]:
    """A DBA drops the append-only guards; they are put back afterwards (the PostgreSQL schema is shared)."""
    dialect = session.get_bind().dialect.name
    for statement in DROP[dialect]:
        session.execute(text(statement))
    session.commit()
    try:
        yield session
    finally:
        session.rollback()
        for statement in GUARDS[dialect]:
            session.execute(text(statement))
        session.commit()


def three_rows(session: Session) -> list[AuditLog]:
    rows = [audit.record(session, actor_id=None, action="login", obj=("account", i), after={"n": i})
            for i in range(1, 4)]  # fmt: skip
    session.commit()
    return rows


def test_rows_carry_the_address_and_outcome_and_chain_in_order(session):
    token = audit.current_address.set("203.0.113.9")
    try:
        first = audit.record(session, actor_id=None, action="login", obj=("account", 1), after={1: "int key"})
        second = audit.record(
            session, actor_id=None, action="login_failed", obj=("sign_in", "x"), outcome="failed"
        )
        third = audit.record(
            session, actor_id=None, action="login", obj=("account", 1), address="198.51.100.1"
        )
        session.commit()
    finally:
        audit.current_address.reset(token)
    assert (first.address, first.outcome) == ("203.0.113.9", "ok")
    assert (second.address, second.outcome) == ("203.0.113.9", "failed")
    assert third.address == "198.51.100.1"  # given explicitly, it wins over the request's
    assert [first.seq, second.seq, third.seq] == [1, 2, 3]
    assert (
        first.prev_mac == audit.GENESIS_MAC and second.prev_mac == first.mac and third.prev_mac == second.mac
    )
    session.expire_all()
    assert audit.verify(session) == (3, [])
    head = session.get(AuditChainHead, 1)
    assert (head.seq, head.mac) == (3, third.mac)
    with pytest.raises(ValueError):
        audit.record(session, actor_id=None, action="login", obj=("account", 1), outcome="maybe")


def test_verify_names_a_changed_row(unguarded):
    session = unguarded
    rows = three_rows(session)
    session.execute(
        text("UPDATE audit_log SET after = :a WHERE id = :i"), {"a": '{"n": 99}', "i": rows[1].id}
    )
    session.commit()
    session.expire_all()
    count, problems = audit.verify(session)
    assert count == 3 and len(problems) == 1 and "第2条" in problems[0] and "被修改或伪造" in problems[0]


def test_verify_names_a_deleted_row_in_the_middle_and_at_the_end(unguarded):
    session = unguarded
    rows = three_rows(session)
    session.execute(text("DELETE FROM audit_log WHERE id = :i"), {"i": rows[1].id})
    session.commit()
    session.expire_all()
    _, problems = audit.verify(session)
    assert any("第2条至第2条缺失" in p for p in problems)
    session.execute(text("DELETE FROM audit_log WHERE id = :i"), {"i": rows[2].id})
    session.commit()
    session.expire_all()
    _, problems = audit.verify(session)
    assert problems == ["审计链头记到第3条，现存记录只到第1条：末尾的记录被删除或链头被改动"]


def test_verify_names_an_inserted_row_whose_mac_was_made_up(session):
    """No guard stops an INSERT: a row written past the services, without the key, does not verify."""
    rows = three_rows(session)
    session.execute(insert(AuditLog).values(
        seq=4, at=utcnow(), actor_id=None, action="login", object_type="account", object_id="7", outcome="ok",
        prev_mac=rows[2].mac, mac="f" * 64,
    ))  # fmt: skip
    session.commit()
    session.expire_all()
    _, problems = audit.verify(session)
    assert any("第4条" in p and "被修改或伪造" in p for p in problems)
    assert any("链头" in p for p in problems)


def test_parallel_writers_do_not_fork_the_chain(app, session):
    with app.app_context():
        engine = db.engine
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            with Session(engine) as own:
                barrier.wait()
                for i in range(5):
                    audit.record(own, actor_id=None, action="login", obj=("account", n), after={"i": i})
                    own.commit()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    session.expire_all()
    assert audit.verify(session) == (20, [])
    assert session.scalars(select(AuditLog.seq).order_by(AuditLog.seq)).all() == list(range(1, 21))


@pytest.fixture
def drafted(app, session):
    m = ready_meeting(session, app.config["UPLOAD_DIR"])
    record(session, m)
    all_opinions(session, m)
    return m, draft(session, m)


def sign_rows(session: Session, report_id: int) -> list[tuple[int, int | None]]:
    session.expire_all()
    rows = session.scalars(
        select(AuditLog).where(AuditLog.action == "review_sign", AuditLog.object_id == str(report_id))
    )
    return sorted((int(r.after["expert_id"]), r.actor_id) for r in rows)


def test_a_signature_is_never_stored_without_its_audit_row(session, drafted, monkeypatch):
    """The signature and its audit row are one transaction: a failure after the insert keeps neither. (SQLite's
    driver used to commit the signature when its savepoint was released, before the audit row was written.)"""
    m, report = drafted
    for expert in m.panel[:-1]:
        review_reports.sign_report(session, m.review, report, expert.id, now=AT_MEETING)

    def failing(*args, **kwargs):
        raise ReviewError("定稿失败")

    monkeypatch.setattr(review_reports, "finalise", failing)
    last = m.panel[-1]
    with pytest.raises(ReviewError):
        review_reports.sign_report(session, m.review, report, last.id, now=AT_MEETING,
                                   actor_id=m.accounts[last.id].id)  # fmt: skip
    session.rollback()
    stored = session.scalar(select(func.count()).select_from(ReportSignature).where(
        ReportSignature.report_id == report.id, ReportSignature.expert_id == last.id))  # fmt: skip
    assert stored == 0
    assert [e for e, _ in sign_rows(session, report.id)] == sorted(e.id for e in m.panel[:-1])


def test_parallel_signatures_leave_one_audit_row_each_with_the_expert_as_actor(app, session, drafted):
    m, report = drafted
    for expert in m.panel[:-2]:
        review_reports.sign_report(session, m.review, report, expert.id, now=AT_MEETING,
                                   actor_id=m.accounts[expert.id].id)  # fmt: skip
    with app.app_context():
        engine = db.engine
    barrier = threading.Barrier(2)
    results: dict[int, object] = {}

    def run(expert_id: int) -> None:
        with Session(engine, expire_on_commit=False) as own:
            review = own.get(Review, m.review.id)
            mine = own.get(ReviewReport, report.id)
            barrier.wait()
            try:
                results[expert_id] = review_reports.sign_report(
                    own, review, mine, expert_id, now=AT_MEETING + timedelta(minutes=1),
                    actor_id=m.accounts[expert_id].id,
                )  # fmt: skip
            except Exception as exc:  # noqa: BLE001 - reported by the assertions below
                own.rollback()
                results[expert_id] = exc

    threads = [threading.Thread(target=run, args=(e.id,)) for e in m.panel[-2:]]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    session.expire_all()
    stored = sorted(
        session.scalars(select(ReportSignature.expert_id).where(ReportSignature.report_id == report.id))
    )
    audited = sign_rows(session, report.id)
    assert [e for e, _ in audited] == stored  # one audit row per stored signature, none without
    assert all(actor == m.accounts[e].id for e, actor in audited)  # the expert's account, not None
    assert sorted(results.values(), key=str) == [False, True], results  # both signed, the last one finalised
    assert session.get(ReviewReport, report.id).finalised_at is not None
    assert audit.verify(session)[1] == []


def test_cli_verify_reports_a_sound_chain_and_a_forged_row(app, session, runner):
    rows = three_rows(session)
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0 and "审计日志校验通过：共3条记录" in ok.output
    session.execute(insert(AuditLog).values(
        seq=4, at=utcnow(), actor_id=None, action="login", object_type="account", object_id="7", outcome="ok",
        prev_mac=rows[2].mac, mac="0" * 64,
    ))  # fmt: skip
    session.commit()
    bad = runner.invoke(args=["audit", "verify"])
    assert bad.exit_code != 0 and "第4条" in bad.output and "审计日志校验未通过" in bad.output


def test_the_migration_chains_existing_rows_in_id_order(empty_db, tmp_path):  # noqa: F811
    url, options = empty_db
    app = create_app(TestConfig(tmp_path), SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_ENGINE_OPTIONS=options)
    with app.app_context():
        upgrade()
        for i in range(3):
            audit.record(db.session, actor_id=None, action="login", obj=("account", i), after={"i": i})
        db.session.commit()
        db.session.remove()
        downgrade(revision="-1")  # the rows stay, unchained
        upgrade()
        assert audit.verify(db.session) == (3, [])
        head = db.session.get(AuditChainHead, 1)
        assert head is not None and head.seq == 3
        audit.record(db.session, actor_id=None, action="login", obj=("account", 9))  # appends after them
        db.session.commit()
        assert audit.verify(db.session) == (4, [])
        db.session.remove()
        db.engine.dispose()
