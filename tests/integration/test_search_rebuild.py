"""Index generations: a rebuild swapped in while searches go on, in one or several writer processes; check and
health."""

from __future__ import annotations

import threading
import time

import pytest
from whoosh import index as whoosh_index
from whoosh.fields import ID, Schema

from search_index import analysis, bulk
from search_index import index as index_module
from search_index.documents import version_of
from search_index.index import SearchIndex
from tests.integration.search_recall import DOCS
from tests.integration.test_search_index import doc, find, ids


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    analysis.warm_up()


# ---- rebuild, check, health


@pytest.mark.whoosh_only  # generations on disk (tests/integration/test_search_pg.py: the table swap)
def test_a_rebuild_swaps_generations_while_a_searcher_is_open(index):
    index.upsert([doc("plan:1", "深基坑")])
    old_view = index.view()
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


@pytest.mark.whoosh_only  # generations on disk (tests/integration/test_search_pg.py: the table swap)
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
