"""API: the public classifier, the works registry and plan versions, with the pages' permissions."""

import io

import pytest

from knowledge.accounts.models import Role
from knowledge.enterprises.models import ParticipantRole
from knowledge.regions import City
from tests.factories import (
    PLAN_AUTHOR_JSON,
    SAMPLE_PLAN,
    make_account,
    make_enterprise,
    make_project,
    make_work,
)
from tests.web.test_api import assert_error, bearer


def test_classify_is_public_and_gives_clauses(client):
    response = client.post("/api/v1/classify", json={"category": "excavation",
                                                     "parameters": {"excavation_depth": 5}})  # fmt: skip
    body = response.get_json()
    assert response.status_code == 200 and body["verdict"] == "over_scale" and body["needs_expert_review"]
    assert [c["citation"] for c in body["clauses"]] == ["附件1 一（一）", "附件2 一"]
    assert {k: body["clauses"][1][k] for k in ("measured", "threshold", "unit")} == {
        "measured": "5",
        "threshold": "5",
        "unit": "m",
    }


def test_classify_boundary_and_missing(client):
    body = client.post("/api/v1/classify", json={"category": "excavation",
                                                 "parameters": {"excavation_depth": "4.99"}}).get_json()  # fmt: skip
    assert body["verdict"] == "hazardous" and body["is_decided"] is True
    body = client.post("/api/v1/classify", json={"category": "formwork", "sub_type": "concrete_support",
                                                 "parameters": {"support_height": 7.99}}).get_json()  # fmt: skip
    assert body["verdict"] == "hazardous" and not body["is_decided"]
    assert {m["code"] for m in body["missing"]} == {"support_span", "total_load", "line_load"}


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"category": "bridge"}, 422, "classification_input"),
        ({"category": "formwork"}, 422, "classification_input"),
        ({"category": "excavation", "parameters": {"excavation_depth": -2}}, 422, "classification_input"),
        ({"category": "excavation", "parameters": {"excavation_depth": "五米"}}, 422, "classification_input"),
        ({"category": "excavation", "parameters": {"excavation_depth": True}}, 422, "classification_input"),
        ({"category": "excavation", "parameters": {"support_height": 9}}, 422, "classification_input"),
        ({"category": "excavation", "parameters": {"excavation_depth": 5000}}, 422, "classification_input"),
        ({"category": "excavation", "parameters": "deep"}, 400, "wrong_type"),
        ({"category": 5}, 400, "wrong_type"),
        ({}, 400, "missing_field"),
    ],
)
def test_classify_bad_input(client, payload, status, code):
    error = assert_error(client.post("/api/v1/classify", json=payload), status, code)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message"])


def test_catalogue_and_openapi_document_codes_and_parameters(client):
    catalogue = client.get("/api/v1/classify/catalogue").get_json()
    assert [c["code"] for c in catalogue] == ["excavation", "formwork", "lifting", "scaffolding", "demolition",
                                              "underground", "other"]  # fmt: skip
    doc = client.get("/api/v1/openapi.json").get_json()
    body = doc["paths"]["/api/v1/classify"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert "excavation_depth" in body["properties"]["parameters"]["properties"]
    assert (
        "foundation_pit" in body["description"] and body["properties"]["category"]["enum"][0] == "excavation"
    )


@pytest.fixture
def site(session):
    gc, sup = make_enterprise(session), make_enterprise(session)
    project = make_project(
        session, [(gc, ParticipantRole.GENERAL_CONTRACTOR), (sup, ParticipantRole.SUPERVISOR)]
    )
    elsewhere = make_project(session, [(make_enterprise(session), ParticipantRole.GENERAL_CONTRACTOR)],
                             city=City.WUXI, district="滨湖区")  # fmt: skip
    return {"project": project, "elsewhere": elsewhere, "work": make_work(session, project),
            "far": make_work(session, elsewhere), "gc": make_account(session, Role.PROJECT_TEAM, enterprise_id=gc.id),
            "sup": make_account(session, Role.PROJECT_TEAM, enterprise_id=sup.id)}  # fmt: skip


def test_list_and_read_works_within_scope(client, session, site):
    team = bearer(session, site["gc"])
    body = client.get("/api/v1/works", headers=team).get_json()
    assert [w["id"] for w in body["items"]] == [site["work"].id] and body["total"] == 1
    assert_error(client.get(f"/api/v1/works/{site['far'].id}", headers=team), 404, "not_found")
    province = bearer(session, make_account(session, Role.REGULATOR))
    body = client.get("/api/v1/works?city=wuxi&verdict=over_scale", headers=province).get_json()
    assert [w["id"] for w in body["items"]] == [site["far"].id]
    assert_error(client.get("/api/v1/works?status=flying", headers=province), 400, "invalid_parameter")
    expert = bearer(session, make_account(session, Role.EXPERT))
    assert_error(client.get("/api/v1/works", headers=expert), 403, "forbidden")


def test_create_work_by_api(client, session, site):
    team = bearer(session, site["gc"])
    payload = {"project_id": site["project"].id, "name": "塔吊安装拆卸", "category": "lifting",
               "sub_type": "machinery_erection", "planned_start": "2026-01-10",
               "parameters": {"crane_capacity": 800, "erection_height": 120, "foundation_elevation": -6.5}}  # fmt: skip
    created = client.post("/api/v1/works", json=payload, headers=team)
    assert created.status_code == 201 and created.get_json()["verdict"] == "over_scale"
    assert_error(client.post("/api/v1/works", json=dict(payload, planned_start="2026/01/10"), headers=team),
                 400, "invalid_value")  # fmt: skip
    assert_error(client.post("/api/v1/works", json=dict(payload, project_id=site["elsewhere"].id), headers=team),
                 403, "forbidden")  # fmt: skip
    assert_error(client.post("/api/v1/works", json=dict(payload, category="x"), headers=team),
                 422, "classification_input")  # fmt: skip
    regulator = bearer(session, make_account(session, Role.REGULATOR))
    assert_error(client.post("/api/v1/works", json=payload, headers=regulator), 403, "forbidden")


def test_plan_versions_by_api(client, session, site):
    team, sup = bearer(session, site["gc"]), bearer(session, site["sup"])
    url = f"/api/v1/works/{site['work'].id}/plans"
    data = {
        "file": (io.BytesIO(SAMPLE_PLAN.encode()), "plan.txt"),
        "title": "基坑方案",
        "authors": PLAN_AUTHOR_JSON,
    }
    created = client.post(url, data=data, headers=team, content_type="multipart/form-data")
    assert created.status_code == 201, created.get_json()
    version = created.get_json()
    assert version["number"] == 1 and version["sections_found"] == list(range(1, 10))
    assert_error(client.post(url, data={"title": "x"}, headers=team, content_type="multipart/form-data"),
                 400, "missing_field")  # fmt: skip
    bad = {"file": (io.BytesIO(b"%PDF-1.4 broken"), "plan.pdf")}
    assert_error(
        client.post(url, data=bad, headers=team, content_type="multipart/form-data"), 422, "invalid_plan_file"
    )
    assert_error(client.post(url, data={"file": (io.BytesIO(SAMPLE_PLAN.encode()), "p.txt")}, headers=sup,
                             content_type="multipart/form-data"), 403, "forbidden")  # fmt: skip
    assert [v["number"] for v in client.get(url, headers=sup).get_json()] == [1]
    assert client.get(f"/api/v1/plans/{version['id']}", headers=sup).get_json()["sha256"] == version["sha256"]
    assert client.get(f"/api/v1/plans/{version['id']}/file", headers=sup).get_data() == SAMPLE_PLAN.encode()
    outsider = bearer(session, make_account(session, Role.PROJECT_TEAM))
    assert_error(client.get(f"/api/v1/plans/{version['id']}/file", headers=outsider), 404, "not_found")
