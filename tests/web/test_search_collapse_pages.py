"""The search page's pages count plans (issue 22 item 7): each plan shows once across the pages, as its newest
version with the older ones folded under it, and an account never sees another enterprise's versions, neither as
hits nor folded."""

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
from webapp.search.args import SearchArgs

HIT = r'</span>\s*<a href="/works/plans/(\d+)">'
FOLDED = r'<li><a href="/works/plans/(\d+)">'


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    analysis.warm_up()


@pytest.fixture
def plans(app, session, runner) -> dict[str, list[int]]:
    """Three plans of our enterprise (3, 2 and 1 versions) and one of another (2 versions), all on 钢支撑."""
    ours, theirs = make_enterprise(session), make_enterprise(session)
    found: dict[str, list[int]] = {}
    for owner, name, count in ((ours, "甲", 3), (ours, "乙", 2), (ours, "丙", 1), (theirs, "丁", 2)):
        project = make_project(session, [(owner, ParticipantRole.GENERAL_CONTRACTOR)], city=City.SUZHOU)
        work = make_work(session, project, name=f"{name}基坑工程")
        found[name] = [
            make_plan_version(
                session, work, app.config["UPLOAD_DIR"], text=SAMPLE_PLAN + f"\n钢支撑 第{n}稿"
            ).id
            for n in range(1, count + 1)
        ]
    found["ours"] = [ours.id]
    assert runner.invoke(args=["search", "reindex"]).exit_code == 0
    return found


def test_the_pages_walk_each_plan_once_as_its_newest_version(client, session, plans, monkeypatch):
    monkeypatch.setattr(SearchArgs.request, "__defaults__", (2,))
    login(client, make_account(session, Role.ADMIN))
    pages = [client.get(f"/search/?q=钢支撑&kind=plan&page={p}").get_data(as_text=True) for p in (1, 2, 3)]
    assert all("共 4 条结果" in html for html in pages[:2]) and "第 1 / 2 页，共 4 条" in pages[0]
    hits = [re.findall(HIT, html) for html in pages]
    assert [len(h) for h in hits] == [2, 2, 0]
    heads = {str(plans[name][-1]) for name in ("甲", "乙", "丙", "丁")}
    assert set(hits[0]) | set(hits[1]) == heads
    folded = {n for html in pages for n in re.findall(FOLDED, html)}
    assert folded == {str(v) for name in ("甲", "乙", "丁") for v in plans[name][:-1]}
    assert "另有 2 个历史版本" in "".join(pages)


def test_a_team_sees_its_own_plans_only_and_none_of_the_others_versions(client, session, plans):
    login(client, make_account(session, Role.PROJECT_TEAM, enterprise_id=plans["ours"][0]))
    html = client.get("/search/?q=钢支撑&kind=plan").get_data(as_text=True)
    assert "共 3 条结果" in html
    assert set(re.findall(HIT, html)) == {str(plans[name][-1]) for name in ("甲", "乙", "丙")}
    shown = set(re.findall(HIT, html)) | set(re.findall(FOLDED, html))
    assert not shown & {str(v) for v in plans["丁"]}
