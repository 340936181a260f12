"""Registry pages: list scope and filters, exports, registration form, detail, plan upload, sign, download."""

import csv
import io

import pytest
from openpyxl import load_workbook

from knowledge.accounts.models import Role
from knowledge.enterprises.models import ParticipantRole
from knowledge.regions import City
from knowledge.registry.models import Work
from knowledge.registry.workflow import WorkStatus
from tests.factories import (
    PLAN_AUTHOR_FORM,
    SAMPLE_PLAN,
    login,
    make_account,
    make_enterprise,
    make_project,
    make_work,
)


@pytest.fixture
def site(session):
    gc, sup = make_enterprise(session), make_enterprise(session)
    project = make_project(
        session, [(gc, ParticipantRole.GENERAL_CONTRACTOR), (sup, ParticipantRole.SUPERVISOR)]
    )
    nanjing = make_project(session, [(make_enterprise(session), ParticipantRole.GENERAL_CONTRACTOR)],
                           city=City.NANJING, district="江宁区")  # fmt: skip
    deep = make_work(session, project, name="苏州深基坑工程")
    formwork = make_work(session, project, name="苏州高支模工程", category="formwork", sub_type="concrete_support",
                         parameters={"support_height": "6", "support_span": "8", "total_load": "9", "line_load": "10",
                                     "slender_independent": False})  # fmt: skip
    other = make_work(session, nanjing, name="南京脚手架工程", category="scaffolding", sub_type="cantilevered",
                      parameters={"segment_height": "21"})  # fmt: skip
    team = make_account(session, Role.PROJECT_TEAM, enterprise_id=gc.id, display_name="技术负责人甲")
    supervisor = make_account(session, Role.PROJECT_TEAM, enterprise_id=sup.id, display_name="总监乙")
    return {"project": project, "deep": deep, "formwork": formwork, "other": other, "team": team,
            "supervisor": supervisor}  # fmt: skip


def names(client, url):
    return [
        n
        for n in ("苏州深基坑工程", "苏州高支模工程", "南京脚手架工程")
        if n in client.get(url).get_data(as_text=True)
    ]


def test_scope_of_the_registry_list(client, session, site):
    login(client, make_account(session, Role.REGULATOR))
    assert names(client, "/works/") == ["苏州深基坑工程", "苏州高支模工程", "南京脚手架工程"]
    client.post("/auth/logout")
    login(client, make_account(session, Role.REGULATOR, city=City.SUZHOU))
    assert names(client, "/works/?city=nanjing") == ["苏州深基坑工程", "苏州高支模工程"]
    client.post("/auth/logout")
    login(client, site["team"])
    assert names(client, "/works/") == ["苏州深基坑工程", "苏州高支模工程"]
    assert client.get(f"/works/{site['other'].id}").status_code == 404


def test_filters_combine_and_bad_values_are_explained(client, session, site):
    login(client, make_account(session, Role.REGULATOR))
    assert names(client, "/works/?verdict=over_scale") == ["苏州深基坑工程", "南京脚手架工程"]
    assert names(client, "/works/?city=suzhou&category=formwork") == ["苏州高支模工程"]
    assert names(client, "/works/?district=江宁区") == ["南京脚手架工程"]
    assert names(client, "/works/?status=in_force") == []
    page = client.get("/works/?city=beijing&start_from=2026-13-01&sort=x").get_data(as_text=True)
    assert "取值无效" in page and "日期格式" in page and "已忽略此条件" in page


def test_exports_follow_the_filter_and_the_scope(client, session, site):
    login(client, make_account(session, Role.REGULATOR, city=City.SUZHOU))
    response = client.get("/works/export.csv?category=excavation")
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0][:3] == ["编号", "项目名称", "所在城市"]
    assert [r[4] for r in rows[1:]] == ["苏州深基坑工程"]
    assert "附件2 一" in rows[1][9] and "超过一定规模" in rows[1][8]
    book = load_workbook(io.BytesIO(client.get("/works/export.xlsx").get_data()))
    sheet = book.active
    assert sorted(r[4] for r in sheet.iter_rows(min_row=2, values_only=True)) == [
        "苏州深基坑工程",
        "苏州高支模工程",
    ]
    assert client.get("/works/export.pdf").status_code == 404


def test_register_through_the_form(client, session, site):
    login(client, site["team"])
    url = f"/works/new?project_id={site['project'].id}"
    assert "请选择工程类别和子类" in client.get(url).get_data(as_text=True)
    page = client.get(url + "&kind=scaffolding/ground_steel_tube").get_data(as_text=True)
    assert "脚手架搭设高度（m）" in page
    data = {"kind": "scaffolding/ground_steel_tube", "p_scaffold_height": "50", "name": "主楼落地式脚手架",
            "planned_start": "2026-03-01", "planned_end": "2026-09-30"}  # fmt: skip
    response = client.post(url, data=data, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "已登记：超过一定规模的危大工程" in text and "附件2 四（一）" in text


def test_form_errors_sit_beside_the_parameter(client, session, site):
    login(client, site["team"])
    url = f"/works/new?project_id={site['project'].id}"
    data = {"kind": "excavation/foundation_pit", "p_excavation_depth": "-3", "name": "基坑"}
    page = client.post(url, data=data).get_data(as_text=True)
    assert "不能为负数" in page and "is-invalid" in page
    data.update(
        {"p_excavation_depth": "2", "p_complex_conditions": "否", "p_affects_adjacent_structures": "否"}
    )
    assert "不属于危大工程" in client.post(url, data=data).get_data(as_text=True)
    assert (
        client.post(url.replace("new?", "new?x=1&"), data=dict(data, planned_start="2026-02-30")).status_code
        == 200
    )
    assert session.query(Work).count() == 3


def test_supervisor_and_others_cannot_register(client, session, site):
    login(client, site["supervisor"])
    assert client.get(f"/works/new?project_id={site['project'].id}").status_code == 403
    assert client.get("/works/new?project_id=abc").status_code == 404


def test_upload_sign_and_download_through_the_pages(client, session, site):
    work = site["deep"]
    login(client, site["team"])
    data = {"title": "基坑专项施工方案", "file": (io.BytesIO(SAMPLE_PLAN.encode()), "方案（第一版）.txt"),
            **PLAN_AUTHOR_FORM}  # fmt: skip
    response = client.post(f"/works/{work.id}/plans/new", data=data, content_type="multipart/form-data",
                           follow_redirects=True)  # fmt: skip
    text = response.get_data(as_text=True)
    assert "已提交方案第1版" in text and text.count("✔") == 9
    version_url = response.request.path
    download = client.get(version_url + "/download")
    assert (
        download.get_data() == SAMPLE_PLAN.encode()
        and "filename*=UTF-8" in download.headers["Content-Disposition"]
    )
    assert "以施工单位技术负责人身份签字" in client.get(version_url).get_data(as_text=True)
    signing = {"value": "constructor", "confirmed": "1"}
    response = client.post(version_url + "/sign", data=signing, follow_redirects=True)
    assert "技术负责人甲 于" in response.get_data(as_text=True)
    assert "身份签字</button>" not in response.get_data(as_text=True)  # nothing left for this account to sign
    response = client.post(version_url + "/sign", data={"value": "supervisor"})
    assert response.status_code == 403
    client.post("/auth/logout")
    login(client, site["supervisor"])
    client.post(version_url + "/sign", data={"value": "supervisor", "confirmed": "1"})
    session.expire_all()
    assert session.get(Work, work.id).status is WorkStatus.SUPERVISOR_SIGNED
    history = client.get(f"/works/{work.id}").get_data(as_text=True)
    assert (
        "状态变更：已登记 → 方案已编制（提交方案第1版）" in history
        and "施工单位已审核 → 总监已审查" in history
    )


def test_wrong_file_gets_a_message_on_the_page(client, session, site):
    login(client, site["team"])
    data = {"file": (io.BytesIO(b"MZ\x90\x00" + b"\x00" * 50), "方案.pdf")}
    page = client.post(f"/works/{site['deep'].id}/plans/new", data=data, content_type="multipart/form-data")
    assert page.status_code == 200 and "只接受PDF" in page.get_data(as_text=True)
    page = client.post(f"/works/{site['deep'].id}/plans/new", data={}, content_type="multipart/form-data")
    assert "请选择要上传的方案文件" in page.get_data(as_text=True)


def test_out_of_order_move_is_refused_with_a_message(client, session, site):
    login(client, site["team"])
    response = client.post(
        f"/works/{site['deep'].id}/move", data={"value": "accepted"}, follow_redirects=True
    )
    assert "不能变更为" in response.get_data(as_text=True)
    response = client.post(f"/works/{site['deep'].id}/request-review", follow_redirects=True)
    assert "不能变更为" in response.get_data(as_text=True)


def test_classify_page_shows_verdict_and_clauses(client, session):
    login(client, make_account(session, Role.EXPERT))
    page = client.get("/classify/?kind=lifting/machinery_erection&go=1&p_crane_capacity=300&p_erection_height=60"
                      "&p_foundation_elevation=-5").get_data(as_text=True)  # fmt: skip
    assert "超过一定规模的危大工程" in page and "附件2 三（二）" in page and "须组织专家论证" in page
    page = client.get("/classify/?kind=excavation/foundation_pit&go=1&p_excavation_depth=abc").get_data(
        as_text=True
    )
    assert "开挖深度" in page and "is-invalid" in page


def test_filter_by_a_units_credit_code(client, session, site):
    login(client, make_account(session, Role.REGULATOR))
    gc_code = site["project"].participants[0].enterprise.credit_code
    assert names(client, f"/works/?enterprise={gc_code}") == ["苏州深基坑工程", "苏州高支模工程"]
    page = client.get("/works/?enterprise=91320000000000000X").get_data(as_text=True)
    assert "未找到统一社会信用代码" in page
