"""The enterprise pages: search, create and edit with the credit code checked, messages in Chinese."""

from sqlalchemy import func, select

from knowledge.accounts.models import Role
from knowledge.enterprises.models import Enterprise
from tests.factories import credit_code, login, make_account, make_enterprise
from tests.web.test_api import assert_error, bearer


def form(**overrides):
    data = {"name": "南京测试监理咨询有限公司", "credit_code": credit_code("320102"), "type": "supervisor",
            "city": "nanjing", "parent_credit_code": ""}  # fmt: skip
    data.update(overrides)
    return data


def count(session):
    return session.scalar(select(func.count()).select_from(Enterprise))


def test_admin_registers_an_enterprise(client, session):
    login(client, make_account(session, Role.ADMIN))
    response = client.post("/enterprises/new", data=form(), follow_redirects=True)
    assert "单位已登记" in response.get_data(as_text=True)
    assert count(session) == 1


def test_bad_check_character_is_shown_beside_the_field(client, session):
    login(client, make_account(session, Role.ADMIN))
    code = credit_code()
    typo = code[:-1] + ("0" if code[-1] != "0" else "1")
    page = client.post("/enterprises/new", data=form(credit_code=typo)).get_data(as_text=True)
    assert "校验位不正确" in page and "is-invalid" in page
    assert count(session) == 0


def test_duplicate_code_and_long_name_are_refused(client, session):
    existing = make_enterprise(session)
    login(client, make_account(session, Role.ADMIN))
    page = client.post("/enterprises/new", data=form(credit_code=existing.credit_code)).get_data(as_text=True)
    assert "已登记为" in page
    page = client.post("/enterprises/new", data=form(name="长" * 201)).get_data(as_text=True)
    assert "不能超过200个字符" in page
    assert count(session) == 1


def test_unknown_city_value_is_refused_not_a_500(client, session):
    login(client, make_account(session, Role.ADMIN))
    response = client.post("/enterprises/new", data=form(city="beijing"))
    assert response.status_code == 200 and "不是有效的选择" in response.get_data(as_text=True)
    assert count(session) == 0


def test_edit_keeps_the_code_and_links_a_parent(client, session):
    group = make_enterprise(session, name="苏州测试集团有限公司")
    child = make_enterprise(session)
    login(client, make_account(session, Role.ADMIN))
    data = form(name=child.name, credit_code=child.credit_code, type="constructor", city="suzhou",
                parent_credit_code=group.credit_code, parent_since="2020-01-01")  # fmt: skip
    response = client.post(f"/enterprises/{child.id}/edit", data=data, follow_redirects=True)
    assert "单位信息已更新" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Enterprise, child.id).parent_id == group.id
    assert client.get(f"/enterprises/{group.id}").get_data(as_text=True).count(child.name) == 1


def test_search_by_name_and_code(client, session):
    a = make_enterprise(session, name="无锡甲乙建设有限公司")
    make_enterprise(session, name="常州丙丁监理有限公司")
    login(client, make_account(session, Role.REGULATOR))
    page = client.get("/enterprises/?q=甲乙").get_data(as_text=True)
    assert "无锡甲乙建设有限公司" in page and "常州丙丁" not in page
    assert "无锡甲乙" in client.get(f"/enterprises/?q={a.credit_code}").get_data(as_text=True)
    assert client.get("/enterprises/?q=%25&page=abc").status_code == 200


def test_missing_enterprise_is_404(client, session):
    login(client, make_account(session, Role.ADMIN))
    assert client.get("/enterprises/999999").status_code == 404
    assert client.get("/enterprises/999999/edit").status_code == 404


def test_the_page_records_an_acquisition_and_a_departure_with_dates_and_shows_the_history(client, session):
    group = make_enterprise(session, name="苏州测试集团有限公司")
    child = make_enterprise(session)
    login(client, make_account(session, Role.ADMIN))
    data = form(name=child.name, credit_code=child.credit_code, type="constructor", city="suzhou",
                parent_credit_code=group.credit_code)  # fmt: skip
    page = client.post(f"/enterprises/{child.id}/edit", data=data).get_data(as_text=True)
    assert "请填写加入该集团的日期" in page and "is-invalid" in page  # beside the field, nothing stored
    session.expire_all()
    assert session.get(Enterprise, child.id).parent_id is None
    client.post(f"/enterprises/{child.id}/edit", data=dict(data, parent_since="2023-05-01"))
    client.post(
        f"/enterprises/{child.id}/edit", data=dict(data, parent_credit_code="", parent_until="2024-12-31")
    )
    page = client.get(f"/enterprises/{child.id}").get_data(as_text=True)
    assert 'id="group-history"' in page and group.name in page
    assert "2023-05-01" in page and "2024-12-31" in page
    session.expire_all()
    assert session.get(Enterprise, child.id).parent_id is None


def test_the_api_takes_the_start_of_a_group_link_and_shows_the_history(client, session):
    group = make_enterprise(session)
    headers = bearer(session, make_account(session, Role.ADMIN))
    body = {"name": "南京测试建设有限公司", "credit_code": credit_code("320102"), "type": "constructor",
            "city": "nanjing", "parent_credit_code": group.credit_code}  # fmt: skip
    error = assert_error(
        client.post("/api/v1/enterprises", json=body, headers=headers), 422, "validation_error"
    )
    assert error["field"] == "parent_since"
    bad = client.post("/api/v1/enterprises", json=dict(body, parent_since="2023-13-01"), headers=headers)
    assert assert_error(bad, 400, "invalid_value")["field"] == "parent_since"
    created = client.post("/api/v1/enterprises", json=dict(body, parent_since="2023-05-01"), headers=headers)
    assert created.status_code == 201
    history = [{"parent_id": group.id, "start": "2023-05-01", "end": None}]
    assert created.get_json()["group_history"] == history
    assert (
        client.get(f"/api/v1/enterprises/{created.get_json()['id']}", headers=headers).get_json()[
            "group_history"
        ]
        == history
    )
