"""Audited reads, refusals and sign-ins through the pages (issue 18, item 11): every row carries the actor, the
request's source address and the outcome; the admin's audit page shows both."""

import pytest
from sqlalchemy import select

from expert_pool.reviews import reports as review_reports
from knowledge import audit
from knowledge.accounts.models import Role
from knowledge.audit import AuditLog
from knowledge.db import utcnow
from tests.factories import PASSWORD, login, make_account
from tests.review_fixtures import AT_MEETING, concluded, draft, ready_meeting, record
from tests.review_fixtures import opinion as submit_opinion
from tests.web.test_opinion_form import opinion_form

ADDRESS = "127.0.0.1"  # the test client's REMOTE_ADDR


@pytest.fixture
def m(app, session):
    meeting = ready_meeting(session, app.config["UPLOAD_DIR"])
    app.config["CLOCK_OFFSET_HOURS"] = (AT_MEETING - utcnow()).total_seconds() / 3600
    return meeting


def rows(session, action):
    session.expire_all()
    return session.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.seq)).all()


def test_a_refused_page_is_audited_once_with_actor_address_and_outcome(client, session):
    team = make_account(session, Role.PROJECT_TEAM)
    login(client, team)
    assert client.get("/admin/audit").status_code == 403
    [row] = rows(session, "access_denied")
    assert (row.actor_id, row.address, row.outcome) == (team.id, ADDRESS, "denied")
    assert row.after == {"method": "GET", "path": "/admin/audit"}
    assert audit.verify(session)[1] == []


def test_a_failed_sign_in_and_a_logout_carry_the_address(client, session):
    account = make_account(session, Role.REGULATOR)
    client.post("/auth/login", data={"username": account.username, "password": "wrong-password"})
    [failed] = rows(session, "login_failed")
    assert (failed.address, failed.outcome) == (ADDRESS, "failed")
    login(client, account, PASSWORD)
    [signed_in] = rows(session, "login")
    assert (signed_in.actor_id, signed_in.address, signed_in.outcome) == (account.id, ADDRESS, "ok")
    client.post("/auth/logout")
    [ended] = rows(session, "sessions_end")
    assert (ended.actor_id, ended.address, ended.after) == (account.id, ADDRESS, {"reason": "logout"})


def test_the_works_export_is_audited_with_its_filter(client, session):
    regulator = make_account(session, Role.REGULATOR)
    login(client, regulator)
    assert client.get("/works/export.csv?category=excavation").status_code == 200
    [row] = rows(session, "works_export")
    assert (row.actor_id, row.address, row.outcome) == (regulator.id, ADDRESS, "ok")
    assert row.after == {"format": "csv", "filters": {"category": "excavation"}}


def test_plan_downloads_are_audited_on_the_registry_and_the_review(client, session, m):
    version = m.review.plan_version
    regulator = make_account(session, Role.REGULATOR)
    login(client, regulator)
    assert client.get(f"/works/plans/{version.id}/download").status_code == 200
    client.post("/auth/logout")
    expert = m.panel[0]
    login(client, m.accounts[expert.id])
    assert client.get(f"/reviews/{m.review.id}/plan/download").status_code == 200
    downloads = rows(session, "plan_download")
    assert [(r.actor_id, r.object_id, r.address) for r in downloads] == [
        (regulator.id, str(version.id), ADDRESS),
        (m.accounts[expert.id].id, str(version.id), ADDRESS),
    ]


def test_a_report_pdf_download_is_audited(client, session, m):
    report = concluded(session, m)
    login(client, m.team)
    assert client.get(f"/reviews/{m.review.id}/reports/{report.id}.pdf").status_code == 200
    [row] = rows(session, "report_pdf")
    assert (row.actor_id, row.object_id, row.address) == (m.team.id, str(report.id), ADDRESS)
    assert row.after == {"review_id": m.review.id, "edition": "issued"}


def test_opinions_and_signatures_name_the_expert_as_actor(client, session, m):
    record(session, m)
    expert = m.panel[1]
    account = m.accounts[expert.id]
    login(client, account)
    done = client.post(f"/reviews/{m.review.id}/opinion", data=opinion_form(confirmed="1"))
    assert done.status_code == 302
    [opinion] = rows(session, "review_opinion")
    assert (opinion.actor_id, opinion.address, opinion.after["expert_id"]) == (account.id, ADDRESS, expert.id)
    for other in m.panel:
        if other.id != expert.id:
            submit_opinion(session, m, other)
    report = draft(session, m)
    url = f"/reviews/{m.review.id}/reports/{report.id}/sign"
    assert client.post(url, data={"confirmed": "1"}).status_code == 302
    [signed] = rows(session, "review_sign")
    assert (signed.actor_id, signed.address, signed.after["expert_id"]) == (account.id, ADDRESS, expert.id)
    assert review_reports.get_report(session, m.review, report.id).signatures


def test_the_audit_page_shows_address_and_outcome(client, session):
    admin = make_account(session, Role.AUDIT_ADMIN)
    client.post("/auth/login", data={"username": admin.username, "password": "wrong-password"})
    login(client, admin)
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "来源地址" in page and "结果" in page and ADDRESS in page
    assert "登录失败" in page and "失败" in page and "成功" in page
