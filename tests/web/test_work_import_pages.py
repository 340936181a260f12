"""The import screens: template, dry run with problems by row and column, commit of the same stored file."""

import io
import os
import re
import time
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from knowledge.accounts.models import Role
from knowledge.enterprises.models import ParticipantRole
from knowledge.registry.models import Work
from tests.factories import login, make_account, make_enterprise, make_project

HEADERS = ["项目名称", "所在城市", "危大工程名称", "工程类别", "开挖深度（m）"]


@pytest.fixture
def gc_team(client, session):
    gc = make_enterprise(session)
    project = make_project(session, [(gc, ParticipantRole.GENERAL_CONTRACTOR)])
    account = make_account(session, Role.PROJECT_TEAM, enterprise_id=gc.id)
    login(client, account)
    return account, project


def xlsx(rows, headers=HEADERS):
    workbook = openpyxl.Workbook()
    workbook.active.append(headers)
    for values in rows:
        workbook.active.append(values)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(client, data, filename="works.xlsx"):
    return client.post("/works/import", data={"action": "dry_run", "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")  # fmt: skip


def token_of(page):
    match = re.search(r'name="token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="token" value="([^"]+)"', page
    )
    return match.group(1) if match else None


def works(session):
    return session.scalar(select(func.count()).select_from(Work))


def stored_files(app):
    return list((Path(app.config["UPLOAD_DIR"]) / "pending" / "imports").glob("*.bin"))


@pytest.mark.parametrize(("role", "status"), [(Role.PROJECT_TEAM, 200), (Role.REGULATOR, 200), (Role.ADMIN, 200),
                                              (Role.EXPERT, 403), (Role.DRAW_OFFICE, 403)])  # fmt: skip
def test_import_page_and_template_by_role(client, session, role, status):
    login(client, make_account(session, role))
    page = client.get("/works/import")
    assert page.status_code == status
    assert client.get("/works/import/template.xlsx").status_code == status
    if status == 200:
        assert "下载导入模板" in page.get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_login(client):
    assert client.get("/works/import").status_code == 302


def test_dry_run_shows_each_problem_with_its_row_and_column_and_offers_no_commit(client, session, gc_team):
    _, project = gc_team
    data = xlsx(
        [
            [project.name, "苏州", "好的基坑", "基坑工程", 6],
            [project.name, "苏州", "坏的基坑", "基坑工程", "深"],
        ]
    )
    page = upload(client, data).get_data(as_text=True)
    assert "第3行" in page and "开挖深度（m）" in page and "开挖深度应为数字" in page
    assert "其中1行有问题" in page and "超过一定规模的危大工程" in page
    assert token_of(page) is None and "/works/import/commit" not in page
    assert works(session) == 0


def test_clean_file_is_committed_from_the_stored_copy_then_removed(app, client, session, gc_team):
    _, project = gc_team
    page = upload(client, xlsx([[project.name, "苏州市", f"基坑{i}", "基坑工程", 6] for i in range(3)]))
    text = page.get_data(as_text=True)
    assert "全部检查通过" in text and "确认导入3条危大工程" in text
    assert len(stored_files(app)) == 1
    response = client.post("/works/import/commit", data={"token": token_of(text)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/works/")
    assert works(session) == 3 and stored_files(app) == []
    assert "已导入3条危大工程" in client.get("/works/import").get_data(as_text=True)
    again = client.post("/works/import/commit", data={"token": token_of(text)})
    assert again.headers["Location"].endswith("/works/import") and works(session) == 3


def test_someone_elses_token_is_refused(app, client, session, gc_team):
    _, project = gc_team
    token = token_of(
        upload(client, xlsx([[project.name, "苏州市", "基坑", "基坑工程", 6]])).get_data(as_text=True)
    )
    other = app.test_client()
    login(other, make_account(session, Role.ADMIN))
    response = other.post("/works/import/commit", data={"token": token}, follow_redirects=True)
    assert "导入确认已失效或不属于当前账号" in response.get_data(as_text=True)
    assert works(session) == 0
    assert client.post("/works/import/commit", data={"token": token}).status_code == 302
    assert works(session) == 1


def test_a_stored_file_older_than_an_hour_is_refused(app, client, session, gc_team):
    _, project = gc_team
    token = token_of(
        upload(client, xlsx([[project.name, "苏州市", "基坑", "基坑工程", 6]])).get_data(as_text=True)
    )
    old = time.time() - 3601
    for path in stored_files(app):
        os.utime(path, (old, old))
    response = client.post("/works/import/commit", data={"token": token})
    assert response.headers["Location"].endswith("/works/import")
    assert works(session) == 0 and stored_files(app) == []


def test_a_pdf_or_no_file_gets_a_clear_message_not_a_500(client, gc_team):
    pdf = upload(client, b"%PDF-1.4\n1 0 obj<<>>endobj\n", "plan.pdf")
    assert pdf.status_code == 200 and "上传的是PDF文件，不是表格" in pdf.get_data(as_text=True)
    empty = client.post("/works/import", data={"action": "dry_run"}, content_type="multipart/form-data")
    assert empty.status_code == 200 and "请选择要导入的文件" in empty.get_data(as_text=True)


def test_the_downloaded_template_filled_in_imports_cleanly(client, session, gc_team):
    _, project = gc_team
    template = client.get("/works/import/template.xlsx")
    assert template.mimetype.endswith("spreadsheetml.sheet")
    workbook = openpyxl.load_workbook(io.BytesIO(template.data))
    sheet = workbook.worksheets[0]
    headers = [c.value for c in sheet[1]]
    filled = {"项目名称": project.name, "所在城市": "苏州市", "危大工程名称": "地下室基坑", "工程类别": "基坑工程",
              "子类": "基坑（槽）的土方开挖、支护、降水工程", "计划开工日期": "2025/3/1", "开挖深度（m）": 5.5}  # fmt: skip
    sheet.append([filled.get(h) for h in headers])
    out = io.BytesIO()
    workbook.save(out)
    text = upload(client, out.getvalue()).get_data(as_text=True)
    assert "全部检查通过" in text, text
    assert client.post("/works/import/commit", data={"token": token_of(text)}).status_code == 302
    assert session.scalar(select(Work.verdict)).value == "over_scale"


def test_both_forms_carry_a_csrf_token_and_a_post_without_one_is_refused(app, client, session, gc_team):
    app.config["WTF_CSRF_ENABLED"] = True  # this test's own app: TestConfig turns CSRF off for the others
    _, project = gc_team
    page = client.get("/works/import").get_data(as_text=True)
    assert 'name="csrf_token"' in page
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    data = xlsx([[project.name, "苏州市", "基坑", "基坑工程", 6]])
    refused = client.post("/works/import", data={"file": (io.BytesIO(data), "a.xlsx")})
    assert refused.status_code == 400
    checked = client.post("/works/import", data={"csrf_token": csrf, "file": (io.BytesIO(data), "a.xlsx")})
    text = checked.get_data(as_text=True)
    assert text.count('name="csrf_token"') == 3  # sign-out, upload and confirm
    assert client.post("/works/import/commit", data={"token": token_of(text)}).status_code == 400
    assert (
        client.post("/works/import/commit", data={"token": token_of(text), "csrf_token": csrf}).status_code
        == 302
    )
    assert works(session) == 1
