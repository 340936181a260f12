"""The crane register's list filters, its CSV/XLSX export and its bulk import pages (issue 21, item 8), and the
list filters of GET /api/v1/machines."""

import csv
import io
import re
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import func, select

from expert_pool.pdf.crane_certificate_pdf import certificate_pdf
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.cranes import services
from knowledge.cranes.machine_import import COLUMNS
from knowledge.cranes.machines import HoistDrive, MachineType
from knowledge.cranes.models import Machine
from knowledge.cranes.service_age import SafetyAssessment
from knowledge.cranes.site_models import Installation, InstallerQualification
from knowledge.enterprises.models import ParticipantRole
from knowledge.regions import City
from tests.factories import login, make_account, make_enterprise, make_project, make_work
from tests.web.test_api import assert_error, bearer

TODAY = date(2026, 12, 1)


def register(app, session, account, serial, **more):
    fields = {"machine_type": MachineType.TOWER_CRANE, "maker": "徐工建机", "model": "XGT7020",
              "serial_number": serial, "manufactured_on": date(2022, 5, 1), "rated_moment_knm": Decimal(1250),
              **more}  # fmt: skip
    base = app.config["PUBLIC_BASE_URL"]
    return services.register_machine_and_ownership(
        session, services.MachineInput(**fields), scope=Scope.of(account), today=TODAY,
        render=lambda c: certificate_pdf(c, base_url=base),
    )  # fmt: skip


def install(session, machine, user, *, ended_on=None):
    """An installation of ``machine`` on a Nanjing project of ``user`` (rows written directly)."""
    installer = make_enterprise(session, city=City.NANJING)
    supervisor = make_enterprise(session, city=City.NANJING)
    project = make_project(session, [(user, ParticipantRole.GENERAL_CONTRACTOR)], city=City.NANJING)
    work = make_work(session, project)
    qualification = InstallerQualification(enterprise_id=installer.id, certificate_number=f"D{machine.id}",
                                           grade="二级", valid_until=date(2028, 1, 1), safety_licence_number="L1",
                                           safety_licence_valid_until=date(2028, 1, 1))  # fmt: skip
    session.add(qualification)
    session.flush()
    recorder = make_account(session, Role.PROJECT_TEAM, enterprise_id=installer.id)
    session.add(Installation(machine_id=machine.id, project_id=project.id, work_id=work.id, city=City.NANJING,
                             installer_id=installer.id, qualification_id=qualification.id, user_id=user.id,
                             lessor_id=machine.owner_id, supervisor_id=supervisor.id, notified_on=date(2026, 6, 1),
                             planned_install_on=date(2026, 6, 10), ended_on=ended_on, notified_by=recorder.id))  # fmt: skip
    session.commit()


@pytest.fixture
def fleet(app, session):
    """Four machines of a Suzhou lessor: one on a Nanjing user's site, one dismantled, an old one past its age
    (registered with an assessment), one never installed; and a Wuxi machine of another owner."""
    lessor = make_enterprise(session, city=City.SUZHOU, name="苏州恒升机械租赁有限公司")
    team = make_account(session, Role.PROJECT_TEAM, enterprise_id=lessor.id)
    on_site = register(app, session, team, "S-1")
    dismantled = register(app, session, team, "S-2")
    old = register(app, session, team, "S-3", manufactured_on=date(2010, 3, 1), rated_moment_knm=Decimal(500),
                   assessment=SafetyAssessment(date(2026, 6, 1), True, date(2027, 6, 1)))  # fmt: skip
    idle = register(app, session, team, "S-4", machine_type=MachineType.CONSTRUCTION_HOIST, rated_moment_knm=None,
                    rated_load_kg=2000, hoist_drive=HoistDrive.RACK_AND_PINION)  # fmt: skip
    user = make_enterprise(session, city=City.NANJING, name="南京城建总承包有限公司")
    install(session, on_site, user)
    install(session, dismantled, user, ended_on=date(2026, 9, 1))
    other = make_enterprise(session, city=City.WUXI)
    stranger = register(app, session, make_account(session, Role.PROJECT_TEAM, enterprise_id=other.id), "W-1")
    user_team = make_account(session, Role.PROJECT_TEAM, enterprise_id=user.id)
    return {"lessor": lessor, "team": team, "user_team": user_team, "on_site": on_site, "dismantled": dismantled,
            "old": old, "idle": idle, "stranger": stranger}  # fmt: skip


def numbers(client, query=""):
    page = client.get(f"/cranes/?{query}")
    assert page.status_code == 200
    return set(re.findall(r"苏[A-N]-[TSWMQZ]-\d{5}", page.get_data(as_text=True)))


def test_the_list_filters_by_owner_number_state_age_and_date(client, fleet):
    login(client, fleet["team"])
    mine = {fleet[k].registration_number for k in ("on_site", "dismantled", "old", "idle")}
    assert numbers(client) == mine
    assert numbers(client, "owner=恒升") == mine
    assert numbers(client, f"owner={fleet['lessor'].credit_code}") == mine
    assert numbers(client, "owner=城建") == set()
    assert numbers(client, "number=苏E-S") == {fleet["idle"].registration_number}
    assert numbers(client, "state=on_site") == {fleet["on_site"].registration_number}
    assert numbers(client, "state=dismantled") == {fleet["dismantled"].registration_number}
    assert numbers(client, "state=registered") == {
        fleet["old"].registration_number,
        fleet["idle"].registration_number,
    }
    assert numbers(client, "past_age=1") == {fleet["old"].registration_number}
    assert numbers(client, "made_before=2015-01-01") == {fleet["old"].registration_number}
    assert numbers(client, "made_after=2015-01-01&type=tower_crane") == mine - {fleet["old"].registration_number,
                                                                                 fleet["idle"].registration_number}  # fmt: skip


def test_bad_filters_are_named_and_ignored_not_a_500(client, fleet):
    login(client, fleet["team"])
    page = client.get("/cranes/?state=flying&made_after=2024-13-01&made_before=x")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "参数 state 的取值无效" in body and "日期格式应为 YYYY-MM-DD" in body


def test_a_user_sees_the_machine_on_its_site_and_a_regulator_its_city(app, client, session, fleet):
    login(client, fleet["user_team"])
    assert numbers(client) == {fleet["on_site"].registration_number}
    assert client.get(f"/cranes/{fleet['on_site'].id}").status_code == 200
    assert client.get(f"/cranes/{fleet['dismantled'].id}").status_code == 404
    nanjing, wuxi = app.test_client(), app.test_client()
    login(nanjing, make_account(session, Role.REGULATOR, city=City.NANJING))
    assert numbers(nanjing) == {fleet["on_site"].registration_number}
    login(wuxi, make_account(session, Role.REGULATOR, city=City.WUXI))
    assert numbers(wuxi) == {fleet["stranger"].registration_number}


def test_csv_and_xlsx_export_the_filtered_list_of_the_account(client, fleet):
    login(client, fleet["team"])
    response = client.get("/cranes/export?fmt=csv&state=on_site")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0][0] == "备案编号" and [r[0] for r in rows[1:]] == [fleet["on_site"].registration_number]
    assert rows[1][12] == "在用（安装在工地）"
    response = client.get("/cranes/export?fmt=xlsx&past_age=1")
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert [r[0] for r in values[1:]] == [fleet["old"].registration_number] and values[1][14] == "是"
    everything = client.get("/cranes/export?fmt=csv").get_data().decode("utf-8-sig")
    assert fleet["stranger"].registration_number not in everything
    assert client.get("/cranes/export?fmt=pdf").status_code == 404


def test_export_is_for_readers_only(client, session):
    login(client, make_account(session, Role.EXPERT))
    assert client.get("/cranes/export?fmt=csv").status_code == 403


# ---- the import pages


def xlsx(*rows):
    book = openpyxl.Workbook()
    book.active.append([c.header for c in COLUMNS])
    for row in rows:
        book.active.append([row.get(c.key) for c in COLUMNS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def tower(serial, **more):
    return {"machine_type": "塔式起重机", "maker": "中联重科", "model": "TC6013", "serial_number": serial,
            "manufactured_on": "2023-03-01", "rated_moment_knm": "800", **more}  # fmt: skip


def upload(client, data, filename="cranes.xlsx"):
    return client.post("/cranes/import", data={"action": "dry_run", "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")  # fmt: skip


def token_of(page):
    match = re.search(r'name="token" type="hidden" value="([^"]+)"', page)
    return match.group(1) if match else None


def machines(session):
    return session.scalar(select(func.count()).select_from(Machine))


@pytest.mark.parametrize(("role", "status"), [(Role.PROJECT_TEAM, 200), (Role.ADMIN, 200), (Role.REGULATOR, 403),
                                              (Role.INSPECTION_BODY, 403), (Role.EXPERT, 403)])  # fmt: skip
def test_import_pages_by_role(client, session, role, status):
    owner = make_enterprise(session)
    bound = role in (Role.PROJECT_TEAM, Role.INSPECTION_BODY)
    login(client, make_account(session, role, enterprise_id=owner.id if bound else None))
    assert client.get("/cranes/import").status_code == status
    assert client.get("/cranes/import/template.xlsx").status_code == status
    assert upload(client, xlsx(tower("R-1", owner_credit_code=owner.credit_code))).status_code == status
    assert machines(session) == 0


def test_a_team_checks_then_imports_its_machines(client, session):
    owner = make_enterprise(session, city=City.SUZHOU)
    login(client, make_account(session, Role.PROJECT_TEAM, enterprise_id=owner.id))
    page = upload(client, xlsx(tower("I-1"), tower("I-2"))).get_data(as_text=True)
    assert "全部检查通过" in page and "备案编号 苏E-T-00001" in page and "备案编号 苏E-T-00002" in page
    assert machines(session) == 0
    done = client.post("/cranes/import/commit", data={"token": token_of(page)})
    assert done.status_code == 302 and done.headers["Location"].endswith("/cranes/")
    assert "已导入2台起重机械" in client.get("/cranes/").get_data(as_text=True)
    assert machines(session) == 2


def test_a_file_with_refused_rows_shows_them_and_offers_no_commit(client, session):
    owner = make_enterprise(session, city=City.SUZHOU)
    login(client, make_account(session, Role.PROJECT_TEAM, enterprise_id=owner.id))
    old = tower("I-9", manufactured_on="2005-01-01", rated_moment_knm="500")
    page = upload(client, xlsx(tower("I-1"), old)).get_data(as_text=True)
    assert "第3行" in page and "未提交安全评估报告，不予备案" in page and token_of(page) is None
    page = upload(client, b"not a sheet at all \x00\x01", "x.xlsx").get_data(as_text=True)
    assert "不是有效的Excel文件" in page
    assert machines(session) == 0


def test_the_template_downloads_with_every_header(client, session):
    login(client, make_account(session, Role.ADMIN))
    response = client.get("/cranes/import/template.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    assert [c.value for c in book.worksheets[0][1]] == [c.header for c in COLUMNS]


# ---- the API's list filters


def test_api_lists_with_filters_and_refuses_a_bad_one(client, session, fleet):
    headers = bearer(session, fleet["team"])
    body = client.get("/api/v1/machines?state=on_site", headers=headers).get_json()
    assert [m["registration_number"] for m in body["items"]] == [fleet["on_site"].registration_number]
    body = client.get("/api/v1/machines?past_age=1&owner=恒升", headers=headers).get_json()
    assert [m["registration_number"] for m in body["items"]] == [fleet["old"].registration_number]
    error = assert_error(client.get("/api/v1/machines?made_after=2024-02-30", headers=headers), 400,
                         "invalid_parameter")  # fmt: skip
    assert error["field"] == "made_after"
    spec = client.get("/api/v1/openapi.json").get_json()
    names = {p["name"] for p in spec["paths"]["/api/v1/machines"]["get"]["parameters"]}
    assert {"owner", "number", "state", "made_after", "made_before", "past_age"} <= names
