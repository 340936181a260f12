"""Search results: facet counts, permission grants, filters, pages and sorting, snippets, similar documents."""

from __future__ import annotations

import pytest

from search_index import analysis
from search_index.query import Allowed, Filters
from tests.integration.test_search_index import ALL, doc, find, ids


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    analysis.warm_up()


# ---- facets, permissions, pages


def test_facets_count_the_matching_documents(corpus):
    facets = find(corpus, '"深基坑"').facets  # quoted: not its parts (基坑), which 深基坑 finds too
    assert dict(facets["city"]) == {"nanjing": 3, "suzhou": 1}
    assert dict(facets["kind"]) == {"plan": 2, "review": 1, "work": 1}
    assert dict(facets["conclusion"]) == {"pass_after_revision": 1}
    assert dict(facets["year"]) == {2024: 4}
    assert sum(n for _, n in facets["enterprise"]) == 4


def test_facet_counts_never_count_a_document_the_user_may_not_see(index):
    nanjing = Allowed(cities={"nanjing"})
    index.upsert(
        [doc("plan:1", "深基坑", city="nanjing", category="excavation", year=2024, enterprise_ids=[1])]
    )
    before = find(index, "深基坑", allowed=nanjing)
    index.upsert([doc("plan:2", "深基坑", city="wuxi", category="excavation", year=2024, enterprise_ids=[1])])
    after = find(index, "深基坑", allowed=nanjing)
    assert after.facets == before.facets and after.total == before.total == 1
    assert find(index, "深基坑").total == 2


def test_each_grant_opens_its_own_documents(corpus):
    assert ids(find(corpus, "深基坑", allowed=Allowed(cities={"suzhou"}))) == {"plan:103"}
    assert ids(find(corpus, "", allowed=Allowed(doc_ids={"plan:104"}), per_page=50)) == {"plan:104"}
    assert all(
        h.kind == "review" for h in find(corpus, "", allowed=Allowed(published=True), per_page=50).hits
    )
    enterprise = find(corpus, "", allowed=Allowed(enterprise_ids={2}), per_page=50)
    assert enterprise.total == 6 and dict(enterprise.facets["enterprise"]) == {2: 6}


def test_an_empty_grant_sees_nothing(corpus):
    result = find(corpus, "深基坑", allowed=Allowed())
    assert result.total == 0 and result.hits == [] and all(v == [] for v in result.facets.values())


def test_an_expert_sees_the_reviews_they_sat_on(index):
    index.upsert(
        [
            doc("review:1", "论证", "深基坑", expert_ids=[7, 8]),
            doc("review:2", "论证", "深基坑", expert_ids=[9]),
        ]
    )
    assert ids(find(index, "深基坑", allowed=Allowed(expert_ids={8}))) == {"review:1"}


def test_filters_narrow_the_results(corpus):
    assert ids(find(corpus, "", filters=Filters(city="nanjing", category="lifting"))) == {
        "plan:109",
        "review:203",
    }
    by_grant = ids(find(corpus, "", allowed=Allowed(enterprise_ids={2}), per_page=50))
    assert (
        ids(find(corpus, "", filters=Filters(enterprise=2), per_page=50)) == by_grant and len(by_grant) == 6
    )
    assert ids(
        find(corpus, "", allowed=Allowed(cities={"nanjing"}), filters=Filters(enterprise=2), per_page=50)
    ) == {d for d in by_grant if d in ids(find(corpus, "", allowed=Allowed(cities={"nanjing"}), per_page=50))}
    assert ids(find(corpus, "论证", filters=Filters(conclusion="pass"))) == {"review:203", "review:206"}
    assert find(corpus, "", filters=Filters(year=2022), per_page=50).total == 5


def test_pages_split_the_results(index):
    index.upsert([doc(f"plan:{n}", f"深基坑方案{n}", date=f"2024-01-{n + 1:02d}") for n in range(25)])
    pages = [find(index, "深基坑", page=p, per_page=10) for p in (1, 2, 3, 4)]
    assert [len(p.hits) for p in pages] == [10, 10, 5, 0]
    assert len(set().union(*(ids(p) for p in pages))) == 25
    assert pages[0].total == 25 and pages[0].pages == 3


def test_sort_by_date_puts_the_newest_first(corpus):
    dates = [h.date for h in find(corpus, "方案", sort="date", per_page=50).hits]
    assert dates == sorted(dates, reverse=True) and len(dates) > 10


def test_sort_by_date_across_segments_and_deletions(index):
    index.upsert([doc("plan:undated", "塔吊方案")])  # a segment without a date column
    index.upsert([doc("plan:0", "塔吊方案", date="2024-01-01")])
    assert [h.doc_id for h in find(index, "塔吊", sort="date").hits] == ["plan:0", "plan:undated"]
    for n in range(1, 6):
        index.upsert([doc(f"plan:{n}", "塔吊方案", date=f"2024-0{n + 1}-01")])
    index.delete(["plan:3"])
    index.upsert([doc("plan:1", "塔吊方案", date="2025-01-01")])
    newest = [h.doc_id for h in find(index, "塔吊", sort="date").hits]
    assert newest == ["plan:1", "plan:5", "plan:4", "plan:2", "plan:0", "plan:undated"]


# ---- snippets


def test_snippets_are_escaped_text_with_marks(index):
    index.upsert([doc("plan:1", "方案", "钢支撑<script>alert(1)</script>轴力监测")])
    [hit] = find(index, "钢支撑").hits
    assert hit.snippets == ["<mark>钢支撑</mark>&lt;script&gt;alert(1)&lt;/script&gt;轴力监测"]
    assert "<script>" not in find(index, "script").hits[0].snippets[0]


def test_the_snippet_comes_from_the_matching_section(index):
    sections = [("1", "工程概况", "本工程位于南京市。" * 30), ("3", "支撑体系", "第二道钢支撑施加预加轴力。")]
    index.upsert([doc("plan:1", "深基坑方案", sections=sections)])
    [snippet] = find(index, "钢支撑").hits[0].snippets
    assert snippet.startswith("3 支撑体系：") and "<mark>钢支撑</mark>" in snippet


def test_without_a_matching_passage_the_snippet_is_the_opening(index):
    index.upsert([doc("plan:1", "深基坑方案", "工程概况：<b>本工程</b>位于南京。")])
    assert find(index, "").hits[0].snippets == ["工程概况：&lt;b&gt;本工程&lt;/b&gt;位于南京。"]
    assert find(index, "深基坑").hits[0].snippets == ["工程概况：&lt;b&gt;本工程&lt;/b&gt;位于南京。"]


# ---- more like this


def test_more_like_this_stays_in_the_category_and_leaves_itself_out(corpus):
    similar = corpus.more_like_this("plan:101", allowed=ALL)
    assert similar and "plan:101" not in {h.doc_id for h in similar}
    assert {h.category for h in similar} == {"excavation"}
    assert {h.doc_id for h in similar} & {"review:201", "plan:102", "plan:103"}
    xuzhou = corpus.more_like_this("plan:101", allowed=Allowed(cities={"xuzhou"}))
    assert {h.doc_id for h in xuzhou} <= {"plan:104"}
    assert corpus.more_like_this("plan:999", allowed=ALL) == []
