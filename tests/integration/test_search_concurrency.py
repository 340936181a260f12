"""Searches never fail while the warm-up reads the same segments (threads of one process) or while another process
commits (issue 18, item 12): each answer comes whole from one state of the index."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from search_index import analysis
from search_index.index import SearchIndex
from search_index.query import Allowed, Filters, Hit, SearchRequest
from search_index.view import View
from tests.integration.search_recall import DOCS

ROOT = Path(__file__).resolve().parents[2]
QUERIES = ("基坑 支护", "脚手架", "塔吊 安装", "模板 支撑", "方案", "")
WRITES = 30  # by the writer process, one every 50 ms or so
UNITS = 400  # enterprises: a facet of many values, read term by term, as the warm-up reads it
WRITER = """
import sys, time
sys.path.insert(0, sys.argv[1])
from search_index.index import SearchIndex
from tests.integration.test_search_concurrency import numbered
index = SearchIndex(sys.argv[2], lock_timeout=5.0)
for n in range(int(sys.argv[3])):
    assert index.upsert([numbered(10_000 + n)]).ok
    time.sleep(0.05)
print(n + 1, flush=True)
"""


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    analysis.warm_up()


@pytest.fixture
def fast_switching() -> Iterator[None]:
    """Threads switch every 10 µs instead of 5 ms: the interleavings a loaded web process sees, in seconds."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(interval)


def numbered(n: int) -> dict[str, Any]:
    """Document ``n``: one of the labelled corpus's texts under a new id, of one of ``UNITS`` enterprises."""
    base = DOCS[n % len(DOCS)]
    kind = base["doc_id"].split(":")[0]
    return base | {"doc_id": f"{kind}:{n}", "url": f"/{kind}s/{n}", "title": f"{base['title']} {n}",
                   "enterprise_ids": [n % UNITS + 1, (n * 7) % UNITS + 1]}  # fmt: skip


def requests(round_: int) -> list[SearchRequest]:
    grant = Allowed(enterprise_ids=frozenset(range(1, UNITS, 3)), cities=frozenset({"suzhou"}))
    return [
        SearchRequest(allowed="all", q=QUERIES[round_ % len(QUERIES)], page=1 + round_ % 2),
        SearchRequest(allowed=grant, q=QUERIES[(round_ + 1) % len(QUERIES)], sort="date"),
        SearchRequest(allowed="all", q="基坑", filters=Filters(enterprise=round_ % UNITS + 1)),
    ]


def searched(index: SearchIndex, round_: int) -> None:
    """One round of searches with facets and highlights, and a more-like-this; each answer checked whole."""
    for request in requests(round_):
        result = index.search(request)
        assert not result.message or result.used_fallback or not request.q, result.message
        assert set(result.facets) >= {"city", "enterprise"}
        for hit in result.hits:
            assert hit.doc_id and hit.title and hit.url, hit
    similar = index.more_like_this(f"plan:{round_ % 200}", allowed="all", same_category=False)
    assert all(h.title for h in similar)


def run_threads(targets: list[Callable[[], None]]) -> list[BaseException]:
    errors: list[BaseException] = []

    def guarded(target: Callable[[], None]) -> None:
        try:
            target()
        except BaseException as exc:  # noqa: BLE001 - every failure of a thread is the test's
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return errors


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """600 documents by a rebuild (a segment of plain files) and 40 by outbox-style upserts (small segments)."""
    directory = tmp_path_factory.mktemp("concurrency")
    index = SearchIndex(directory)
    assert index.rebuild(numbered(n) for n in range(600)).ok
    for n in range(600, 640, 10):
        assert index.upsert([numbered(k) for k in range(n, n + 10)]).ok
    return directory


def test_searches_and_the_warm_up_read_the_same_segments_in_threads(
    built: Path, fast_switching: None
) -> None:
    """Fresh process state each round (a new index object, nothing read yet): the warm-up thread and four
    request threads read the same segments' files at once."""
    deadline = time.monotonic() + 12
    rounds = 0
    while time.monotonic() < deadline and rounds < 25:
        index = SearchIndex(built)
        targets = [index.warm] + [partial(searched, index, rounds + k) for k in range(4)]
        errors = run_threads(targets)
        assert not errors, [f"{type(e).__name__}: {e}" for e in errors]
        rounds += 1
    assert rounds >= 3


def test_searches_while_another_process_commits(tmp_path: Path) -> None:
    """A writer process upserts a new document every 50 ms (merging small segments, deleting their files) while
    two request threads of this process search, each reopening on the newest state as the app does: no search
    fails, and on insert-only traffic no count seen by a thread ever goes down."""
    directory = tmp_path / "index"
    index = SearchIndex(directory)
    assert index.rebuild(numbered(n) for n in range(40)).ok  # small: a merge soon takes its files away
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(ROOT), str(directory), str(WRITES)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    failures: list[str] = []
    searches: list[int] = []

    def search_until_done(first: int) -> None:
        last: dict[str, int] = {}
        done = first
        while writer.poll() is None:
            for request in requests(done):
                key = f"{request.q}|{request.allowed}|{request.filters}|{request.sort}"
                try:
                    result = index.search(request)
                    for hit in result.hits:
                        assert hit.title and hit.url, hit
                except Exception as exc:  # noqa: BLE001 - counted, then reported all at once
                    failures.append(f"{type(exc).__name__}: {exc}")
                    continue
                assert result.total >= last.get(key, 0), (key, result.total, last.get(key))
                last[key] = result.total
            done += 1
        searches.append(done - first)

    try:
        errors = run_threads([partial(search_until_done, 0), partial(search_until_done, 1)])
    finally:
        out, err = writer.communicate(timeout=30)
    assert writer.returncode == 0, err
    assert not errors, [f"{type(e).__name__}: {e}" for e in errors]
    assert not failures, f"{len(failures)} searches failed: {sorted(set(failures))[:5]}"
    assert int(out.split()[-1]) == WRITES
    assert index.doc_count() == 40 + WRITES
    assert min(searches) >= 10, searches


def test_a_search_answers_whole_when_another_process_deletes_its_files_midway(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process's commits merge the rebuilt segment away (deleting its files) between the opening of this
    process's searcher and its first stored-fields read: the answer still comes, whole, from one state."""
    directory = tmp_path / "index"
    index, other = SearchIndex(directory), SearchIndex(directory)  # ``other``: another process's writer
    assert index.rebuild(numbered(n) for n in range(40)).ok  # one segment of plain files
    assert other.upsert([numbered(40)]).ok
    [rebuilt, _] = sorted(index.view().segments, key=lambda s: -s.count)
    rebuilt_id = rebuilt.leaf.segment().segment_id()
    assert other.upsert([numbered(41)]).ok  # the next search opens a new searcher
    files = directory / index.view().generation
    hit = View.hit
    commits: list[int] = []

    def hit_after_commits(self: View, docnum: int, score: float | None, terms: tuple[str, ...]) -> Hit:
        while not commits or any(p.name.startswith(rebuilt_id) for p in files.iterdir()):
            assert len(commits) < 10, "no merge took the rebuilt segment's files away"
            commits.append(42 + len(commits))
            assert other.upsert([numbered(commits[-1])]).ok
        return hit(self, docnum, score, terms)

    request = SearchRequest(allowed="all", q="基坑")
    before = SearchIndex(directory).search(request)  # another index object: ``index`` opens nothing yet
    monkeypatch.setattr(View, "hit", hit_after_commits)
    result = index.search(request)
    monkeypatch.setattr(View, "hit", hit)
    assert commits and not any(p.name.startswith(rebuilt_id) for p in files.iterdir())
    after = SearchIndex(directory).search(request)
    assert [h.doc_id for h in result.hits] in (
        [h.doc_id for h in before.hits],
        [h.doc_id for h in after.hits],
    )
    assert (result.total, result.facets) in ((before.total, before.facets), (after.total, after.facets))
    assert result.hits and all(h.title and h.url for h in result.hits)


def test_a_read_failing_on_files_a_commit_took_away_runs_again_whole_on_the_new_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = tmp_path / "index"
    index, other = SearchIndex(directory), SearchIndex(directory)
    assert index.upsert([numbered(n) for n in range(5)]).ok
    search = View.search
    views: list[View] = []

    def vanishing_once(self: View, request: SearchRequest) -> Any:
        views.append(self)
        if len(views) == 1:
            assert other.upsert([numbered(5)]).ok  # the index moves on, and took a file this view needed
            raise FileNotFoundError("a merged segment's file")
        return search(self, request)

    monkeypatch.setattr(View, "search", vanishing_once)
    result = index.search(SearchRequest(allowed="all"))
    assert len(views) == 2 and views[0] is not views[1]
    assert result.total == 6


def test_a_read_failing_on_an_unchanged_index_is_no_vanished_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = SearchIndex(tmp_path / "index")
    assert index.upsert([numbered(n) for n in range(5)]).ok

    def broken(self: View, request: SearchRequest) -> Any:
        raise FileNotFoundError("a disk failure")

    monkeypatch.setattr(View, "search", broken)
    with pytest.raises(FileNotFoundError):
        index.search(SearchRequest(allowed="all"))
