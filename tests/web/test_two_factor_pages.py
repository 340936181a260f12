"""Two-factor sign-in on the web and the API: the second step before the session counts, enrolment confined,
recovery codes shown once, the settings page, the security administrator's reset, the demo waiver."""

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlalchemy import select

from knowledge.accounts.models import Account, Role
from knowledge.audit import AuditLog
from tests.factories import PASSWORD, login, make_account
from webapp.auth.pending import PENDING
from webapp.cli import DEMO_ACCOUNTS, DEMO_PASSWORD

NOW = datetime(2026, 12, 5, 9, 0, 15, tzinfo=UTC)
SECRET_SHOWN = re.compile(r'id="secret">([A-Z2-7 ]+)<')
CODES_SHOWN = re.compile(r"<code>([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})</code>")


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now

    def tick(self) -> datetime:
        """The next time step: a new code."""
        self.now += timedelta(seconds=30)
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    for module in ("webapp.auth.two_factor_views", "webapp.auth.views", "webapp.api.accounts"):
        monkeypatch.setattr(f"{module}.utcnow", fake)
    return fake


def code(secret: str, moment: datetime) -> str:
    return pyotp.TOTP(secret).at(moment)


def enrol(client, clock) -> tuple[str, list[str]]:
    """Through the pages: start, read the secret, confirm with a code; returns the secret and recovery codes."""
    assert client.post("/auth/two-factor/enrol", data={"step": "start"}).status_code == 302
    page = client.get("/auth/two-factor/enrol").get_data(as_text=True)
    secret = SECRET_SHOWN.search(page).group(1).replace(" ", "")
    assert "otpauth://totp/" in page
    done = client.post("/auth/two-factor/enrol", data={"code": code(secret, clock())})
    assert done.status_code == 200 and done.headers["Cache-Control"] == "no-store"
    codes = CODES_SHOWN.findall(done.get_data(as_text=True))
    assert len(codes) == 10 and "我已保存" in done.get_data(as_text=True)
    return secret, codes


def enrolled_account(client, session, clock, role=Role.ADMIN):
    account = make_account(session, role, two_factor_waived=False)
    login(client, account)
    secret, codes = enrol(client, clock)
    client.post("/auth/logout")
    return account, secret, codes


def page_endpoints(app) -> list[str]:
    """Every GET page without URL arguments, but the public ones."""
    public = {
        "auth.login",
        "auth.two_factor_code",
        "main.healthz",
        "reports.verify_form",
        "cranes.verify_form",
    }
    return sorted(
        str(r.rule) for r in app.url_map.iter_rules()
        if "GET" in r.methods and not r.arguments and not r.endpoint.startswith(("api.", "static", "bootstrap."))
        and r.endpoint not in public
    )  # fmt: skip


def test_a_required_role_reaches_no_page_before_enrolling(app, client, session):
    account = make_account(session, Role.DRAW_OFFICE, two_factor_waived=False)
    response = login(client, account)
    assert response.headers["Location"].endswith("/auth/two-factor/enrol")
    for path in page_endpoints(app):
        if path == "/auth/two-factor/enrol":
            continue
        got = client.get(path)
        assert got.status_code == 302 and "/auth/login" in got.headers["Location"], path
    client.post("/auth/two-factor/enrol", data={"step": "start"})
    enrolment = client.get("/auth/two-factor/enrol")  # the secret, before the session is signed in
    assert (
        SECRET_SHOWN.search(enrolment.get_data(as_text=True))
        and enrolment.headers["Cache-Control"] == "no-store"
    )


def test_a_signed_in_session_that_must_enrol_is_confined_to_the_enrolment(client, session):
    account = make_account(session, Role.REGULATOR)
    login(client, account)
    account.two_factor_waived = False  # the waiver lifted while signed in
    session.commit()
    assert client.get("/works/").headers["Location"].endswith("/auth/two-factor/enrol")
    assert client.get("/auth/password").headers["Location"].endswith("/auth/two-factor/enrol")
    assert client.get("/auth/two-factor/enrol").status_code == 200
    assert client.post("/auth/logout").headers["Location"].endswith("/auth/login")


def test_enrolling_signs_in_and_the_next_sign_in_asks_for_a_code(client, session, clock):
    account = make_account(session, Role.ADMIN, two_factor_waived=False)
    login(client, account)
    secret, _ = enrol(client, clock)
    assert client.get("/").status_code == 200  # signed in by the enrolment's code
    client.post("/auth/logout")
    response = login(client, account)
    assert response.headers["Location"].endswith("/auth/two-factor/code")
    assert client.get("/auth/tokens").headers["Location"].startswith("/auth/login")  # the password alone: no
    page = client.post("/auth/two-factor/code", data={"code": "000000"}).get_data(as_text=True)
    assert "验证码不正确或已使用过" in page
    right = client.post("/auth/two-factor/code", data={"code": code(secret, clock.tick())})
    assert right.status_code == 302 and client.get("/auth/tokens").status_code == 200
    row = session.scalar(select(AuditLog).where(AuditLog.action == "login").order_by(AuditLog.seq.desc()))
    assert row.after["second_factor"] == "totp"


def test_a_used_code_cannot_sign_in_again(client, session, clock):
    account, secret, _ = enrolled_account(client, session, clock, Role.REGULATOR)
    used = code(secret, clock.tick())
    login(client, account)
    assert client.post("/auth/two-factor/code", data={"code": used}).status_code == 302
    client.post("/auth/logout")
    login(client, account)
    page = client.post("/auth/two-factor/code", data={"code": used}).get_data(as_text=True)
    assert "已使用过" in page and client.get("/").status_code == 302


def test_a_recovery_code_signs_in_once(client, session, clock):
    account, _, codes = enrolled_account(client, session, clock)
    login(client, account)
    response = client.post("/auth/two-factor/code", data={"code": codes[0]}, follow_redirects=True)
    assert "已使用一个恢复码，还剩9个" in response.get_data(as_text=True)
    client.post("/auth/logout")
    login(client, account)
    assert "验证码不正确" in client.post("/auth/two-factor/code", data={"code": codes[0]}).get_data(
        as_text=True
    )


def test_five_bad_codes_lock_the_sign_in(client, session, clock):
    account, secret, _ = enrolled_account(client, session, clock)
    login(client, account)
    for _ in range(4):
        client.post("/auth/two-factor/code", data={"code": "000000"})
    page = client.post("/auth/two-factor/code", data={"code": "000000"}).get_data(as_text=True)
    assert "登录失败次数过多" in page
    page = client.post("/auth/two-factor/code", data={"code": code(secret, clock.tick())}).get_data(
        as_text=True
    )
    assert "登录失败次数过多" in page and client.get("/").status_code == 302


def test_the_second_step_expires(client, session, clock):
    account, secret, _ = enrolled_account(client, session, clock)
    login(client, account)
    with client.session_transaction() as cookie:
        cookie[PENDING] = dict(cookie[PENDING], at=0)
    response = client.post("/auth/two-factor/code", data={"code": code(secret, clock.tick())})
    assert response.headers["Location"].endswith("/auth/login") and client.get("/").status_code == 302


def test_a_session_begun_on_the_password_ends_once_the_account_enrols_elsewhere(app, client, session, clock):
    account = make_account(session, Role.PROJECT_TEAM)
    other = app.test_client()
    login(other, account)
    login(client, account)
    enrol(client, clock)
    assert client.get("/").status_code == 200
    assert other.get("/").headers["Location"].endswith("/auth/login")


def test_the_api_never_issues_a_token_on_the_password_alone(client, session, clock):
    account, secret, _ = enrolled_account(client, session, clock)
    body = {"username": account.username, "password": PASSWORD, "name": "对接"}
    response = client.post("/api/v1/auth/token", json=body)
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "two_factor_required"
    wrong = client.post("/api/v1/auth/token", json=body | {"code": "000000"})
    assert wrong.status_code == 401 and wrong.get_json()["error"]["code"] == "invalid_two_factor_code"
    right = client.post("/api/v1/auth/token", json=body | {"code": code(secret, clock.tick())})
    assert right.status_code == 201 and right.get_json()["token"].startswith("wd_")


def test_the_api_sends_a_required_role_without_a_second_factor_to_enrol(client, session):
    account = make_account(session, Role.DRAW_OFFICE, two_factor_waived=False)
    body = {"username": account.username, "password": PASSWORD, "name": "对接", "code": "123456"}
    response = client.post("/api/v1/auth/token", json=body)
    assert (
        response.status_code == 403
        and response.get_json()["error"]["code"] == "two_factor_enrolment_required"
    )
    assert "code" in client.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/auth/token"]["post"][
        "requestBody"]["content"]["application/json"]["schema"]["properties"]  # fmt: skip


def test_the_settings_page_regenerates_codes_and_lets_only_an_optional_role_switch_off(
    client, session, clock
):
    admin, admin_secret, _ = enrolled_account(client, session, clock, Role.ADMIN)
    login(client, admin)
    client.post("/auth/two-factor/code", data={"code": code(admin_secret, clock.tick())})
    page = client.get("/auth/two-factor").get_data(as_text=True)
    assert "已启用" in page and "本角色必须启用" in page and "off-form" not in page
    refused = client.post("/auth/two-factor/disable", data={"off-code": code(admin_secret, clock.tick())},
                          follow_redirects=True)  # fmt: skip
    assert "不能停用" in refused.get_data(as_text=True)
    new = client.post(
        "/auth/two-factor/recovery-codes", data={"regen-code": code(admin_secret, clock.tick())}
    )
    assert (
        new.headers["Cache-Control"] == "no-store"
        and len(CODES_SHOWN.findall(new.get_data(as_text=True))) == 10
    )
    client.post("/auth/logout")
    team, team_secret, _ = enrolled_account(client, session, clock, Role.PROJECT_TEAM)
    login(client, team)
    client.post("/auth/two-factor/code", data={"code": code(team_secret, clock.tick())})
    assert "off-form" in client.get("/auth/two-factor").get_data(as_text=True)
    off = client.post("/auth/two-factor/disable", data={"off-code": code(team_secret, clock.tick())},
                      follow_redirects=True)  # fmt: skip
    assert "双因素认证已停用" in off.get_data(as_text=True)
    session.refresh(team)
    assert team.totp_secret is None


def test_the_security_administrator_resets_a_second_factor(client, session, clock):
    target, _, _ = enrolled_account(client, session, clock, Role.REGULATOR)
    login(client, make_account(session, Role.ADMIN))
    url = f"/admin/accounts/{target.id}/reset-two-factor"
    assert client.post(url, data={"confirmed": "1"}).status_code == 403
    client.post("/auth/logout")
    security = make_account(session, Role.SECURITY_ADMIN)
    plain = make_account(session, Role.PROJECT_TEAM, username="never_enrolled")
    login(client, security)
    listed = client.get("/admin/accounts").get_data(as_text=True)
    assert url in listed  # offered for an enrolled account only
    assert f"/admin/accounts/{plain.id}/reset-two-factor" not in listed
    assert "原身份验证器绑定" in client.post(url).get_data(as_text=True)  # the confirmation step first
    assert client.post(url, data={"confirmed": "1"}).status_code == 302
    session.refresh(target)
    assert target.totp_secret is None and target.two_factor_enabled_at is None
    client.post("/auth/logout")
    assert login(client, target).headers["Location"].endswith("/auth/two-factor/enrol")


def test_the_account_list_says_which_accounts_are_demo_waived(client, session):
    make_account(session, Role.DRAW_OFFICE, username="office_demo")
    login(client, make_account(session, Role.ADMIN))
    assert "演示账号：未强制双因素" in client.get("/admin/accounts").get_data(as_text=True)


def test_only_the_demo_seed_waives_the_requirement(runner, session):
    result = runner.invoke(args=["seed-demo", "--scale", "small", "--demo"])
    assert result.exit_code == 0 and "演示账号：未强制双因素" in result.output
    waived = set(session.scalars(select(Account.username).where(Account.two_factor_waived)))
    assert waived == {
        d.username
        for d in DEMO_ACCOUNTS
        if d.role not in (Role.PROJECT_TEAM, Role.EXPERT, Role.INSPECTION_BODY)
    }
    assert {"admin", "office", "regulator"} <= waived


def test_without_the_demo_flag_the_seeded_administrator_must_enrol(runner, client, session):
    result = runner.invoke(args=["seed-demo", "--scale", "small"])
    assert result.exit_code == 0 and "首次登录须绑定身份验证器" in result.output
    admin = session.scalar(select(Account).where(Account.username == "admin"))
    assert not admin.two_factor_waived
    assert login(client, admin, DEMO_PASSWORD).headers["Location"].endswith("/auth/two-factor/enrol")
