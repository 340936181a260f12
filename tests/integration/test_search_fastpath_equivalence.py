"""The fast path against Whoosh's own, on 2,000 documents: the set-based engine against Whoosh's matcher, BM25F
scorer and grouping, the bulk writer against Whoosh's writer, the private reads taken (never a silent fallback),
and the public path that another whoosh-reloaded version gets finding and ranking the same.

The words are drawn by a Zipf law, so the commonest run over more than 500 documents (several 128-posting
blocks), the rarest over a few, and a document repeats a sentence a varying number of times (its frequencies).
Both indexes then take the same upserts and deletions, the way outbox writes come: two segments, deletions in
the one the bulk writer wrote.
"""

from __future__ import annotations

import logging
import random
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from whoosh import index as whoosh_index
from whoosh import query as wq

from search_index import analysis, whoosh_private
from search_index import index as index_module
from search_index.documents import to_fields
from search_index.index import BUILD_LIMIT_MB, SearchIndex
from search_index.query import Allowed, Filters, SearchRequest, parse_query
from search_index.ranking import Weighting
from search_index.schema import build_schema
from search_index.view import View
from search_index.whoosh_private import writing
from tests.integration.search_recall import CATEGORY_NAMES, CITY_NAMES

N_DOCS = 2000
BLOCK = 128
# First the words the queries ask for, then the domain dictionary: the earlier a word, the more documents.
HEAD = ("监测", "施工", "脚手架", "混凝土", "验算", "安装", "检查", "钢支撑", "塔吊", "深基坑", "立杆", "间距", "降水",
        "开挖", "连墙件", "剪刀撑", "荷载", "验收", "高支模", "爬架")  # fmt: skip
WORDS = tuple(dict.fromkeys([*HEAD, *(analysis.normalize(t) for t in analysis.DOMAIN_TERMS)]))
UNITS = (
    "中建八局第三建设有限公司",
    "中铁十四局集团有限公司",
    "江苏省苏中建设集团股份有限公司",
    "南通四建集团有限公司",
)
RANKED = ["监测", "脚手架", "混凝土 验算", "钢支撑 监测", "塔吊 OR 爬架", '"监测 施工"', "标题:脚手架", "桩",
          "单位:中铁十四局", "深基坑 降水 开挖", "类别:基坑", "高支模 剪刀撑", "悬挑脚手架"]  # fmt: skip
UNRANKED = ["深基坑 NOT 降水", "-监测", "(高支模 OR 脚手架) NOT 荷载", "结论:不通过", "年份:2023 监测"]
GRANT = Allowed(cities=frozenset({"suzhou", "wuxi"}), enterprise_ids=frozenset({3}))
GRANT_FILTER = wq.Or([wq.Term("city", "suzhou"), wq.Term("city", "wuxi"), wq.Term("enterprise_ids", "3")])
FACETS = ("city", "category", "kind", "year")


def documents(count: int = N_DOCS, seed: int = 16) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    weights = [1 / (i + 1) for i in range(len(WORDS))]
    sentences = ["，".join(rng.choices(WORDS, weights, k=rng.randint(3, 8))) + "。" for _ in range(300)]
    docs = []
    for n in range(count):
        kind, category = ("plan", "review", "work")[n % 3], rng.choice(tuple(CATEGORY_NAMES))
        doc: dict[str, Any] = {
            "doc_id": f"{kind}:{n}",
            "kind": kind,
            "title": "".join(rng.choices(WORDS, weights, k=rng.randint(1, 3))) + "专项施工方案",
            "url": f"/{kind}/{n}",
            "city": rng.choice(tuple(CITY_NAMES)),
            "category": category,
            "category_name": CATEGORY_NAMES[category],
            "year": 2020 + n % 6,
            "date": f"{2020 + n % 6}-{1 + n % 12:02d}-{1 + n % 28:02d}",
            "enterprise_ids": rng.sample(range(1, 40), rng.randint(1, 3)),
            "units": [rng.choice(UNITS)],
            "body": "".join(rng.choices(sentences, k=1 + int(rng.expovariate(1 / 4)))),
        }
        if kind == "review":
            doc["conclusion"] = rng.choice(("pass", "pass_after_revision", "fail"))
        docs.append(doc)
    return docs


@dataclass
class Built:
    docs: list[dict[str, Any]]
    fast: SearchIndex  # written by the bulk writer, then updated
    stock: whoosh_index.Index  # written and updated by Whoosh's own writer
    fresh_fast: whoosh_index.Index  # copies taken before the updates
    fresh_stock: whoosh_index.Index
    rebuild_paths: dict[str, dict[str, int]]


def _stock_write(ix: whoosh_index.Index, apply: Any) -> None:
    writer = ix.writer()
    apply(writer)
    writer.commit()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    analysis.warm_up()
    root = tmp_path_factory.mktemp("fastpath")
    docs = documents()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(whoosh_private.fast_path, "strict", True)
        # a run every 10,000 postings, so the bulk pool's sorted runs are merged too
        patch.setattr(writing, "POSTING_BYTES", BUILD_LIMIT_MB * 2**20 // 10_000)
        whoosh_private.fast_path.reset()
        fast = SearchIndex(root / "fast", build_procs=1)
        assert fast.rebuild(docs, len(docs)).ok
        paths = whoosh_private.fast_path.counts()
    (root / "stock").mkdir()
    stock = whoosh_index.create_in(str(root / "stock"), build_schema())
    _stock_write(stock, lambda w: [w.add_document(**to_fields(d)) for d in docs])
    generation = fast.view().generation
    shutil.copytree(fast.directory / generation, root / "fresh_fast")
    shutil.copytree(root / "stock", root / "fresh_stock")
    changed = [{**d, "body": d["body"] + "补充监测点。", "city": "nanjing"} for d in docs[100:160]]
    added = documents(2030, seed=17)[2000:]
    gone = [d["doc_id"] for d in docs[500:530]] + [d["doc_id"] for d in changed[:5]]
    assert fast.upsert(changed + added).ok and fast.delete(gone).ok
    _stock_write(stock, lambda w: [w.update_document(**to_fields(d)) for d in changed + added])
    _stock_write(stock, lambda w: [w.delete_by_term("doc_id", i) for i in gone])
    fresh_fast, fresh_stock = (whoosh_index.open_dir(str(root / n)) for n in ("fresh_fast", "fresh_stock"))
    return Built(docs, fast, whoosh_index.open_dir(str(root / "stock")), fresh_fast, fresh_stock, paths)


def doc_ids(searcher: Any, docnums: Any) -> list[str]:
    return [searcher.stored_fields(n)["doc_id"] for n in docnums]


def test_the_corpus_crosses_posting_blocks(built):
    reader = built.fresh_stock.reader()
    frequencies = [reader.doc_frequency("body", w) for w in WORDS]
    assert sum(f > 4 * BLOCK for f in frequencies) >= 10  # past four blocks
    assert (
        sum(BLOCK < f <= 4 * BLOCK for f in frequencies) >= 10
        and sum(0 < f <= BLOCK for f in frequencies) >= 10
    )
    assert len({info.max_weight() for _, info in reader.iter_field("body")}) > 5  # frequencies vary
    view = built.fast.view()
    assert len(view.segments) == 2 and min(view.deleted) < N_DOCS  # the bulk writer's segment has deletions
    assert len({round(s, 6) for _, s in ranking(view, "监测", 30)}) > 10  # rankings worth comparing


@pytest.mark.parametrize("q", RANKED + UNRANKED)
def test_the_set_engine_finds_what_whooshs_searcher_finds(built, q):
    view, parsed = built.fast.view(), parse_query(q)
    with built.stock.searcher() as stock:
        expected = set(doc_ids(stock, stock.docs_for_query(parsed.query)))
        assert (
            set(doc_ids(view.searcher, view.matches(parsed.query, SearchRequest(allowed="all", q=q))))
            == expected
        )
        allowed = SearchRequest(allowed=GRANT, q=q, filters=Filters(year=2023))
        narrowed = stock.search(
            parsed.query, filter=wq.And([GRANT_FILTER, wq.Term("year", "2023")]), limit=None
        )
        assert set(doc_ids(view.searcher, view.matches(parsed.query, allowed))) == set(
            doc_ids(stock, narrowed.docs())
        )


def ranking(view: View, q: str, count: int) -> list[tuple[str, float]]:
    parsed = parse_query(q)
    found = view.matches(parsed.query, SearchRequest(allowed="all", q=q))
    return [
        (view.searcher.stored_fields(n)["doc_id"], score)
        for n, score in view.rank(parsed.query, found, count)
    ]


def whoosh_ranking(ix: whoosh_index.Index, q: str, count: int) -> list[tuple[str, float]]:
    """Whoosh's BM25F (with the IDF floor of ``ranking.Weighting``), the ``count`` best of every match: asked
    for its top ``count`` only, Whoosh 2.7.5 drops good documents of an OR of more than two terms on an index under 5,000 documents (its
    preloaded union, ``query.compound.PreloadedOr``), so its full ranking is the reference."""
    with ix.searcher(weighting=Weighting()) as stock:
        hits = stock.search(parse_query(q).query, limit=None)
        return [(hit["doc_id"], hit.score) for hit in hits[:count]]


def assert_same_ranking(ours: list[tuple[str, float]], theirs: list[tuple[str, float]]) -> None:
    assert [d for d, _ in ours] == [d for d, _ in theirs]
    assert [s for _, s in ours] == pytest.approx([s for _, s in theirs], rel=1e-6)


@pytest.mark.parametrize("q", RANKED)
def test_the_ranking_and_scores_are_whooshs_bm25f(built, q):
    ours = ranking(built.fast.view(), q, 30)
    assert len(ours) == 30
    assert_same_ranking(ours, whoosh_ranking(built.stock, q, 30))


@pytest.mark.parametrize("q", ["", "监测", "塔吊 OR 爬架", "深基坑 NOT 降水"])
def test_facets_count_what_whooshs_grouping_counts(built, q):
    parsed = parse_query(q)
    result = built.fast.search(SearchRequest(allowed=GRANT, q=q))
    with built.stock.searcher() as stock:
        grouped = stock.search(parsed.query, filter=GRANT_FILTER, groupedby=list(FACETS), limit=None)
        assert result.total == len(grouped)
        for name in FACETS:
            counts = {int(v) if name == "year" else v: len(ns) for v, ns in grouped.groups(name).items()}
            assert dict(result.facets[name]) == counts, name


def test_the_bulk_writer_writes_what_whooshs_writer_writes(built):
    a, b = built.fresh_stock.reader(), built.fresh_fast.reader()
    assert a.doc_count() == b.doc_count() == a.doc_count_all() == b.doc_count_all() == N_DOCS
    terms = list(a.all_terms())
    assert terms == list(b.all_terms()) and len(terms) > 10_000
    for fieldname, btext in terms:
        ia, ib = a.term_info(fieldname, btext), b.term_info(fieldname, btext)
        assert (ia.weight(), ia.doc_frequency(), ia.min_length(), ia.max_length(), ia.max_weight(), ia.min_id(),
                ia.max_id()) == (ib.weight(), ib.doc_frequency(), ib.min_length(), ib.max_length(), ib.max_weight(),
                                 ib.min_id(), ib.max_id()), (fieldname, btext)  # fmt: skip
    for fieldname, btext in terms[::7]:  # every field's postings with their values (positions, frequencies)
        assert list(a.postings(fieldname, btext).all_items()) == list(
            b.postings(fieldname, btext).all_items()
        )
    for word in WORDS[:40]:  # the long posting lists, block by block
        btext = word.encode()
        assert list(a.postings("body", btext).items_as("weight")) == list(
            b.postings("body", btext).items_as("weight")
        )
    assert [a.stored_fields(n) for n in range(N_DOCS)] == [b.stored_fields(n) for n in range(N_DOCS)]
    for fieldname in ("title", "units", "body", "pairs", "place", "category_name"):
        assert a.field_length(fieldname) == b.field_length(fieldname), fieldname
        assert [a.doc_field_length(n, fieldname) for n in range(N_DOCS)] == [
            b.doc_field_length(n, fieldname) for n in range(N_DOCS)
        ]


@pytest.mark.parametrize("q", ["监测", "钢支撑 监测", '"监测 施工"', "桩"])
def test_whooshs_searcher_finds_and_ranks_the_same_in_both_writers_indexes(built, q):
    assert_same_ranking(whoosh_ranking(built.fresh_fast, q, 50), whoosh_ranking(built.fresh_stock, q, 50))


def test_the_fast_path_wrote_the_index_and_serves_every_read(built, monkeypatch):
    assert built.rebuild_paths == {"fast": {"writer": 1}, "public": {}}
    monkeypatch.setattr(whoosh_private.fast_path, "strict", True)  # a fallback would raise
    whoosh_private.fast_path.reset()
    fresh = SearchIndex(built.fast.directory)  # nothing read yet
    for q in RANKED + UNRANKED:
        fresh.search(SearchRequest(allowed=GRANT, q=q))
    fresh.more_like_this(built.docs[0]["doc_id"], allowed="all")
    paths = whoosh_private.fast_path.counts()
    assert paths["public"] == {}
    assert (
        paths["fast"]["postings"] > 2 * len(RANKED)
        and paths["fast"]["lengths"] >= 2
        and paths["fast"]["field"]
    )
    assert fresh.view().searcher.reader().leaf_readers()[0][0].has_deletions()  # not read by Whoosh's filter


def test_another_whoosh_version_takes_the_public_path_says_so_and_finds_the_same(built, monkeypatch, caplog):
    fast = SearchIndex(built.fast.directory)
    expected = {q: ranking(fast.view(), q, 20) for q in RANKED}
    expected_pages = {q: fast.search(SearchRequest(allowed=GRANT, q=q)) for q in RANKED + UNRANKED}
    monkeypatch.setattr(whoosh_private, "installed_version", lambda: "2.7.6")
    monkeypatch.setattr(whoosh_private, "fast_path", whoosh_private.FastPath())
    with caplog.at_level(logging.WARNING, logger="search_index.whoosh_private"):
        public = SearchIndex(built.fast.directory)
    [warning] = [r.getMessage() for r in caplog.records if r.name == "search_index.whoosh_private"]
    assert (
        "whoosh-reloaded 2.7.6 is installed" in warning
        and "verified only on whoosh-reloaded 2.7.5" in warning
    )
    for q in RANKED:
        assert_same_ranking(ranking(public.view(), q, 20), expected[q])
    for q in RANKED + UNRANKED:
        page = public.search(SearchRequest(allowed=GRANT, q=q))
        assert (page.total, page.facets, [h.doc_id for h in page.hits]) == (
            expected_pages[q].total, expected_pages[q].facets, [h.doc_id for h in expected_pages[q].hits]
        ), q  # fmt: skip
    paths = whoosh_private.fast_path.counts()
    assert paths["fast"] == {} and paths["public"]["postings"] and paths["public"]["lengths"]


def test_another_whoosh_version_rebuilds_with_whooshs_own_writer(built, monkeypatch, tmp_path: Path):
    monkeypatch.setattr(whoosh_private, "installed_version", lambda: "2.7.6")
    monkeypatch.setattr(whoosh_private, "fast_path", whoosh_private.FastPath())
    monkeypatch.setattr(index_module, "PARALLEL_MIN_DOCS", 1)  # would be written by two processes
    count = 400
    public = SearchIndex(tmp_path, build_procs=2)
    assert public.rebuild(built.docs[:count], count).ok and public.doc_count() == count
    assert whoosh_private.fast_path.counts() == {"fast": {}, "public": {"writer": 1}}
    assert len(public.view().segments) == 1
    with built.fresh_stock.searcher() as stock:
        assert [stock.stored_fields(n) for n in range(count)] == [
            public.view().searcher.stored_fields(n) for n in range(count)
        ]
