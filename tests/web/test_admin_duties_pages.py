"""Separation of duties on the pages and the API: each administrator is refused the others' actions, the audit
administrator's reads are audited, disabling an account ends its sessions and tokens (issue 18 item 10)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from knowledge.accounts import signin
from knowledge.accounts.models import Account, Role
from knowledge.audit import AuditLog
from knowledge.db import utcnow
from knowledge.regions import City
from tests.factories import login, make_account

CONFIRMED = {"confirmed": "1"}


@pytest.fixture
def staff(session):
    made = {role: make_account(session, role) for role in (Role.ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN)}
    made["target"] = make_account(session, Role.REGULATOR, city=City.WUXI)
    return made


def _requests(target_id):
    """Each duty's pages and actions: (method, path, form data)."""
    return {
        Role.ADMIN: [("GET", "/admin/accounts/new", None), ("GET", f"/admin/accounts/{target_id}/edit", None),
                     ("POST", f"/admin/accounts/{target_id}/disable", CONFIRMED),
                     ("POST", f"/admin/accounts/{target_id}/enable", {}), ("GET", "/admin/policy", None)],
        Role.SECURITY_ADMIN: [("GET", f"/admin/accounts/{target_id}/role", None),
                              ("POST", f"/admin/accounts/{target_id}/reset-password", CONFIRMED),
                              ("POST", f"/admin/accounts/{target_id}/reset-two-factor", CONFIRMED),
                              ("GET", "/admin/sign-in-attacks", None),
            ("GET", "/admin/keys", None),
                              ("POST", "/admin/sign-in-attacks/unlock", {"username": "x"})],
        Role.AUDIT_ADMIN: [("GET", "/admin/audit", None), ("GET", "/admin/audit/export.csv", None),
                           ("POST", "/admin/audit/verify", {})],
    }  # fmt: skip


@pytest.mark.parametrize("actor_role", [Role.ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN, Role.REGULATOR])
def test_each_administrator_is_refused_the_others_work(client, session, staff, actor_role):
    actor = staff.get(actor_role) or make_account(session, actor_role)
    login(client, actor)
    for duty, requests in _requests(staff["target"].id).items():
        for method, path, data in requests:
            response = client.get(path) if method == "GET" else client.post(path, data=data)
            if duty is actor_role:
                assert response.status_code in (200, 302), (path, response.status_code)
            else:
                assert response.status_code == 403, (actor_role, path)
    session.refresh(staff["target"])
    assert staff["target"].role is Role.REGULATOR


@pytest.mark.parametrize("role", [Role.SECURITY_ADMIN, Role.AUDIT_ADMIN])
def test_security_and_audit_administrators_reach_no_business_page_or_api(client, session, role):
    account = make_account(session, role)
    login(client, account)
    for path in ("/works/", "/projects/", "/experts/", "/search/", "/enterprises/", "/reviews", "/classify/"):
        assert client.get(path).status_code == 403, path
    nav = client.get("/").get_data(as_text=True)
    assert "/works/" not in nav and "/experts/" not in nav and "/search/" not in nav
    _, secret = signin.create_token(session, account, "接口", now=utcnow(), valid_for=timedelta(days=1))
    headers = {"Authorization": f"Bearer {secret}"}
    refused = client.get("/api/v1/works", headers=headers)
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "role_not_allowed"
    assert client.get("/api/v1/me", headers=headers).get_json()["role"] == role.value


def test_a_province_regulator_cannot_reach_the_audit_log(client, session):
    login(client, make_account(session, Role.REGULATOR))
    assert client.get("/admin/audit").status_code == 403
    assert client.get("/admin/audit/export.csv").status_code == 403
    assert "审计日志" not in client.get("/").get_data(as_text=True)


def test_the_audit_administrators_page_export_and_check_are_audited(client, session, staff):
    auditor = staff[Role.AUDIT_ADMIN]
    login(client, auditor)
    page = client.get("/admin/audit?action=login").get_data(as_text=True)
    assert "校验审计日志链" in page and "导出CSV" in page
    export = client.get("/admin/audit/export.csv?object_type=account")
    assert export.headers["Content-Type"].startswith("text/csv") and "序号" in export.get_data(as_text=True)
    response = client.post("/admin/audit/verify")
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/audit?checked=1")
    checked = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "审计链完整" in checked
    seq = session.scalar(select(func.max(AuditLog.seq)))
    assert "审计链完整" in client.get("/admin/audit?checked=1").get_data(
        as_text=True
    )  # a reload reads it back
    assert session.scalar(select(func.count()).where(AuditLog.action == "audit_verify")) == 1
    assert (
        session.scalar(select(func.max(AuditLog.seq))) > seq
    )  # the reload's read of the log, not a new check
    rows = session.scalars(
        select(AuditLog).where(AuditLog.actor_id == auditor.id).order_by(AuditLog.seq)
    ).all()
    actions = [r.action for r in rows]
    assert actions[actions.index("audit_read")] == "audit_read" and rows[actions.index("audit_read")].after == {
        "action": "login", "page": 1}  # fmt: skip
    assert {"audit_export", "audit_verify"} <= set(actions)
    assert "查看审计日志" in client.get("/admin/audit").get_data(
        as_text=True
    )  # the reads show in the log itself


def test_the_system_administrator_may_not_create_an_administrator_account(client, session, staff):
    login(client, staff[Role.ADMIN])
    form = client.get("/admin/accounts/new").get_data(as_text=True)
    assert 'value="security_admin"' not in form and 'value="audit_admin"' not in form
    data = {
        "username": "sneaky",
        "display_name": "某人",
        "password": "Abcdefgh12#x",
        "role": "security_admin",
    }
    client.post("/admin/accounts/new", data=data)
    assert session.scalar(select(Account).where(Account.username == "sneaky")) is None


def test_self_role_change_and_self_disable_are_refused_with_a_message(app, client, session, staff):
    security = staff[Role.SECURITY_ADMIN]
    login(client, security)
    page = client.post(f"/admin/accounts/{security.id}/role", data={"role": "admin", "city": ""})
    assert "不能变更自己的角色" in page.get_data(as_text=True)
    system, client = staff[Role.ADMIN], app.test_client()
    login(client, system)
    page = client.post(f"/admin/accounts/{system.id}/disable", data=CONFIRMED, follow_redirects=True)
    assert "不能停用自己的账号" in page.get_data(as_text=True)
    session.refresh(security)
    session.refresh(system)
    assert security.role is Role.SECURITY_ADMIN and system.is_active


def test_the_last_security_administrator_cannot_be_disabled(client, session, staff):
    login(client, staff[Role.ADMIN])
    page = client.post(f"/admin/accounts/{staff[Role.SECURITY_ADMIN].id}/disable", data=CONFIRMED,
                       follow_redirects=True).get_data(as_text=True)  # fmt: skip
    assert "最后一个启用的安全管理员" in page
    session.refresh(staff[Role.SECURITY_ADMIN])
    assert staff[Role.SECURITY_ADMIN].is_active


def test_the_security_administrator_grants_a_role_on_the_page(client, session, staff):
    login(client, staff[Role.SECURITY_ADMIN])
    target = staff["target"]
    response = client.post(
        f"/admin/accounts/{target.id}/role", data={"role": "draw_office", "city": "suzhou"}
    )
    assert response.status_code == 302
    session.refresh(target)
    assert target.role is Role.DRAW_OFFICE and target.city is City.SUZHOU


def test_a_disabled_account_loses_sessions_and_tokens_and_re_enabling_restores_sign_in(
    app, client, session, staff
):
    target = staff["target"]
    browser = app.test_client()
    login(browser, target)
    assert browser.get("/works/").status_code == 200
    _, secret = signin.create_token(session, target, "接口", now=utcnow(), valid_for=timedelta(days=1))
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    login(client, staff[Role.ADMIN])
    asked = client.post(f"/admin/accounts/{target.id}/disable").get_data(as_text=True)
    assert "停用" in asked and "撤销" in asked  # the confirmation page first
    assert "不能撤回" not in asked and "重新启用" in asked  # a disabled account can be enabled again
    assert client.post(f"/admin/accounts/{target.id}/disable", data=CONFIRMED).status_code == 302
    assert browser.get("/works/").status_code == 302
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    fresh = app.test_client()
    assert "用户名或密码错误" in login(fresh, target).get_data(as_text=True)
    assert fresh.get("/works/").status_code == 302
    client.post(f"/admin/accounts/{target.id}/enable")
    login(fresh, target)
    assert fresh.get("/works/").status_code == 200
    assert client.get("/api/v1/me", headers=headers).status_code == 401  # revoked tokens stay revoked


def test_the_system_administrator_edits_name_and_scope(client, session, staff):
    login(client, staff[Role.ADMIN])
    target = staff["target"]
    form = client.get(f"/admin/accounts/{target.id}/edit").get_data(as_text=True)
    assert target.display_name in form
    bad = client.post(f"/admin/accounts/{target.id}/edit", data={"display_name": "", "city": "wuxi"})
    assert "请填写姓名" in bad.get_data(as_text=True)
    client.post(f"/admin/accounts/{target.id}/edit", data={"display_name": "无锡监管", "city": ""})
    session.refresh(target)
    assert target.display_name == "无锡监管" and target.city is None and target.role is Role.REGULATOR


def test_the_key_status_page_shows_fingerprints_never_keys_and_is_audited(app, client, session, staff):
    security = staff[Role.SECURITY_ADMIN]
    login(client, security)
    page = client.get("/admin/keys").get_data(as_text=True)
    assert "AUDIT_CHAIN_KEY" in page and "审计日志链密钥" in page
    for name in ("SECRET_KEY", "AUDIT_CHAIN_KEY", "EXPERT_ID_KEY", "REPORT_KEY", "TOTP_KEY"):
        assert str(app.config[name]) not in page
    row = session.scalars(select(AuditLog).where(AuditLog.action == "key_status_view")).one()
    assert row.actor_id == security.id


def test_bad_input_on_the_administration_pages_gets_a_chinese_message(client, session, staff):
    login(client, staff[Role.SECURITY_ADMIN])
    target = staff["target"]
    page = client.post(f"/admin/accounts/{target.id}/role", data={"role": "project_team", "city": ""})
    assert "项目团队账号必须绑定一个单位" in page.get_data(as_text=True)
    page = client.post(f"/admin/accounts/{target.id}/role", data={"role": "root", "city": ""})
    assert page.status_code == 200 and "不是有效的选择" in page.get_data(as_text=True)
    assert client.get("/admin/accounts/999999/role").status_code == 404
    flashed = client.post("/admin/sign-in-attacks/unlock", data={"username": " "}, follow_redirects=True)
    assert "请填写要解除锁定的用户名" in flashed.get_data(as_text=True)
    session.refresh(target)
    assert target.role is Role.REGULATOR
