"""Sign-in pages: messages in Chinese, lock, cookie flags, sign-out on POST only, CSRF on."""

from sqlalchemy import select

from knowledge.accounts.models import ApiToken, Role
from tests.factories import PASSWORD, login, make_account
from webapp import create_app
from webapp.config import TestConfig


def test_login_page_is_chinese(client):
    page = client.get("/auth/login").get_data(as_text=True)
    assert "登录" in page and "用户名" in page and "密码" in page


def test_wrong_password_and_unknown_user_get_the_same_message(client, session):
    account = make_account(session)
    for username in (account.username, "nobody"):
        page = client.post("/auth/login", data={"username": username, "password": "wrong"})
        assert page.status_code == 200
        assert "用户名或密码错误" in page.get_data(as_text=True)


def test_empty_fields_are_explained(client):
    page = client.post("/auth/login", data={"username": "", "password": ""}).get_data(as_text=True)
    assert "请输入用户名" in page and "请输入密码" in page


def test_lock_after_five_failures_shows_minutes(client, session):
    account = make_account(session)
    for _ in range(4):
        client.post("/auth/login", data={"username": account.username, "password": "wrong"})
    page = client.post("/auth/login", data={"username": account.username, "password": "wrong"})
    assert "账号已临时锁定" in page.get_data(as_text=True)
    page = login(client, account)  # even the right password is refused while locked
    assert page.status_code == 200 and "15分钟后再试" in page.get_data(as_text=True)


def test_session_cookie_is_httponly_and_samesite(client, session):
    response = login(client, make_account(session))
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_next_parameter_never_redirects_off_site(client, session):
    account = make_account(session)
    response = client.post(
        "/auth/login?next=//evil.example/x", data={"username": account.username, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/"


def test_logout_only_by_post(client, session):
    login(client, make_account(session))
    assert client.get("/auth/logout").status_code == 405
    assert client.post("/auth/logout").status_code == 302
    assert client.get("/").status_code == 302


def test_csrf_is_enforced_outside_tests(tmp_path, test_db, session):
    app = create_app(
        TestConfig(tmp_path), SQLALCHEMY_DATABASE_URI=test_db.url, SQLALCHEMY_ENGINE_OPTIONS=test_db.options,
        WTF_CSRF_ENABLED=True, SEARCH_INDEX_DIR=str(tmp_path / "ix"),
    )  # fmt: skip
    account = make_account(session, Role.ADMIN)
    client = app.test_client()
    page = client.post("/auth/login", data={"username": account.username, "password": PASSWORD})
    assert page.status_code == 400 and "刷新页面" in page.get_data(as_text=True)


def test_inactive_account_session_ends(client, session):
    account = make_account(session)
    login(client, account)
    account.is_active = False
    session.commit()
    assert client.get("/").status_code == 302


def test_token_page_creates_shows_once_and_revokes(client, session):
    account = make_account(session, Role.REGULATOR)
    login(client, account)
    page = client.post("/auth/tokens", data={"name": "市级平台对接"}).get_data(as_text=True)
    assert "请立即复制保存" in page and "wd_" in page
    listing = client.get("/auth/tokens").get_data(as_text=True)
    assert "市级平台对接" in listing and "请立即复制保存" not in listing
    token_id = session.scalar(select(ApiToken.id))
    client.post(f"/auth/tokens/{token_id}/revoke")
    assert "已撤销" in client.get("/auth/tokens").get_data(as_text=True)


def test_token_name_is_required(client, session):
    login(client, make_account(session))
    assert "请填写令牌用途" in client.post("/auth/tokens", data={"name": ""}).get_data(as_text=True)


def test_a_lock_from_one_address_leaves_another_address_free(client, session):
    account = make_account(session)
    for _ in range(5):
        client.post("/auth/login", data={"username": account.username, "password": "wrong"},
                    environ_base={"REMOTE_ADDR": "203.0.113.66"})  # fmt: skip
    page = client.post("/auth/login", data={"username": account.username, "password": PASSWORD},
                       environ_base={"REMOTE_ADDR": "10.20.30.40"})  # fmt: skip
    assert page.status_code == 302


def test_the_security_administrator_sees_the_name_under_attack_and_others_may_not(client, session):
    target = make_account(session, role=Role.EXPERT)
    for i in range(4):
        client.post("/auth/login", data={"username": target.username, "password": "wrong"},
                    environ_base={"REMOTE_ADDR": f"203.0.113.{i}"})  # fmt: skip
    office = make_account(session, role=Role.DRAW_OFFICE)
    login(client, office)
    assert client.get("/admin/sign-in-attacks").status_code == 403
    client.post("/auth/logout")
    login(client, make_account(session, role=Role.SECURITY_ADMIN))
    page = client.get("/admin/sign-in-attacks").get_data(as_text=True)
    assert target.username in page and office.username not in page
