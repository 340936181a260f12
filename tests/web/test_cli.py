"""The flask commands: seed-demo with its demo accounts, init-db, create-admin."""

from sqlalchemy import func, select

from knowledge.accounts.models import Account, Role
from knowledge.enterprises.models import Enterprise, ParticipantRole, ProjectParticipant
from webapp.cli import DEMO_ACCOUNTS, DEMO_PASSWORD


def test_seed_demo_small_loads_data_and_every_role_can_sign_in(runner, session, client):
    result = runner.invoke(args=["seed-demo", "--scale", "small", "--demo"])
    assert result.exit_code == 0, result.output
    assert "演示数据已载入" in result.output and DEMO_PASSWORD in result.output
    assert {a.role for a in DEMO_ACCOUNTS} == set(Role)
    for demo in DEMO_ACCOUNTS:
        assert demo.username in result.output
        response = client.post("/auth/login", data={"username": demo.username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, demo.username
        assert client.get("/").status_code == 200
        client.post("/auth/logout")
    team = session.scalar(select(Account).where(Account.username == "team"))
    roles = session.scalars(
        select(ProjectParticipant.role).where(ProjectParticipant.enterprise_id == team.enterprise_id)
    )
    assert ParticipantRole.GENERAL_CONTRACTOR in set(roles)


def test_seed_demo_if_empty_is_idempotent(runner, session):
    runner.invoke(args=["seed-demo", "--scale", "small"])
    before = session.scalar(select(func.count()).select_from(Enterprise))
    result = runner.invoke(args=["seed-demo", "--scale", "small", "--if-empty"])
    assert result.exit_code == 0 and "跳过" in result.output
    assert session.scalar(select(func.count()).select_from(Enterprise)) == before
    refused = runner.invoke(args=["seed-demo", "--scale", "small"])
    assert refused.exit_code != 0 and "已有企业数据" in refused.output


def test_create_admin_refuses_a_short_password(runner):
    result = runner.invoke(args=["create-admin", "boss", "--password", "short"])
    assert result.exit_code != 0 and "密码长度" in result.output
    assert runner.invoke(args=["create-admin", "boss", "--password", "LongEnough1"]).exit_code == 0
