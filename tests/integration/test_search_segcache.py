"""The segmentation cache of rebuilds (issue 19): what it gives back is what the segmenter makes, a second rebuild
reads it instead of segmenting and writes the same index, a changed analysis misses, the file stays bounded,
and a broken file only costs the time."""

from __future__ import annotations

import pytest
from whoosh import index as whoosh_index

from search_index import analysis, bulk, segcache
from search_index import index as index_module
from search_index.documents import to_fields
from search_index.index import SearchIndex
from search_index.schema import build_schema
from search_index.segcache import SegCache
from tests.integration.search_recall import DOCS
from tests.integration.test_search_index import find, ids

TEXTS = [to_fields(d)[name] for d in DOCS for name in bulk.CACHED_FIELDS if to_fields(d).get(name)]


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    analysis.warm_up()


def test_the_cache_gives_back_the_segmenters_words(tmp_path):
    first = SegCache(tmp_path / "c.sqlite")
    assert first.words_of(TEXTS) == {t: analysis.word_list(t) for t in TEXTS}
    assert first.misses == len(set(TEXTS)) and first.hits == 0
    second = SegCache(tmp_path / "c.sqlite")  # another process's connection
    assert second.words_of(TEXTS) == {t: analysis.word_list(t) for t in TEXTS}
    assert second.hits == len(set(TEXTS)) and second.misses == 0


def test_words_never_cross_a_line_break_so_the_pairs_text_is_the_join():
    for d in DOCS:
        fields = to_fields(d)
        parts = [fields.get(name, "") for name in bulk.CACHED_FIELDS]
        assert fields["pairs"] == "\n".join(parts)
        assert analysis.word_list(fields["pairs"]) == [w for p in parts for w in analysis.word_list(p)]


def _postings(ix: whoosh_index.Index) -> list[tuple[str, bytes, list[tuple[int, float]]]]:
    reader = ix.reader()
    return [(f, t, list(reader.postings(f, t).items_as("weight"))) for f, t in reader.all_terms()]


def test_a_rebuild_from_the_cache_writes_what_segmenting_writes(tmp_path, monkeypatch):
    fields = [to_fields(d) for d in DOCS]
    plain = whoosh_index.create_in(str(tmp_path), build_schema(), indexname="PLAIN")
    bulk.fill(plain, iter(fields), procs=1, limitmb=10)
    cache = tmp_path / "cache.sqlite"
    for name in ("COLD", "WARM"):
        built = whoosh_index.create_in(str(tmp_path), build_schema(), indexname=name)
        bulk.fill(built, iter(fields), procs=1, limitmb=10, cache_path=cache)
        assert _postings(built) == _postings(plain), name
    probe = SegCache(cache)
    probe.words_of(TEXTS)
    assert probe.misses == 0  # the second build read every text from the file

    monkeypatch.setattr(index_module, "PARALLEL_MIN_DOCS", 1)
    monkeypatch.setattr(bulk, "JOB_BATCH", 4)
    index = SearchIndex(tmp_path / "parallel", build_procs=2)
    assert index.rebuild(iter(DOCS), len(DOCS)).ok and index.rebuild(iter(DOCS), len(DOCS)).ok
    assert (tmp_path / "parallel" / segcache.FILENAME).exists()
    single = SearchIndex(tmp_path / "single", build_procs=1)
    assert single.rebuild(DOCS, len(DOCS)).ok
    for q in ("塔吊", "桩", '"基坑开挖"', "深基坑 NOT 降水"):
        assert ids(find(index, q, per_page=50)) == ids(find(single, q, per_page=50)), q


def test_another_analysis_misses_and_its_entries_go(tmp_path, monkeypatch):
    path = tmp_path / "c.sqlite"
    SegCache(path).words_of(TEXTS)
    monkeypatch.setattr(analysis, "ANALYSIS_VERSION", analysis.ANALYSIS_VERSION + "-next")
    segcache.fingerprint.cache_clear()
    try:
        changed = SegCache(path)
        changed.words_of(TEXTS[:5])
        assert changed.hits == 0
        changed.prune()
        count = changed._con.execute("SELECT count(*) FROM words").fetchone()[0]  # type: ignore[union-attr]
        assert count == len(set(TEXTS[:5]))
    finally:
        monkeypatch.undo()
        segcache.fingerprint.cache_clear()


def test_the_file_is_bounded_least_recently_used_first(tmp_path, monkeypatch):
    path = tmp_path / "c.sqlite"
    clock = iter(range(1, 1000))
    monkeypatch.setattr(segcache.time, "time", lambda: float(next(clock)))
    old, recent = TEXTS[: len(TEXTS) // 2], TEXTS[len(TEXTS) // 2 :]
    cache = SegCache(path)
    cache.words_of(old)
    cache.words_of(recent)
    con = cache._con
    assert con is not None
    recent_size = con.execute("SELECT sum(size) FROM words WHERE used = 2").fetchone()[0]
    cache.max_bytes = recent_size
    cache.prune()
    assert con.execute("SELECT DISTINCT used FROM words").fetchall() == [(2.0,)]


def test_a_broken_file_costs_only_time(tmp_path):
    path = tmp_path / "c.sqlite"
    path.write_bytes(b"not a database" * 100)
    cache = SegCache(path)
    assert cache.words_of(TEXTS[:3]) == {t: analysis.word_list(t) for t in TEXTS[:3]}
    built = whoosh_index.create_in(str(tmp_path), build_schema())
    assert bulk.fill(built, (to_fields(d) for d in DOCS), procs=1, limitmb=10, cache_path=path) == len(DOCS)
