"""Hazard pages and API (issue 20 items 5, 6, 8, 10): the list with filters and exports, the detail page's steps
offered only to whoever may take them, refusals shown in Chinese with nothing changed, hazard-linked credit,
the project team's own hazards and own-check form, and the same in JSON."""

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from expert_pool.experts.models import CreditEventRow
from knowledge.accounts.models import Role
from knowledge.site.hazard_loop import Level, State
from knowledge.site.hazard_models import Hazard, HazardEvent, HazardEvidence
from tests.factories import login, make_account
from tests.hazard_factories import FOUND_ON, make_hazard, reviewed_world
from tests.site_factories import make_site_world, png_bytes
from tests.web.test_api import assert_error, bearer


@pytest.fixture
def world(session, app):
    return make_site_world(session, app.config["UPLOAD_DIR"])


def switch(client, account):
    client.post("/auth/logout")
    login(client, account)
    return client


def as_(client, world, name):
    return switch(client, world.accounts[name])


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def post_step(client, hazard, step, note="", files=()):
    data = {"step": step, "note": note, "evidence": [(io.BytesIO(b), n) for b, n in files]}
    return client.post(f"/site/hazards/{hazard.id}/steps", data=data, content_type="multipart/form-data",
                       follow_redirects=True)  # fmt: skip


def test_list_filters_counts_and_overdue_in_red(client, session, world):
    late = make_hazard(session, world)
    make_hazard(
        session, world, level=Level.ORDINARY, description="临边防护缺失", found_on=FOUND_ON + timedelta(500)
    )
    page = as_(client, world, "regulator").get("/site/hazards").get_data(as_text=True)
    assert "事故隐患清单" in page and "基坑周边堆载" in page and "临边防护缺失" in page
    assert "（逾期）" in page and "逾期 <strong>1</strong>" in page
    filtered = client.get("/site/hazards?level=major&overdue=1").get_data(as_text=True)
    assert f"#{late.id}" in filtered and "临边防护缺失" not in filtered
    bad = client.get("/site/hazards?level=huge&overdue=maybe").get_data(as_text=True)
    assert "参数 level 的取值无效" in bad and "参数 overdue 应为 1 或 0" in bad


def test_other_city_regulator_gets_404_and_another_enterprise_sees_nothing(client, session, world):
    hazard = make_hazard(session, world)
    as_(client, world, "other_city")
    assert client.get(f"/site/hazards/{hazard.id}").status_code == 404
    assert "没有符合条件的隐患" in client.get("/site/hazards").get_data(as_text=True)
    as_(client, world, "outsider")
    assert client.get(f"/site/hazards/{hazard.id}").status_code == 404
    assert "基坑周边堆载" not in client.get("/site/hazards").get_data(as_text=True)
    assert "本单位没有待整改的隐患" in client.get("/site/my-hazards").get_data(as_text=True)


def test_the_loop_through_the_pages(client, session, world):
    hazard = make_hazard(session, world)
    page = as_(client, world, "gc").get(f"/site/hazards/{hazard.id}").get_data(as_text=True)
    assert "提交整改" in page and "核验通过，销号" not in page and "责令停工" not in page
    assert "钱安全" in page and "赵总监" in page  # the accountability record
    mine = client.get("/site/my-hazards").get_data(as_text=True)
    assert "本单位待整改隐患" in mine and hazard.deadline.isoformat() in mine
    done = post_step(
        client, hazard, "submit", "已卸除堆载", [(png_bytes(), "a.png"), (b"%PDF-1.4 report", "b.pdf")]
    )
    assert "已提交整改" in done.get_data(as_text=True)
    evidence = session.scalars(select(HazardEvidence).order_by(HazardEvidence.id)).all()
    assert [e.original_name for e in evidence] == ["a.png", "b.pdf"]
    page = as_(client, world, "regulator").get(f"/site/hazards/{hazard.id}").get_data(as_text=True)
    assert "核验通过，销号" in page and "退回整改" in page and "提交整改</button>" not in page
    assert client.get(f"/site/evidence/{evidence[0].id}").data == png_bytes()
    as_(client, world, "other_city")
    assert client.get(f"/site/evidence/{evidence[0].id}").status_code == 404
    as_(client, world, "regulator")
    back = post_step(client, hazard, "send_back").get_data(as_text=True)
    assert "未能退回整改：退回整改须写明理由" in back
    assert "已退回整改" in post_step(client, hazard, "send_back", "照片不清").get_data(as_text=True)
    as_(client, world, "gc")
    post_step(client, hazard, "submit", "补充照片", [(png_bytes(colour=(1, 2, 3)), "c.png")])
    as_(client, world, "regulator")
    assert "已核验销号" in post_step(client, hazard, "close", "复查合格").get_data(as_text=True)
    session.expire_all()
    assert session.get(Hazard, hazard.id).state is State.CLOSED and count(session, HazardEvent) == 4


def test_refusals_show_their_message_and_change_nothing(client, session, world):
    hazard = make_hazard(session, world)
    as_(client, world, "gc")
    assert post_step(client, hazard, "close").status_code == 403
    assert post_step(client, hazard, "send_back", "自行退回").status_code == 403
    bad = post_step(client, hazard, "submit", "已整改", [(b"MZ\x90 not an image", "x.exe")]).get_data(
        as_text=True
    )
    assert "“x.exe”不是图片或PDF" in bad
    none = post_step(client, hazard, "submit", "已整改").get_data(as_text=True)
    assert "提交整改须附整改证明材料" in none
    as_(client, world, "regulator")
    early = post_step(client, hazard, "close").get_data(as_text=True)
    assert "隐患当前为“待整改”，不能“核验销号”" in early
    assert count(session, HazardEvent) == 0 and count(session, HazardEvidence) == 0
    as_(client, world, "office")  # the draw office reads only
    assert client.get(f"/site/hazards/{hazard.id}").status_code == 200
    assert post_step(client, hazard, "close").status_code == 403


def test_rectification_after_closure_is_refused_on_the_page(client, session, world):
    hazard = make_hazard(session, world)
    as_(client, world, "gc")
    post_step(client, hazard, "submit", "已整改", [(png_bytes(), "a.png")])
    as_(client, world, "regulator")
    post_step(client, hazard, "close")
    as_(client, world, "gc")
    page = client.get(f"/site/hazards/{hazard.id}").get_data(as_text=True)
    assert 'name="step" value="submit"' not in page
    again = post_step(client, hazard, "submit", "再次整改", [(png_bytes(), "b.png")]).get_data(as_text=True)
    assert "销号，不能再“提交整改”" in again and count(session, HazardEvent) == 2


def test_stop_order_and_supervision_through_the_page(client, session, world):
    hazard = make_hazard(session, world)
    as_(client, world, "regulator")
    assert "已责令停工" in post_step(client, hazard, "stop", "支护结构开裂").get_data(as_text=True)
    assert "已挂牌督办" in post_step(client, hazard, "supervise", "").get_data(as_text=True)  # overdue by now
    session.expire_all()
    assert world.work.is_stopped
    page = client.get(f"/site/hazards/{hazard.id}").get_data(as_text=True)
    assert "解除停工" in page and ">挂牌督办</button>" not in page
    assert "已解除停工" in post_step(client, hazard, "lift_stop").get_data(as_text=True)
    session.expire_all()
    assert not session.get(type(world.work), world.work.id).is_stopped


def test_own_check_form(client, session, world):
    as_(client, world, "supervisor")
    assert client.get(f"/site/works/{world.work.id}/hazards/new").status_code == 403
    as_(client, world, "gc")
    form = client.get(f"/site/works/{world.work.id}/hazards/new").get_data(as_text=True)
    assert "登记自查发现的隐患" in form and "第五条" in form
    url = f"/site/works/{world.work.id}/hazards/new"
    missing = client.post(
        url, data={"level": "major", "description": "开挖超深", "found_on": FOUND_ON.isoformat()}
    )
    assert (
        "重大事故隐患须对应判定标准的条款" in missing.get_data(as_text=True) and count(session, Hazard) == 0
    )
    done = client.post(url, data={"level": "major", "catalogue_key": "2022-5-1", "description": "开挖超深",
                                  "found_on": FOUND_ON.isoformat()}, follow_redirects=True)  # fmt: skip
    text = done.get_data(as_text=True)
    assert "已登记自查隐患" in text and "企业自查发现" in text
    assert session.scalars(select(Hazard)).one().found_by_own_check


def test_exports_carry_the_filters(client, session, world):
    make_hazard(session, world)
    make_hazard(session, world, level=Level.ORDINARY, description="=HYPERLINK(1)")
    as_(client, world, "regulator")
    rows = list(csv.reader(io.StringIO(client.get("/site/hazards/export?fmt=csv").data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["隐患编号", "项目名称", "危大工程"] and len(rows) == 3
    assert any(r[8] == "'=HYPERLINK(1)" for r in rows[1:])
    book = load_workbook(io.BytesIO(client.get("/site/hazards/export?fmt=xlsx&level=major").data))
    assert book.active.max_row == 2
    assert client.get("/site/hazards/export?fmt=pdf").status_code == 404
    register = client.get("/site/hazards/register?fmt=json").get_json()
    assert register["count"] == 1 and register["items"][0]["division_code"] == "320506"
    sheet = load_workbook(io.BytesIO(client.get("/site/hazards/register").data)).active
    assert sheet.cell(1, 9).value == "行政区划代码" and sheet.max_row == 2
    as_(client, world, "gc")
    assert client.get("/site/hazards/register").status_code == 403


def test_hazard_linked_credit_on_the_page(client, session, app):
    meeting = reviewed_world(session, app.config["UPLOAD_DIR"])
    regulator = make_account(session, Role.REGULATOR, city=meeting.work.city)
    world = type("W", (), {"work": meeting.work, "accounts": {"regulator": regulator}})
    hazard = make_hazard(session, world)
    login(client, regulator)
    page = client.get(f"/site/hazards/{hazard.id}").get_data(as_text=True)
    assert "现行方案与论证专家组" in page and meeting.panel[0].name in page
    expert_id = meeting.panel[0].id
    done = client.post(
        f"/site/hazards/{hazard.id}/credit", data={"expert_id": expert_id}, follow_redirects=True
    )
    assert "已登记“论证通过的方案关联重大隐患”信用记录" in done.get_data(as_text=True)
    again = client.post(
        f"/site/hazards/{hazard.id}/credit", data={"expert_id": expert_id}, follow_redirects=True
    )
    assert "已为" in again.get_data(as_text=True) and count(session, CreditEventRow) == 1
    switch(client, meeting.team)
    assert client.post(f"/site/hazards/{hazard.id}/credit", data={"expert_id": expert_id}).status_code == 403


def test_api_list_detail_steps_and_export(client, session, world):
    hazard = make_hazard(session, world)
    gc, reg = bearer(session, world.accounts["gc"]), bearer(session, world.accounts["regulator"])
    listed = client.get("/api/v1/hazards?overdue=1&level=major", headers=reg).get_json()
    assert listed["total"] == 1 and listed["items"][0]["is_overdue"] and listed["items"][0]["clause"]
    assert_error(client.get("/api/v1/hazards?state=lost", headers=reg), 400, "invalid_parameter")
    url = f"/api/v1/hazards/{hazard.id}/steps"
    assert_error(client.post(url, json={"step": "close"}, headers=gc), 403, "forbidden")
    err = assert_error(
        client.post(url, json={"step": "submit", "note": "已整改"}, headers=gc), 422, "site_rule"
    )
    assert "须附整改证明材料" in err["message"]
    sent = client.post(url, data={"step": "submit", "note": "已整改", "evidence": [(io.BytesIO(png_bytes()), "a.png")]},
                       headers=gc, content_type="multipart/form-data")  # fmt: skip
    assert sent.status_code == 201 and sent.get_json()["state"] == "submitted"
    assert sent.get_json()["events"][0]["evidence"][0]["name"] == "a.png"
    future = client.post(url, json={"step": "close", "day": "2999-01-01"}, headers=reg)
    assert_error(future, 422, "validation_error")
    closed = client.post(url, json={"step": "close", "note": "复查合格"}, headers=reg).get_json()
    assert closed["state"] == "closed" and [e["step"] for e in closed["events"]] == ["submit", "close"]
    again = client.post(url, json={"step": "send_back", "note": "x"}, headers=reg)
    assert "销号" in assert_error(again, 422, "site_rule")["message"]
    other = bearer(session, world.accounts["other_city"])
    assert_error(client.get(f"/api/v1/hazards/{hazard.id}", headers=other), 404, "not_found")
    assert (
        client.get("/api/v1/hazards", headers=bearer(session, world.accounts["outsider"])).get_json()["total"]
        == 0
    )
    exported = client.get("/api/v1/hazards/export?format=json", headers=reg).get_json()
    row = exported["items"][0]
    assert row["constructor_code"] == world.enterprises["gc"].credit_code and row["closed_on"]
    assert client.get("/api/v1/hazards/export?format=xlsx", headers=reg).data[:2] == b"PK"
    assert_error(client.get("/api/v1/hazards/export", headers=gc), 403, "forbidden")
