"""Benchmark of full-text search (issue 11) at province scale: Whoosh beside SQLite FTS5 over the same texts.

Run from the repository root: ``.venv/bin/python scripts/bench/search.py [--workdir DIR] [--runs 60]``.

1. Seeds ``flask seed-demo --scale province`` into a SQLite file under a temporary directory (or ``DIR``,
   reused when it already holds a seeded database), and the demo reviews with
   ``expert_pool.demo.reviews.seed_reviews`` when seed-demo did not hold them; it needs at least 20,000 plan
   versions and 20,000 concluded reviews.
2. Rebuilds the Whoosh index exactly as ``flask search reindex`` does (``CATALOGUE.iter_all`` into
   ``SearchIndex.rebuild``), printing progress; reports the time, documents per second and the index size.
3. Indexes the same documents in SQLite FTS5: the text of each field segmented by the same jieba analysis,
   space-joined, with the unicode61 tokenizer; facets in a plain table; the permission filter written as
   ``+rowid IN (SELECT ...)`` so the full-text match drives the query.
4. Measures each query type on one warm searcher (median and p95 of ``--runs`` runs over a few queries of the
   type) beside FTS5, with the ratio.
5. Measures how long a committed change takes to be found: a work registered through the service (outbox row in
   the same transaction), applied by a ``flask search worker`` process (default interval), polled by search.
6. Relevance (issue 19, ``search_ranking.py``): recall@10, MRR and nDCG@10 of the engine beside FTS5 on
   the labelled set of ``tests/search_relevance`` mixed with demo plans.

The rebuild reads the segmentation cache (``search_index.segcache``) a previous rebuild in the same ``--workdir``
left: its target (issue 19: 6 minutes) is for a warm cache, the first rebuild's (cold) is issue 16's 8 minutes.

Prints every figure and exits 1 when a target (issues 11 and 19, p95 on a 2-core machine) is missed.

``--backend whoosh`` or ``--backend postgres`` (issue 24) runs ``search_backends.py`` instead, with that backend
alone: the same query types over the same generated corpus for either, printed so the two runs set side by side.

The data (stage 1) is made by ``search_data.py`` and the FTS5 baseline (stage 3) by ``search_fts.py``, beside
this file.
"""

from __future__ import annotations

import argparse
import os
import resource
import secrets
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402
from search_data import make_app, seed  # noqa: E402
from search_fts import Fts, build_fts, permission_cities  # noqa: E402
from search_ranking import DISTRACTORS, relevance  # noqa: E402
from search_ranking import verdicts as relevance_verdicts  # noqa: E402
from sqlalchemy import select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from expert_pool.reviews.search_docs import CATALOGUE  # noqa: E402
from search_index.analysis import warm_up  # noqa: E402
from search_index.index import SearchIndex  # noqa: E402
from search_index.query import Allowed, SearchRequest, parse_query  # noqa: E402
from search_index.segcache import FILENAME as SEGCACHE_FILE  # noqa: E402
from webapp.extensions import db  # noqa: E402

# Issue 11; issue 19 tightened the full page and the phrase ("the speed targets still hold": 50 and 20 ms).
TARGETS_MS = {"one": 80.0, "phrase": 20.0, "page": 50.0}
PAGE_RATIO = 6.0
VISIBILITY_S = 5.0
REBUILD_S = 6 * 60.0  # issue 19: with the segmentation cache of the previous rebuild
REBUILD_COLD_S = 8 * 60.0  # the first rebuild, segmenting every text
VISIBILITY_ROUNDS = 5

# A few queries per type (cycled over the runs), words common in plans and conclusions of several categories.
ONE_TERM = ["监测", "脚手架", "验算", "应急预案", "混凝土"]
TWO_TERMS = ["钢支撑 监测", "脚手架 连墙件", "基坑 降水", "立杆 剪刀撑", "吊装 钢丝绳"]
PHRASES = ['"严禁 超挖"', '"施工 荷载"', '"立杆 间距"', '"坑底 抗隆起"', '"基坑 开挖"']
# No target in the issue; reported because they are what the segmenter makes hard. FTS5 over segmented words finds
# a character only where it stands as a word of its own, so its counts are far lower for these.
CHARS = ["桩", "撑", "吊"]
MIXED = ["QTZ80 塔吊", "C30 混凝土", "Q235 钢管", "φ48 脚手架"]
FOUR_FACETS = ("city", "category", "conclusion", "year")
FTS_FACETS = ("kind", "city", "category", "verdict", "conclusion", "year")


def stage(label: str) -> None:
    print(f"\n== {label}", flush=True)


# ---- 2. Whoosh rebuild


def rebuild(app: Flask) -> tuple[SearchIndex, dict[str, float]]:
    index = SearchIndex(app.config["SEARCH_INDEX_DIR"])
    warm_up()
    with app.app_context(), Session(db.engine) as session:
        total = CATALOGUE.count_all(session)
        kinds = {kind: source.count(session) for kind, source in CATALOGUE.sources.items()}
        print("documents: " + ", ".join(f"{k} {v:,}" for k, v in kinds.items()) + f"; total {total:,}")
        started, last = time.perf_counter(), [0.0]

        def progress(done: int, of: int | None) -> None:
            now = time.perf_counter() - started
            if now - last[0] >= 15 or done == of:
                last[0] = now
                print(
                    f"    {done:>9,}/{of or 0:,} documents  {now:6.0f} s  {done / max(now, 1e-9):6.0f}/s",
                    flush=True,
                )

        cached = cache_entries(Path(app.config["SEARCH_INDEX_DIR"]) / SEGCACHE_FILE)
        print(f"segmentation cache: {cached:,} texts before the rebuild ({'warm' if cached else 'cold'})")
        load_before, cpu_before = os.getloadavg()[0], cpu_seconds()
        report = index.rebuild(CATALOGUE.iter_all(session), total=total, progress=progress)
        cpu, load_after = cpu_seconds() - cpu_before, os.getloadavg()[0]
    if not report.ok:
        raise SystemExit(f"rebuild failed: {report.detail}")
    size = sum(
        p.stat().st_size for p in (Path(app.config["SEARCH_INDEX_DIR"]) / report.generation).rglob("*")
    )
    figures = {"documents": report.count, "seconds": report.seconds, "size_mb": size / 2**20, "cpu": cpu,
               "warm": float(cached > 0)}  # fmt: skip
    # Other processes on the machine slow a rebuild down; the CPU time it took does not depend on them.
    print(f"rebuild CPU time (this process and the writer processes): {cpu:.0f} s; "
          f"load average {load_before:.1f} before, {load_after:.1f} after", flush=True)  # fmt: skip
    print(f"rebuild: {report.count:,} documents in {report.seconds:.0f} s ({report.seconds / 60:.1f} min), "
          f"{report.count / report.seconds:.0f} documents/s, index {size / 2**20:.0f} MB", flush=True)  # fmt: skip
    return index, figures


def cache_entries(path: Path) -> int:
    if not path.exists():
        return 0
    with sqlite3.connect(path) as con:
        return int(con.execute("SELECT count(*) FROM words").fetchone()[0])


def cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


# ---- 4. queries


def whoosh_query(index: SearchIndex, q: str, *, facets: Sequence[str] = (), highlights: bool = False) -> int:
    """The steps of ``View.search`` one by one: match, rank the top 10, count facets, build highlighted hits."""
    view = index.view()
    parsed = parse_query(q)
    found = view.matches(parsed.query, SearchRequest(allowed="all", q=q, per_page=10))
    page = view.rank(parsed.query, found, 10) if found else []
    if facets:
        view.facets(found, facets)
    if highlights:
        [view.hit(n, score, parsed.terms) for n, score in page]
    return len(found)


def timed(fn: Callable[[str], int], queries: Sequence[str], runs: int) -> tuple[list[float], dict[str, int]]:
    for q in queries:  # warm: caches, dictionary, page cache
        fn(q)
    times, totals = [], {}
    for i in range(runs):
        q = queries[i % len(queries)]
        started = time.perf_counter()
        totals[q] = fn(q)
        times.append((time.perf_counter() - started) * 1000)
    return times, totals


def p95(times: Sequence[float]) -> float:
    return sorted(times)[max(0, round(0.95 * len(times)) - 1)]


def measure(index: SearchIndex, con: sqlite3.Connection, runs: int) -> dict[str, dict[str, float]]:
    cities, share = permission_cities(con)
    print(f"permission filter: cities {', '.join(cities)} = {share:.0%} of the documents")
    grant = Allowed(cities=frozenset(cities))
    fts = Fts(con, cities)

    def page(q: str) -> int:
        return index.search(SearchRequest(allowed=grant, q=q, per_page=10)).total

    rows: list[tuple[str, str, Sequence[str], Callable[[str], int], Callable[[str], int]]] = [
        ("one", "one common term", ONE_TERM, lambda q: whoosh_query(index, q), lambda q: fts.query(q)),
        ("two", "two terms AND", TWO_TERMS, lambda q: whoosh_query(index, q), lambda q: fts.query(q)),
        ("facets", "two terms + four facet counts", TWO_TERMS,
         lambda q: whoosh_query(index, q, facets=FOUR_FACETS), lambda q: fts.query(q, facets=FOUR_FACETS)),
        ("highlights", "+ highlights of the top 10", TWO_TERMS,
         lambda q: whoosh_query(index, q, facets=FOUR_FACETS, highlights=True),
         lambda q: fts.query(q, facets=FOUR_FACETS, snippets=True)),
        ("page", "+ 30% permission filter: the results page*", TWO_TERMS, page,
         lambda q: fts.query(q, facets=(*FTS_FACETS, "enterprise"), snippets=True, allowed=True)),
        ("phrase", "a two-word phrase", PHRASES, lambda q: whoosh_query(index, q), lambda q: fts.query(q)),
        ("char", "one character (no target)", CHARS, lambda q: whoosh_query(index, q), lambda q: fts.query(q)),
        ("mixed", "ASCII and Chinese (no target)", MIXED, lambda q: whoosh_query(index, q), lambda q: fts.query(q)),
    ]  # fmt: skip
    cold_index = SearchIndex(index.directory)  # nothing read yet: what the first searches of a process cost
    cold = []
    for q in [*ONE_TERM, *TWO_TERMS, *PHRASES]:
        started = time.perf_counter()
        cold_index.search(SearchRequest(allowed=grant, q=q, per_page=10))
        cold.append((time.perf_counter() - started) * 1000)
    print(f"cold: the first results page of each query on a new searcher: median {statistics.median(cold):.0f} ms, "
          f"max {max(cold):.0f} ms (the first one also reads the facet values of every segment)")  # fmt: skip
    figures: dict[str, dict[str, float]] = {}
    print(f"load average {os.getloadavg()[0]:.1f}")
    print(f"\n{'query':<46}{'Whoosh med / p95':>20}{'FTS5 med / p95':>20}{'ratio med / p95':>18}")
    for key, label, queries, whoosh, baseline in rows:
        w, w_totals = timed(whoosh, queries, runs)
        f, f_totals = timed(baseline, queries, runs)
        fig = {"w_med": statistics.median(w), "w_p95": p95(w), "f_med": statistics.median(f), "f_p95": p95(f)}
        figures[key] = fig
        print(f"{label:<46}{fig['w_med']:>9.1f} / {fig['w_p95']:>5.1f} ms{fig['f_med']:>9.1f} / {fig['f_p95']:>5.1f} ms"
              f"{fig['w_med'] / fig['f_med']:>9.1f}× / {fig['w_p95'] / fig['f_p95']:.1f}×")  # fmt: skip
        print(
            "    hits (Whoosh | FTS5): "
            + "; ".join(f"{q} {w_totals[q]:,} | {f_totals[q]:,}" for q in queries)
        )
    print("* the page as the search page makes it (SearchIndex.search: seven facets, highlights of 10 hits); FTS5\n"
          "  does the same work: six facets from a table, the enterprise facet from a join table, snippets")  # fmt: skip
    return figures


# ---- 5. visibility


def worker_process(app: Flask, workdir: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "INSTANCE_DIR": app.config["INSTANCE_DIR"], "SEARCH_INDEX_DIR": app.config["SEARCH_INDEX_DIR"],
           "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "UPLOAD_DIR": app.config["UPLOAD_DIR"],
           "FLASK_APP": "wsgi"}  # fmt: skip
    log = (workdir / "worker.log").open("wb")
    return subprocess.Popen([str(Path(sys.executable).with_name("flask")), "search", "worker"], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)  # fmt: skip


def register_work(app: Flask, token: str) -> float:
    """A work registered through the service (its outbox row in the same transaction); the commit's time."""
    from knowledge.accounts.models import Account, Role
    from knowledge.accounts.permissions import Scope
    from knowledge.enterprises.models import Project
    from knowledge.registry import services as work_services

    with app.app_context(), Session(db.engine) as session:
        admin = session.scalar(select(Account).where(Account.role == Role.ADMIN).limit(1))
        project = session.scalar(select(Project).order_by(Project.id).limit(1))
        assert admin is not None and project is not None
        params = {"excavation_depth": "6", "complex_conditions": False, "affects_adjacent_structures": False}
        data = work_services.WorkInput(
            project.id, f"可见性测试{token}深基坑工程", "excavation", "foundation_pit", params
        )
        work_services.register_work(session, data, scope=Scope.of(admin))
        return time.perf_counter()


def visibility(app: Flask, index: SearchIndex, workdir: Path) -> tuple[list[float], list[float]]:
    """Delays from commit to found, and the time of the first full results page on the changed index."""
    worker = worker_process(app, workdir)
    delays, first_pages = [], []
    try:
        time.sleep(3.0)  # the worker loads jieba's dictionary at start-up
        for _ in range(VISIBILITY_ROUNDS):
            token = f"vis{secrets.token_hex(3)}"
            committed = register_work(app, token)
            while time.perf_counter() - committed < 30:
                if index.search(SearchRequest(allowed="all", q=token, per_page=10)).total:
                    delays.append(time.perf_counter() - committed)
                    break
                time.sleep(0.05)
            else:
                delays.append(float("inf"))
            started = time.perf_counter()
            index.search(
                SearchRequest(allowed=Allowed(cities=frozenset({"suzhou"})), q=TWO_TERMS[0], per_page=10)
            )
            first_pages.append((time.perf_counter() - started) * 1000)
            time.sleep(1.0)
    finally:
        worker.terminate()
        worker.wait(10)
    print("commit → searchable: " + ", ".join(f"{d:.2f}" for d in delays) + f" s; max {max(delays):.2f} s")
    print("first results page on the changed index: " + ", ".join(f"{t:.0f}" for t in first_pages) + " ms")
    return delays, first_pages


# ---- main


def verdicts(
    rebuilt: dict[str, float], figures: dict[str, dict[str, float]], delays: list[float]
) -> list[str]:
    misses = []
    for key, target in TARGETS_MS.items():
        if figures[key]["w_p95"] >= target:
            misses.append(f"{key} p95 {figures[key]['w_p95']:.1f} ms ≥ {target:.0f} ms")
    ratio = figures["page"]["w_p95"] / figures["page"]["f_p95"]
    if ratio > PAGE_RATIO:
        misses.append(f"results page p95 {ratio:.1f}× FTS5 > {PAGE_RATIO:.0f}×")
    if max(delays) >= VISIBILITY_S:
        misses.append(f"visibility {max(delays):.2f} s ≥ {VISIBILITY_S:.0f} s")
    limit = REBUILD_S if rebuilt.get("warm", 1.0) else REBUILD_COLD_S
    if rebuilt["seconds"] >= limit:
        cache = "warm" if rebuilt.get("warm", 1.0) else "cold"
        misses.append(
            f"rebuild {rebuilt['seconds'] / 60:.1f} min ≥ {limit / 60:.0f} min (segmentation cache {cache})"
        )
    return misses


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, help="keep (and reuse) the database and indexes here")
    parser.add_argument("--runs", type=int, default=60, help="timed runs per query type")
    parser.add_argument(
        "--skip-rebuild", action="store_true", help="reuse the Whoosh index and FTS5 file in --workdir"
    )
    parser.add_argument("--keep-fts", action="store_true",
                        help="reuse the FTS5 file in --workdir while rebuilding the Whoosh index (a warm rebuild)")  # fmt: skip
    parser.add_argument("--relevance-distractors", type=int, default=DISTRACTORS,
                        help="demo plans mixed into the labelled relevance set")  # fmt: skip
    parser.add_argument("--backend", choices=("whoosh", "postgres"),
                        help="instead: one search backend alone over the generated province corpus (search_backends.py), "
                             "the same query types for either, to set side by side")  # fmt: skip
    args = parser.parse_args(argv)
    if args.backend:
        import search_backends

        passed = ["--backend", args.backend, "--runs", str(args.runs), "--times", "1"]
        # (a folder of its own: the Whoosh index beside the seeded database here holds other documents)
        return search_backends.main(
            passed + (["--workdir", str(args.workdir / "backends")] if args.workdir else [])
        )
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-search-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"work directory {workdir}; {os.cpu_count()} CPUs; sqlite {sqlite3.sqlite_version}", flush=True)
    try:
        app = make_app(workdir)
        stage("data: flask seed-demo --scale province")
        misses = seed(app, workdir)
        stage("Whoosh: full rebuild (as flask search reindex)")
        if args.skip_rebuild and (workdir / "index" / "CURRENT").exists():
            index, rebuilt = SearchIndex(app.config["SEARCH_INDEX_DIR"]), {"seconds": 0.0, "documents": 0}
            print("reusing the index (no rebuild figure)")
        else:
            index, rebuilt = rebuild(app)
        stage("FTS5: the same documents, segmented the same way")
        fts_path = workdir / "fts5.db"
        con = (
            sqlite3.connect(fts_path)
            if (args.skip_rebuild or args.keep_fts) and fts_path.exists()
            else build_fts(app, fts_path)
        )
        stage(f"queries: one warm searcher, {args.runs} runs per type, milliseconds")
        figures = measure(index, con, args.runs)
        stage("visibility: commit → outbox → flask search worker → found")
        delays, _ = visibility(app, index, workdir)
        stage("relevance: the labelled set (tests/search_relevance), engine beside FTS5")
        engine, _ = relevance(args.relevance_distractors)
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    misses += verdicts(rebuilt, figures, delays) + relevance_verdicts(engine)
    stage("targets")
    for miss in misses:
        print(f"MISSED: {miss}")
    if not misses:
        print("all targets met")
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
