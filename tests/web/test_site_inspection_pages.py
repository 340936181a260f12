"""Inspection pages and API: the phone form, bad input kept and explained, the detail with photos and hazards, the
careless-review confirmation, the regulators' list, and who may reach each."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from expert_pool.experts.models import CreditEventRow
from knowledge.clock import CST
from knowledge.registry.workflow import WorkStatus
from knowledge.site.hazard_models import Hazard
from knowledge.site.inspection_models import Inspection, InspectionPhoto
from knowledge.site.inspections import checklist_of
from tests.factories import login
from tests.inspection_factories import CATALOGUE_CLAUSE, CATALOGUE_KEY, GENERAL_KEY, make_panel
from tests.site_factories import make_site_world, png_bytes
from tests.web.test_api import assert_error, bearer


def today():
    """Read at each use: a module constant went stale when the suite crossed midnight in Beijing."""
    return datetime.now(CST).date()


@pytest.fixture
def world(app, session):
    return make_site_world(session, app.config["UPLOAD_DIR"])


def as_(client, world, who):
    client.post("/auth/logout")
    login(client, world.accounts[who])
    return client


def form_data(session, work, *, fails=None, skip=(), **extra):
    fails = fails or {}
    data = {"inspected_on": today().isoformat(), "inspectors": "周检查、吴检查", "note": "总体受控"}
    for c in checklist_of(session, work):
        if c.key in skip:
            continue
        data[f"result-{c.key}"] = "fails" if c.key in fails else "conforms"
        data[f"note-{c.key}"] = fails.get(c.key, "")
    data.update(extra)
    return data


def new_url(world):
    return f"/site/works/{world.work.id}/inspections/new"


def rows(session):
    return tuple(
        session.scalar(select(func.count()).select_from(m)) for m in (Inspection, InspectionPhoto, Hazard)
    )


def post(client, world, data):
    return client.post(new_url(world), data=data, content_type="multipart/form-data")


def test_the_form_is_made_for_a_phone_at_the_site(client, session, world):
    page = as_(client, world, "regulator").get(new_url(world)).get_data(as_text=True)
    assert 'accept="image/*" capture="environment" multiple' in page
    assert page.count('name="photos-') == len(checklist_of(session, world.work))
    assert "btn btn-lg btn-outline-danger" in page and "不符合" in page and "不适用" in page
    assert CATALOGUE_CLAUSE in page and "住房和城乡建设部令第37号 第十六条" in page
    assert 'enctype="multipart/form-data"' in page and f'value="{today().isoformat()}"' in page


def test_an_inspection_is_recorded_with_its_photo_and_hazards(client, session, world):
    data = form_data(session, world.work, fails={CATALOGUE_KEY: "未见监测单位", GENERAL_KEY: "支撑间距不符"})
    data[f"photos-{CATALOGUE_KEY}"] = [(io.BytesIO(png_bytes()), "现场.png")]
    response = post(as_(client, world, "regulator"), world, data)
    assert response.status_code == 302
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "检查记录已保存" in detail and "重大事故隐患" in detail and "一般事故隐患" in detail
    assert CATALOGUE_CLAUSE in detail and "未见监测单位" in detail
    photo = session.scalar(select(InspectionPhoto))
    assert f"/site/photos/{photo.id}/thumb" in detail and f'href="/site/photos/{photo.id}"' in detail
    full = client.get(f"/site/photos/{photo.id}")
    assert full.status_code == 200 and full.mimetype == "image/png" and full.data == png_bytes()
    thumb = client.get(f"/site/photos/{photo.id}/thumb")
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg" and thumb.data[:2] == b"\xff\xd8"
    assert rows(session) == (1, 1, 2)


def test_a_photo_that_is_not_an_image_keeps_what_was_typed_and_saves_nothing(client, session, world):
    data = form_data(session, world.work, fails={GENERAL_KEY: "支撑间距与方案不符"}, inspectors="周检查")
    data[f"photos-{GENERAL_KEY}"] = [(io.BytesIO(b"MZ\x90\x00 not an image"), "照片.jpg")]
    response = post(as_(client, world, "regulator"), world, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "“照片.jpg”不是图片" in page
    assert "支撑间距与方案不符</textarea>" in page and "周检查</textarea>" in page
    assert (
        f'name="result-{GENERAL_KEY}" id="r-2-{GENERAL_KEY}" value="fails" autocomplete="off" checked' in page
    )
    assert "照片需要重新选择" in page
    assert rows(session) == (0, 0, 0)


@pytest.mark.parametrize(
    ("change", "message"),
    [({"result-2022-6-1": "conforms"}, "不属于该工程的检查表"),
     ({"inspected_on": (today() + timedelta(days=1)).isoformat()}, "不能晚于今天"),
     ({"inspectors": ""}, "请填写检查人员姓名"),
     ({f"note-{GENERAL_KEY}": "", f"result-{GENERAL_KEY}": "fails"}, "请写明发现的问题"),
     ({f"result-{CATALOGUE_KEY}": ""}, "还有1个检查项未填写检查结果")],
)  # fmt: skip
def test_bad_input_is_explained_and_nothing_is_saved(client, session, world, change, message):
    response = post(as_(client, world, "regulator"), world, {**form_data(session, world.work), **change})
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert rows(session) == (0, 0, 0)


def test_a_closed_work_is_not_inspected(client, app, session):
    world = make_site_world(session, app.config["UPLOAD_DIR"], status=WorkStatus.CLOSED)
    page = as_(client, world, "regulator").get(new_url(world)).get_data(as_text=True)
    assert "已办结" in page and 'name="photos-' not in page
    response = post(client, world, form_data(session, world.work))
    assert response.status_code == 200 and "已办结" in response.get_data(as_text=True)
    assert rows(session) == (0, 0, 0)


@pytest.mark.parametrize(
    ("who", "status"), [("other_city", 404), ("gc", 403), ("admin", 403), ("office", 403)]
)
def test_only_the_areas_regulators_reach_the_form(client, session, world, who, status):
    as_(client, world, who)
    assert client.get(new_url(world)).status_code == status
    assert post(client, world, form_data(session, world.work)).status_code == status
    assert rows(session) == (0, 0, 0)


def _recorded(client, session, world, **extra):
    data = form_data(session, world.work, **extra)
    data[f"photos-{GENERAL_KEY}"] = [(io.BytesIO(png_bytes()), "p.png")]
    assert post(as_(client, world, "regulator"), world, data).status_code == 302
    return session.scalar(select(Inspection).order_by(Inspection.id.desc())), session.scalar(
        select(InspectionPhoto)
    )


@pytest.mark.parametrize(
    ("who", "status"),
    [("regulator", 200), ("province", 200), ("gc", 200), ("office", 200), ("other_city", 404), ("outsider", 404),
     ("expert", 403)],
)  # fmt: skip
def test_the_inspection_and_its_photos_are_served_only_to_those_allowed(client, session, world, who, status):
    inspection, photo = _recorded(client, session, world)
    as_(client, world, who)
    for url in (
        f"/site/inspections/{inspection.id}",
        f"/site/photos/{photo.id}",
        f"/site/photos/{photo.id}/thumb",
    ):
        assert client.get(url).status_code == status, url


def test_photos_need_a_signed_in_account(client, session, world):
    _, photo = _recorded(client, session, world)
    client.post("/auth/logout")
    response = client.get(f"/site/photos/{photo.id}")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_careless_review_is_confirmed_on_the_page_once_per_expert(client, session, world):
    panel = make_panel(session, world.work, world.version)
    inspection, _ = _recorded(client, session, world, review_careless="y", careless_note="明显错误被论证通过")
    page = as_(client, world, "regulator").get(f"/site/inspections/{inspection.id}").get_data(as_text=True)
    assert "确认并登记信用记录" in page and page.count("待确认") == len(panel)
    url = f"/site/inspections/{inspection.id}/careless"
    assert client.post(url, data={"points": "-12"}).status_code == 302
    again = client.post(url, data={"points": "-12"}, follow_redirects=True).get_data(as_text=True)
    assert "未重复登记" in again and "已登记 -12 分" in again
    assert session.scalar(select(func.count()).select_from(CreditEventRow)) == len(panel)
    out_of_policy = as_(client, world, "province").post(url, data={"points": "-30"}, follow_redirects=True)
    assert "扣分须在-20至-10分之间" in out_of_policy.get_data(as_text=True)


@pytest.mark.parametrize(("who", "status"), [("other_city", 404), ("gc", 403), ("admin", 403)])
def test_careless_review_is_confirmed_by_the_areas_regulators_only(client, session, world, who, status):
    make_panel(session, world.work, world.version)
    inspection, _ = _recorded(client, session, world, review_careless="y", careless_note="明显错误")
    response = as_(client, world, who).post(
        f"/site/inspections/{inspection.id}/careless", data={"points": "-10"}
    )
    assert response.status_code == status
    assert session.scalar(select(func.count()).select_from(CreditEventRow)) == 0


def test_the_list_shows_the_regulators_area_with_filters(client, app, session, world):
    _recorded(client, session, world)
    page = as_(client, world, "regulator").get("/site/inspections").get_data(as_text=True)
    assert world.work.name in page and "共 1 条" in page
    later = (today() + timedelta(days=1)).isoformat()
    assert world.work.name not in client.get(f"/site/inspections?date_from={later}").get_data(as_text=True)
    assert world.work.name not in as_(client, world, "other_city").get("/site/inspections").get_data(
        as_text=True
    )
    assert as_(client, world, "gc").get("/site/inspections").status_code == 403


# -- the API --------------------------------------------------------------------------------------------------


def api_items(session, work, fails=None):
    fails = fails or {}
    return [{"key": c.key, "result": "fails" if c.key in fails else "conforms", "note": fails.get(c.key, "")}
            for c in checklist_of(session, work)]  # fmt: skip


def test_api_records_and_reads_an_inspection(client, session, world):
    headers = bearer(session, world.accounts["regulator"])
    checklist = client.get(f"/api/v1/works/{world.work.id}/checklist", headers=headers).get_json()
    assert {"key": CATALOGUE_KEY, "text": "深基坑施工未进行第三方监测", "clause": CATALOGUE_CLAUSE,
            "hazard_key": CATALOGUE_KEY} in checklist  # fmt: skip
    body = {"inspected_on": today().isoformat(), "inspectors": ["周检查"],
            "items": api_items(session, world.work, {CATALOGUE_KEY: "未监测"})}  # fmt: skip
    created = client.post(f"/api/v1/works/{world.work.id}/inspections", json=body, headers=headers)
    assert created.status_code == 201, created.get_data(as_text=True)
    found = created.get_json()
    assert [(h["level"], h["catalogue_key"]) for h in found["hazards"]] == [("major", CATALOGUE_KEY)]
    gc = bearer(session, world.accounts["gc"])
    assert client.get(f"/api/v1/inspections/{found['id']}", headers=gc).get_json()["id"] == found["id"]
    listed = client.get("/api/v1/inspections?category=excavation", headers=headers).get_json()
    assert [i["id"] for i in listed["items"]] == [found["id"]] and listed["total"] == 1


def test_api_refusals_are_json_with_codes(client, app, session, world):
    reg, gc = bearer(session, world.accounts["regulator"]), bearer(session, world.accounts["gc"])
    other = bearer(session, world.accounts["other_city"])
    url = f"/api/v1/works/{world.work.id}/inspections"
    body = {
        "inspected_on": today().isoformat(),
        "inspectors": ["周检查"],
        "items": api_items(session, world.work),
    }
    foreign = {**body, "items": [*body["items"], {"key": "2022-6-1", "result": "conforms"}]}
    assert (
        "不属于该工程的检查表"
        in assert_error(client.post(url, json=foreign, headers=reg), 422, "site_rule")["message"]
    )
    bad = {**body, "items": [{"key": GENERAL_KEY, "result": "maybe"}]}
    assert_error(client.post(url, json=bad, headers=reg), 400, "invalid_value")
    assert_error(
        client.post(url, json={**body, "inspected_on": "20260101"}, headers=reg), 400, "invalid_value"
    )
    future = {**body, "inspected_on": (today() + timedelta(days=1)).isoformat()}
    assert_error(client.post(url, json=future, headers=reg), 422, "validation_error")
    assert_error(client.post(url, json=body, headers=gc), 403, "forbidden")
    assert_error(client.post(url, json=body, headers=other), 404, "not_found")
    assert_error(client.get(f"/api/v1/works/{world.work.id}/checklist", headers=gc), 403, "forbidden")
    assert_error(client.get("/api/v1/inspections?date_from=x", headers=reg), 400, "invalid_parameter")
    assert_error(client.get("/api/v1/inspections", headers=gc), 403, "forbidden")
    closed = make_site_world(session, app.config["UPLOAD_DIR"], status=WorkStatus.CLOSED)
    closed_url = f"/api/v1/works/{closed.work.id}/inspections"
    body_closed = {**body, "items": api_items(session, closed.work)}
    reg_closed = bearer(session, closed.accounts["regulator"])
    assert (
        "已办结"
        in assert_error(client.post(closed_url, json=body_closed, headers=reg_closed), 422, "site_rule")[
            "message"
        ]
    )
    assert session.scalar(select(func.count()).select_from(Inspection)) == 0


def test_api_careless_confirmation_records_once_per_expert(client, session, world):
    panel = make_panel(session, world.work, world.version)
    reg = bearer(session, world.accounts["regulator"])
    body = {"inspected_on": today().isoformat(), "inspectors": ["周检查"], "items": api_items(session, world.work),
            "review_careless": True, "careless_note": "明显错误被论证通过"}  # fmt: skip
    found = client.post(f"/api/v1/works/{world.work.id}/inspections", json=body, headers=reg).get_json()
    url = f"/api/v1/inspections/{found['id']}/careless"
    assert sorted(client.post(url, json={"points": -10}, headers=reg).get_json()["recorded"]) == panel
    assert client.post(url, json={"points": -10}, headers=reg).get_json()["recorded"] == []
    assert_error(client.post(url, json={"points": -50}, headers=reg), 422, "validation_error")
    assert session.scalar(select(func.count()).select_from(CreditEventRow)) == len(panel)
