"""Report and draw record PDFs through the test client (who may download which), and the public
verification of report codes: the page, the typed-code form and the API."""

import shutil
import subprocess
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from expert_pool.reviews import reports as review_reports
from expert_pool.reviews.models import ReportRefusal, Review
from knowledge.accounts.models import Role
from knowledge.audit import AuditLog
from knowledge.db import utcnow
from knowledge.regions import City
from tests.factories import login, make_account
from tests.review_fixtures import AT_MEETING, all_opinions, concluded, draft, ready_meeting, record, sign_all
from webapp.config import Config


@pytest.fixture
def m(app, session):
    meeting = ready_meeting(session, app.config["UPLOAD_DIR"])
    app.config["CLOCK_OFFSET_HOURS"] = (AT_MEETING - utcnow()).total_seconds() / 3600
    return meeting


def pdf_url(m, report):
    return f"/reviews/{m.review.id}/reports/{report.id}.pdf"


def name_views(session):
    return session.scalar(
        select(func.count()).select_from(AuditLog).where(AuditLog.action == "draw_view_names")
    )


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_team_downloads_the_final_report_and_the_view_of_names_is_logged(client, session, m, tmp_path):
    report = concluded(session, m)
    login(client, m.team)
    before = name_views(session)
    response = client.get(pdf_url(m, report))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "private, no-store"
    (tmp_path / "r.pdf").write_bytes(response.data)
    text = subprocess.run(["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True).stdout
    assert report.verify_code in text and m.project.name in text and "修改后通过" in text
    assert "http://127.0.0.1:5000/verify/" + report.verify_code in "".join(text.split())
    assert name_views(session) == before + 1


def test_draft_report_is_for_the_panel_and_the_authorities_not_the_team(client, session, m):
    record(session, m)
    all_opinions(session, m)
    report = draft(session, m)
    login(client, m.team)
    assert client.get(pdf_url(m, report)).status_code == 404
    client.post("/auth/logout")
    login(client, m.accounts[m.panel[3].id])
    assert client.get(pdf_url(m, report)).status_code == 200
    client.post("/auth/logout")
    login(client, make_account(session, Role.REGULATOR, city=City.SUZHOU))
    assert client.get(pdf_url(m, report)).status_code == 200


@pytest.mark.parametrize("who", ["other_team", "other_expert", "other_city"])
def test_strangers_get_404_for_a_final_report(client, session, m, who):
    report = concluded(session, m)
    account = {"other_team": lambda: make_account(session, Role.PROJECT_TEAM),
               "other_expert": lambda: make_account(session, Role.EXPERT),
               "other_city": lambda: make_account(session, Role.REGULATOR, city=City.NANJING)}[who]()  # fmt: skip
    login(client, account)
    assert client.get(pdf_url(m, report)).status_code == 404


def test_report_of_another_review_or_unknown_is_404(client, session, m):
    report = concluded(session, m)
    login(client, make_account(session, Role.ADMIN))
    assert client.get(f"/reviews/{m.review.id}/reports/{report.id + 99}.pdf").status_code == 404
    assert client.get(f"/reviews/{m.review.id + 99}/reports/{report.id}.pdf").status_code == 404


def test_anonymous_gets_the_verify_page_but_not_the_pdfs(client, session, m):
    report = concluded(session, m)
    for url in (pdf_url(m, report), f"/draws/{m.draw.id}/record.pdf"):
        response = client.get(url)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    page = client.get(f"/verify/{report.verify_code}")
    assert page.status_code == 200


def test_draw_record_pdf_for_office_and_regulators_only_and_logged(client, session, m):
    url = f"/draws/{m.draw.id}/record.pdf"
    for role, status in ((Role.PROJECT_TEAM, 403), (Role.EXPERT, 403)):
        overrides = {"enterprise_id": m.gc.id} if role is Role.PROJECT_TEAM else {}
        login(client, make_account(session, role, **overrides))
        assert client.get(url).status_code == status
        client.post("/auth/logout")
    login(client, m.team)
    assert client.get(url).status_code == 403  # the project team never: its panel is sealed
    client.post("/auth/logout")
    login(client, make_account(session, Role.REGULATOR, city=City.NANJING))
    assert client.get(url).status_code == 404
    client.post("/auth/logout")
    before = name_views(session)
    login(client, make_account(session, Role.DRAW_OFFICE, city=City.SUZHOU))
    response = client.get(url)
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert name_views(session) == before + 1
    assert client.get("/draws/999999/record.pdf").status_code == 404


def test_verify_page_says_current_with_key_facts_and_no_personal_data(client, session, m):
    report = concluded(session, m)
    page = client.get(f"/verify/{report.verify_code.lower()}").get_data(as_text=True)
    assert "真实有效且为现行版本" in page
    assert m.project.name in page and m.work.name in page and "修改后通过" in page and "第1版" in page
    assert "2026-12-03 12:00" in page  # signed, in Beijing time
    assert all(e.name not in page for e in m.panel)


def test_superseded_report_names_and_links_its_replacement(client, session, m):
    first = concluded(session, m)
    fixed = review_reports.correct_report(
        session, m.review, m.panel[0].id, reason="笔误", summary="更正后的说明",
        changes=[("补充坑底抗隆起验算。", [m.panel[0].id])], now=AT_MEETING + timedelta(hours=2),
    )  # fmt: skip
    sign_all(session, m, fixed)
    page = client.get(f"/verify/{first.verify_code}").get_data(as_text=True)
    assert "真实但已被第2版取代" in page and f'href="/verify/{fixed.verify_code}"' in page
    assert "真实有效且为现行版本" in client.get(f"/verify/{fixed.verify_code}").get_data(as_text=True)
    body = client.get(f"/api/v1/verify/{first.verify_code}").get_json()
    assert body["state"] == "superseded" and body["genuine"] and not body["current"]
    assert body["replaced_by_code"] == fixed.verify_code and body["replaced_by_version"] == 2


def test_draft_and_altered_reports(client, session, m):
    record(session, m)
    all_opinions(session, m)
    pending = draft(session, m)
    page = client.get(f"/verify/{pending.verify_code}").get_data(as_text=True)
    assert "草稿未生效" in page and m.project.name not in page
    sign_all(session, m, pending)
    session.execute(update(Review).where(Review.id == m.review.id).values(place="别处"))
    session.commit()
    page = client.get(f"/verify/{pending.verify_code}").get_data(as_text=True)
    assert "内容与签署时不一致（可能被篡改）" in page and "修改后通过" not in page
    body = client.get(f"/api/v1/verify/{pending.verify_code}").get_json()
    assert body["state"] == "altered" and not body["genuine"] and body["conclusion"] is None


@pytest.mark.parametrize(
    ("code", "status", "message"),
    [
        ("abc<script>", 400, "验证码格式不正确"),
        ("ABCDEFGHJKLMNP", 400, "验证码格式不正确"),
        ("0O1IABCDEFGH", 400, "验证码格式不正确"),
        ("ABCDEFGHJKLM", 404, "未找到该验证码对应的论证报告"),
    ],
)
def test_malformed_and_unknown_codes(client, code, status, message):
    response = client.get(f"/verify/{code}")
    assert response.status_code == status and message in response.get_data(as_text=True)
    api = client.get(f"/api/v1/verify/{code}")
    assert api.status_code == status
    error = api.get_json()["error"]
    assert (
        error["code"] == ("invalid_value" if status == 400 else "not_found") and message in error["message"]
    )


def test_typed_code_form(client, session, m):
    report = concluded(session, m)
    assert "核验" in client.get("/verify").get_data(as_text=True)
    response = client.get("/verify", query_string={"code": f" {report.verify_code.lower()} "})
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/verify/{report.verify_code}"
    )
    bad = client.get("/verify", query_string={"code": "x/../" * 40})
    assert bad.status_code == 400 and "验证码格式不正确" in bad.get_data(as_text=True)


def test_api_verify_is_public_and_answers_the_facts(client, session, m):
    report = concluded(session, m)
    body = client.get(f"/api/v1/verify/{report.verify_code}").get_json()
    assert body == {
        "code": report.verify_code, "state": "current", "genuine": True, "current": True, "version": 1,
        "replaced_by_code": None, "replaced_by_version": None, "message": "真实有效且为现行版本",
        "conclusion": "pass_after_revision", "project": m.project.name, "work": m.work.name,
        "finalised_at": report.finalised_at.isoformat(), "chain_seq": 1, "legacy": False,
        "signatures": [{"expert": s.signer_name[0] + "**", "signed_at": s.signed_at.isoformat(), "valid": True}
                       for s in report.signatures],
    }  # fmt: skip


def test_public_base_url_comes_from_the_environment(monkeypatch, tmp_path):
    assert Config(tmp_path).PUBLIC_BASE_URL == "http://127.0.0.1:5000"
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://weida.example.gov.cn/")
    assert Config(tmp_path).PUBLIC_BASE_URL == "https://weida.example.gov.cn"


def drafted(session, m):
    record(session, m)
    all_opinions(session, m)
    return draft(session, m)


def test_signing_asks_once_more_and_says_what_will_happen(client, session, m):
    report = drafted(session, m)
    url = f"/reviews/{m.review.id}/reports/{report.id}/sign"
    for expert in m.panel[:4]:
        review_reports.sign_report(session, m.review, report, expert.id, now=AT_MEETING)
    login(client, m.accounts[m.panel[4].id])
    page = client.post(url, data={"reserve": "1", "reservation": "监测报警值偏高"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="confirm"' in text
    assert "第1版" in text and "修改后通过" in text and "最后一位" in text and "立即定稿生效并冻结" in text
    assert "监测报警值偏高" in text and 'name="confirmed" value="1"' in text
    # A plain form that posts the same fields again: it works without JavaScript.
    assert (
        f'<form method="post" action="{url}"' in text and 'name="reservation" value="监测报警值偏高"' in text
    )
    session.expire_all()
    assert len(session.get(type(report), report.id).signatures) == 4  # nothing signed yet
    done = client.post(url, data={"reserve": "1", "reservation": "监测报警值偏高", "confirmed": "1"},
                       follow_redirects=True)  # fmt: skip
    assert "全体专家已签署，论证报告生效，保留意见已记录" in done.get_data(as_text=True)
    session.expire_all()
    signed = session.get(type(report), report.id)
    assert signed.finalised_at is not None and signed.signatures[-1].reservation == "监测报警值偏高"


def test_a_reservation_without_reason_is_refused_on_the_page(client, session, m):
    report = drafted(session, m)
    login(client, m.accounts[m.panel[1].id])
    response = client.post(f"/reviews/{m.review.id}/reports/{report.id}/sign",
                           data={"reserve": "1", "reservation": " "}, follow_redirects=True)  # fmt: skip
    assert response.status_code == 200 and "请填写保留意见的理由" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(type(report), report.id).signatures == []


def test_refusal_through_the_pages_then_the_office_answers(client, session, m):
    report = drafted(session, m)
    base = f"/reviews/{m.review.id}"
    login(client, m.accounts[m.panel[2].id])
    asked = client.post(f"{base}/reports/{report.id}/refuse", data={"reason": "监测方案缺失"}).get_data(
        as_text=True
    )
    assert "确认拒签" in asked and "送抽取办公室答复" in asked
    done = client.post(f"{base}/reports/{report.id}/refuse", data={"reason": "监测方案缺失", "confirmed": "1"},
                       follow_redirects=True).get_data(as_text=True)  # fmt: skip
    assert "已拒签并送抽取办公室答复" in done and "监测方案缺失" in done
    client.post("/auth/logout")
    refusal = session.scalar(select(ReportRefusal))
    answer_url = f"{base}/refusals/{refusal.id}/answer"
    login(client, m.team)
    assert "监测方案缺失" not in client.get(base).get_data(as_text=True)
    assert client.post(answer_url, data={"answer": "x"}).status_code == 403
    client.post("/auth/logout")
    login(client, make_account(session, Role.DRAW_OFFICE, city=City.SUZHOU))
    page = client.get(base).get_data(as_text=True)
    assert "监测方案缺失" in page and answer_url in page
    empty = client.post(answer_url, data={"answer": ""}, follow_redirects=True).get_data(as_text=True)
    assert "请填写答复意见" in empty
    answered = client.post(answer_url, data={"answer": "已请组长补充"}, follow_redirects=True)
    assert "已答复拒签" in answered.get_data(as_text=True) and "已请组长补充" in answered.get_data(
        as_text=True
    )


def test_regulators_see_an_experts_reservations_in_his_integrity_figures(client, session, m):
    report = drafted(session, m)
    review_reports.sign_report(session, m.review, report, m.panel[1].id, now=AT_MEETING, reservation="理由")
    url = f"/experts/{m.panel[1].id}"
    login(client, make_account(session, Role.REGULATOR))
    page = client.get(url).get_data(as_text=True)
    assert 'id="dissent"' in page and "签署时记录保留意见 <strong>1</strong> 次" in page
    assert f"/reviews/{m.review.id}#report" in page
    client.post("/auth/logout")
    login(client, make_account(session, Role.DRAW_OFFICE))
    assert 'id="dissent"' not in client.get(url).get_data(as_text=True)
