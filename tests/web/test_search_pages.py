"""The search page, the search API, similar plans and the `flask search` commands: query in the URL, facets
counted after the permission filter, escaped highlights, friendly messages."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from flask import render_template

from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
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
from tests.web.test_api import assert_error, bearer
from webapp.extensions import search_index
from webapp.search.hits import similar_plans

SCRIPT = "<script>alert(1)</script>"


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    analysis.warm_up()


@pytest.fixture
def corpus(app, session, runner, tmp_path) -> dict[str, Any]:
    ours = make_enterprise(session, name="苏州甲建设集团有限公司")
    theirs = make_enterprise(session, name="南京乙建设集团有限公司", city=City.NANJING)
    suzhou = make_project(session, [(ours, ParticipantRole.GENERAL_CONTRACTOR)], name="吴中商业综合体",
                          city=City.SUZHOU, district="吴中区")  # fmt: skip
    nanjing = make_project(session, [(theirs, ParticipantRole.GENERAL_CONTRACTOR)], name="玄武住宅小区",
                           city=City.NANJING, district="玄武区")  # fmt: skip
    uploads = app.config["UPLOAD_DIR"]
    our_work = make_work(session, suzhou, name="吴中深基坑工程")
    their_work = make_work(session, nanjing, name="玄武深基坑工程")
    our_plan = make_plan_version(session, our_work, uploads, title="吴中深基坑专项施工方案",
                                 text=SAMPLE_PLAN + f"\n钢支撑轴力监测 {SCRIPT} 报警值80%")  # fmt: skip
    their_plan = make_plan_version(session, their_work, uploads, title="玄武深基坑专项施工方案",
                                   text=SAMPLE_PLAN + "\n钢支撑轴力监测，报警值70%")  # fmt: skip
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    return {"ours": ours, "theirs": theirs, "our_work": our_work, "their_work": their_work, "our_plan": our_plan,
            "their_plan": their_plan, "uploads": uploads}  # fmt: skip


def page(client: Any, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def facet_links(html: str) -> dict[str, str]:
    aside = html[html.index('id="facets"') : html.index('id="results"')]
    return {label.strip(): href.replace("&amp;", "&") for href, label in
            re.findall(r'<a href="([^"]+)" class="[^"]*">(?:✕ )?([^<]+)</a>', aside)}  # fmt: skip


def results(html: str) -> str:
    """The facets and hits, without the query box and the title that repeat the query."""
    return html[html.index('id="facets"') : html.index("<footer")]


def total(html: str) -> int:
    return int(re.search(r"共 (\d+) 条结果", html).group(1))  # type: ignore[union-attr]


# ---- the page


def test_the_query_stays_in_the_url_and_facets_count_and_filter(client, session, corpus):
    login(client, make_account(session, Role.ADMIN))
    html = page(client, "/search/?q=钢支撑")
    assert 'value="钢支撑"' in html and "吴中深基坑专项施工方案" in html and "玄武深基坑专项施工方案" in html
    assert total(html) == 2
    links = facet_links(html)
    assert {"苏州市", "南京市", "专项施工方案", "基坑工程"} <= set(links)
    query = parse_qs(urlsplit(links["苏州市"]).query)
    assert query == {"q": ["钢支撑"], "city": ["suzhou"]}
    narrowed = page(client, links["苏州市"])
    assert "吴中深基坑专项施工方案" in narrowed and "玄武深基坑专项施工方案" not in narrowed
    assert 'name="city" value="suzhou"' in narrowed  # a new query keeps the chosen facet
    assert parse_qs(urlsplit(facet_links(narrowed)["苏州市"]).query) == {
        "q": ["钢支撑"]
    }  # chosen: removes it


def test_highlights_mark_the_words_and_escape_the_text(client, session, corpus):
    login(client, make_account(session, Role.ADMIN))
    html = page(client, "/search/?q=报警值 alert")
    assert "<mark>报警" in html and "<mark>alert</mark>" in html
    assert "&lt;script&gt;" in html and SCRIPT not in html and "<script>alert" not in html


def test_a_plan_snippet_links_to_its_section_on_the_plan_page(client, session, corpus):
    login(client, make_account(session, Role.ADMIN))
    html = page(client, "/search/?q=基坑坍塌&kind=plan")
    links = {unquote(h) for h in re.findall(r'<a class="text-nowrap" href="([^"]+)">查看该章节</a>', html)}
    plan = corpus["our_plan"].id
    assert f"/works/plans/{plan}#sec-第八章应急处置措施" in links, links
    plan_page = page(client, f"/works/plans/{plan}")
    section = plan_page[plan_page.index('id="sec-第八章应急处置措施"') :]
    assert (
        "第八章 应急处置措施" in section[:200]
        and "基坑坍塌应急处置" in section[: section.index("</section>")]
    )
    body = client.get(
        "/api/v1/search?q=灌注桩&kind=plan", headers=bearer(session, make_account(session))
    ).get_json()
    item = next(i for i in body["items"] if i["doc_id"] == f"plan:{plan}")
    assert item["places"][0] == "第一章 工程概况"
    assert unquote(item["snippet_urls"][0]) == f"/works/plans/{plan}#sec-第一章工程概况"


def test_a_project_team_never_sees_or_counts_another_enterprises_documents(client, session, corpus):
    login(client, make_account(session, Role.PROJECT_TEAM, enterprise_id=corpus["ours"].id))
    for url in ("/search/", "/search/?q=深基坑", "/search/?q=钢支撑&city=nanjing", "/search/?q=单位:南京乙"):
        html = results(page(client, url))
        assert "玄武" not in html and "南京" not in html, url
    html = page(client, "/search/?q=深基坑")
    assert total(html) == 2 and "吴中深基坑工程" in html and "吴中深基坑专项施工方案" in html
    assert "苏州甲建设集团有限公司" in facet_links(html)
    assert total(page(client, f"/search/?enterprise={corpus['theirs'].id}")) == 0


def test_a_city_regulator_finds_only_his_city(client, session, corpus):
    login(client, make_account(session, Role.REGULATOR, city=City.NANJING))
    html = page(client, "/search/?q=深基坑")
    assert total(html) == 2 and "玄武深基坑专项施工方案" in html and "吴中" not in results(html)
    assert set(facet_links(html)) >= {"南京市"} and "苏州市" not in facet_links(html)
    assert total(page(client, "/search/?q=深基坑&city=suzhou")) == 0


def test_experts_find_no_plans_or_works_and_visitors_are_sent_to_sign_in(client, session, corpus):
    assert client.get("/search/?q=钢支撑").status_code == 302
    login(client, make_account(session, Role.EXPERT))
    html = page(client, "/search/?q=钢支撑")  # only reviews: the ones he sat on and published conclusions
    assert total(html) == 0 and "深基坑专项施工方案" not in results(html)
    assert total(page(client, "/search/")) == 0


def test_bad_input_gets_a_message_not_an_error(client, session, corpus):
    login(client, make_account(session, Role.ADMIN))
    html = page(client, '/search/?q="钢支撑')
    assert "未能理解查询语法" in html and total(html) == 2
    html = page(client, "/search/?q=钢支撑&city=beijing&year=20x&sort=random&page=abc")
    assert "参数 city 的取值无效" in html and "四位年份" in html and "排序方式" in html and total(html) == 2
    assert "检索词不能超过200个字" in page(client, "/search/?q=" + "基坑" * 150)


def test_pages_and_date_order_keep_the_query(app, client, session):
    with app.app_context():
        index = search_index()
    index.upsert([{"doc_id": f"plan:{n}", "kind": "plan", "title": f"测试方案{n}", "body": "悬挑脚手架工字钢",
                   "city": "suzhou", "date": f"2024-01-{n:02d}"} for n in range(1, 26)])  # fmt: skip
    login(client, make_account(session, Role.ADMIN))
    first = page(client, "/search/?q=工字钢&sort=date")
    assert total(first) == 25 and first.count("<article") == 20
    assert first.index("测试方案25") < first.index("测试方案24")  # newest first
    next_link = re.search(r'href="([^"]*page=2[^"]*)"', first).group(1).replace("&amp;", "&")  # type: ignore[union-attr]
    assert parse_qs(urlsplit(next_link).query) == {"q": ["工字钢"], "sort": ["date"], "page": ["2"]}
    second = page(client, next_link)
    assert second.count("<article") == 5 and "测试方案1<" in second


# ---- the API


def test_the_api_answers_with_the_pages_permissions_and_facets(client, session, corpus):
    team = bearer(session, make_account(session, Role.PROJECT_TEAM, enterprise_id=corpus["ours"].id))
    body = client.get("/api/v1/search?q=钢支撑", headers=team).get_json()
    assert body["total"] == 1 and [i["doc_id"] for i in body["items"]] == [f"plan:{corpus['our_plan'].id}"]
    assert body["facets"]["city"] == [{"value": "suzhou", "count": 1}]
    assert body["items"][0]["url"] == f"/works/plans/{corpus['our_plan'].id}"
    admin = bearer(session, make_account(session, Role.ADMIN))
    body = client.get("/api/v1/search?q=报警值&sort=date&per_page=1&page=2", headers=admin).get_json()
    assert (body["total"], body["pages"], len(body["items"])) == (2, 2, 1)
    snippet = " ".join(client.get("/api/v1/search?q=alert", headers=admin).get_json()["items"][0]["snippets"])
    assert "&lt;script&gt;" in snippet and "<mark>alert</mark>" in snippet
    assert "未能理解" in client.get("/api/v1/search?q=(钢支撑", headers=admin).get_json()["message"]


@pytest.mark.parametrize("query", ["city=beijing", "kind=memo", "year=abcd", "enterprise=x", "page=0",
                                   "per_page=101", "sort=random", "q=" + "a" * 201])  # fmt: skip
def test_api_bad_parameters_are_400(client, session, query):
    headers = bearer(session, make_account(session, Role.ADMIN))
    assert_error(client.get(f"/api/v1/search?{query}", headers=headers), 400, "invalid_parameter")


def test_api_refuses_callers_without_a_token_and_shows_experts_no_plans(client, session, corpus):
    assert_error(client.get("/api/v1/search?q=基坑"), 401, "missing_token")
    headers = bearer(session, make_account(session, Role.EXPERT))
    body = client.get("/api/v1/search?q=基坑", headers=headers).get_json()
    assert body["total"] == 0 and body["facets"]["kind"] == []


# ---- similar plans


def test_similar_plans_are_of_the_same_category_visible_and_not_the_same_work(app, session, runner, corpus):
    uploads = corpus["uploads"]
    second_version = make_plan_version(session, corpus["our_work"], uploads, text=SAMPLE_PLAN)
    formwork = make_work(session, corpus["our_work"].project, category="formwork", sub_type="concrete_support",
                         parameters={"support_height": "9"})  # fmt: skip
    make_plan_version(session, formwork, uploads, text=SAMPLE_PLAN)
    their_second = make_plan_version(session, corpus["their_work"], uploads, title="玄武深基坑专项施工方案",
                                     text=SAMPLE_PLAN + "\n钢支撑轴力监测，报警值70%，加密监测")  # fmt: skip
    runner.invoke(args=["search", "reindex"])
    admin = Scope.of(make_account(session, Role.ADMIN))
    with app.test_request_context():
        found = similar_plans(session, search_index(), corpus["our_plan"], admin)
        html = render_template("search/_similar.html", similar=found)
    assert len(found) == 1  # one version of the other work, none of ours, no formwork plan
    assert found[0].doc_id in (f"plan:{corpus['their_plan'].id}", f"plan:{their_second.id}")
    assert f'href="{found[0].url}"' in html and "玄武深基坑专项施工方案" in html
    team = Scope.of(make_account(session, Role.PROJECT_TEAM, enterprise_id=corpus["ours"].id))
    with app.test_request_context():
        assert similar_plans(session, search_index(), corpus["our_plan"], team) == []
        assert similar_plans(session, search_index(), second_version, team) == []
        assert "暂无" in render_template("search/_similar.html", similar=[])


def test_the_plan_page_shows_similar_plans(client, session, corpus):
    login(client, make_account(session, Role.ADMIN))
    html = page(client, f"/works/plans/{corpus['our_plan'].id}")
    assert 'id="similar-plans"' in html and "玄武深基坑专项施工方案" in html


# ---- commands


def test_reindex_and_check_find_what_bypassed_the_outbox(runner, session, corpus):
    assert "索引与数据库一致" in runner.invoke(args=["search", "check"]).output
    bypass = make_work(session, corpus["our_work"].project, name="绕过队列的工程")  # a factory: no outbox row
    corpus["their_work"].name = "玄武深基坑工程（更名）"
    session.commit()
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 1
    assert f"索引中缺失：1 篇（work:{bypass.id}）" in result.output
    assert f"索引中过期：1 篇（work:{corpus['their_work'].id}）" in result.output
    fixed = runner.invoke(args=["search", "check", "--fix"])
    assert fixed.exit_code == 0 and "已将 2 篇加入变更队列" in fixed.output
    assert "已应用 2 条" in runner.invoke(args=["search", "worker", "--once"]).output
    assert runner.invoke(args=["search", "check"]).exit_code == 0
    rebuilt = runner.invoke(args=["search", "reindex"])
    assert rebuilt.exit_code == 0 and "检索索引已重建：5 篇文档" in rebuilt.output


@pytest.mark.whoosh_only  # the Whoosh index's facet values read ahead; the search table needs no warming
def test_a_web_process_warms_the_search_after_its_first_request(app, client, corpus):
    import threading

    from webapp.search.worker import warm_on_first_request

    fresh = app.test_client()
    warm_on_first_request(app)
    with app.app_context():
        index = search_index()
        assert "city" not in index.view()._facets
    fresh.get("/auth/login")
    for thread in threading.enumerate():
        if thread.name == "search-warm":
            thread.join(10)
    with app.app_context():
        assert "city" in index.view()._facets  # the facet values are read, not left to the first search


def test_a_strict_and_with_few_results_offers_the_broader_search_on_the_page_and_in_the_api(
    client, session, corpus
):
    admin = make_account(session, Role.ADMIN)
    login(client, admin)
    html = page(client, "/search/?q=钢支撑 吴中")
    assert total(html) == 1 and "扩大检索" in html
    href = re.search(r'id="search-broader">[^<]*<a href="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    assert parse_qs(urlsplit(href.replace("&amp;", "&")).query) == {"q": ["钢支撑 OR 吴中"]}
    assert total(page(client, href.replace("&amp;", "&"))) > 1  # the other plan, the work named 吴中
    assert "扩大检索" not in page(client, "/search/?q=钢支撑")  # one word: nothing to loosen
    body = client.get("/api/v1/search?q=钢支撑 吴中", headers=bearer(session, admin)).get_json()
    assert body["total"] == 1 and body["broader_query"] == "钢支撑 OR 吴中"
    assert (
        client.get("/api/v1/search?q=钢支撑", headers=bearer(session, admin)).get_json()["broader_query"]
        == ""
    )


def test_partial_matches_fill_the_page_after_the_strict_ones_and_keep_to_the_callers_scope(
    client, session, corpus
):
    admin = make_account(session, Role.ADMIN)
    login(client, admin)
    html = page(client, "/search/?q=钢支撑 吴中")
    assert total(html) == 1
    strict, partial = html.split('id="search-partial"')
    assert "吴中深基坑专项施工方案" in strict and "玄武深基坑专项施工方案" in partial
    assert "以下结果只包含部分检索词" in partial
    body = client.get("/api/v1/search?q=钢支撑 吴中", headers=bearer(session, admin)).get_json()
    assert any("玄武深基坑专项施工方案" in h["title"] for h in body["partial_items"])
    assert body["partial_total"] >= 1
    client.post("/auth/logout")
    suzhou = make_account(session, Role.REGULATOR, city=City.SUZHOU)
    login(client, suzhou)
    assert "玄武" not in results(page(client, "/search/?q=钢支撑 吴中"))
    body = client.get("/api/v1/search?q=钢支撑 吴中", headers=bearer(session, suzhou)).get_json()
    assert all("玄武" not in h["title"] for h in body["partial_items"])
