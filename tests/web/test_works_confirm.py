"""Signing a plan and requesting its review ask once more on a plain page (no JavaScript) that says what will
happen; the work page's 需签字 hint goes once nothing is left to sign; the project page's title is plain text."""

import re

import pytest
from sqlalchemy import select

from knowledge.accounts.models import Role
from knowledge.enterprises.models import ParticipantRole
from knowledge.plans.models import PlanSignoff
from knowledge.registry.workflow import WorkStatus
from tests.factories import login, make_account, make_enterprise, make_plan_version, make_project, make_work


@pytest.fixture
def site(session, tmp_path):
    gc, sup = make_enterprise(session), make_enterprise(session)
    project = make_project(session, [(gc, ParticipantRole.GENERAL_CONTRACTOR), (sup, ParticipantRole.SUPERVISOR)],
                           name="某花园项目")  # fmt: skip
    work = make_work(session, project, name="苏州深基坑工程", status=WorkStatus.PLAN_DRAFTED)
    version = make_plan_version(session, work, str(tmp_path / "up"))
    team = make_account(session, Role.PROJECT_TEAM, enterprise_id=gc.id, display_name="技术负责人甲")
    supervisor = make_account(session, Role.PROJECT_TEAM, enterprise_id=sup.id, display_name="总监乙")
    return {"project": project, "work": work, "version": version, "team": team, "supervisor": supervisor}


def hidden(page):
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page))


def signatures(session):
    return session.scalars(select(PlanSignoff.kind)).all()


def test_signing_shows_what_will_happen_then_signs_on_the_reposted_form(client, session, site):
    login(client, site["team"])
    url = f"/works/plans/{site['version'].id}/sign"
    page = client.post(url, data={"value": "constructor"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="confirm"' in text and f'action="{url}"' in text
    assert "施工单位技术负责人" in text and "第1版" in text and "技术负责人甲" in text and "不能撤回" in text
    assert signatures(session) == []
    fields = hidden(text)
    assert fields["value"] == "constructor" and fields["confirmed"] == "1"
    client.post(url, data=fields)
    session.expire_all()
    assert [k.value for k in signatures(session)] == ["constructor"]
    assert session.get(type(site["work"]), site["work"].id).status is WorkStatus.CONSTRUCTOR_SIGNED


def test_a_signature_that_cannot_be_taken_is_refused_at_once(client, session, site):
    login(client, site["team"])
    page = client.post(f"/works/plans/{site['version'].id}/sign", data={"value": "supervisor"})
    assert page.status_code == 403 and signatures(session) == []


def test_requesting_the_review_asks_once_more(client, session, site):
    work = site["work"]
    work.status = WorkStatus.SUPERVISOR_SIGNED
    session.commit()
    login(client, site["team"])
    url = f"/works/{work.id}/request-review"
    text = client.post(url).get_data(as_text=True)
    assert 'id="confirm"' in text and "申请专家论证" in text and "回避" in text and "第1版" in text
    session.expire_all()
    assert session.get(type(work), work.id).status is WorkStatus.SUPERVISOR_SIGNED
    done = client.post(url, data=hidden(text), follow_redirects=True).get_data(as_text=True)
    assert "已申请专家论证" in done
    session.expire_all()
    assert session.get(type(work), work.id).status is WorkStatus.REVIEW_REQUESTED


def test_the_sign_hint_names_what_is_left_and_goes_once_in_force(client, session, site):
    login(client, site["team"])
    work = site["work"]
    page = client.get(f"/works/{work.id}").get_data(as_text=True)
    assert "需签字：施工单位技术负责人" in page
    work.status = WorkStatus.IN_FORCE
    session.commit()
    assert "需签字" not in client.get(f"/works/{work.id}").get_data(as_text=True)


def test_the_project_pages_title_is_its_name_only(client, session, site):
    login(client, site["team"])
    page = client.get(f"/projects/{site['project'].id}").get_data(as_text=True)
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert title.startswith("某花园项目 ·") and "<" not in title
    assert page.count("登记危大工程") <= 1 and "苏州深基坑工程" in page
