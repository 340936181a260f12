"""The Whoosh index with Chinese analysis: writes and queries; the helpers the other search test modules share.

Split by topic: test_search_analysis (segmenting, recall), test_search_results (facets, permissions, pages,
snippets, similar documents), test_search_rebuild (generations, check, health), test_search_engine (the
set-based engine against Whoosh's own), test_search_fastpath* (Whoosh's private names, on 2,000 documents).
"""

from __future__ import annotations

from typing import Any

import pytest

from search_index import analysis
from search_index.documents import DocumentError
from search_index.index import SearchIndex
from search_index.query import Allowed, SearchRequest, SearchResult

ALL = Allowed.all()


def doc(doc_id: str, title: str, body: str = "", **extra: Any) -> dict[str, Any]:
    kind = doc_id.split(":")[0]
    return {"doc_id": doc_id, "kind": kind, "title": title, "body": body, "url": f"/{doc_id}", **extra}


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    analysis.warm_up()


def find(index: SearchIndex, q: str = "", **kwargs: Any) -> SearchResult:
    kwargs.setdefault("allowed", ALL)
    return index.search(SearchRequest(q=q, **kwargs))


def ids(result: SearchResult) -> set[str]:
    return {hit.doc_id for hit in result.hits}


# ---- writes


def test_upsert_replaces_and_delete_removes(index):
    assert index.upsert([doc("plan:1", "深基坑支护方案"), doc("plan:2", "塔吊安装方案")]).count == 2
    assert index.upsert([doc("plan:1", "高支模方案")]).ok
    assert index.doc_count() == 2
    assert ids(find(index, "深基坑")) == set() and ids(find(index, "高支模")) == {"plan:1"}
    assert index.delete(["plan:2", "plan:404"]).ok
    assert index.doc_count() == 1 and find(index, "塔吊").total == 0


def test_a_document_of_the_wrong_shape_is_refused(index):
    with pytest.raises(DocumentError):
        index.upsert([{"doc_id": "plan:1", "kind": "memo", "title": "x"}])


@pytest.mark.whoosh_only  # Whoosh's write lock (tests/integration/test_search_pg.py: the advisory lock)
def test_a_held_write_lock_is_reported_not_raised(index):
    index.upsert([doc("plan:1", "深基坑")])
    writer = index.open().writer()
    try:
        report = index.upsert([doc("plan:2", "塔吊")])
        assert not report.ok and "写锁" in report.detail
        assert not index.rebuild([doc("plan:3", "爬架")]).ok
    finally:
        writer.cancel()
    assert index.upsert([doc("plan:2", "塔吊")]).ok


# ---- queries


def test_synonyms_apply_at_query_time(index):
    index.upsert(
        [
            doc("plan:1", "会展中心方案", "大堂采用高大模板支撑体系，搭设高度12m"),
            doc("plan:2", "住宅方案", "设置塔式起重机一台"),
            doc("plan:3", "厂房方案", "采用附着升降脚手架"),
        ]
    )
    assert ids(find(index, "高支模")) == {"plan:1"}
    assert ids(find(index, "塔吊")) == {"plan:2"}
    assert ids(find(index, "爬架")) == {"plan:3"}
    assert find(index, '"高支模"').total == 0  # quotes mean exactly these words


def test_single_character_and_mixed_queries(index):
    index.upsert(
        [doc("plan:1", "桩基方案", "钻孔灌注桩桩径800mm"), doc("plan:2", "塔机", "QTZ80塔式起重机安装")]
    )
    assert ids(find(index, "桩")) == {"plan:1"}
    assert ids(find(index, "QTZ80 塔吊")) == {"plan:2"}
    assert ids(find(index, "qtz80塔吊")) == {"plan:2"}
    assert ids(find(index, "正文:灌")) == {"plan:1"}


def test_a_whole_number_finds_its_decimals_the_way_plans_write_them(index):
    index.upsert([doc("plan:1", "满堂支撑架", "主要材料：φ48.3×3.6扣件式钢管、可调托撑"),
                  doc("plan:2", "悬挑脚手架", "18#工字钢悬挑梁，钢丝绳φ14"), doc("plan:3", "支模", "立杆间距0.48m")])  # fmt: skip
    assert ids(find(index, "φ48 钢管")) == {"plan:1"}
    assert ids(find(index, "48.3")) == {"plan:1"}
    assert ids(find(index, "48")) == {"plan:1"}  # not 0.48
    result = find(index, "φ48 钢管")
    assert any("<mark>φ48</mark>.3" in s for s in result.hits[0].snippets), result.hits[0].snippets


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("标题:幕墙", {"plan:120"}),
        ("title:幕墙", {"plan:120"}),
        ("单位:中建八局", {"plan:101", "review:201"}),
        ("unit:中铁十四局", {"plan:117", "review:205"}),
        ("类别:暗挖", {"plan:117", "plan:118", "review:205"}),
        ("category:underground", {"plan:117", "plan:118", "review:205"}),
        ("城市：南京 盾构", {"plan:117", "review:205"}),
        ("city:nanjing 盾构", {"plan:117", "review:205"}),
        ("结论:不通过", {"review:202"}),
        ("conclusion:fail", {"review:202"}),
        ("年份:2022 类别:基坑", {"plan:104"}),
    ],
)
def test_field_queries_in_chinese_and_english(corpus, q, expected):
    result = find(corpus, q, per_page=50)
    assert ids(result) == expected and not result.used_fallback


def test_a_quoted_phrase_needs_its_words_together(index):
    index.upsert(
        [
            doc("plan:1", "甲", "深基坑开挖深度12m"),
            doc("plan:2", "乙", "开挖前检查基坑周边"),
            doc("plan:3", "丙", "基坑 开挖"),
        ]
    )
    assert ids(find(index, '"基坑开挖"')) == {"plan:1", "plan:3"}
    assert ids(find(index, "基坑开挖")) == {"plan:1", "plan:2", "plan:3"}


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("深基坑 AND 钢支撑", {"a"}),
        ("深基坑 与 钢支撑", {"a"}),
        ("钢支撑 OR 塔吊", {"a", "c"}),
        ("钢支撑 或 塔吊", {"a", "c"}),
        ("深基坑 NOT 钢支撑", {"b"}),
        ("深基坑 非 钢支撑", {"b"}),
        ("深基坑 -钢支撑", {"b"}),
        ("(深基坑 OR 塔吊) NOT 土钉墙", {"a", "c"}),
        ("NOT 深基坑", {"c"}),
    ],
)
def test_boolean_operators(index, q, expected):
    index.upsert(
        [
            doc("plan:a", "甲", "深基坑采用钢支撑"),
            doc("plan:b", "乙", "深基坑采用土钉墙"),
            doc("plan:c", "丙", "塔吊安装"),
        ]
    )
    assert ids(find(index, q)) == {f"plan:{x}" for x in expected}


@pytest.mark.parametrize(
    "q", ['"深基坑 支护', "(深基坑 支护", "深基坑 支护)", "深基坑 支护 NOT", "作者:深基坑 支护"]
)
def test_a_query_the_parser_cannot_read_falls_back_to_its_words(index, q):
    index.upsert([doc("plan:1", "深基坑支护方案"), doc("plan:2", "深基坑降水方案")])
    result = find(index, q)
    assert result.used_fallback and "已按关键词" in result.message
    assert ids(result) == {"plan:1"}


def test_nothing_but_an_operator_finds_nothing_and_says_why(index):
    index.upsert([doc("plan:1", "深基坑")])
    result = find(index, "NOT")
    assert result.total == 0 and result.used_fallback and result.message
