"""Pages and API of cranes on sites: the notice, acceptance with each party's signature, use registration with its
sign (PDF and public verification), dismantling, records, change of owner, qualifications and the machine's file;
bad input shows its Chinese message and changes nothing; other enterprises and cities get 404."""

import hashlib
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from knowledge.accounts.models import Role
from knowledge.cranes import site_acceptance
from knowledge.cranes.inspection_models import Conclusion
from knowledge.cranes.site_models import Installation, UseRegistration
from knowledge.regions import City
from tests.crane_site_factories import accept, crane_hazard, install, make_crane_site, publish_report
from tests.factories import login, make_account, make_enterprise
from tests.web.test_api import assert_error, bearer

TODAY = date(2026, 3, 2)


@pytest.fixture
def today(monkeypatch):
    """The pages' clock, settable: ``today.set(date)``."""

    class Clock:
        value = TODAY

        def set(self, value: date) -> None:
            self.value = value

    clock = Clock()
    monkeypatch.setattr("webapp.cranes.pages.today", lambda: clock.value)
    monkeypatch.setattr("webapp.cranes.site_pages.today", lambda: clock.value)
    monkeypatch.setattr("webapp.api.crane_sites.today", lambda: clock.value)
    return clock


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def notice_form(site, **change):
    data = {"registration_number": site.machine.registration_number, "work_id": str(site.work.id),
            "user_credit_code": site.user.credit_code, "planned_install_on": "2026-03-10", "position": "3#楼北侧"}  # fmt: skip
    return {**data, **change}


def test_the_installer_files_the_notice_on_the_page(client, session, today):
    site = make_crane_site(session)
    login(client, site.accounts["installer"])
    assert "1#塔式起重机安装拆卸工程" in client.get("/cranes/installations/new").get_data(as_text=True)
    response = client.post("/cranes/installations/new", data=notice_form(site))
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert site.machine.registration_number in page and site.supervisor.name in page and "在用" in page


def test_an_unqualified_installer_and_a_machine_on_two_sites_get_their_messages(client, session, today):
    site = make_crane_site(session)
    site.qualification.valid_until = date(2026, 3, 1)
    session.commit()
    login(client, site.accounts["installer"])
    body = client.post("/cranes/installations/new", data=notice_form(site)).get_data(as_text=True)
    assert "安装单位不具备有效的起重设备安装工程专业承包资质" in body and count(session, Installation) == 0
    body = client.post("/cranes/installations/new", data=notice_form(site, user_credit_code="X")).get_data(
        as_text=True
    )
    assert "未登记" in body
    other = make_crane_site(session)
    install(session, other)
    site.qualification.valid_until = date(2028, 1, 1)
    session.commit()
    body = client.post("/cranes/installations/new",
                       data=notice_form(site, registration_number=other.machine.registration_number)).get_data(as_text=True)  # fmt: skip
    assert "拆卸告知前不能在其他工地安装" in body and count(session, Installation) == 1


def test_acceptance_signatures_use_registration_and_the_sign(client, session, today):
    site = make_crane_site(session)
    installation = install(session, site)
    url = f"/cranes/installations/{installation.id}"
    login(client, site.accounts["user"])
    client.post(f"{url}/acceptance")
    assert "尚无检验机构出具的检验报告" in client.get(url).get_data(as_text=True)
    publish_report(session, installation)
    today.set(date(2026, 3, 15))
    assert client.post(f"{url}/acceptance").status_code == 302
    session.expire_all()
    acceptance = session.get_one(Installation, installation.id).acceptances[-1]
    sign_url = f"/cranes/acceptances/{acceptance.id}/sign"
    # The user's account may not sign as the lessor.
    assert client.post(sign_url, data={"party": "lessor", "signer_name": "冒签"}).status_code == 403
    assert "请填写签字人姓名" in client.post(sign_url, data={"party": "user", "signer_name": ""}).get_data(
        as_text=True
    )
    for who in ("user", "lessor", "installer", "supervisor"):
        client.post("/auth/logout")
        login(client, site.accounts[who])
        assert client.post(sign_url, data={"party": who, "signer_name": f"{who}代表"}).status_code == 302
    client.post("/auth/logout")
    login(client, site.accounts["user"])
    today.set(date(2026, 3, 15) + timedelta(days=31))
    client.post(f"{url}/use-registration")
    page = client.get(url).get_data(as_text=True)
    assert "本次为验收后第31日，不予登记" in page and count(session, UseRegistration) == 0
    today.set(date(2026, 3, 20))
    assert client.post(f"{url}/use-registration").status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "苏E-SY2026-00001" in page and "下载使用登记标志" in page
    registration = session.scalar(select(UseRegistration))
    sign = site_acceptance.use_sign_of(session, registration)
    pdf = client.get(f"/cranes/certificates/{sign.id}.pdf")
    assert pdf.status_code == 200 and hashlib.sha256(pdf.data).hexdigest() == sign.sha256
    assert "filename*=UTF-8''%E4%BD%BF%E7%94%A8" in pdf.headers["Content-Disposition"]  # 使用登记标志-…
    client.post("/auth/logout")
    verify = client.get(f"/cranes/verify/{sign.verify_code}").get_data(as_text=True)
    assert (
        'data-state="current"' in verify and 'id="use-number"' in verify and "使用登记标志真实有效" in verify
    )
    # The lessor (the owner) reaches the sign too; an outsider does not.
    login(client, make_account(session, Role.PROJECT_TEAM))
    assert client.get(f"/cranes/certificates/{sign.id}.pdf").status_code == 404
    assert client.get(url).status_code == 404


def test_a_hazard_blocks_the_registration_on_the_page(client, session, today):
    site = make_crane_site(session)
    installation = install(session, site)
    publish_report(session, installation)
    accept(session, site, installation, on=date(2026, 3, 15))
    crane_hazard(session, site)
    today.set(date(2026, 3, 21))
    login(client, site.accounts["user"])
    client.post(f"/cranes/installations/{installation.id}/use-registration")
    page = client.get(f"/cranes/installations/{installation.id}").get_data(as_text=True)
    assert "未销号的重大事故隐患" in page and count(session, UseRegistration) == 0


def test_dismantling_records_owner_change_and_file_pages(client, session, today):
    site = make_crane_site(session)
    installation = install(session, site)
    login(client, site.accounts["installer"])
    bad = client.post(f"/cranes/installations/{installation.id}/dismantle", data={"planned_on": "2026-03-01"})
    assert bad.status_code == 422 and "不能早于告知日期" in bad.get_data(as_text=True)
    ok = client.post(f"/cranes/installations/{installation.id}/dismantle", data={"planned_on": "2026-06-01"})
    assert ok.status_code == 302
    client.post("/auth/logout")
    login(client, site.accounts["lessor"])
    machine_id = site.machine.id
    response = client.post(f"/cranes/{machine_id}/records/new",
                           data={"kind": "maintenance", "on": "2026-03-02", "description": "润滑回转支承"})  # fmt: skip
    assert response.status_code == 302
    file_page = client.get(f"/cranes/{machine_id}/file").get_data(as_text=True)
    for text in ("产权备案（第1次）", "安装告知", "拆卸告知", "润滑回转支承", 'id="integration"'):
        assert text in file_page
    buyer = make_enterprise(session, city=City.WUXI)
    assert "未登记" in client.post(f"/cranes/{machine_id}/owner", data={"owner_credit_code": "X"}).get_data(
        as_text=True
    )
    moved = client.post(f"/cranes/{machine_id}/owner", data={"owner_credit_code": buyer.credit_code})
    assert moved.status_code == 302
    client.post("/auth/logout")
    login(client, make_account(session, Role.PROJECT_TEAM, enterprise_id=buyer.id))
    assert "产权备案（第2次）" in client.get(f"/cranes/{machine_id}/file").get_data(as_text=True)
    client.post("/auth/logout")
    login(client, make_account(session, Role.REGULATOR, city=City.NANJING))
    assert client.get(f"/cranes/{machine_id}/file").status_code == 404
    assert client.get(f"/cranes/installations/{installation.id}").status_code == 404


def test_qualifications_page(client, session):
    installer = make_enterprise(session, city=City.SUZHOU)
    login(client, make_account(session, Role.PROJECT_TEAM))
    assert client.post("/cranes/qualifications", data={}).status_code == 403
    client.post("/auth/logout")
    login(client, make_account(session, Role.REGULATOR, city=City.SUZHOU))
    form = {"credit_code": installer.credit_code, "certificate_number": "D232000001", "grade": "一级",
            "valid_until": "2028-01-01", "safety_licence_number": "(苏)JZ安许证字[2024]000009",
            "safety_licence_valid_until": "2027-01-01"}  # fmt: skip
    assert client.post("/cranes/qualifications", data=form).status_code == 302
    page = client.get("/cranes/qualifications").get_data(as_text=True)
    assert "D232000001" in page
    assert "已经登记" in client.post("/cranes/qualifications", data=form).get_data(as_text=True)


def test_api_runs_the_same_use_cases_with_the_same_refusals(client, session, today):
    site = make_crane_site(session)
    installer = bearer(session, site.accounts["installer"])
    body = {"registration_number": site.machine.registration_number, "work_id": site.work.id,
            "user_credit_code": site.user.credit_code, "planned_install_on": "2026-03-10"}  # fmt: skip
    assert_error(client.post("/api/v1/crane-installations", json={**body, "planned_install_on": "x"}, headers=installer),
                 400, "invalid_value")  # fmt: skip
    created = client.post("/api/v1/crane-installations", json=body, headers=installer)
    assert created.status_code == 201, created.get_data(as_text=True)
    installation_id = created.get_json()["id"]
    assert_error(client.post("/api/v1/crane-installations", json=body, headers=installer), 409, "duplicate")
    user = bearer(session, site.accounts["user"])
    assert_error(client.post(f"/api/v1/crane-installations/{installation_id}/acceptance", headers=user), 422,
                 "validation_error")  # fmt: skip
    installation = session.get_one(Installation, installation_id)
    publish_report(session, installation, Conclusion.PASS)
    today.set(date(2026, 3, 15))
    opened = client.post(f"/api/v1/crane-installations/{installation_id}/acceptance", headers=user)
    assert opened.status_code == 201
    acceptance_id = opened.get_json()["acceptances"][0]["id"]
    url = f"/api/v1/crane-acceptances/{acceptance_id}/signatures"
    assert_error(
        client.post(url, json={"party": "lessor", "signer_name": "x"}, headers=user), 403, "forbidden"
    )
    assert_error(
        client.post(url, json={"party": "boss", "signer_name": "x"}, headers=user), 400, "invalid_value"
    )
    for who in ("user", "lessor", "installer", "supervisor"):
        signed = client.post(
            url, json={"party": who, "signer_name": "代表"}, headers=bearer(session, site.accounts[who])
        )
        assert signed.status_code == 201
    assert signed.get_json()["acceptances"][0]["accepted_on"] == "2026-03-15"
    today.set(date(2026, 4, 15))
    assert_error(client.post(f"/api/v1/crane-installations/{installation_id}/use-registration", headers=user), 422,
                 "crane_rule")  # fmt: skip
    today.set(date(2026, 4, 14))
    registered = client.post(f"/api/v1/crane-installations/{installation_id}/use-registration", headers=user)
    assert registered.status_code == 201
    sign = registered.get_json()["use_registrations"][0]["sign"]
    verdict = client.get(f"/api/v1/cranes/verify/{sign['verify_code']}").get_json()
    assert verdict["state"] == "current" and "使用登记编号" in verdict["message"]
    listing = client.get("/api/v1/crane-installations?open=true", headers=user).get_json()
    assert [i["id"] for i in listing["items"]] == [installation_id]
    outsider = bearer(session, make_account(session, Role.PROJECT_TEAM))
    assert_error(
        client.get(f"/api/v1/crane-installations/{installation_id}", headers=outsider), 404, "not_found"
    )
    assert_error(client.get(f"/api/v1/machines/{site.machine.id}/file", headers=outsider), 404, "not_found")
    events = client.get(f"/api/v1/machines/{site.machine.id}/file", headers=user).get_json()["events"]
    assert [e["kind"] for e in events][:2] == ["registration", "certificate"] and events[-1]["kind"] == "use"
    record = client.post(f"/api/v1/machines/{site.machine.id}/records", headers=user,
                         json={"kind": "fault", "on": "2026-04-14", "description": "变幅限位失灵，已停机"})  # fmt: skip
    assert record.status_code == 201
    dismantled = client.post(f"/api/v1/crane-installations/{installation_id}/dismantling", json={"planned_on": "2026-09-01"},
                             headers=installer)  # fmt: skip
    assert dismantled.status_code == 201 and dismantled.get_json()["ended_on"] == "2026-09-01"
    buyer = make_enterprise(session)
    lessor = bearer(session, site.accounts["lessor"])
    assert_error(client.post(f"/api/v1/machines/{site.machine.id}/owner", json={"owner_credit_code": buyer.credit_code},
                             headers=user), 404, "not_found")  # fmt: skip
    moved = client.post(f"/api/v1/machines/{site.machine.id}/owner", json={"owner_credit_code": buyer.credit_code},
                        headers=lessor)  # fmt: skip
    assert moved.status_code == 200 and len(moved.get_json()["registrations"]) == 2
    regulator = bearer(session, make_account(session, Role.REGULATOR, city=City.SUZHOU))
    qualification = {"credit_code": site.user.credit_code, "certificate_number": "D2320X", "grade": "二级",
                     "valid_until": "2028-01-01", "safety_licence_number": "S-1", "safety_licence_valid_until": "2028-01-01"}  # fmt: skip
    assert (
        client.post(
            "/api/v1/crane-installer-qualifications", json=qualification, headers=regulator
        ).status_code
        == 201
    )
    assert_error(
        client.post("/api/v1/crane-installer-qualifications", json=qualification, headers=user),
        403,
        "forbidden",
    )
    assert len(client.get("/api/v1/crane-installer-qualifications", headers=regulator).get_json()) == 2
