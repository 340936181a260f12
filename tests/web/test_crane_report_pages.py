"""Inspection-report pages and API: an admin registers a body and its inspector's account, the inspector starts,
records and publishes a report on the phone form, its readers read it and its PDF, the public checks its code; the
bad-input cases with their Chinese messages and nothing changed."""

import hashlib
import io

import pytest
from sqlalchemy import func, select

from knowledge.accounts.models import Account, Role
from knowledge.cranes.inspection_models import InspectionBody, InspectionReport, ReportItem, ReportPhoto
from knowledge.cranes.machines import MachineType
from knowledge.regions import City
from tests.crane_report_factories import (
    entries,
    key_items,
    make_body,
    make_inspector,
    make_machine,
    make_published_report,
    start,
)
from tests.factories import login, make_account, make_enterprise
from tests.site_factories import png_bytes
from tests.web.test_api import assert_error, bearer

TOWER = MachineType.TOWER_CRANE


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def item_form(machine_type: MachineType, **kw) -> dict[str, str]:
    """The item form as a browser posts it: a result, figure and note per item."""
    data: dict[str, str] = {}
    for e in entries(machine_type, **kw):
        data[f"result-{e.key}"] = e.outcome.value if e.outcome else ""
        data[f"measured-{e.key}"] = e.measured
        data[f"note-{e.key}"] = e.note
    return data


@pytest.fixture
def crew(session):
    body = make_body(session)
    return {"body": body, "inspector": make_inspector(session, body), "machine": make_machine(session)}


# ---- bodies and inspector accounts (admin)


def test_an_admin_registers_a_body_and_creates_an_inspector_who_signs_in(app, client, session):
    enterprise = make_enterprise(session, city=City.NANTONG, name="南通市建设工程质量检测中心有限公司")
    login(client, make_account(session, Role.ADMIN))
    bad = client.post("/cranes/bodies/new", data={"credit_code": "91320000XXXXXXXXXX", "qualification_number": "苏1",
                                                  "valid_until": "2030-01-01"})  # fmt: skip
    assert "单位未登记" in bad.get_data(as_text=True) and count(session, InspectionBody) == 0
    response = client.post("/cranes/bodies/new", data={"credit_code": enterprise.credit_code,
                                                       "qualification_number": "苏建检字00018号", "valid_until": "2030-01-01"})  # fmt: skip
    assert response.status_code == 302
    assert "南通市建设工程质量检测中心有限公司" in client.get("/cranes/bodies").get_data(as_text=True)
    data = {"username": "inspector_nt", "display_name": "钱检验", "password": "Passw0rd!2026", "role": "inspection_body",
            "city": "", "enterprise_credit_code": enterprise.credit_code, "expert_id": ""}  # fmt: skip
    page = client.post("/admin/accounts/new", data=data, follow_redirects=True).get_data(as_text=True)
    assert "账号已创建" in page
    account = session.scalar(select(Account).where(Account.username == "inspector_nt"))
    assert account.role is Role.INSPECTION_BODY and account.enterprise_id == enterprise.id
    unbound = client.post(
        "/admin/accounts/new", data={**data, "username": "inspector_x", "enterprise_credit_code": ""}
    )
    assert "检验机构账号必须绑定一个单位" in unbound.get_data(as_text=True)
    inspector = app.test_client()
    signed_in = inspector.post("/auth/login", data={"username": "inspector_nt", "password": "Passw0rd!2026"})
    assert signed_in.status_code == 302 and "/auth/login" not in signed_in.headers["Location"]
    changed = inspector.post("/auth/password", data={"old_password": "Passw0rd!2026", "new_password": "Another!2027x",
                                                     "confirm": "Another!2027x"})  # fmt: skip
    assert changed.status_code == 302
    listing = inspector.get("/cranes/reports")
    assert listing.status_code == 200 and "南通市建设工程质量检测中心有限公司" in listing.get_data(
        as_text=True
    )


# ---- the inspector's flow on the pages


def test_an_inspector_starts_records_with_photos_and_publishes_on_the_pages(client, session, crew):
    machine = crew["machine"]
    login(client, crew["inspector"])
    bad = client.post("/cranes/reports/new", data={"registration_number": "苏E-T-99999"})
    assert "没有备案编号为“苏E-T-99999”的起重机械" in bad.get_data(as_text=True)
    response = client.post("/cranes/reports/new", data={"registration_number": machine.registration_number})
    assert response.status_code == 302
    items_url = response.headers["Location"]
    report = session.scalar(select(InspectionReport))
    form = item_form(TOWER)
    first = entries(TOWER)[0].key
    form[f"photos-{first}"] = (io.BytesIO(png_bytes()), "现场.png")  # type: ignore[assignment]
    saved = client.post(items_url, data=form, content_type="multipart/form-data", follow_redirects=True)
    assert "已保存49个检验项" in saved.get_data(as_text=True)
    assert count(session, ReportItem) == 49 and count(session, ReportPhoto) == 1
    published = client.post(
        f"/cranes/reports/{report.id}/publish", data={"conclusion": ""}, follow_redirects=True
    )
    page = published.get_data(as_text=True)
    assert "检验报告已出具" in page and "检验结论：合格" in page
    session.refresh(report)
    pdf = client.get(f"/cranes/reports/{report.id}.pdf")
    assert pdf.mimetype == "application/pdf" and hashlib.sha256(pdf.data).hexdigest() == report.sha256
    photo = session.scalar(select(ReportPhoto))
    assert client.get(f"/cranes/reports/photos/{photo.id}").data == png_bytes()
    assert client.get(f"/cranes/reports/photos/{photo.id}/thumb").mimetype == "image/jpeg"
    again = client.get(items_url, follow_redirects=True).get_data(as_text=True)
    assert "已出具，不能再修改" in again
    assert report.number in client.get("/cranes/reports").get_data(as_text=True)


def test_an_item_from_another_type_and_a_contradicting_conclusion_are_refused_on_the_page(
    client, session, crew
):
    report = start(session, crew["inspector"], crew["machine"])
    login(client, crew["inspector"])
    hoist_key = entries(MachineType.CONSTRUCTION_HOIST)[0].key
    page = client.post(f"/cranes/reports/{report.id}/items",
                       data={**item_form(TOWER), f"result-{hoist_key}": "conform"}).get_data(as_text=True)  # fmt: skip
    assert "属于施工升降机的检查表，不能记入塔式起重机的检验报告" in page and count(session, ReportItem) == 0
    client.post(f"/cranes/reports/{report.id}/items", data=item_form(TOWER, fail=key_items(TOWER)[:1]))
    assert count(session, ReportItem) == 49
    refused = client.post(
        f"/cranes/reports/{report.id}/publish", data={"conclusion": "pass"}, follow_redirects=True
    )
    assert "与检验项目不符，按检验项目应为“不合格”" in refused.get_data(as_text=True)
    session.refresh(report)
    assert report.state.value == "draft" and report.number is None


def test_another_bodys_inspector_gets_404_and_changes_nothing(client, session, crew):
    report = start(session, crew["inspector"], crew["machine"])
    login(client, make_inspector(session, make_body(session)))
    assert client.get(f"/cranes/reports/{report.id}/items").status_code == 404
    assert client.post(f"/cranes/reports/{report.id}/items", data=item_form(TOWER)).status_code == 404
    assert client.post(f"/cranes/reports/{report.id}/publish", data={"conclusion": ""}).status_code == 404
    assert client.get(f"/cranes/reports/{report.id}").status_code == 404
    assert count(session, ReportItem) == 0


def test_an_unregistered_inspector_is_told_why_he_cannot_start(client, session):
    login(client, make_account(session, Role.INSPECTION_BODY))
    assert "尚未登记为检验机构" in client.get("/cranes/reports/new").get_data(as_text=True)
    assert "尚未登记为检验机构" in client.get("/cranes/reports").get_data(as_text=True)


def test_readers_see_the_report_and_others_do_not(client, session, crew):
    report = make_published_report(session, crew["inspector"], crew["machine"])
    login(client, make_account(session, Role.PROJECT_TEAM, enterprise_id=crew["machine"].owner_id))
    assert client.get(f"/cranes/reports/{report.id}").status_code == 200
    client.post("/auth/logout")
    login(client, make_account(session, Role.PROJECT_TEAM))
    assert client.get(f"/cranes/reports/{report.id}").status_code == 404
    assert client.get(f"/cranes/reports/{report.id}.pdf").status_code == 404
    client.post("/auth/logout")
    login(client, make_account(session, Role.REGULATOR, city=City.NANJING))
    assert client.get(f"/cranes/reports/{report.id}").status_code == 404
    client.post("/auth/logout")
    login(client, make_account(session, Role.EXPERT))
    assert client.get(f"/cranes/reports/{report.id}").status_code == 403


# ---- public verification


def test_the_public_verify_page_for_good_malformed_and_unknown_codes(client, session, crew):
    report = make_published_report(session, crew["inspector"], crew["machine"], fail=key_items(TOWER)[:1])
    good = client.get(f"/cranes/reports/verify/{report.verify_code}")
    assert good.status_code == 200 and "检验结论“不合格”" in good.get_data(as_text=True)
    typed = client.get(f"/cranes/reports/verify?code={report.verify_code.lower()}")
    assert typed.status_code == 302 and typed.headers["Location"].endswith(report.verify_code)
    malformed = client.get("/cranes/reports/verify?code=abc")
    assert malformed.status_code == 400 and "验证码格式不正确" in malformed.get_data(as_text=True)
    assert client.get("/cranes/reports/verify/abc").status_code == 400
    unknown = client.get("/cranes/reports/verify/ABCDEFGHJKLM")
    assert unknown.status_code == 404 and "没有验证码为 ABCDEFGHJKLM 的起重机械检验报告" in unknown.get_data(
        as_text=True
    )
    assert client.get("/cranes/reports/verify").status_code == 200


# ---- API


def test_the_api_starts_records_publishes_reads_and_verifies(client, session, crew):
    machine, headers = crew["machine"], bearer(session, crew["inspector"])
    started = client.post("/api/v1/cranes/reports", json={"registration_number": machine.registration_number},
                          headers=headers)  # fmt: skip
    assert started.status_code == 201, started.get_json()
    report_id = started.get_json()["id"]
    hoist_key = entries(MachineType.CONSTRUCTION_HOIST)[0].key
    wrong = client.post(f"/api/v1/cranes/reports/{report_id}/items", headers=headers,
                        json={"items": [{"key": hoist_key, "result": "conform"}]})  # fmt: skip
    error = assert_error(wrong, 422, "crane_rule")
    assert "属于施工升降机的检查表" in error["message"] and count(session, ReportItem) == 0
    items = [{"key": e.key, "result": e.outcome.value, "measured": e.measured, "note": e.note}
             for e in entries(TOWER, fail=key_items(TOWER)[:1])]  # fmt: skip
    recorded = client.post(
        f"/api/v1/cranes/reports/{report_id}/items", json={"items": items}, headers=headers
    )
    assert recorded.status_code == 200 and sum(1 for i in recorded.get_json()["items"] if i["fails"]) == 1
    contradicted = client.post(f"/api/v1/cranes/reports/{report_id}/publish", json={"conclusion": "pass"},
                               headers=headers)  # fmt: skip
    assert "与检验项目不符" in assert_error(contradicted, 422, "crane_rule")["message"]
    published = client.post(
        f"/api/v1/cranes/reports/{report_id}/publish", json={}, headers=headers
    ).get_json()
    assert published["conclusion"] == "fail" and published["nonconformities"] == 1
    pdf = client.get(f"/api/v1/cranes/reports/{report_id}/pdf", headers=headers)
    assert hashlib.sha256(pdf.data).hexdigest() == published["sha256"]
    listed = client.get("/api/v1/cranes/reports?state=published", headers=headers).get_json()
    assert [r["id"] for r in listed["items"]] == [report_id]
    verified = client.get(f"/api/v1/cranes/reports/verify/{published['verify_code']}").get_json()
    assert verified["number"] == published["number"] and verified["conclusion"] == "fail"
    assert_error(client.get("/api/v1/cranes/reports/verify/abc"), 400, "invalid_value")
    assert_error(client.get("/api/v1/cranes/reports/verify/ABCDEFGHJKLM"), 404, "not_found")


def test_the_api_keeps_other_bodies_and_roles_out(client, session, crew):
    report = start(session, crew["inspector"], crew["machine"])
    stranger = bearer(session, make_inspector(session, make_body(session)))
    assert_error(client.get(f"/api/v1/cranes/reports/{report.id}", headers=stranger), 404, "not_found")
    items = [{"key": e.key, "result": "conform", "measured": e.measured} for e in entries(TOWER)[:2]]
    assert_error(client.post(f"/api/v1/cranes/reports/{report.id}/items", json={"items": items}, headers=stranger),
                 404, "not_found")  # fmt: skip
    regulator = bearer(session, make_account(session, Role.REGULATOR))
    assert client.get(f"/api/v1/cranes/reports/{report.id}", headers=regulator).status_code == 200
    assert_error(client.post("/api/v1/cranes/reports", json={"registration_number": "x"}, headers=regulator),
                 403, "forbidden")  # fmt: skip
    assert_error(client.post(f"/api/v1/cranes/reports/{report.id}/items", json={"items": [{"key": 1}]},
                             headers=bearer(session, crew["inspector"])), 400, "invalid_value")  # fmt: skip
    assert count(session, ReportItem) == 0


def test_an_inspectors_home_lists_his_bodys_inspections_under_way_and_not_anothers(client, session, crew):
    mine = start(session, crew["inspector"], crew["machine"])
    other_body = make_body(session)
    theirs = start(session, make_inspector(session, other_body), make_machine(session))
    make_published_report(session, crew["inspector"], make_machine(session))
    login(client, crew["inspector"])
    page = client.get("/").get_data(as_text=True)
    assert f"/cranes/reports/{mine.id}/items" in page and f"/cranes/reports/{theirs.id}/items" not in page
    assert "检验中的报告（1）" in page and "已出具 1 份" in page and "全省项目" not in page
