"""The expert import screens: template, dry run with problems by row and column, commit of the same stored file."""

import io
import re
import time
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

import webapp.experts.imports  # noqa: F401 - registers the routes before any app registers the blueprint
from expert_pool.experts import services
from expert_pool.experts.identity import IdentityVault, check_character
from expert_pool.experts.models import Employment, Expert
from knowledge.accounts.models import Role
from knowledge.regions import City
from tests.factories import admin_scope, credit_code, login, make_account, make_enterprise

HEADERS = ["姓名", "身份证号码", "所在城市", "专业", "现任职单位统一社会信用代码", "任职起始日期"]


def id_number(n: int) -> str:
    body = f"320102198001{n:05d}"
    return body + check_character(body)


def xlsx(rows, headers=HEADERS):
    workbook = openpyxl.Workbook()
    workbook.active.append(headers)
    for values in rows:
        workbook.active.append(values)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def good_rows(n=3, code=None):
    return [
        [f"专家{i}", id_number(i), "南京市", "基坑工程", code, "2019-07-01" if code else None]
        for i in range(n)
    ]


def upload(client, data, filename="experts.xlsx"):
    return client.post("/experts/import", data={"action": "dry_run", "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")  # fmt: skip


def token_of(page):
    match = re.search(r'name="token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="token" value="([^"]+)"', page
    )
    return match.group(1) if match else None


def experts(session):
    return session.scalar(select(func.count()).select_from(Expert))


def stored_files(app):
    return list((Path(app.config["UPLOAD_DIR"]) / "pending" / "expert_imports").glob("*.bin"))


@pytest.fixture
def office(client, session):
    account = make_account(session, Role.DRAW_OFFICE)
    login(client, account)
    return account


@pytest.mark.parametrize(("role", "status"), [(Role.DRAW_OFFICE, 200), (Role.ADMIN, 200), (Role.REGULATOR, 403),
                                              (Role.EXPERT, 403), (Role.PROJECT_TEAM, 403)])  # fmt: skip
def test_import_pages_by_role(client, session, role, status):
    login(client, make_account(session, role))
    before = experts(session)  # an expert's account comes with its expert
    page = client.get("/experts/import")
    assert page.status_code == status
    assert client.get("/experts/import/template.xlsx").status_code == status
    assert upload(client, xlsx(good_rows(1))).status_code == status
    refused = client.post("/experts/import/commit", data={"token": "x"})
    assert refused.status_code == (302 if status == 200 else 403)
    if status == 200:
        assert "下载导入模板" in page.get_data(as_text=True)
    assert experts(session) == before


def test_anonymous_visitors_are_sent_to_login(client):
    assert client.get("/experts/import").status_code == 302
    assert client.post("/experts/import/commit", data={"token": "x"}).status_code == 302


def test_dry_run_shows_each_problem_with_its_row_and_column_and_offers_no_commit(
    app, client, session, office
):
    rows = good_rows(2) + [["坏专家", "3201021980", "上海", "桥梁工程", "91320000MA1234567X", None]]
    page = upload(client, xlsx(rows)).get_data(as_text=True)
    assert "共3行，其中1行有问题（共5处）" in page and "第4行" in page
    for column, message in [("身份证号码", "应为18位"), ("所在城市", "无法识别的城市“上海”"), ("专业", "无法识别的专业：桥梁工程"),
                            ("现任职单位统一社会信用代码", "校验位不正确"), ("任职起始日期", "须同时填写任职起始日期")]:  # fmt: skip
        assert re.search(f"<strong>{column}</strong>：[^<]*{message}", page), column
    assert id_number(0) not in page and id_number(0)[:3] + "*" * 11 + id_number(0)[-4:] in page
    assert token_of(page) is None and "/experts/import/commit" not in page
    assert experts(session) == 0 and stored_files(app) == []


def test_an_unknown_enterprise_code_is_named_on_the_page(client, session, office):
    unknown = credit_code()  # well formed, never registered
    page = upload(client, xlsx(good_rows(1, code=unknown))).get_data(as_text=True)
    assert f"统一社会信用代码 {unknown} 在系统中未登记" in page and token_of(page) is None


def test_clean_file_is_committed_from_the_stored_copy_then_removed(app, client, session, office):
    firm = make_enterprise(session)
    text = upload(client, xlsx(good_rows(3, code=firm.credit_code))).get_data(as_text=True)
    assert "全部检查通过" in text and "确认导入3位专家" in text and firm.name in text
    [stored] = stored_files(app)
    assert id_number(0).encode() not in stored.read_bytes()  # PIPL: the waiting file is encrypted
    response = client.post("/experts/import/commit", data={"token": token_of(text)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/experts/")
    assert experts(session) == 3 and stored_files(app) == []
    assert session.scalar(select(func.count()).select_from(Employment)) == 3
    assert "已导入3位专家" in client.get("/experts/").get_data(as_text=True)
    again = client.post("/experts/import/commit", data={"token": token_of(text)})
    assert again.headers["Location"].endswith("/experts/import") and experts(session) == 3


def test_someone_elses_token_is_refused(app, client, session, office):
    token = token_of(upload(client, xlsx(good_rows(1))).get_data(as_text=True))
    other = app.test_client()
    login(other, make_account(session, Role.ADMIN))
    response = other.post("/experts/import/commit", data={"token": token}, follow_redirects=True)
    assert "导入确认已失效或不属于当前账号" in response.get_data(as_text=True)
    assert experts(session) == 0
    assert client.post("/experts/import/commit", data={"token": "forged" + token}).status_code == 302
    assert experts(session) == 0
    assert client.post("/experts/import/commit", data={"token": token}).status_code == 302
    assert experts(session) == 1


def test_a_stored_file_older_than_an_hour_is_refused(app, client, session, office, monkeypatch):
    token = token_of(upload(client, xlsx(good_rows(1))).get_data(as_text=True))
    later = time.time() + 3601
    app.config["SESSION_IDLE_MINUTES"] = 120  # the file's age is under test, not the session's idle time
    monkeypatch.setattr(time, "time", lambda: later)
    response = client.post("/experts/import/commit", data={"token": token})
    assert response.headers["Location"].endswith("/experts/import")
    assert experts(session) == 0 and stored_files(app) == []


def test_an_expert_added_elsewhere_before_the_commit_is_reported_on_the_page(app, client, session, office):
    text = upload(client, xlsx(good_rows(2))).get_data(as_text=True)
    colleague_vault = IdentityVault(app.config["EXPERT_ID_KEY"].encode())  # another office, same pool
    services.create_expert(session, services.ExpertInput("抢先", City.NANJING, id_number(1), specialties=["excavation"]),
                           vault=colleague_vault, scope=admin_scope(session))  # fmt: skip
    assert experts(session) == 1
    page = client.post("/experts/import/commit", data={"token": token_of(text)}).get_data(as_text=True)
    assert "未导入任何专家" in page and "已登记为专家“抢先”" in page and "第3行" in page
    assert experts(session) == 1


def test_a_pdf_or_no_file_gets_a_clear_message_not_a_500(client, office):
    pdf = upload(client, b"%PDF-1.4\n1 0 obj<<>>endobj\n", "experts.pdf")
    assert pdf.status_code == 200 and "上传的是PDF文件，不是表格" in pdf.get_data(as_text=True)
    empty = client.post("/experts/import", data={"action": "dry_run"}, content_type="multipart/form-data")
    assert empty.status_code == 200 and "请选择要导入的文件" in empty.get_data(as_text=True)


def test_the_downloaded_template_filled_in_imports_cleanly(client, session, office):
    firm = make_enterprise(session)
    template = client.get("/experts/import/template.xlsx")
    assert template.mimetype.endswith("spreadsheetml.sheet")
    workbook = openpyxl.load_workbook(io.BytesIO(template.data))
    sheet = workbook.worksheets[0]
    headers = [c.value for c in sheet[1]]
    filled = {"姓名": "王工", "身份证号码": id_number(7), "所在城市": "苏州市", "职称级别": "正高级", "专业": "基坑工程、拆除工程",
              "电话": "025-84561234", "现任职单位统一社会信用代码": firm.credit_code, "任职起始日期": "2019/7/1"}  # fmt: skip
    sheet.append([filled.get(h) for h in headers])
    out = io.BytesIO()
    workbook.save(out)
    text = upload(client, out.getvalue()).get_data(as_text=True)
    assert "全部检查通过" in text, text
    assert client.post("/experts/import/commit", data={"token": token_of(text)}).status_code == 302
    expert = session.scalar(select(Expert))
    assert expert.name == "王工" and expert.specialty_codes == ["demolition", "excavation"]


def test_both_forms_carry_a_csrf_token_and_a_post_without_one_is_refused(app, client, session, office):
    app.config["WTF_CSRF_ENABLED"] = True  # this test's own app: TestConfig turns CSRF off for the others
    page = client.get("/experts/import").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    data = xlsx(good_rows(1))
    assert client.post("/experts/import", data={"file": (io.BytesIO(data), "a.xlsx")}).status_code == 400
    text = client.post("/experts/import", data={"csrf_token": csrf, "file": (io.BytesIO(data), "a.xlsx")})
    text = text.get_data(as_text=True)
    assert client.post("/experts/import/commit", data={"token": token_of(text)}).status_code == 400
    response = client.post("/experts/import/commit", data={"token": token_of(text), "csrf_token": csrf})
    assert response.status_code == 302 and experts(session) == 1
