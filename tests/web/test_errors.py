"""Friendly error pages in Chinese, never a traceback."""

from knowledge.accounts.models import Role
from tests.factories import login, make_account


def test_404_page_is_chinese(client, session):
    login(client, make_account(session))
    response = client.get("/no/such/page")
    assert response.status_code == 404 and "页面不存在" in response.get_data(as_text=True)


def test_403_page_is_chinese(client, session):
    login(client, make_account(session, Role.REGULATOR))
    response = client.get("/admin/accounts")
    assert response.status_code == 403 and "无权访问" in response.get_data(as_text=True)


def test_413_page_for_an_oversized_body(app, client, session):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    login(client, make_account(session))
    response = client.post("/auth/tokens", data={"name": "x" * 5000})
    assert response.status_code == 413 and "文件过大" in response.get_data(as_text=True)


def test_500_page_rolls_back_and_hides_the_error(app):
    def boom():
        raise RuntimeError("secret detail")

    app.add_url_rule("/boom", "boom", boom)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/boom")
    text = response.get_data(as_text=True)
    assert response.status_code == 500 and "系统错误" in text and "secret detail" not in text


def test_security_headers_on_every_response(client):
    response = client.get("/auth/login")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_a_lone_surrogate_in_json_is_a_json_error_on_public_endpoints(client):
    body = '{"username": "a\\ud800", "password": "x", "name": "t"}'
    for path in ("/api/v1/auth/token", "/api/v1/classify"):
        response = client.post(path, data=body, content_type="application/json")
        assert response.status_code == 400, path
        assert response.get_json()["error"]["code"] == "invalid_character"


def test_json_nested_a_hundred_thousand_deep_is_a_json_error(client):
    body = "[" * 100_000 + "]" * 100_000
    for path in ("/api/v1/auth/token", "/api/v1/classify"):
        response = client.post(path, data=body, content_type="application/json")
        assert response.status_code == 400, path
        assert response.get_json()["error"]["code"] == "invalid_json"


def test_json_nested_within_the_limit_reaches_the_view(client):
    body = '{"category": "excavation", "parameters": {"excavation_depth": 6}}'
    response = client.post("/api/v1/classify", data=body, content_type="application/json")
    assert response.status_code == 200


def test_413_states_the_limit_in_mb_and_offers_a_way_back_that_keeps_the_form(app, client, session):
    app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024
    login(client, make_account(session))
    back = {"Referer": "http://localhost/auth/tokens"}
    response = client.post("/auth/tokens", data={"name": "x" * (3 * 1024 * 1024)}, headers=back)
    page = response.get_data(as_text=True)
    assert response.status_code == 413 and "2 MB" in page
    assert (
        'id="back"' in page and "data-history-back" in page and 'href="http://localhost/auth/tokens"' in page
    )


def test_413_in_json_states_the_limit(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    response = client.post("/api/v1/classify", data="x" * (2 * 1024 * 1024), content_type="application/json")
    assert response.status_code == 413
    error = response.get_json()["error"]
    assert error["code"] == "payload_too_large" and error["limit_mb"] == 1 and "1 MB" in error["message"]
