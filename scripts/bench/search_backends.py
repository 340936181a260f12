"""The two search backends side by side (issue 24): Whoosh and the PostgreSQL search table, same documents, same
queries, at province scale and (PostgreSQL) at several times that.

Run from the repository root:
``.venv/bin/python scripts/bench/search_backends.py [--works 100000 --plans 20000 --reviews 46000] [--times 5]
[--backend both|postgres|whoosh]``

(``scripts/bench/search.py --backend postgres`` or ``--backend whoosh`` runs this with one backend: the same query
types, to set side by side.)

1. Documents from the demo generator (``knowledge.demo.generator``): works (title, units, place, category, verdict),
   plan versions with their sections, and review conclusions (the plan's measures sections as the panel's
   opinions, a conclusion code, the panel's experts): 166,000 at province scale as the search page sees them.
2. Builds both: ``SearchIndex.rebuild`` into ``--workdir`` and ``PgSearchIndex.rebuild`` into a scratch PostgreSQL
   database (``--database-url``, created and reused; dropped with ``--drop``): times and documents per second.
3. Measures each query type through ``search()`` (the whole results page: matching, the permission filter of a
   city regulator of four cities, seven facets, ranking, highlights of 10 hits) on both: median and p95 of
   ``--runs`` runs, and the ratio PostgreSQL / Whoosh.
4. Copies every row of the search table ``--times - 1`` more times under new ids (``generated``), and measures the
   PostgreSQL backend again at that size.

Targets (issue 24, PostgreSQL backend): the results page p95 ≤ 100 ms at province scale and ≤ 300 ms at 5×.
Prints every figure and exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from knowledge.demo.generator import ScaleSpec, generate  # noqa: E402
from knowledge.search_docs import split_sections  # noqa: E402
from search_index.analysis import warm_up  # noqa: E402
from search_index.backend import SearchBackend  # noqa: E402
from search_index.index import SearchIndex  # noqa: E402
from search_index.pg_index import PgSearchIndex  # noqa: E402
from search_index.pg_store import INSERT_COLUMNS, TABLE  # noqa: E402
from search_index.query import Allowed, SearchRequest  # noqa: E402

CATEGORY_NAMES = {"excavation": "基坑工程", "formwork": "模板工程及支撑体系", "lifting": "起重吊装及起重机械安装拆卸工程",
                  "scaffold": "脚手架工程", "demolition": "拆除工程", "underground": "暗挖工程",
                  "other": "其他"}  # fmt: skip
CONCLUSIONS = ("pass", "pass_after_revision", "fail")
TARGETS_MS = {1: 100.0, 5: 300.0}  # results page p95 by size multiple
# Query types (a few queries each, cycled): as scripts/bench/search.py, plus a synonym and a field prefix.
QUERY_TYPES: dict[str, tuple[str, Sequence[str]]] = {
    "one": ("one common term", ["监测", "脚手架", "验算", "应急预案", "混凝土"]),
    "two": ("two terms AND", ["钢支撑 监测", "脚手架 连墙件", "基坑 降水", "立杆 剪刀撑", "吊装 钢丝绳"]),
    "phrase": (
        "a two-word phrase",
        ['"严禁 超挖"', '"施工 荷载"', '"立杆 间距"', '"坑底 抗隆起"', '"基坑 开挖"'],
    ),
    "synonym": ("a word with synonyms", ["塔吊", "高支模", "爬架", "履带吊"]),
    "field": ("a field prefix and a word", ["类别:基坑 监测", "单位:中建 脚手架", "结论:不通过 基坑"]),
    "char": ("one character", ["桩", "撑", "吊"]),
    "mixed": ("ASCII and Chinese", ["QTZ80 塔吊", "C30 混凝土", "Q235 钢管"]),
    "date": ("two terms, newest first", ["钢支撑 监测", "脚手架 连墙件", "基坑 降水"]),
}
GRANT = Allowed(cities=frozenset({"nanjing", "suzhou", "wuxi", "changzhou"}))


def documents(works: int, plans: int, reviews: int, seed: int = 24) -> Iterator[dict[str, Any]]:
    spec = ScaleSpec(enterprises=max(300, works // 4), projects=max(300, works // 2), experts=5, min_groups=4,
                     works=works, plan_versions=plans)  # fmt: skip
    rows = generate(spec, seed=seed, with_plans=True,
                    signers={"constructor": 1, "subcontractor": 2, "supervisor": 3})  # fmt: skip
    projects = {p["id"]: p for p in rows.projects}
    enterprises = {e["id"]: e for e in rows.enterprises}
    units: dict[int, list[int]] = {}
    for participant in rows.participants:
        units.setdefault(participant["project_id"], []).append(participant["enterprise_id"])
    by_id = {w["id"]: w for w in rows.works}
    for work in rows.works:
        project = projects[work["project_id"]]
        ids = units.get(project["id"], [])
        yield {
            "doc_id": f"work:{work['id']}", "kind": "work", "title": f"{project['name']} {work['name']}",
            "url": f"/works/{work['id']}", "city": str(work["city"]), "district": work["district"],
            "city_name": "", "district_name": work["district"], "category": str(work["category"]),
            "category_name": CATEGORY_NAMES.get(str(work["category"]), ""), "verdict": str(work["verdict"]),
            "units": [enterprises[e]["name"] for e in ids], "enterprise_ids": ids, "project_id": project["id"],
            "year": work["created_at"].year, "date": work["created_at"].date(), "body": work["location"],
        }  # fmt: skip
    rng = random.Random(seed)
    made = 0
    versions = rows.plan_versions
    for version in versions:
        work = by_id[version["work_id"]]
        sections = split_sections(version["text"])
        common = {"city": str(work["city"]), "category": str(work["category"]),
                  "category_name": CATEGORY_NAMES.get(str(work["category"]), ""),
                  "enterprise_ids": units.get(work["project_id"], []), "project_id": work["project_id"],
                  "year": version["submitted_at"].year, "date": version["submitted_at"].date()}  # fmt: skip
        yield {"doc_id": f"plan:{version['id']}", "kind": "plan", "title": version["title"],
               "url": f"/plans/{version['id']}", "plan_key": str(work["id"]), "plan_version": version["number"],
               "sections": sections, "body": "" if sections else version["text"], **common}  # fmt: skip
    while made < reviews and versions:
        version = versions[made % len(versions)]
        work = by_id[version["work_id"]]
        measures = [t for *_, t in split_sections(version["text"])[-4:]] or [version["text"][:1500]]
        made += 1
        yield {"doc_id": f"review:{made}", "kind": "review", "title": f"《{version['title']}》专家论证",
               "url": f"/reviews/{made}", "city": str(work["city"]), "category": str(work["category"]),
               "category_name": CATEGORY_NAMES.get(str(work["category"]), ""),
               "conclusion": rng.choice(CONCLUSIONS), "body": "\n".join(measures),
               "expert_ids": rng.sample(range(1, 3001), 5), "published": rng.random() < 0.5,
               "year": version["submitted_at"].year, "date": version["submitted_at"].date()}  # fmt: skip


def _count(totals: dict[str, int], q: str) -> str:
    return f"{totals[q]:,}" if q in totals else "-"


def p95(times: Sequence[float]) -> float:
    return sorted(times)[max(0, round(0.95 * len(times)) - 1)]


def timed(
    index: SearchBackend, key: str, queries: Sequence[str], runs: int
) -> tuple[list[float], dict[str, int]]:
    sort = "date" if key == "date" else "relevance"

    def ask(q: str) -> int:
        return index.search(SearchRequest(allowed=GRANT, q=q, sort=sort, per_page=10)).total

    for q in queries:
        ask(q)
    times, totals = [], {}
    for i in range(runs):
        q = queries[i % len(queries)]
        started = time.perf_counter()
        totals[q] = ask(q)
        times.append((time.perf_counter() - started) * 1000)
    return times, totals


def build(label: str, index: SearchBackend, docs: Callable[[], Iterator[dict[str, Any]]], total: int) -> None:
    started, shown = time.perf_counter(), [0.0]

    def progress(done: int, of: int | None) -> None:
        if time.perf_counter() - shown[0] > 30 or done == of:
            shown[0] = time.perf_counter()
            print(f"    {label}: {done:,}/{of or 0:,} ({time.perf_counter() - started:.0f} s)", flush=True)

    report = index.rebuild(docs(), total, progress)
    seconds = time.perf_counter() - started
    print(
        f"{label} rebuild: {report.count:,} documents in {seconds:.0f} s ({report.count / seconds:.0f}/s)",
        flush=True,
    )


def multiply(pg: PgSearchIndex, times: int) -> int:
    """Copies of every original row under new ids, so the table holds ``times`` as many."""
    pg.ensure()
    columns = ", ".join(INSERT_COLUMNS)
    copied = ", ".join("d.doc_id || '#' || k" if c == "doc_id" else f"d.{c}" for c in INSERT_COLUMNS)
    with pg.engine.begin() as conn:
        conn.execute(text(f"DELETE FROM {TABLE} WHERE doc_id LIKE '%#%'"))
        if times > 1:
            conn.execute(text(f"INSERT INTO {TABLE} ({columns}) SELECT {copied} FROM {TABLE} d, "
                              f"generate_series(1, {times - 1}) AS k"))  # fmt: skip
    with pg.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"VACUUM ANALYZE {TABLE}"))
    pg.forget()
    return pg.doc_count()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--works", type=int, default=100_000)
    parser.add_argument("--plans", type=int, default=20_000)
    parser.add_argument("--reviews", type=int, default=46_000)
    parser.add_argument("--times", type=int, default=5, help="the PostgreSQL table grown to this multiple")
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/weida-search-backends"))
    parser.add_argument(
        "--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/weida_search_bench"
    )
    parser.add_argument(
        "--rebuild", action="store_true", help="build both again even when they hold the documents"
    )
    parser.add_argument(
        "--backend",
        choices=("both", "postgres", "whoosh"),
        default="both",
        help="build and time one backend alone, or both side by side",
    )
    args = parser.parse_args(argv)
    warm_up()
    url = make_url(args.database_url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": url.database}
        ).first():
            conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()
    total = args.works + args.plans + args.reviews
    whoosh = SearchIndex(args.workdir / "index")
    pg = PgSearchIndex(create_engine(url, pool_size=2))
    docs = lambda: documents(args.works, args.plans, args.reviews)  # noqa: E731
    print(f"documents: {args.works:,} works, {args.plans:,} plan versions, {args.reviews:,} reviews; "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}", flush=True)  # fmt: skip
    use_whoosh, use_pg = args.backend in ("both", "whoosh"), args.backend in ("both", "postgres")
    if use_whoosh and (args.rebuild or not whoosh.health().ok or whoosh.doc_count() < total * 0.9):
        build("Whoosh", whoosh, docs, total)
    if use_pg:
        multiply(pg, 1)
        if args.rebuild or not pg.health().ok or pg.doc_count() < total * 0.9:
            build("PostgreSQL", pg, docs, total)
    size = pg.doc_count() if use_pg else whoosh.doc_count()
    print(f"\nat {size:,} documents (load average {os.getloadavg()[0]:.1f}); each a results page of 10 hits for a "
          "regulator of four cities")  # fmt: skip
    print(
        f"{'query':<34}{'Whoosh med / p95':>22}{'PostgreSQL med / p95':>24}{'ratio p95':>11}   hits (W | PG)"
    )
    worst = {1: 0.0}
    for key, (label, queries) in QUERY_TYPES.items():
        w, w_totals = timed(whoosh, key, queries, args.runs) if use_whoosh else ([], {})
        p, p_totals = timed(pg, key, queries, args.runs) if use_pg else ([], {})
        if use_pg:
            worst[1] = max(worst[1], p95(p))
        w_text = f"{statistics.median(w):>9.1f} / {p95(w):>6.1f} ms" if w else f"{'-':>22}"
        p_text = f"{statistics.median(p):>11.1f} / {p95(p):>6.1f} ms" if p else f"{'-':>24}"
        ratio = f"{p95(p) / p95(w):>10.1f}×" if w and p else f"{'-':>11}"
        hits = "; ".join(f"{_count(w_totals, q)}|{_count(p_totals, q)}" for q in queries)
        print(f"{label:<34}{w_text}{p_text}{ratio}   {hits}")
    if not use_pg:
        return 0
    if args.times > 1:
        started = time.perf_counter()
        size = multiply(pg, args.times)
        print(
            f"\nPostgreSQL at {size:,} documents ({args.times}×, copied in {time.perf_counter() - started:.0f} s)"
        )
        worst[args.times] = 0.0
        for key, (label, queries) in QUERY_TYPES.items():
            p, _ = timed(pg, key, queries, args.runs)
            worst[args.times] = max(worst[args.times], p95(p))
            print(f"{label:<34}{statistics.median(p):>11.1f} / {p95(p):>6.1f} ms")
        multiply(pg, 1)
    failed = False
    for times, found in worst.items():
        target = TARGETS_MS.get(times)
        if target is None:
            continue
        met = found <= target
        failed |= not met
        print(f"target: PostgreSQL results page p95 at {times}× ≤ {target:.0f} ms: worst query type {found:.0f} ms "
              f"{'met' if met else 'MISSED'}")  # fmt: skip
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
