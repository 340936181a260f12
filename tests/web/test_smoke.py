from knowledge.accounts.models import Role
from tests.factories import login, make_account


def test_home_requires_login_and_shows_dashboard(client, session):
    assert client.get("/").status_code == 302
    admin = make_account(session, Role.ADMIN)
    assert login(client, admin).status_code == 302
    page = client.get("/")
    assert page.status_code == 200
    assert "系统管理员工作台" in page.get_data(as_text=True)
