"""One hit per plan on the search page and in the search API (issue 19): the newest version, older ones folded
under it with links, the total counting plans."""

from __future__ import annotations

import re

import pytest

from knowledge.accounts.models import Role
from knowledge.enterprises.models import ParticipantRole
from knowledge.regions import City
from search_index import analysis
from tests.factories import (
    SAMPLE_PLAN,
    login,
    make_account,
    make_enterprise,
    make_plan_version,
    make_project,
    make_work,
)
from tests.web.test_api import bearer


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    analysis.warm_up()


def test_a_plans_versions_show_as_one_hit_with_the_older_ones_folded(app, client, session, runner):
    ours = make_enterprise(session, name="苏州甲建设集团有限公司")
    project = make_project(session, [(ours, ParticipantRole.GENERAL_CONTRACTOR)], name="吴中商业综合体",
                           city=City.SUZHOU, district="吴中区")  # fmt: skip
    uploads = app.config["UPLOAD_DIR"]
    work = make_work(session, project, name="吴中深基坑工程")
    other = make_work(session, project, name="吴中地下室基坑工程")
    versions = [make_plan_version(session, work, uploads, text=SAMPLE_PLAN + f"\n钢支撑轴力监测 第{n}稿")
                for n in (1, 2, 3)]  # fmt: skip
    single = make_plan_version(session, other, uploads, text=SAMPLE_PLAN + "\n钢支撑轴力监测")
    assert runner.invoke(args=["search", "reindex"]).exit_code == 0

    login(client, make_account(session, Role.ADMIN))
    html = client.get("/search/?q=钢支撑&kind=plan").get_data(as_text=True)
    assert re.search(r"共 2 条结果", html)
    hits = re.findall(r'</span>\s*<a href="/works/plans/(\d+)">', html)
    assert hits == [str(versions[2].id), str(single.id)] or hits == [str(single.id), str(versions[2].id)]
    assert "另有 2 个历史版本" in html
    folded = html[html.index("另有 2 个历史版本") :]
    links = re.findall(r'<li><a href="/works/plans/(\d+)">([^<]+)</a>', folded)
    assert links == [(str(versions[1].id), "吴中深基坑工程专项施工方案（第2版）"),
                     (str(versions[0].id), "吴中深基坑工程专项施工方案（第1版）")]  # fmt: skip

    team = bearer(session, make_account(session, Role.PROJECT_TEAM, enterprise_id=ours.id))
    body = client.get("/api/v1/search?q=钢支撑&kind=plan", headers=team).get_json()
    assert body["total"] == 2 and body["facets"]["kind"] == [{"value": "plan", "count": 2}]
    head = next(i for i in body["items"] if i["doc_id"] == f"plan:{versions[2].id}")
    assert [o["doc_id"] for o in head["older"]] == [f"plan:{versions[1].id}", f"plan:{versions[0].id}"]
    assert head["older"][0]["url"] == f"/works/plans/{versions[1].id}"
    assert next(i for i in body["items"] if i["doc_id"] == f"plan:{single.id}")["older"] == []
