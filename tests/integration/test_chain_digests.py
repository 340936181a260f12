"""The daily signed digest carries both keyed chains' heads (issue 18): the report chain's head is published on
the public verification page and signed each day beside the draws', a rewrite of the report chain made even
with its key is caught against a digest kept before, and a digest signed before it carried a report head still
verifies."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import delete, insert, text

from expert_pool.draws import chain, digest
from expert_pool.draws.models import ChainDigest
from expert_pool.reviews import report_chain, signing_models
from expert_pool.reviews.signing_models import ReportChainEntry
from tests.review_fixtures import AT_MEETING, concluded, ready_meeting
from webapp.cli import digest_key_from_config


@pytest.fixture
def final(app, session):
    """A meeting whose report is final: one entry on the report chain, the panel's entries on the draws'."""
    m = ready_meeting(session, app.config["UPLOAD_DIR"])
    return concluded(session, m)


@pytest.fixture
def key(app):
    with app.app_context():
        return digest_key_from_config()


def kept(session, key) -> dict:
    made = report_chain.sign_digest(session, key, now=AT_MEETING)
    return digest.as_document(made, digest.public_key_hex(key))


def rewrite_report_chain(session) -> None:
    """An insider with REPORT_KEY and the rights to drop the triggers re-links the whole report chain over a
    changed report hash: the chain alone verifies again."""
    dialect = session.get_bind().dialect.name
    drops = signing_models.drop_guards(
        "report_chain_entry", "sqlite" if dialect == "sqlite" else "postgresql"
    )
    for stmt in drops:
        session.execute(text(stmt))
    entries = report_chain.all_entries(session)
    session.execute(delete(ReportChainEntry))
    links = [
        report_chain.Link(report_chain.Kind(e.kind), e.report_id, e.version, "ab" * 32, e.at) for e in entries
    ]
    session.execute(insert(report_chain.ENTRY), report_chain.rows(links, None))
    make = signing_models.sqlite_guards if dialect == "sqlite" else signing_models.postgres_guards
    for stmt in make("report_chain_entry", signing_models.GUARDED["report_chain_entry"]):
        session.execute(text(stmt))
    session.commit()
    assert report_chain.verify_links(report_chain.all_entries(session)) == []


def test_the_digest_signs_both_heads_and_each_chain_checks_against_it(session, final, key):
    document = kept(session, key)
    head = report_chain.head(session)
    assert head is not None and (document["report_head_seq"], document["report_head_mac"]) == head
    public = digest.public_key_hex(key)
    assert digest.check_against(session, document, public).ok
    checked = report_chain.check_digest(session, document, public)
    assert checked.ok and "报告链第1条" in checked.message
    forged = {**document, "report_head_mac": "0" * 64}  # the report head swapped: the signature breaks
    assert "签名无效" in report_chain.check_digest(session, forged, public).message
    assert "签名无效" in digest.check_against(session, forged, public).message


def test_a_rewritten_report_chain_is_caught_against_a_digest_kept_before(session, final, key):
    document = kept(session, key)
    rewrite_report_chain(session)
    checked = report_chain.check_digest(session, document, digest.public_key_hex(key))
    assert not checked.ok and "此后报告链被改写" in checked.message
    assert digest.check_against(
        session, document, digest.public_key_hex(key)
    ).ok  # the draws' chain is intact


def test_a_digest_signed_before_it_carried_a_report_head_still_verifies(session, final, key):
    top = chain.head(session)
    assert top is not None
    day = AT_MEETING.date()
    old_statement = json.dumps({"date": day.isoformat(), "head_seq": top[0], "head_mac": top[1]},
                               sort_keys=True, separators=(",", ":")).encode()  # fmt: skip
    assert digest.statement(day, *top) == old_statement  # signed exactly as before 0021
    session.add(ChainDigest(day=day, head_seq=top[0], head_mac=top[1], signature=key.sign(old_statement).hex(),
                            created_at=AT_MEETING))  # fmt: skip
    session.commit()
    document = digest.as_document(digest.on_day(session, day), digest.public_key_hex(key))
    assert "report_head_seq" not in document
    assert digest.check_against(session, document, digest.public_key_hex(key)).ok
    checked = report_chain.check_digest(session, document, digest.public_key_hex(key))
    assert not checked.ok and "尚未记入报告链链头" in checked.message
    later = report_chain.sign_digest(session, key, now=AT_MEETING + timedelta(minutes=5))
    assert later.report_head_seq is None  # once a day: the day's digest is the one already signed


def test_the_commands_check_a_kept_digest_against_the_report_chain(runner, session, final, key, tmp_path):
    made = runner.invoke(args=["draws", "digest"])
    assert made.exit_code == 0, made.output
    document = json.loads(made.output)
    assert document["report_head_seq"] == 1
    path = tmp_path / "digest.json"
    path.write_text(json.dumps(document))
    ok = runner.invoke(args=["reports", "verify", "--against", str(path)])
    assert ok.exit_code == 0 and "此前的报告链未被改写" in ok.output
    both = runner.invoke(args=["draws", "verify", "--against", str(path)])
    assert both.exit_code == 0 and "此前的链未被改写" in both.output and "此前的报告链未被改写" in both.output
    rewrite_report_chain(session)
    for args in (["reports", "verify", "--against", str(path)], ["draws", "verify", "--against", str(path)]):
        result = runner.invoke(args=args)
        assert result.exit_code != 0 and "此后报告链被改写" in result.output
    path.write_text("not json")
    assert "不是有效的 JSON" in runner.invoke(args=["reports", "verify", "--against", str(path)]).output


def test_the_public_verification_page_shows_the_report_chains_head(client, session, final):
    head = report_chain.head(session)
    assert head is not None
    html = client.get(f"/verify/{final.verify_code}").get_data(as_text=True)
    assert 'id="report-chain-head"' in html and f"第{head[0]}条" in html and head[1] in html
    assert head[1] in client.get("/verify").get_data(as_text=True)
