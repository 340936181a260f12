"""The Whoosh index with Chinese analysis: writes, queries, facets, permissions, snippets, rebuild and check."""

from __future__ import annotations

import threading
import time
from typing import Any

import jieba
import pytest
from whoosh import index as whoosh_index
from whoosh.fields import ID, Schema

from search_index import analysis, bulk, postings
from search_index import index as index_module
from search_index import view as view_module
from search_index.documents import DocumentError, to_fields, version_of
from search_index.index import SearchIndex
from search_index.query import Allowed, Filters, SearchRequest, SearchResult, parse_query
from search_index.schema import build_schema
from tests.integration.search_recall import DOCS, QUERIES, recall_at

ALL = Allowed.all()


def doc(doc_id: str, title: str, body: str = "", **extra: Any) -> dict[str, Any]:
    kind = doc_id.split(":")[0]
    return {"doc_id": doc_id, "kind": kind, "title": title, "body": body, "url": f"/{doc_id}", **extra}


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    analysis.warm_up()


@pytest.fixture
def index(tmp_path) -> SearchIndex:
    return SearchIndex(tmp_path / "index", lock_timeout=0.2)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> SearchIndex:
    built = SearchIndex(tmp_path_factory.mktemp("corpus"))
    assert built.upsert(DOCS).ok
    return built


def find(index: SearchIndex, q: str = "", **kwargs: Any) -> SearchResult:
    kwargs.setdefault("allowed", ALL)
    return index.search(SearchRequest(q=q, **kwargs))


def ids(result: SearchResult) -> set[str]:
    return {hit.doc_id for hit in result.hits}


# ---- analysis


def test_domain_terms_stay_whole_in_context():
    assert analysis.query_words("承插型盘扣式钢管脚手架搭设") == ["承插型盘扣式钢管脚手架", "搭设"]
    assert analysis.query_words("深基坑开挖采用SMW工法桩") == ["深基坑", "开挖", "采用", "smw工法桩"]
    assert analysis.query_words("屋顶管道") == ["屋顶", "管道"]  # 顶管 is a term, but not here
    assert [t for t in analysis.DOMAIN_TERMS if analysis.query_words(t) != [analysis.normalize(t)]] == []
    assert len(analysis.DOMAIN_TERMS) >= 80


def test_index_tokens_add_the_words_inside_a_term():
    tokens = analysis.tokens("高大模板支撑体系")
    assert {"高大模板支撑体系", "高大模板", "模板", "支撑体系"} <= set(tokens)
    assert "通过" not in analysis.tokens("不通过")


def test_the_index_fast_path_makes_the_same_terms_as_the_tokenizers(corpus):
    texts = (
        [d["title"] for d in DOCS] + [d.get("body", "") for d in DOCS] + ["深基坑开挖深度15.2m，QTZ80塔吊"]
    )
    for tokenizer in (analysis.WordTokenizer(), analysis.PairTokenizer()):
        for text in texts:
            assert tokenizer.index_terms(text) == [t for t, _ in tokenizer.terms(text, "index")], text


def test_full_width_case_and_model_numbers():
    assert analysis.query_words("ＱＴＺ８０塔吊，依据JGJ120-2012，C30混凝土") == [
        "qtz80", "塔吊", "依据", "jgj120", "2012", "c30", "混凝土"
    ]  # fmt: skip


def test_the_domain_dictionary_is_private():
    assert analysis.segmenter() is not jieba.dt
    assert "高支模" not in jieba.dt.FREQ


def test_every_synonym_is_one_token():
    for group in analysis.SYNONYM_GROUPS:
        for word in group:
            assert analysis.query_words(word) == [analysis.normalize(word)], word
    assert set(analysis.expand("塔吊")) == {"塔吊", "塔式起重机", "塔机"}
    assert "深基坑" not in analysis.expand("超深基坑")


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


# ---- facets, permissions, pages


def test_facets_count_the_matching_documents(corpus):
    facets = find(corpus, "深基坑").facets
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


# ---- rebuild, check, health


def test_a_rebuild_swaps_generations_while_a_searcher_is_open(index):
    index.upsert([doc("plan:1", "深基坑")])
    old_view = index._current()
    seen = []
    report = index.rebuild(
        iter([doc("plan:2", "塔吊"), doc("plan:3", "爬架")]), 2, lambda n, t: seen.append((n, t))
    )
    assert report.ok and report.count == 2 and seen[-1] == (2, 2)
    assert old_view.searcher.doc_count() == 1  # the old generation still answers
    assert ids(find(index, "塔吊")) == {"plan:2"} and find(index, "深基坑").total == 0
    generations = sorted(p.name for p in index.directory.glob("gen-*"))
    assert len(generations) == 2  # the previous one is kept for slower processes
    index.rebuild([doc("plan:4", "吊篮")])
    assert old_view.generation not in {p.name for p in index.directory.glob("gen-*")}


def test_searches_keep_answering_during_a_rebuild(index):
    index.upsert([doc(f"plan:{n}", "深基坑") for n in range(20)])
    started, totals = threading.Event(), []

    def slow_docs():
        for n in range(20):
            if n == 10:
                started.set()
                totals.append(find(index, "深基坑").total)
            yield doc(f"plan:{n}", "塔吊")

    index.rebuild(slow_docs())
    assert started.is_set() and totals == [20] and find(index, "塔吊").total == 20


def test_an_upsert_that_waited_out_a_rebuild_lands_in_the_new_generation(tmp_path):
    index = SearchIndex(tmp_path / "index", lock_timeout=10)
    index.upsert([doc("plan:1", "深基坑")])
    rebuilding = threading.Event()

    def slow_docs():
        rebuilding.set()
        for n in range(3):
            time.sleep(0.2)
            yield doc(f"plan:{n + 10}", "塔吊")

    worker = threading.Thread(target=index.rebuild, args=(slow_docs(),))
    worker.start()
    rebuilding.wait()
    assert index.upsert([doc("plan:2", "爬架")]).ok  # waits for the lock, then finds CURRENT moved
    worker.join()
    assert find(index, "爬架").total == 1 and find(index, "塔吊").total == 3


def test_a_rebuild_by_several_writer_processes_finds_what_one_process_finds(tmp_path, monkeypatch):
    single = SearchIndex(tmp_path / "single", build_procs=1)
    assert single.rebuild(DOCS, len(DOCS)).ok
    monkeypatch.setattr(index_module, "PARALLEL_MIN_DOCS", 1)
    monkeypatch.setattr(bulk, "JOB_BATCH", 4)
    parallel = SearchIndex(tmp_path / "parallel", build_procs=2)
    seen = []
    report = parallel.rebuild(iter(DOCS), len(DOCS), lambda n, t: seen.append(n))
    assert report.ok and report.count == len(DOCS) == parallel.doc_count() and seen[-1] == len(DOCS)
    assert (
        1 <= len(parallel.view().searcher.reader().leaf_readers()) <= 2
    )  # a segment per busy writer, unmerged
    assert parallel.check({d["doc_id"]: version_of(d) for d in DOCS}) == ([], [], [])
    for q in ("塔吊", "桩", '"基坑开挖"', "单位:中建八局", "深基坑 NOT 降水"):
        one, two = find(single, q, per_page=50), find(parallel, q, per_page=50)
        assert ids(one) == ids(two) and one.facets == two.facets, q
    assert parallel.upsert([doc("plan:999", "新增的爬架方案")]).ok and find(parallel, "爬架").total


def test_a_failed_rebuild_leaves_the_live_index_alone(index):
    index.upsert([doc("plan:1", "深基坑")])

    def broken():
        yield doc("plan:2", "塔吊")
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        index.rebuild(broken())
    assert find(index, "深基坑").total == 1 and len(list(index.directory.glob("gen-*"))) == 1


def test_check_reports_missing_stale_and_extra(index):
    docs = [doc("plan:1", "深基坑"), doc("plan:2", "塔吊"), doc("plan:3", "爬架")]
    index.upsert(docs)
    changed = doc("plan:2", "塔吊安装")
    expected = {"plan:1": version_of(docs[0]), "plan:2": version_of(changed), "plan:4": "x"}
    assert index.check(expected) == (["plan:4"], ["plan:2"], ["plan:3"])
    index.upsert([changed])
    assert index.check(expected).stale == []


def test_an_index_of_an_older_schema_asks_for_a_rebuild(tmp_path):
    (tmp_path / "gen-old").mkdir()
    whoosh_index.create_in(str(tmp_path / "gen-old"), Schema(doc_id=ID(stored=True, unique=True)))
    (tmp_path / "CURRENT").write_text("gen-old")
    index = SearchIndex(tmp_path)
    assert not index.health().ok and "重建" in index.health().detail
    assert not index.upsert([doc("plan:1", "深基坑")]).ok and "重建" in find(index, "深基坑").message
    assert index.rebuild([doc("plan:1", "深基坑")]).ok and index.health().ok
    assert find(index, "深基坑").total == 1


def test_health_reports_documents_and_failures(index, tmp_path):
    index.upsert([doc("plan:1", "深基坑")])
    health = index.health()
    assert health.ok and health.documents == 1
    blocker = tmp_path / "file"
    blocker.write_text("x")
    broken = SearchIndex(blocker / "index").health()
    assert not broken.ok and broken.detail


# ---- recall


def test_recall_at_ten_on_the_labelled_set(corpus, capsys):
    found = {q: [h.doc_id for h in find(corpus, q, per_page=10).hits] for q in QUERIES}
    recall = recall_at(found)
    with capsys.disabled():
        print(
            f"\nsearch recall@10 on {len(QUERIES)} labelled queries over {len(DOCS)} documents: {recall:.3f}"
        )
    assert recall >= 0.9


# ---- the set-based query engine (search_index.postings) against Whoosh's own matchers

ENGINE_QUERIES = ["深基坑", "塔吊", "桩", "QTZ80 塔吊", '"基坑开挖"', "单位:中建八局", "深基坑 NOT 降水", "塔吊 OR 爬架",
                  "结论:不通过", "类别:基坑", "城市:南京 盾构", "-深基坑", "(高支模 OR 脚手架) 南京", "监测 报警值"]  # fmt: skip


@pytest.mark.parametrize("q", ENGINE_QUERIES)
def test_set_operations_find_what_whoosh_finds(corpus, q):
    view = corpus.view()
    parsed = parse_query(q)
    assert view.matches(parsed.query, SearchRequest(allowed=ALL, q=q)) == set(
        view.searcher.docs_for_query(parsed.query)
    )


def test_the_ranking_is_whooshs_bm25f(corpus):
    view = corpus.view()
    for q in ("深基坑", "塔吊 安装", "监测", "脚手架 连墙件"):
        parsed = parse_query(q)
        found = view.matches(parsed.query, SearchRequest(allowed=ALL, q=q))
        ours = view.rank(parsed.query, found, 10)
        theirs = view.searcher.search(parsed.query, filter=found, limit=10)
        assert [n for n, _ in ours] == [r.docnum for r in theirs], q
        assert [round(s, 6) for _, s in ours] == [round(r.score, 6) for r in theirs], q


def test_a_large_result_is_ranked_among_the_champions_of_its_words(corpus, monkeypatch):
    view = corpus.view()
    parsed = parse_query("深基坑")
    found = view.matches(parsed.query, SearchRequest(allowed=ALL, q="深基坑"))
    exact = view.rank(parsed.query, found, 3)
    monkeypatch.setattr(view_module, "EXACT_MAX", 0)
    monkeypatch.setattr(postings, "CHAMPIONS", 3)
    fresh = SearchIndex(corpus.directory).view()  # no champions computed yet
    assert fresh.rank(parsed.query, found, 3)[0] == exact[0]  # the best document is a champion
    assert len(fresh.rank(parsed.query, found, 50)) == len(found)  # too few champions: every one is scored


def test_facets_counted_per_document_and_per_value_agree(corpus, monkeypatch):
    view = corpus.view()
    for q in ("", "深基坑", "方案", "塔吊 OR 爬架"):
        found = view.matches(parse_query(q).query, SearchRequest(allowed=ALL, q=q))
        brute = {
            name: sorted(((int(v) if name in ("year", "enterprise") else v, len(found & view.docs(field, v)))
                          for v, _, _ in view.facet_values(field) if found & view.docs(field, v)),
                         key=lambda c: (-c[1], str(c[0])))[: view_module.FACET_LIMIT]
            for name, field in view_module.FACETS.items()
        }  # fmt: skip
        monkeypatch.setattr(view_module, "FORWARD_MIN_VALUES", 0)
        monkeypatch.setattr(view_module, "FORWARD_MAX_SHARE", 1.0)
        per_document = view.facets(found)
        monkeypatch.setattr(view_module, "FORWARD_MAX_SHARE", -1.0)
        per_value = view.facets(found)
        assert per_document == per_value, q
        assert {k: sorted(v, key=lambda c: (-c[1], str(c[0]))) for k, v in per_value.items()} == brute, q


def test_updates_leave_deleted_documents_out_across_segments(index):
    index.upsert([doc(f"plan:{n}", "深基坑", city="nanjing", enterprise_ids=[1]) for n in range(5)])
    index.upsert(
        [doc("plan:1", "塔吊", city="suzhou", enterprise_ids=[2]), doc("plan:9", "深基坑", city="wuxi")]
    )
    index.delete(["plan:2"])
    view = index.view()
    assert len(view.segments) >= 2 and view.deleted
    result = find(index, "深基坑", per_page=50)
    assert ids(result) == {"plan:0", "plan:3", "plan:4", "plan:9"}
    assert dict(result.facets["city"]) == {"nanjing": 3, "wuxi": 1}
    assert (
        find(index, "", per_page=50).total == 5
        and find(index, "", allowed=Allowed(cities={"nanjing"})).total == 3
    )
    assert ids(find(index, "塔吊")) == {"plan:1"}


def test_postings_read_by_blocks_equal_whooshs_matcher(corpus):
    view = corpus.view()
    for segment in view.segments:
        leaf = segment.leaf
        for fieldname in ("body", "title", "city", "enterprise_ids"):
            for btext in list(leaf.lexicon(fieldname))[:50]:
                ids_, weights = postings.read_postings(leaf, fieldname, btext)
                m = leaf.postings(fieldname, btext)
                expected = list(m.items_as("weight"))
                assert list(zip(ids_, weights, strict=True)) == [(n, pytest.approx(w)) for n, w in expected]
            lengths = postings.read_lengths(leaf, fieldname, leaf.doc_count_all())
            assert list(lengths) == [
                leaf.doc_field_length(n, fieldname, 0) for n in range(leaf.doc_count_all())
            ]
    assert dict(postings.field_postings(view.segments[0].leaf, "city")).keys() == set(
        view.segments[0].leaf.lexicon("city")
    )


def test_the_bulk_writer_writes_what_whooshs_writer_writes(tmp_path, monkeypatch):
    fields = [to_fields(d) for d in DOCS]
    plain = whoosh_index.create_in(str(tmp_path), build_schema(), indexname="PLAIN")
    with plain.writer() as writer:
        for f in fields:
            writer.add_document(**f)
    fast = whoosh_index.create_in(str(tmp_path), build_schema(), indexname="FAST")
    monkeypatch.setattr(
        bulk, "POSTING_BYTES", 10**6
    )  # a run every 1,000 postings: the merge is exercised too
    assert bulk.fill(fast, iter(fields), procs=1, limitmb=10) == len(fields)
    a, b = plain.reader(), fast.reader()
    assert list(a.all_terms()) == list(b.all_terms())
    for fieldname, btext in a.all_terms():
        ia, ib = a.term_info(fieldname, btext), b.term_info(fieldname, btext)
        assert (ia.weight(), ia.doc_frequency(), ia.min_length(), ia.max_length(), ia.max_weight()) == (
            ib.weight(), ib.doc_frequency(), ib.min_length(), ib.max_length(), ib.max_weight()
        )  # fmt: skip
        assert list(a.postings(fieldname, btext).items_as("weight")) == list(
            b.postings(fieldname, btext).items_as("weight")
        )
    assert [a.stored_fields(n) for n in range(len(fields))] == [
        b.stored_fields(n) for n in range(len(fields))
    ]
    assert all(
        a.doc_field_length(n, f) == b.doc_field_length(n, f)
        for n in range(len(fields))
        for f in ("body", "title")
    )
