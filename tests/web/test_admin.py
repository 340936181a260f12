"""Account management and the audit log pages."""

from sqlalchemy import select

from knowledge.accounts.models import Account, Role
from tests.factories import login, make_account, make_enterprise, make_expert


def test_admin_creates_a_project_team_account_bound_by_credit_code(client, session):
    enterprise = make_enterprise(session)
    login(client, make_account(session, Role.ADMIN))
    data = {"username": "team_wz", "display_name": "王工", "password": "Passw0rd!2026", "role": "project_team",
            "city": "", "enterprise_credit_code": enterprise.credit_code.lower(), "expert_id": ""}  # fmt: skip
    response = client.post("/admin/accounts/new", data=data, follow_redirects=True)
    assert "账号已创建" in response.get_data(as_text=True)
    account = session.scalar(select(Account).where(Account.username == "team_wz"))
    assert account.enterprise_id == enterprise.id


def test_account_errors_are_shown_in_chinese(client, session):
    login(client, make_account(session, Role.ADMIN))
    base = {"username": "x1", "display_name": "某", "password": "Passw0rd!2026", "role": "project_team",
            "city": "", "enterprise_credit_code": "", "expert_id": ""}  # fmt: skip
    page = client.post("/admin/accounts/new", data=dict(base, username="abc")).get_data(as_text=True)
    assert "必须绑定一个单位" in page
    page = client.post(
        "/admin/accounts/new", data=dict(base, enterprise_credit_code="91320000XXXXXXXX")
    ).get_data(as_text=True)
    assert "未找到该统一社会信用代码" in page
    page = client.post("/admin/accounts/new", data=dict(base, role="expert", expert_id="abc")).get_data(
        as_text=True
    )
    assert "不是有效的整数" in page
    page = client.post("/admin/accounts/new", data=dict(base, password="short")).get_data(as_text=True)
    assert "密码长度" in page


def test_expert_account_binds_an_expert_record(client, session):
    expert = make_expert(session)
    login(client, make_account(session, Role.ADMIN))
    data = {"username": "expert_li", "display_name": "李工", "password": "Passw0rd!2026", "role": "expert",
            "city": "", "enterprise_credit_code": "", "expert_id": str(expert.id)}  # fmt: skip
    client.post("/admin/accounts/new", data=data)
    assert session.scalar(select(Account.expert_id).where(Account.username == "expert_li")) == expert.id


def test_audit_log_lists_changes_with_before_and_after(app, client, session):
    admin = make_account(session, Role.ADMIN)
    login(client, admin)
    client.post("/auth/tokens", data={"name": "对接"})
    client = app.test_client()  # the log is the audit administrator's to read
    login(client, make_account(session, Role.AUDIT_ADMIN))
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "<td>创建API令牌</td>" in page and "登录" in page and f"（{admin.username}）" in page
    assert "<td>创建API令牌</td>" not in client.get("/admin/audit?object_type=account").get_data(as_text=True)


def test_admin_edits_policy_and_bad_values_are_refused(client, session):
    from expert_pool.policy import pool_policy

    login(client, make_account(session, Role.ADMIN))
    page = client.post("/admin/policy", data={"group": "pool", "pool.panel_size": "4"}, follow_redirects=True)
    assert "不得少于5名" in page.get_data(as_text=True)
    page = client.post(
        "/admin/policy", data={"group": "pool", "pool.max_local": "abc"}, follow_redirects=True
    )
    assert "取值无效" in page.get_data(as_text=True)
    client.post("/admin/policy", data={"group": "pool", "pool.panel_size": "7", "pool.max_local": "3"})
    session.expire_all()
    assert (pool_policy(session).panel_size, pool_policy(session).max_local) == (7, 3)
    page = client.post(
        "/admin/policy", data={"group": "credit", "credit.warning_below": "50"}, follow_redirects=True
    )
    assert "信用分数线" in page.get_data(as_text=True)
