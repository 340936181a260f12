"""Plan authors on the pages and the API: asked for on upload, listed masked on the version page, pool experts
marked for the office only, old versions saying they have none, and the API's ``authors`` part documented."""

import io
import json

import pytest

from knowledge.accounts.models import Role
from knowledge.enterprises.models import ParticipantRole
from knowledge.identity import IdentityVault, check_character, mask
from knowledge.plans.models import AuthorKind, PlanVersion
from tests.factories import (
    SAMPLE_PLAN,
    login,
    make_account,
    make_enterprise,
    make_expert,
    make_plan_version,
    make_project,
    make_work,
)
from tests.web.test_api import assert_error, bearer


def id_number(serial: str) -> str:
    first17 = "32050219800101" + serial
    return first17 + check_character(first17)


CHECKER_ID = id_number("123")


@pytest.fixture
def site(app, session):
    gc, sup = make_enterprise(session), make_enterprise(session)
    project = make_project(
        session, [(gc, ParticipantRole.GENERAL_CONTRACTOR), (sup, ParticipantRole.SUPERVISOR)]
    )
    work = make_work(session, project, name="苏州深基坑工程")
    vault = IdentityVault(app.config["EXPERT_ID_KEY"].encode())
    expert = make_expert(session, name="李审核", id_number_hash=vault.lookup_hash(CHECKER_ID),
                         id_number_masked=mask(CHECKER_ID))  # fmt: skip
    team = make_account(session, Role.PROJECT_TEAM, enterprise_id=gc.id)
    return {"work": work, "team": team, "expert": expert, "gc": gc}


def form(**rows):
    data = {"title": "基坑方案", "file": (io.BytesIO(SAMPLE_PLAN.encode()), "方案.txt")}
    return data | rows


AUTHOR_ROWS = {
    "authors-0-kind": "compiler", "authors-0-name": "王编制", "authors-0-unit": "苏州某建设有限公司",
    "authors-0-id_number": id_number("456"),
    "authors-1-kind": "checker", "authors-1-name": "李 审核", "authors-1-unit": "某咨询公司",
    "authors-1-id_number": CHECKER_ID,
    "authors-2-kind": "approver", "authors-2-name": "赵审批", "authors-2-unit": "苏州某建设有限公司",
}  # fmt: skip


def upload(client, work, **rows):
    url = f"/works/{work.id}/plans/new"
    return client.post(url, data=form(**rows), content_type="multipart/form-data", follow_redirects=True)


def test_the_upload_form_asks_for_author_rows_without_javascript(client, session, site):
    login(client, site["team"])
    page = client.get(f"/works/{site['work'].id}/plans/new").get_data(as_text=True)
    rows = page.split('id="authors"')[1].split("</fieldset>")[0]
    assert rows.count('name="authors-5-id_number"') == 1 and "<script" not in rows
    assert all(k.label in page for k in AuthorKind)


def test_upload_records_the_authors_and_the_page_lists_them_masked(client, session, site):
    login(client, site["team"])
    page = upload(client, site["work"], **AUTHOR_ROWS).get_data(as_text=True)
    assert "已提交方案第1版" in page
    version = session.query(PlanVersion).one()
    assert [(a.kind, a.name) for a in version.authors] == [
        (AuthorKind.COMPILER, "王编制"), (AuthorKind.CHECKER, "李 审核"), (AuthorKind.APPROVER, "赵审批")
    ]  # fmt: skip
    assert mask(CHECKER_ID) in page and CHECKER_ID not in page
    assert "库内专家" not in page  # the project team does not learn who is in the pool
    client.post("/auth/logout")
    login(client, make_account(session, Role.DRAW_OFFICE))
    office = client.get(f"/works/plans/{version.id}").get_data(as_text=True)
    assert "库内专家：李审核" in office and f"/experts/{site['expert'].id}" in office


def test_a_plan_without_a_compiler_or_with_a_bad_id_gets_a_message(client, session, site):
    login(client, site["team"])
    page = upload(client, site["work"])
    assert page.status_code == 200 and "请至少登记一名编制人" in page.get_data(as_text=True)
    bad = {**AUTHOR_ROWS, "authors-1-id_number": CHECKER_ID[:-1] + ("0" if CHECKER_ID[-1] != "0" else "1")}
    page = upload(client, site["work"], **bad).get_data(as_text=True)
    assert "编制人员第2行：身份证号码校验位不正确" in page and 'value="李 审核"' in page
    assert session.query(PlanVersion).count() == 0


def test_versions_stored_before_authors_say_so(client, session, site, tmp_path):
    version = make_plan_version(session, site["work"], str(tmp_path / "up"))
    login(client, site["team"])
    page = client.get(f"/works/plans/{version.id}").get_data(as_text=True)
    assert "未登记编制人员" in page


def test_api_takes_authors_as_json_and_returns_them_masked(client, session, site):
    headers = bearer(session, site["team"])
    url = f"/api/v1/works/{site['work'].id}/plans"
    rows = [{"kind": "compiler", "name": "王编制", "unit": "苏州某建设有限公司", "id_number": id_number("456"),
             "credit_code": site["gc"].credit_code}, {"kind": "checker", "name": "李审核", "unit": "某咨询公司"}]  # fmt: skip
    created = client.post(
        url, data=form(authors=json.dumps(rows)), headers=headers, content_type="multipart/form-data"
    )
    assert created.status_code == 201, created.get_json()
    authors = created.get_json()["authors"]
    assert [a["kind"] for a in authors] == ["compiler", "checker"] and authors[0]["credit_code"] == site[
        "gc"
    ].credit_code
    assert authors[0]["id_number_masked"] == mask(id_number("456")) and "id_number" not in authors[0]
    assert_error(client.post(url, data=form(authors="[{"), headers=headers, content_type="multipart/form-data"),
                 400, "invalid_json")  # fmt: skip
    checker_only = json.dumps(rows[1:])
    error = assert_error(client.post(url, data=form(authors=checker_only), headers=headers,
                                     content_type="multipart/form-data"), 422, "validation_error")  # fmt: skip
    assert error["field"] == "authors" and "编制人" in error["message"]
    bad_code = json.dumps([{**rows[0], "credit_code": "91320000000000000X"}])
    error = assert_error(client.post(url, data=form(authors=bad_code), headers=headers,
                                     content_type="multipart/form-data"), 422, "validation_error")  # fmt: skip
    assert "统一社会信用代码" in error["message"]


def test_the_openapi_document_describes_the_authors_part(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    body = spec["paths"]["/api/v1/works/{work_id}/plans"]["post"]["requestBody"]["content"][
        "multipart/form-data"
    ]
    authors = body["schema"]["properties"]["authors"]
    assert authors["items"]["properties"]["kind"]["enum"] == ["compiler", "checker", "approver"]
    assert (
        body["encoding"]["authors"]["contentType"] == "application/json"
        and "authors" in body["schema"]["required"]
    )


def test_the_revision_after_pass_after_revision_records_its_authors(app, client, session):
    from expert_pool.reviews.models import Conclusion
    from knowledge.db import utcnow
    from tests.review_fixtures import AT_MEETING, concluded, ready_meeting

    m = ready_meeting(session, app.config["UPLOAD_DIR"])
    app.config["CLOCK_OFFSET_HOURS"] = (AT_MEETING - utcnow()).total_seconds() / 3600
    concluded(session, m, Conclusion.PASS_AFTER_REVISION)
    url = f"/reviews/{m.review.id}/revision"
    login(client, m.team)
    assert 'name="authors-0-name"' in client.get(url).get_data(as_text=True)
    revised = {"title": "修改稿", "response-1": "已补充验算", "response-2": "已加密监测点",
               "file": (io.BytesIO(SAMPLE_PLAN.encode() + b"v2"), "v2.txt")}  # fmt: skip
    page = client.post(url, data=revised, content_type="multipart/form-data")
    assert page.status_code == 422 and "请至少登记一名编制人" in page.get_data(as_text=True)
    revised |= {"file": (io.BytesIO(SAMPLE_PLAN.encode() + b"v2"), "v2.txt"), **AUTHOR_ROWS}
    assert client.post(url, data=revised, content_type="multipart/form-data").status_code == 302
    latest = session.query(PlanVersion).order_by(PlanVersion.id.desc()).first()
    assert [a.name for a in latest.authors] == ["王编制", "李 审核", "赵审批"]
