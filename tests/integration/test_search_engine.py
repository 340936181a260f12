"""The set-based query engine (search_index.postings, view) and the bulk writer against Whoosh's own matchers,
scorer and writer, on the labelled corpus (for 2,000 documents, see test_search_fastpath_equivalence)."""

from __future__ import annotations

import pytest
from whoosh import index as whoosh_index

from search_index import analysis, bulk, facet_counts, postings
from search_index import view as view_module
from search_index.documents import to_fields
from search_index.index import SearchIndex
from search_index.query import Allowed, SearchRequest, parse_query
from search_index.schema import build_schema
from search_index.whoosh_private import writing
from tests.integration.search_recall import DOCS
from tests.integration.test_search_index import ALL, doc, find, ids

pytestmark = pytest.mark.whoosh_only  # the Whoosh index's set operations, postings and champions


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    analysis.warm_up()


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
        monkeypatch.setattr(facet_counts, "FORWARD_MIN_VALUES", 0)
        monkeypatch.setattr(facet_counts, "FORWARD_MAX_SHARE", 1.0)
        per_document = view.facets(found)
        monkeypatch.setattr(facet_counts, "FORWARD_MAX_SHARE", -1.0)
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
        writing, "POSTING_BYTES", 10**6
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
