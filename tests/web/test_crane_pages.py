"""The crane register's pages and API: registration, the machine page, certificates, revocation, and the public
verification of a certificate's code (current, superseded, revoked, malformed, unknown)."""

import hashlib
from datetime import date
from decimal import Decimal

import pytest

from expert_pool.pdf.crane_certificate_pdf import certificate_pdf
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.cranes import services
from knowledge.cranes.machines import MachineType
from knowledge.regions import City
from tests.factories import login, make_account, make_enterprise
from tests.web.test_api import assert_error, bearer

FORM = {"machine_type": "tower_crane", "maker": "中联重科", "model": "TC6013", "serial_number": "WEB-1",
        "manufactured_on": "2023-03-01", "rated_moment_knm": "800", "hoist_drive": ""}  # fmt: skip


@pytest.fixture
def crane(app, session):
    """A Suzhou tower crane of a constructor, with its owner's account, the machine and its certificate."""
    owner = make_enterprise(session, city=City.SUZHOU)
    account = make_account(session, Role.PROJECT_TEAM, enterprise_id=owner.id)
    data = services.MachineInput(MachineType.TOWER_CRANE, "徐工建机", "XGT7020", "FIX-1", date(2022, 5, 1),
                                 rated_moment_knm=Decimal(1250))  # fmt: skip
    base = app.config["PUBLIC_BASE_URL"]
    machine = services.register_machine_and_ownership(
        session, data, scope=Scope.of(account), today=date(2026, 12, 1),
        render=lambda c: certificate_pdf(c, base_url=base),
    )  # fmt: skip
    certificate = services.current_certificate(machine)
    return {"account": account, "owner": owner, "machine": machine, "certificate": certificate, "base": base}


def test_a_project_team_registers_a_machine_and_gets_its_number(client, session):
    account = make_account(session, Role.PROJECT_TEAM)
    login(client, account)
    response = client.post("/cranes/new", data=FORM)
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "苏E-T-00001" in page and "现行有效" in page
    listing = client.get("/cranes/?type=tower_crane&city=suzhou").get_data(as_text=True)
    assert "苏E-T-00001" in listing
    assert "苏E-T-00001" not in client.get("/cranes/?type=construction_hoist").get_data(as_text=True)
    again = client.post("/cranes/new", data=FORM)
    assert again.status_code == 200 and "已经备案，一台机械只能备案一次" in again.get_data(as_text=True)


def test_bad_input_shows_the_rule_message(client, session):
    login(client, make_account(session, Role.PROJECT_TEAM))
    hoist = {**FORM, "machine_type": "construction_hoist", "rated_moment_knm": "", "rated_load_kg": "2000",
             "hoist_drive": "sc", "manufactured_on": "2012-01-01"}  # fmt: skip
    body = client.post("/cranes/new", data=hoist).get_data(as_text=True)
    assert "未提交安全评估报告，不予备案" in body
    body = client.post("/cranes/new", data={**FORM, "rated_moment_knm": ""}).get_data(as_text=True)
    assert "须填写额定起重力矩" in body


def test_pages_are_hidden_from_other_owners_and_forbidden_to_other_roles(client, session, crane):
    machine = crane["machine"]
    login(client, make_account(session, Role.PROJECT_TEAM))
    assert client.get(f"/cranes/{machine.id}").status_code == 404
    assert client.get(f"/cranes/certificates/{crane['certificate'].id}.pdf").status_code == 404
    client.post("/auth/logout")
    login(client, make_account(session, Role.REGULATOR, city=City.SUZHOU))
    assert client.get("/cranes/new").status_code == 403
    assert client.get(f"/cranes/{machine.id}").status_code == 200
    client.post("/auth/logout")
    login(client, make_account(session, Role.REGULATOR, city=City.NANJING))
    assert client.get(f"/cranes/{machine.id}").status_code == 404


def test_the_certificate_pdf_is_the_recorded_bytes(client, crane):
    login(client, crane["account"])
    response = client.get(f"/cranes/certificates/{crane['certificate'].id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert hashlib.sha256(response.data).hexdigest() == crane["certificate"].sha256


def test_verify_page_states_and_bad_codes(client, session, crane):
    certificate = crane["certificate"]
    page = client.get(f"/cranes/verify/{certificate.verify_code}")
    assert page.status_code == 200 and 'data-state="current"' in page.get_data(as_text=True)
    assert client.get(f"/cranes/verify?code={certificate.verify_code.lower()}").status_code == 302
    bad = client.get("/cranes/verify/abc")
    assert bad.status_code == 400 and "验证码格式不正确" in bad.get_data(as_text=True)
    assert client.get("/cranes/verify?code=%3Cscript%3E").status_code == 400
    unknown = client.get("/cranes/verify/ABCDEFGHJKLM")
    assert unknown.status_code == 404 and "没有验证码为" in unknown.get_data(as_text=True)
    buyer = make_enterprise(session, city=City.WUXI)
    services.change_owner(session, crane["machine"], buyer.credit_code, scope=Scope.of(crane["account"]),
                          today=date(2026, 12, 2), render=lambda c: certificate_pdf(c, base_url=crane["base"]))  # fmt: skip
    superseded = client.get(f"/cranes/verify/{certificate.verify_code}").get_data(as_text=True)
    assert 'data-state="superseded"' in superseded and 'id="replacement"' in superseded


def test_a_regulator_revokes_on_the_machine_page_and_the_code_says_so(client, session, crane):
    certificate = crane["certificate"]
    login(client, crane["account"])
    assert (
        client.post(f"/cranes/certificates/{certificate.id}/revoke", data={"reason": "x"}).status_code == 403
    )
    client.post("/auth/logout")
    login(client, make_account(session, Role.REGULATOR, city=City.SUZHOU))
    response = client.post(f"/cranes/certificates/{certificate.id}/revoke", data={"reason": ""})
    assert response.status_code == 302
    assert "现行有效" in client.get(f"/cranes/{crane['machine'].id}").get_data(as_text=True)
    client.post(f"/cranes/certificates/{certificate.id}/revoke", data={"reason": "出厂编号与铭牌不符"})
    page = client.get(f"/cranes/verify/{certificate.verify_code}").get_data(as_text=True)
    assert 'data-state="revoked"' in page and "出厂编号与铭牌不符" in page and 'id="revoked-on"' in page


def test_api_lists_registers_revokes_and_verifies(client, session, crane):
    owner = bearer(session, crane["account"])
    listing = client.get("/api/v1/machines?type=tower_crane", headers=owner).get_json()
    assert [m["registration_number"] for m in listing["items"]] == ["苏E-T-00001"]
    assert_error(client.get("/api/v1/machines?type=bad", headers=owner), 400, "invalid_parameter")
    body = {k: v for k, v in FORM.items() if v}
    created = client.post("/api/v1/machines", json=body, headers=owner)
    assert created.status_code == 201 and created.get_json()["registration_number"] == "苏E-T-00002"
    assert_error(client.post("/api/v1/machines", json=body, headers=owner), 409, "duplicate")
    assert_error(client.post("/api/v1/machines", json={**body, "serial_number": "W-2", "rated_moment_knm": "1e9"},
                             headers=owner), 400, "invalid_value")  # fmt: skip
    regulator = bearer(session, make_account(session, Role.REGULATOR, city=City.SUZHOU))
    assert_error(client.post("/api/v1/machines", json=body, headers=regulator), 403, "forbidden")
    other = bearer(session, make_account(session, Role.PROJECT_TEAM))
    assert_error(client.get(f"/api/v1/machines/{crane['machine'].id}", headers=other), 404, "not_found")
    certificate = crane["certificate"]
    url = f"/api/v1/certificates/{certificate.id}/revoke"
    assert_error(client.post(url, json={"reason": "x"}, headers=owner), 403, "forbidden")
    assert_error(client.post(url, json={"reason": " "}, headers=regulator), 422, "validation_error")
    revoked = client.post(url, json={"reason": "资料虚假"}, headers=regulator)
    assert revoked.status_code == 200 and revoked.get_json()["state"] == "revoked"
    verdict = client.get(f"/api/v1/cranes/verify/{certificate.verify_code}").get_json()
    assert verdict["state"] == "revoked" and verdict["revocation_reason"] == "资料虚假"
    assert_error(client.get("/api/v1/cranes/verify/abc"), 400, "invalid_value")
    assert_error(client.get("/api/v1/cranes/verify/ABCDEFGHJKLM"), 404, "not_found")
