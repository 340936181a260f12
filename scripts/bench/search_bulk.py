"""Benchmark of the search rebuild's writer (issue 16): search_index's bulk writer beside Whoosh's public ones.

Run from the repository root: ``.venv/bin/python scripts/bench/search_bulk.py [--workdir DIR] [--limit N]``.

1. Reads the documents of the seeded database ``DIR/bench.db`` (as ``scripts/bench/search.py`` leaves it; opened
   read-only) as ``flask search reindex`` reads them (``CATALOGUE.iter_all``): an even sample of ``--limit`` of them (0: all), kept in memory so
   the database's time counts in no figure (it is the same for every writer). ``--cache FILE`` keeps the sample.
2. Builds a new index of them each way, one after the other, each in a directory of its own:

   - private: ``SearchIndex.rebuild`` as ``flask search reindex`` runs it (``bulk.fill``: two writer processes,
     each analysing its documents and writing one segment with the bulk writer's pool and postings writer);
   - public, two processes: Whoosh's ``whoosh.multiproc`` writer (``ix.writer(procs=2, multisegment=True)``):
     two processes, each analysing and writing one segment with Whoosh's own SegmentWriter;
   - public, analysed in two processes: two processes segment the text and send the terms back; one public
     ``SegmentWriter`` in the parent adds the pre-analysed documents;
   - public, one process: Whoosh's SegmentWriter alone (for scale).

3. Prints documents, wall and CPU seconds each way (CPU: this process and its children), and each public way's
   ratio to the private one (``--repeat``: the fastest of several builds). The issue keeps the private writer
   only if no public way comes within 1.3×. On 20,000 documents of the province data (2 CPUs, quiet): private
   60 s, whoosh.multiproc 99 s (1.6×), analysed in two processes 195 s (3.2×), one process 180 s (3.0×).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import pickle
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from whoosh import index as whoosh_index  # noqa: E402

from search_index.analysis import warm_up  # noqa: E402
from search_index.documents import to_fields  # noqa: E402
from search_index.index import BUILD_LIMIT_MB, MAX_BUILD_PROCS, PARALLEL_MIN_DOCS, SearchIndex  # noqa: E402
from search_index.schema import WordsField, build_schema  # noqa: E402

THRESHOLD = 1.3
BATCH = 200
Fields = dict[str, Any]


# ---- 1. the documents


def sample(workdir: Path, limit: int) -> list[dict[str, Any]]:
    """Every ``n``-th document of the seeded database (read-only), so each kind keeps its share."""
    from sqlalchemy.orm import Session

    from expert_pool.reviews.search_docs import CATALOGUE  # what flask search reindex reads
    from webapp import create_app
    from webapp.config import Config
    from webapp.extensions import db

    scratch = Path(tempfile.mkdtemp(prefix="bench-bulk-app-"))
    url = f"sqlite:///file:{workdir / 'bench.db'}?mode=ro&uri=true"
    app = create_app(Config(scratch / "instance"), SQLALCHEMY_DATABASE_URI=url,
                     SEARCH_INDEX_DIR=str(scratch / "index"), UPLOAD_DIR=str(scratch / "uploads"))  # fmt: skip
    started = time.perf_counter()
    with app.app_context(), Session(db.engine) as session:
        total = CATALOGUE.count_all(session)
        step = max(1, total // limit) if limit else 1
        docs = [dict(doc) for n, doc in enumerate(CATALOGUE.iter_all(session)) if n % step == 0]
    shutil.rmtree(scratch, ignore_errors=True)
    docs = docs[:limit] if limit else docs
    print(f"read {len(docs):,} of {total:,} documents (every {step}.) in {time.perf_counter() - started:.0f} s",
          flush=True)  # fmt: skip
    return docs


def corpus(workdir: Path, limit: int, cache: Path | None) -> list[dict[str, Any]]:
    if cache is not None and cache.exists():
        with cache.open("rb") as f:
            docs: list[dict[str, Any]] = pickle.load(f)
        print(f"{len(docs):,} documents from {cache}", flush=True)
        return docs
    if not (workdir / "bench.db").exists():
        raise SystemExit(f"no seeded database at {workdir / 'bench.db'}: run scripts/bench/search.py first")
    docs = sample(workdir, limit)
    if cache is not None:
        with cache.open("wb") as f:
            pickle.dump(docs, f, protocol=pickle.HIGHEST_PROTOCOL)
    return docs


# ---- 2. the writers


def private(docs: Sequence[dict[str, Any]], folder: Path) -> int:
    report = SearchIndex(folder, build_procs=MAX_BUILD_PROCS).rebuild(iter(docs), total=len(docs))
    if not report.ok:
        raise SystemExit(f"rebuild failed: {report.detail}")
    return report.count


def public_multiproc(docs: Sequence[dict[str, Any]], folder: Path) -> int:
    ix = whoosh_index.create_in(str(folder), build_schema())
    writer = ix.writer(procs=MAX_BUILD_PROCS, multisegment=True, limitmb=BUILD_LIMIT_MB, compound=False)
    for doc in docs:
        writer.add_document(**to_fields(doc))
    writer.commit()
    return int(ix.doc_count_all())


def public_one_process(docs: Sequence[dict[str, Any]], folder: Path) -> int:
    ix = whoosh_index.create_in(str(folder), build_schema())
    writer = ix.writer(limitmb=BUILD_LIMIT_MB, compound=False)
    for doc in docs:
        writer.add_document(**to_fields(doc))
    writer.commit(optimize=False)
    return int(ix.doc_count_all())


class Analysed(list[tuple[bytes, int, float, bytes]]):
    """A field's (term, frequency, weight, value) tuples, made by a worker process: the parent's writer
    indexes them as they are."""


def _analyse(jobs: Any, results: Any) -> None:
    """One analysing process: batches of field dicts in, the same with their text fields analysed out."""
    warm_up()
    schema = build_schema()
    words = [name for name in schema.names() if isinstance(schema[name], WordsField)]
    while (batch := jobs.get()) is not None:
        for fields in batch:
            for name in words:
                if name in fields:
                    if schema[name].stored:
                        fields[f"_stored_{name}"] = fields[name]
                    fields[name] = Analysed(schema[name].index(fields[name]))
        results.put(batch)
    results.put(None)


def public_analysed(docs: Sequence[dict[str, Any]], folder: Path) -> int:
    ctx = multiprocessing.get_context("spawn")
    jobs: Any = ctx.Queue(maxsize=MAX_BUILD_PROCS * 4)
    results: Any = ctx.Queue(maxsize=MAX_BUILD_PROCS * 4)
    workers = [
        ctx.Process(target=_analyse, args=(jobs, results), daemon=True) for _ in range(MAX_BUILD_PROCS)
    ]
    for worker in workers:
        worker.start()
    ix = whoosh_index.create_in(str(folder), build_schema())
    writer = ix.writer(limitmb=BUILD_LIMIT_MB, compound=False)
    index_text = WordsField.index

    def index(self: WordsField, value: Any, **kwargs: Any) -> Any:
        return value if isinstance(value, Analysed) else index_text(self, value, **kwargs)

    WordsField.index = index  # type: ignore[method-assign]
    try:
        in_flight = 0
        for batch in _batches(docs):  # at most three batches a worker in the queues, so neither queue fills
            jobs.put(batch)
            in_flight += 1
            while in_flight >= MAX_BUILD_PROCS * 3:
                _add_all(writer, results.get())
                in_flight -= 1
        for _ in workers:
            jobs.put(None)
        finished = 0
        while finished < len(workers):
            batch = results.get()
            if batch is None:
                finished += 1
            else:
                _add_all(writer, batch)
        writer.commit(optimize=False)
    finally:
        WordsField.index = index_text  # type: ignore[method-assign]
        for worker in workers:
            worker.join(5)
    return int(ix.doc_count_all())


def _add_all(writer: Any, batch: list[Fields]) -> None:
    for fields in batch:
        writer.add_document(**fields)


def _batches(docs: Sequence[dict[str, Any]]) -> Iterator[list[Fields]]:
    for start in range(0, len(docs), BATCH):
        yield [to_fields(doc) for doc in docs[start : start + BATCH]]


# ---- 3. figures


def cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(label: str, build: Callable[[Sequence[dict[str, Any]], Path], int],
          docs: Sequence[dict[str, Any]], scratch: Path) -> tuple[float, float]:  # fmt: skip
    folder = scratch / label.split()[0].replace(",", "")
    folder.mkdir(parents=True)
    cpu, load = cpu_seconds(), os.getloadavg()[0]
    started = time.perf_counter()
    count = build(docs, folder)
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    if count != len(docs):
        raise SystemExit(f"{label}: {count:,} documents indexed of {len(docs):,}")
    size = sum(p.stat().st_size for p in folder.rglob("*")) / 2**20
    print(f"{label:<44}{seconds:>8.1f} s wall{cpu:>8.1f} s CPU   index {size:5.0f} MB   load before {load:.1f}",
          flush=True)  # fmt: skip
    shutil.rmtree(folder, ignore_errors=True)
    return seconds, cpu


WAYS: dict[str, tuple[str, Callable[[Sequence[dict[str, Any]], Path], int]]] = {
    "private": ("private bulk writer (today)", private),
    "multiproc": ("public whoosh.multiproc, 2 processes", public_multiproc),
    "analysed": ("public writer, analysed in 2 processes", public_analysed),
    "single": ("public writer, one process", public_one_process),
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=Path("/work/benchdata/search"),
                        help="where scripts/bench/search.py seeded bench.db (only read)")  # fmt: skip
    parser.add_argument("--limit", type=int, default=20_000, help="documents to index (0: all)")
    parser.add_argument("--cache", type=Path, help="keep the sampled documents in this file for later runs")
    parser.add_argument("--ways", default=",".join(WAYS), help=f"which builds, of {', '.join(WAYS)}")
    parser.add_argument("--repeat", type=int, default=1, help="builds of each way; the fastest counts")
    args = parser.parse_args(argv)
    docs = corpus(args.workdir, args.limit, args.cache)
    warm_up()
    scratch = Path(tempfile.mkdtemp(prefix="bench-bulk-"))
    figures: dict[str, tuple[float, float]] = {}
    print(
        f"\n{len(docs):,} documents; {os.cpu_count()} CPUs; pool {BUILD_LIMIT_MB} MB per writer", flush=True
    )
    if len(docs) < PARALLEL_MIN_DOCS:
        print(
            f"(under {PARALLEL_MIN_DOCS:,} documents the private rebuild writes in one process)", flush=True
        )
    try:
        for _ in range(args.repeat):  # other processes on the machine only ever slow a build down
            for key in args.ways.split(","):
                label, build = WAYS[key]
                figures[key] = min(timed(label, build, docs, scratch), figures.get(key, (float("inf"), 0.0)))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if "private" in figures:
        wall, cpu = figures["private"]
        print(f"\nratio to the private writer (wall / CPU), {THRESHOLD}× or less keeps the public writer:")
        for key, (w, c) in figures.items():
            if key != "private":
                print(f"    {WAYS[key][0]:<44}{w / wall:>6.2f}× / {c / cpu:.2f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
