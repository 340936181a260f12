"""Reports a database administrator cannot forge (issue 18 item 5): the attack of the issue done exactly (drop
the freeze trigger, rewrite the conclusion, recompute the hash with the unkeyed function or another key), a
tampered signature, a swapped public key, a deleted chain entry, a new report passed off as legacy."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from expert_pool.reviews import models as review_models
from expert_pool.reviews import report_chain, signing, signing_models, verification
from expert_pool.reviews import reports as review_reports
from expert_pool.reviews.models import Conclusion, ReportSignature, Review, ReviewReport
from expert_pool.reviews.signing_models import ExpertSigningKey, ReportChainEntry
from knowledge import keyed_chain
from knowledge.audit import AuditLog
from tests.review_fixtures import AT_MEETING, all_opinions, concluded, draft, ready_meeting, record, sign_all
from webapp.extensions import db

# Each guarded table: its trigger names per dialect, and how to make them again.
TRIGGERS = {
    "review_report": ("_frozen_update", "_frozen_delete", "_frozen"),
    "review_signature": ("_frozen_update", "_frozen_delete", "_frozen"),
    "report_chain_entry": ("_no_update", "_no_delete", "_guard"),
    "expert_signing_key": ("_no_update", "_no_delete", "_guard"),
}


class Dba:
    """Someone with full rights on the database but not the keys in instance/keys."""

    def __init__(self, session) -> None:
        self.session, self.dropped = session, []
        self.dialect = session.get_bind().dialect.name

    def drop_guards(self, table: str) -> None:
        update_, delete_, pg = TRIGGERS[table]
        if self.dialect == "sqlite":
            for suffix in (update_, delete_):
                self.session.execute(text(f"DROP TRIGGER {table}{suffix}"))
        else:
            self.session.execute(text(f"DROP TRIGGER {table}{pg} ON {table}"))
        self.session.commit()
        self.dropped.append(table)

    def restore(self) -> None:
        self.session.rollback()
        for table in self.dropped:
            if table in review_models.FROZEN:
                condition = review_models.FROZEN[table]
                make = (
                    review_models.sqlite_guards if self.dialect == "sqlite" else review_models.postgres_guards
                )
            else:
                condition = signing_models.GUARDED[table]
                make = (
                    signing_models.sqlite_guards
                    if self.dialect == "sqlite"
                    else signing_models.postgres_guards
                )
            for stmt in make(table, condition):
                self.session.execute(text(stmt))
        self.session.commit()

    def run(self, statement, **params) -> None:
        self.session.execute(statement, params) if params else self.session.execute(statement)
        self.session.commit()
        self.session.expire_all()


@pytest.fixture
def dba(session) -> Iterator[Dba]:
    admin = Dba(session)
    yield admin
    admin.restore()  # PostgreSQL keeps one schema for the run: the triggers must be back for the next test


@pytest.fixture
def m(app, session):
    return ready_meeting(session, app.config["UPLOAD_DIR"])


def verdict(session, report):
    session.expire_all()
    return review_reports.verify_code(session, report.verify_code)


def rewrite_conclusion(session, dba, m, report) -> dict:
    """The issue's attack, first half: drop the freeze trigger and rewrite the conclusion."""
    dba.drop_guards("review_report")
    dba.run(update(ReviewReport).where(ReviewReport.id == report.id)
            .values(conclusion=Conclusion.PASS, summary="专家组一致同意，方案通过。"))  # fmt: skip
    session.refresh(report)
    return review_reports.report_content(session, m.review, report)


def test_a_clean_report_verifies_with_every_signature_and_its_chain_place(session, m):
    report = concluded(session, m)
    found = verdict(session, report)
    assert found.state == "current" and found.check.genuine and not found.check.legacy
    assert found.check.hash_ok and found.check.place.seq == 1 and found.check.place.ok
    assert [s.label for s in found.check.signatures] == ["签名有效"] * len(m.panel)
    assert keyed_chain.same(signing.keyed_hash(review_reports.report_content(session, m.review, report)),
                            report.content_hash)  # fmt: skip
    assert (
        review_reports.content_hash(review_reports.report_content(session, m.review, report))
        != report.content_hash
    )
    assert verification.verify_all(session) == (1, [])
    rows = session.scalars(select(ReportSignature).where(ReportSignature.report_id == report.id)).all()
    assert all(r.signature and r.key_id for r in rows) and len({r.key_id for r in rows}) == len(m.panel)


def test_forged_conclusion_with_the_hash_recomputed_unkeyed_is_not_genuine(session, m, dba):
    report = concluded(session, m)
    content = rewrite_conclusion(session, dba, m, report)
    dba.run(update(ReviewReport).where(ReviewReport.id == report.id)
            .values(content_hash=review_reports.content_hash(content)))  # fmt: skip
    found = verdict(session, report)
    assert found.state == "altered" and not found.genuine and not found.check.hash_ok
    assert found.message == "内容与签署时不一致（可能被篡改）"
    assert [s.valid for s in found.check.signatures] == [False] * len(
        m.panel
    )  # they signed another conclusion
    count, problems = verification.verify_all(session)
    assert count == 1 and any("报告被改写" in p for p in problems)


def test_forged_conclusion_with_the_hash_under_another_key_is_not_genuine(session, m, dba):
    report = concluded(session, m)
    content = rewrite_conclusion(session, dba, m, report)
    forged = keyed_chain.mac_of(b"a key the attacker made up", content)
    dba.run(update(ReviewReport).where(ReviewReport.id == report.id).values(content_hash=forged))
    dba.drop_guards("report_chain_entry")  # and the chain entry made to hold the forged hash too
    dba.run(update(ReportChainEntry).where(ReportChainEntry.report_id == report.id).values(report_mac=forged))
    found = verdict(session, report)
    assert found.state == "altered" and not found.check.hash_ok and not found.check.place.ok
    assert any("与其密钥签名不符" in p for p in found.check.problems)


def test_a_tampered_signature_is_named_invalid_and_the_report_not_genuine(session, m, dba):
    report = concluded(session, m)
    row = session.scalar(select(ReportSignature).where(ReportSignature.expert_id == m.panel[2].id))
    flipped = ("0" if row.signature[0] != "0" else "1") + row.signature[1:]
    dba.drop_guards("review_signature")
    dba.run(update(ReportSignature).where(ReportSignature.id == row.id).values(signature=flipped))
    found = verdict(session, report)
    assert found.state == "altered" and found.check.hash_ok and found.check.place.ok
    by_expert = {s.expert_id: s.label for s in found.check.signatures}
    assert by_expert.pop(m.panel[2].id) == "签名无效" and set(by_expert.values()) == {"签名有效"}
    assert found.check.problems == [f"{m.panel[2].name}的电子签名无效"]


def test_a_public_key_swapped_for_the_attackers_own_does_not_verify(session, m, dba):
    report = concluded(session, m)
    row = session.scalar(select(ReportSignature).where(ReportSignature.expert_id == m.panel[0].id))
    theirs = Ed25519PrivateKey.generate()
    message = verification.signature_payload(report, verification.body_hash(m.review, report), row)
    dba.drop_guards("expert_signing_key")
    dba.drop_guards("review_signature")
    dba.run(update(ExpertSigningKey).where(ExpertSigningKey.id == row.key_id)
            .values(public_key=signing.public_hex(theirs)))  # fmt: skip
    dba.run(
        update(ReportSignature)
        .where(ReportSignature.id == row.id)
        .values(signature=theirs.sign(message).hex())
    )
    found = verdict(session, report)
    assert found.state == "altered"
    assert {s.expert_id: s.valid for s in found.check.signatures}[m.panel[0].id] is False


def corrected(session, m):
    first = concluded(session, m)
    fixed = review_reports.correct_report(session, m.review, m.panel[0].id, reason="笔误", summary="更正后的说明",
                                          changes=[("补充坑底抗隆起验算。", [m.panel[0].id])], now=AT_MEETING)  # fmt: skip
    sign_all(session, m, fixed)
    return first, fixed


def test_a_deleted_chain_entry_breaks_the_chain(session, m, dba):
    first, second = corrected(session, m)
    assert verification.verify_all(session) == (2, [])
    dba.drop_guards("report_chain_entry")
    dba.run(delete(ReportChainEntry).where(ReportChainEntry.report_id == first.id))
    assert verdict(session, first).state == "altered"
    assert "不在报告链上" in verdict(session, first).check.problems[0]
    later = verdict(session, second)
    assert later.state == "altered" and later.check.hash_ok and not later.check.place.ok
    count, problems = verification.verify_all(session)
    assert count == 2 and any("缺失" in p for p in problems) and any("不在报告链上" in p for p in problems)


def test_a_new_report_cannot_be_passed_off_as_one_from_before_signatures(session, m, dba):
    report = concluded(session, m)
    dba.drop_guards("review_signature")
    dba.drop_guards("review_report")
    dba.run(
        update(ReportSignature)
        .where(ReportSignature.report_id == report.id)
        .values(signature=None, key_id=None)
    )
    content = review_reports.report_content(session, m.review, report)
    dba.run(update(ReviewReport).where(ReviewReport.id == report.id)
            .values(content_hash=review_reports.content_hash(content)))  # fmt: skip
    found = verdict(session, report)
    assert found.state == "altered" and not found.check.legacy
    assert {s.label for s in found.check.signatures} == {"签名无效"}


def test_a_report_from_before_signatures_is_sealed_as_legacy_never_signed(session, m, dba):
    """What migration 0018 does to a report finalised before it: unkeyed hash, no signatures, chained as found."""
    report = concluded(session, m)
    dba.drop_guards("review_signature")
    dba.drop_guards("review_report")
    dba.drop_guards("report_chain_entry")
    dba.run(
        update(ReportSignature)
        .where(ReportSignature.report_id == report.id)
        .values(signature=None, key_id=None)
    )
    dba.run(delete(ReportChainEntry))
    content = review_reports.report_content(session, m.review, report)
    dba.run(update(ReviewReport).where(ReviewReport.id == report.id)
            .values(content_hash=review_reports.content_hash(content)))  # fmt: skip
    assert verdict(session, report).state == "altered"  # outside the chain until sealed
    assert verification.adopt_legacy(session) == 1
    session.commit()
    found = verdict(session, report)
    assert found.state == "current" and found.check.legacy and found.check.place.seq == 1
    assert {s.label for s in found.check.signatures} == {"未含电子签名"}
    assert verification.adopt_legacy(session) == 0  # once
    assert verification.verify_all(session) == (1, [])


def test_chain_entries_and_keys_are_guarded_by_the_database(session, m):
    report = concluded(session, m)
    for statement in (
        update(ReportChainEntry).where(ReportChainEntry.report_id == report.id).values(report_mac="0" * 64),
        delete(ReportChainEntry),
        update(ExpertSigningKey).values(public_key=signing.public_hex(Ed25519PrivateKey.generate())),
        delete(ExpertSigningKey),
    ):
        with pytest.raises(DBAPIError):
            session.execute(statement)
        session.rollback()
    key = session.scalar(select(ExpertSigningKey).limit(1))
    session.execute(
        update(ExpertSigningKey).where(ExpertSigningKey.id == key.id).values(retired_at=AT_MEETING)
    )
    session.commit()  # retiring a key is the one change allowed, once
    with pytest.raises(DBAPIError):
        session.execute(update(ExpertSigningKey).where(ExpertSigningKey.id == key.id).values(retired_at=None))
    session.rollback()
    assert verdict(session, report).state == "current"  # a retired key still verifies what it signed


def test_an_expert_gets_one_key_made_on_his_first_signature_and_reuses_it(session, m):
    assert session.scalar(select(func.count()).select_from(ExpertSigningKey)) == 0
    keys = len(m.panel)
    corrected(session, m)
    made = session.scalar(
        select(func.count()).select_from(AuditLog).where(AuditLog.action == "signing_key_created")
    )
    assert session.scalar(select(func.count()).select_from(ExpertSigningKey)) == made == keys
    assert session.scalar(select(func.count()).select_from(ReportChainEntry)) == 2
    assert [e.kind for e in report_chain.all_entries(session)] == ["final", "final"]
    assert verification.verify_all(session) == (2, [])


def test_two_reports_finalised_at_once_take_two_positions_in_the_chain(app, session, m, tmp_path):
    other = ready_meeting(session, str(tmp_path / "o"), seed="other")
    other.accounts.update(m.accounts)  # the second draw may seat experts of the first pool
    drafts = []
    for meeting in (m, other):
        record(session, meeting)
        all_opinions(session, meeting)
        report = draft(session, meeting)
        for expert in meeting.panel[:-1]:
            review_reports.sign_report(session, meeting.review, report, expert.id, now=AT_MEETING)
        drafts.append((meeting, report))
    with app.app_context():
        engine = db.engine
    barrier = threading.Barrier(2)
    results: dict[int, object] = {}

    def run(meeting, report) -> None:
        with Session(engine, expire_on_commit=False) as own:
            review, mine = own.get(Review, meeting.review.id), own.get(ReviewReport, report.id)
            barrier.wait()
            try:
                results[report.id] = review_reports.sign_report(own, review, mine, meeting.panel[-1].id,
                                                                now=AT_MEETING + timedelta(minutes=1))  # fmt: skip
            except Exception as exc:  # noqa: BLE001 - reported by the assertions below
                own.rollback()
                results[report.id] = exc

    threads = [threading.Thread(target=run, args=pair) for pair in drafts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results.values(), key=str) == [True, True], results
    session.expire_all()
    assert [e.seq for e in report_chain.all_entries(session)] == [1, 2]
    assert verification.verify_all(session) == (2, [])
