"""Review conclusions in the search index: queued when a report becomes final, applied by the worker, found
and counted only by those who may see them, replaced by a signed correction, similar past reviews."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from flask import render_template

from expert_pool.reviews import reports as review_reports
from expert_pool.reviews import search_docs as review_docs
from expert_pool.reviews.models import Conclusion
from expert_pool.reviews.search_docs import CATALOGUE
from knowledge import outbox, search_docs
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.regions import City
from search_index import analysis
from search_index.index import SearchIndex
from search_index.query import Filters, SearchRequest, SearchResult
from tests.factories import login, make_account
from tests.review_fixtures import AT_MEETING, Meeting, concluded, ready_meeting, sign_all
from webapp.extensions import search_index
from webapp.search.hits import similar_reviews


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    analysis.warm_up()


@pytest.fixture
def m(session: Any, tmp_path: Any) -> Meeting:
    return ready_meeting(session, str(tmp_path / "up"))


@pytest.fixture
def index(app: Any) -> SearchIndex:
    with app.app_context():
        return search_index()


def worker(runner: Any) -> str:
    result = runner.invoke(args=["search", "worker", "--once"])
    assert result.exit_code == 0, result.output
    return result.output


def find(index: SearchIndex, scope: Scope | None, q: str = "", **filters: Any) -> SearchResult:
    allowed = "all" if scope is None else search_docs.allowed_for(scope)
    return index.search(SearchRequest(allowed=allowed, q=q, filters=Filters(**filters), per_page=50))


def ids(result: SearchResult) -> set[str]:
    return {hit.doc_id for hit in result.hits}


def test_a_concluded_review_becomes_searchable_after_the_worker_runs(session, runner, index, m):
    doc_id = f"review:{m.review.id}"
    report = concluded(session, m, Conclusion.PASS_AFTER_REVISION)
    assert doc_id not in ids(find(index, None, "抗隆起"))  # committed, not yet applied
    assert "已应用" in worker(runner)
    result = find(index, None, "抗隆起验算")
    assert doc_id in ids(result)
    hit = next(h for h in result.hits if h.doc_id == doc_id)
    assert hit.kind == "review" and hit.url == f"/reviews/{m.review.id}" and hit.city == "suzhou"
    assert "修改后通过" in hit.title and m.work.name in hit.title
    assert any("<mark>抗隆起验算</mark>" in s for s in hit.snippets), hit.snippets
    assert result.facets["conclusion"] == [("pass_after_revision", 1)]
    doc = review_docs.review_document(session, m.review)
    assert doc is not None and doc["expert_ids"] == sorted(e.id for e in m.panel)
    assert doc["required_changes"][0] == "1. 补充坑底抗隆起验算。" and doc["date"] == "2026-12-03"
    assert doc["year"] == 2026 and doc["published"] is True and report.finalised_at is not None
    assert ids(find(index, None, "监测点布置不足", conclusion="pass_after_revision")) == {doc_id}
    assert ids(find(index, None, "结论:修改后通过")) == {doc_id}
    assert ids(find(index, None, "抗隆起", conclusion="fail")) == set()


def test_a_review_without_a_final_report_has_no_document(session, runner, index, m):
    assert review_docs.review_document(session, m.review) is None
    assert CATALOGUE.document_for(session, f"review:{m.review.id}") is None
    assert CATALOGUE.count_all(session) == len(list(CATALOGUE.iter_all(session)))
    assert not any(d["kind"] == "review" for d in CATALOGUE.iter_all(session))


def test_facet_counts_per_conclusion_respect_permissions(session, runner, index, m):
    concluded(session, m, Conclusion.FAIL)
    worker(runner)
    other_team = Scope.of(make_account(session, Role.PROJECT_TEAM))  # another enterprise
    nanjing = Scope.of(make_account(session, Role.REGULATOR, city=City.NANJING))
    for scope in (other_team, nanjing):
        for q in ("", "抗隆起", "结论:不通过"):
            result = find(index, scope, q)
            assert result.total == 0 and result.hits == [], (scope.role, q)
            assert all(counts == [] for counts in result.facets.values()), (scope.role, q)
    assert find(index, other_team, conclusion="fail").total == 0
    for scope in (Scope.of(m.team), Scope.of(m.supervisor_team),
                  Scope.of(make_account(session, Role.REGULATOR, city=City.SUZHOU)),
                  Scope.of(make_account(session, Role.DRAW_OFFICE, city=City.SUZHOU))):  # fmt: skip
        result = find(index, scope, "抗隆起")
        assert f"review:{m.review.id}" in ids(result), scope.role
        assert ("fail", 1) in result.facets["conclusion"]


def test_an_expert_finds_the_review_he_sat_on_and_published_conclusions_but_no_plans(
    session, runner, index, m
):
    concluded(session, m, Conclusion.PASS_AFTER_REVISION)
    runner.invoke(args=["search", "reindex"])
    doc_id = f"review:{m.review.id}"
    member = m.scope_of(m.panel[1])
    result = find(index, member, "抗隆起")
    assert ids(result) == {doc_id} and result.facets["kind"] == [("review", 1)]
    assert find(index, member, "钻孔灌注桩").total == 0  # the plan's text: plans are not for experts
    assert find(index, member).facets["kind"] == [("review", 1)]
    outsider = Scope.of(make_account(session, Role.EXPERT))  # sat on nothing: sees the published conclusion
    assert ids(find(index, outsider, "抗隆起")) == {doc_id}
    assert find(index, outsider, kind="plan").total == 0


def test_a_signed_correction_replaces_the_indexed_text(session, runner, index, m):
    report = concluded(session, m)
    worker(runner)
    doc_id = f"review:{m.review.id}"
    assert doc_id in ids(find(index, None, "报警值"))
    fixed = review_reports.correct_report(
        session, m.review, m.panel[0].id, reason="第2条修改意见笔误", summary="更正后的论证意见。",
        changes=[("补充坑底抗隆起验算。", [m.panel[0].id]), ("补充第三方监测单位资质证明。", [m.panel[2].id])],
        now=AT_MEETING,
    )  # fmt: skip
    worker(runner)
    assert doc_id in ids(find(index, None, "报警值"))  # the draft correction is not in force yet
    sign_all(session, m, fixed)
    assert fixed.supersedes_id == report.id
    worker(runner)
    assert doc_id not in ids(find(index, None, "报警值"))
    assert doc_id in ids(find(index, None, "第三方监测单位资质"))
    assert index.doc_count() == 1


def test_check_is_clean_after_a_reindex_and_reports_a_review_bypassing_the_outbox(session, runner, m):
    concluded(session, m)
    rebuilt = runner.invoke(args=["search", "reindex"])
    assert rebuilt.exit_code == 0 and "检索索引已重建" in rebuilt.output
    expected = {d["doc_id"] for d in CATALOGUE.iter_all(session)}
    assert f"review:{m.review.id}" in expected
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 0 and "索引与数据库一致" in result.output, result.output
    m.work.name = "更名后的深基坑工程"  # bypasses the outbox: the review repeats the work's name
    session.commit()
    stale = runner.invoke(args=["search", "check"])
    assert stale.exit_code == 1 and f"review:{m.review.id}" in stale.output
    assert f"review:{m.review.id}" in CATALOGUE.doc_ids_for_work(session, m.work.id)
    assert f"review:{m.review.id}" in CATALOGUE.doc_ids_for_enterprise(session, m.gc.id)


def test_similar_past_reviews_are_concluded_reviews_of_the_category_before_the_meeting(
    app, session, runner, index, m, tmp_path
):
    concluded(session, m)
    runner.invoke(args=["search", "reindex"])
    member = m.scope_of(m.panel[0])
    with app.test_request_context():
        assert similar_reviews(index, m.review, member) == []  # no other concluded review
    day = m.review.meeting_day
    others = [
        _review_doc(
            90001,
            "excavation",
            day - timedelta(days=30),
            "坑底抗隆起验算不足，监测点布置不足，报警值未明确。",
        ),
        _review_doc(90002, "excavation", day - timedelta(days=60), "应急预案不具体。"),
        _review_doc(90003, "formwork", day - timedelta(days=10), "坑底抗隆起验算不足，监测点布置不足。"),
        _review_doc(90004, "excavation", day + timedelta(days=10), "坑底抗隆起验算不足，监测点布置不足。"),
    ]
    index.upsert(others)
    with app.test_request_context():
        found = similar_reviews(index, m.review, member)
        html = render_template("search/_similar_reviews.html", similar_reviews=found)
    assert found[0].doc_id == "review:90001"  # the closest; never another category, a later one or itself
    assert {h.doc_id for h in found} <= {"review:90001", "review:90002"}
    assert 'id="similar-reviews"' in html and 'href="/reviews/90001"' in html
    team = Scope.of(m.team)  # the team sees only its own enterprise's reviews
    with app.test_request_context():
        assert similar_reviews(index, m.review, team) == []


def test_similar_reviews_use_the_plan_while_the_review_is_open(app, session, runner, index, m):
    runner.invoke(args=["search", "reindex"])  # the review's plan version is indexed, the review is not
    index.upsert([_review_doc(90001, m.work.category, m.review.meeting_day, "坑底抗隆起验算，钻孔灌注桩")])
    with app.test_request_context():
        found = similar_reviews(index, m.review, m.scope_of(m.panel[0]))
    assert [h.doc_id for h in found] == ["review:90001"]


def _review_doc(key: int, category: str, day: date, finding: str) -> dict[str, Any]:
    return {"doc_id": f"review:{key}", "kind": "review", "title": f"某工程 专家论证 {key}", "url": f"/reviews/{key}",
            "city": "nanjing", "category": category, "conclusion": "pass_after_revision", "published": True,
            "date": day.isoformat(), "year": day.year, "expert_findings": [finding, "基坑支护结构计算书"]}  # fmt: skip


def test_the_review_page_and_the_plan_page_show_similar_past_conclusions(
    app, session, runner, client, index, m
):
    runner.invoke(args=["search", "reindex"])
    day = m.review.meeting_day
    index.upsert([
        _review_doc(90001, m.work.category, day - timedelta(days=30), "坑底抗隆起验算，钻孔灌注桩，基坑监测"),
        _review_doc(90002, "formwork", day - timedelta(days=30), "坑底抗隆起验算，钻孔灌注桩，基坑监测"),
    ])  # fmt: skip
    login(client, m.accounts[m.panel[0].id])
    page = client.get(f"/reviews/{m.review.id}").get_data(as_text=True)
    section = page[page.index('id="similar-reviews"') :]
    assert 'href="/reviews/90001"' in section and "/reviews/90002" not in section
    client = app.test_client()
    login(client, make_account(session, Role.REGULATOR, city=None))
    page = client.get(f"/works/plans/{m.review.plan_version_id}").get_data(as_text=True)
    section = page[page.index('id="similar-reviews"') :]
    assert 'href="/reviews/90001"' in section and "/reviews/90002" not in section
    client = app.test_client()
    login(client, m.team)  # 90001 is another city's: the team may not see it
    page = client.get(f"/works/plans/{m.review.plan_version_id}").get_data(as_text=True)
    assert "暂无可供参考的同类论证结论" in page and "/reviews/90001" not in page


def test_a_change_to_a_work_rewrites_its_review_conclusions_when_applied(session, runner, index, m):
    concluded(session, m, Conclusion.FAIL)
    worker(runner)
    doc_id = f"review:{m.review.id}"
    assert doc_id not in ids(find(index, None, "更名后的深基坑工程"))
    m.work.name = "更名后的深基坑工程"
    outbox.record(session, f"work:{m.work.id}")  # what the registry's services queue for a change to a work
    session.commit()
    assert "已应用" in worker(runner)
    assert doc_id in ids(find(index, None, "更名后的深基坑工程", kind="review"))
    assert outbox.pending_count(session) == 0
