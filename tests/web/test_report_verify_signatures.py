"""The public verification page says which experts' signatures check out and where the report stands in the
chain; a forged report is not shown as genuine; `flask reports verify --all` replays the chain (issue 18 item 5)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import delete, text, update

from expert_pool.reviews import reports as review_reports
from expert_pool.reviews.models import Conclusion, ReportSignature, ReviewReport
from expert_pool.reviews.signing_models import ReportChainEntry
from knowledge.db import utcnow
from tests.review_fixtures import AT_MEETING, concluded, ready_meeting


@pytest.fixture
def m(app, session):
    meeting = ready_meeting(session, app.config["UPLOAD_DIR"])
    app.config["CLOCK_OFFSET_HOURS"] = (AT_MEETING - utcnow()).total_seconds() / 3600
    return meeting


def drop_trigger(session, table: str, sqlite_names: tuple[str, ...], pg_name: str) -> None:
    if session.get_bind().dialect.name == "sqlite":
        for name in sqlite_names:
            session.execute(text(f"DROP TRIGGER {name}"))
    else:
        session.execute(text(f"DROP TRIGGER {pg_name} ON {table}"))
    session.commit()


@pytest.fixture
def unfrozen(session):
    """The report and signature tables without their triggers (made again afterwards: one PostgreSQL schema
    serves the whole run)."""
    from expert_pool.reviews import models

    tables = ("review_report", "review_signature")
    for table in tables:
        drop_trigger(session, table, (f"{table}_frozen_update", f"{table}_frozen_delete"), f"{table}_frozen")
    yield
    session.rollback()
    make = models.sqlite_guards if session.get_bind().dialect.name == "sqlite" else models.postgres_guards
    for table in tables:
        for stmt in make(table, models.FROZEN[table]):
            session.execute(text(stmt))
    session.commit()


def signature_cells(page: str) -> list[str]:
    return re.findall(r'<tr class="signature">.*?<td class="[^"]*">(.*?)</td></tr>', page, flags=re.S)


def test_the_page_lists_each_signature_as_valid_and_the_chain_place(client, session, m):
    report = concluded(session, m)
    page = client.get(f"/verify/{report.verify_code}").get_data(as_text=True)
    assert "真实有效且为现行版本" in page
    assert signature_cells(page) == ["签名有效"] * len(m.panel)
    assert "第1条，前后衔接完整" in page and "与定稿时以系统密钥计算的摘要一致" in page
    assert m.panel[0].name not in page and m.panel[0].name[0] + "**" in page  # masked on the public page
    assert "本报告早于电子签名启用" not in page


def test_a_forged_conclusion_is_not_shown_as_genuine(client, session, m, unfrozen):
    report = concluded(session, m)
    session.execute(
        update(ReviewReport).where(ReviewReport.id == report.id).values(conclusion=Conclusion.PASS)
    )
    session.commit()
    session.refresh(report)
    forged = review_reports.content_hash(review_reports.report_content(session, m.review, report))
    session.execute(update(ReviewReport).where(ReviewReport.id == report.id).values(content_hash=forged))
    session.commit()
    page = client.get(f"/verify/{report.verify_code}").get_data(as_text=True)
    assert "内容与签署时不一致（可能被篡改）" in page and "真实有效" not in page
    assert "与定稿时的摘要不一致" in page and signature_cells(page) == ["签名无效"] * len(m.panel)
    assert "<strong>通过</strong>" not in page  # the forged conclusion is never shown as the report's
    body = client.get(f"/api/v1/verify/{report.verify_code}").get_json()
    assert body["state"] == "altered" and body["genuine"] is False and body["conclusion"] is None


def test_a_tampered_signature_is_named_on_the_page(client, session, m, unfrozen):
    report = concluded(session, m)
    row = session.get(ReportSignature, report.signatures[1].id)
    session.execute(update(ReportSignature).where(ReportSignature.id == row.id)
                    .values(signature=row.signature[::-1]))  # fmt: skip
    session.commit()
    page = client.get(f"/verify/{report.verify_code}").get_data(as_text=True)
    assert "内容与签署时不一致" in page
    assert signature_cells(page) == ["签名有效", "签名无效"] + ["签名有效"] * (len(m.panel) - 2)


def test_reports_verify_command_passes_then_names_a_deleted_entry(runner, session, m):
    report = concluded(session, m)
    result = runner.invoke(args=["reports", "verify", "--all"])
    assert result.exit_code == 0 and "论证报告校验通过：共1份定稿报告" in result.output
    drop_trigger(session, "report_chain_entry", ("report_chain_entry_no_update", "report_chain_entry_no_delete"),
                 "report_chain_entry_guard")  # fmt: skip
    try:
        session.execute(delete(ReportChainEntry).where(ReportChainEntry.report_id == report.id))
        session.commit()
        failed = runner.invoke(args=["reports", "verify", "--all"])
        assert failed.exit_code != 0 and "校验未通过" in failed.output and "不在报告链上" in failed.output
        page = client_page(runner, report)
        assert "不在报告链上" in page
    finally:
        from expert_pool.reviews import signing_models as sm

        make = sm.sqlite_guards if session.get_bind().dialect.name == "sqlite" else sm.postgres_guards
        for stmt in make("report_chain_entry", sm.GUARDED["report_chain_entry"]):
            session.execute(text(stmt))
        session.commit()


def client_page(runner, report) -> str:
    return runner.app.test_client().get(f"/verify/{report.verify_code}").get_data(as_text=True)


def test_the_seeded_demo_reports_all_verify(runner):
    seeded = runner.invoke(args=["seed-demo", "--scale", "small"])
    assert seeded.exit_code == 0, seeded.output
    result = runner.invoke(args=["reports", "verify", "--all"])
    assert result.exit_code == 0, result.output
    assert "论证报告校验通过" in result.output and "共0份" not in result.output
