"""Issue 17 item 4: once a report is final the project team sees the panel's joint conclusion, the numbered
changes and the signatures, never which expert proposed what (page, API, PDF); regulators see everything;
the public verification page shows no per-expert opinion either."""

import shutil
import subprocess
from datetime import timedelta
from urllib.parse import unquote

import pytest

from expert_pool.reviews import reports as review_reports
from expert_pool.reviews.models import Conclusion
from knowledge.accounts.models import Role
from knowledge.db import utcnow
from tests.factories import login, make_account
from tests.review_fixtures import AT_MEETING, draft, opinion, ready_meeting, record
from tests.web.test_api import bearer

DISSENT = "高支模立杆间距明显过大，应重新验算。"
RESERVATION = "本人认为结论应为不通过，立杆须重新布置。"


def conclude(app, session, reservation=None):
    """A final 修改后通过 report; the fifth expert proposed 不通过 (and signs with a reservation if given)."""
    meeting = ready_meeting(session, app.config["UPLOAD_DIR"])
    app.config["CLOCK_OFFSET_HOURS"] = (AT_MEETING - utcnow()).total_seconds() / 3600
    record(session, meeting)
    for expert in meeting.panel[:4]:
        opinion(session, meeting, expert, Conclusion.PASS_AFTER_REVISION)
    opinion(session, meeting, meeting.panel[4], Conclusion.FAIL, findings={"1": DISSENT, "2": "", "3": ""})
    report = draft(session, meeting)
    signed_at = AT_MEETING + timedelta(hours=1)
    for expert in meeting.panel[:4]:
        review_reports.sign_report(session, meeting.review, report, expert.id, now=signed_at)
    last = {"reservation": reservation} if reservation else {}
    review_reports.sign_report(session, meeting.review, report, meeting.panel[4].id, now=signed_at, **last)
    session.refresh(report)
    assert report.finalised_at is not None
    meeting.report = report
    return meeting


@pytest.fixture
def m(app, session):
    return conclude(app, session)


@pytest.fixture
def reserved(app, session):
    return conclude(app, session, RESERVATION)


def pdf_text(data, tmp_path):
    (tmp_path / "r.pdf").write_bytes(data)
    out = subprocess.run(
        ["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True, check=True
    )
    return "".join(out.stdout.split())


def test_team_page_shows_the_joint_conclusion_not_who_proposed_what(client, session, m):
    login(client, m.team)
    page = client.get(f"/reviews/{m.review.id}").get_data(as_text=True)
    assert "修改后通过" in page and "补充坑底抗隆起验算。" in page and m.report.verify_code in page
    assert all(e.name in page for e in m.panel)  # the signatures, by name
    for private in (DISSENT, "建议结论", "不通过", "来自：", RESERVATION, "保留意见</span>"):
        assert private not in page, private


def test_team_page_does_not_say_who_signed_with_a_reservation(client, session, reserved):
    login(client, reserved.team)
    page = client.get(f"/reviews/{reserved.review.id}").get_data(as_text=True)
    assert "修改后通过" in page and all(e.name in page for e in reserved.panel)
    assert RESERVATION not in page and "保留意见</span>" not in page


def test_regulator_page_shows_every_opinion_and_the_reservation(client, session, reserved):
    m = reserved
    login(client, make_account(session, Role.REGULATOR, city=m.work.city))
    page = client.get(f"/reviews/{m.review.id}").get_data(as_text=True)
    assert DISSENT in page and "建议结论：不通过" in page and RESERVATION in page


def test_draw_office_sees_no_individual_opinion(client, session, m):
    login(client, make_account(session, Role.DRAW_OFFICE, city=m.work.city))
    page = client.get(f"/reviews/{m.review.id}").get_data(as_text=True)
    assert "修改后通过" in page and DISSENT not in page and RESERVATION not in page


def test_team_api_has_no_per_expert_information_and_the_regulators_has(client, session, m):
    url = f"/api/v1/reviews/{m.review.id}"
    team = client.get(url, headers=bearer(session, m.team)).get_json()
    assert team["opinions"] is None and "refusals" not in team
    final = team["reports"][0]
    assert final["conclusion"] == "pass_after_revision" and [c["number"] for c in final["changes"]] == [1, 2]
    assert all("from_experts" not in c for c in final["changes"])
    assert len(final["signatures"]) == 5 and all("reservation" not in s for s in final["signatures"])
    assert DISSENT not in str(team)

    regulator = make_account(session, Role.REGULATOR, city=m.work.city)
    body = client.get(url, headers=bearer(session, regulator)).get_json()
    proposed = {o["expert_id"]: o["proposed"] for o in body["opinions"]}
    assert proposed[m.panel[4].id] == "fail" and body["reports"][0]["changes"][0]["from_experts"]


def test_api_gives_the_reservation_to_the_regulator_only(client, session, reserved):
    m, url = reserved, f"/api/v1/reviews/{reserved.review.id}"
    assert RESERVATION not in str(client.get(url, headers=bearer(session, m.team)).get_json())
    regulator = make_account(session, Role.REGULATOR, city=m.work.city)
    body = client.get(url, headers=bearer(session, regulator)).get_json()
    reservations = {s["expert_id"]: s["reservation"] for s in body["reports"][0]["signatures"]}
    assert reservations[m.panel[4].id] == RESERVATION and reservations[m.panel[0].id] is None


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_team_downloads_the_issued_report_and_the_regulator_the_record(client, session, m, tmp_path):
    url = f"/reviews/{m.review.id}/reports/{m.report.id}.pdf"
    login(client, m.team)
    response = client.get(url)
    assert "监管存档本" not in unquote(response.headers["Content-Disposition"])
    issued = pdf_text(response.data, tmp_path)
    assert "论证结论：修改后通过" in issued and m.report.verify_code in issued
    for private in (DISSENT, "建议结论", "意见来源"):
        assert private not in issued, private
    client.post("/auth/logout")
    login(client, make_account(session, Role.REGULATOR, city=m.work.city))
    response = client.get(url)
    assert "监管存档本" in unquote(response.headers["Content-Disposition"])
    kept = pdf_text(response.data, tmp_path)
    assert "监管存档本" in kept and DISSENT in kept and "建议结论：不通过" in kept
    assert m.report.verify_code in kept and m.report.content_hash in kept and m.report.content_hash in issued


def test_verify_page_says_current_and_shows_no_opinion_or_reservation(client, session, reserved):
    m = reserved
    page = client.get(f"/verify/{m.report.verify_code}").get_data(as_text=True)
    assert "真实有效且为现行版本" in page  # the hash covers the reservation and still verifies
    for private in (DISSENT, RESERVATION, "不通过", "保留意见"):
        assert private not in page, private
    assert client.get(f"/api/v1/verify/{m.report.verify_code}").get_json()["state"] == "current"
