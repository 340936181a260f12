"""Issue 22 item 1: the workbench on each role's home page, the count in the navigation bar, and the same tasks
in the JSON API — each task with its deadline, lateness and a link that opens it."""

import re

import pytest

from knowledge.accounts.models import Role
from knowledge.enterprises.models import ParticipantRole
from knowledge.registry.workflow import WorkStatus
from tests.factories import login, make_account, make_enterprise, make_plan_version, make_project, make_work
from tests.web.test_api import bearer as auth


@pytest.fixture
def team_world(app, session):
    gc, other = make_enterprise(session), make_enterprise(session)
    project = make_project(session, [(gc, ParticipantRole.GENERAL_CONTRACTOR)])
    work = make_work(session, project, status=WorkStatus.PLAN_DRAFTED)
    version = make_plan_version(session, work, app.config["UPLOAD_DIR"])
    return {
        "team": make_account(session, Role.PROJECT_TEAM, enterprise_id=gc.id),
        "outsider": make_account(session, Role.PROJECT_TEAM, enterprise_id=other.id),
        "version": version,
    }


def test_team_home_lists_the_plan_to_sign_with_its_link_and_the_nav_counts_it(client, team_world):
    login(client, team_world["team"])
    page = client.get("/").get_data(as_text=True)
    row = re.search(r'<tr class="task" data-kind="plan_sign">(.*?)</tr>', page, re.S).group(1)
    assert f'href="/works/plans/{team_world["version"].id}"' in row
    assert 'data-task-count-url="/tasks/count"' in page  # the nav bar fetches its count after the page shows
    assert client.get("/tasks/count").get_json() == {"open": 1, "late": 0}
    assert "待办事项（1）" in page


def test_the_api_returns_the_same_tasks_and_another_enterprise_sees_none(client, session, team_world):
    body = client.get("/api/v1/tasks", headers=auth(session, team_world["team"])).get_json()
    assert body["total"] == 1 and body["late"] == 0
    task = body["tasks"][0]
    assert (task["kind"], task["target"], task["target_id"]) == (
        "plan_sign",
        "plan_version",
        team_world["version"].id,
    )
    assert task["url"] == f"/works/plans/{team_world['version'].id}" and task["days_late"] == 0
    other = client.get("/api/v1/tasks", headers=auth(session, team_world["outsider"])).get_json()
    assert other == {"total": 0, "late": 0, "tasks": []}


def test_signing_the_plan_removes_the_task_and_the_count_at_once(client, session, team_world):
    login(client, team_world["team"])
    assert 'data-kind="plan_sign"' in client.get("/").get_data(as_text=True)
    assert client.get("/tasks/count").get_json()["open"] == 1  # now kept in the session for a minute
    url = f"/works/plans/{team_world['version'].id}/sign"
    confirm = client.post(url, data={"value": "constructor"}).get_data(as_text=True)
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', confirm))
    client.post(url, data=fields)
    home = client.get("/").get_data(as_text=True)
    assert 'data-kind="plan_sign"' not in home and "目前没有待办事项" in home
    assert client.get("/tasks/count").get_json()["open"] == 0  # one's own POST cleared the kept count


def test_an_admin_of_security_sees_no_workbench_and_no_count(client, session):
    login(client, make_account(session, Role.SECURITY_ADMIN))
    page = client.get("/").get_data(as_text=True)
    assert 'id="tasks"' not in page and "data-task-count-url" not in page
    assert client.get("/tasks/count").status_code == 403  # the security administrator's own pages only


def test_the_kept_board_is_shared_by_a_scope_and_started_again_by_ones_own_post(
    app, client, session, team_world
):
    """WORKBENCH_FRESH_SECONDS: the home page's tasks are kept per scope (a province's are counted over every
    city); a colleague's view may lag, one's own POST never; the API always reads what is true now."""
    app.config["WORKBENCH_FRESH_SECONDS"] = 60
    team = team_world["team"]
    colleague = make_account(session, Role.PROJECT_TEAM, enterprise_id=team.enterprise_id)
    login(client, team)
    assert 'data-kind="plan_sign"' in client.get("/").get_data(as_text=True)
    url = f"/works/plans/{team_world['version'].id}/sign"
    other = app.test_client()
    login(other, colleague)
    assert 'data-kind="plan_sign"' in other.get("/").get_data(as_text=True)  # the same kept board
    confirm = client.post(url, data={"value": "constructor"}).get_data(as_text=True)
    client.post(url, data=dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', confirm)))
    assert 'data-kind="plan_sign"' not in client.get("/").get_data(as_text=True)  # one's own POST: afresh
    assert 'data-kind="plan_sign"' in other.get("/").get_data(as_text=True)  # the colleague's: kept
    assert other.get("/api/v1/tasks", headers=auth(session, colleague)).get_json()["total"] == 0
    app.config["WORKBENCH_FRESH_SECONDS"] = 0
    assert 'data-kind="plan_sign"' not in other.get("/").get_data(as_text=True)
