"""The PostgreSQL search backend's own behaviour (issue 24): the writers' advisory lock, the rebuild's table swap,
an outdated table, two nodes on one table, the relevance set, and the app choosing the backend. The behaviour
both backends share runs on both through the ``index`` and ``corpus`` fixtures (tests/integration/conftest.py)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, event, text

from search_index import analysis
from search_index.analysis import PairTokenizer
from search_index.backend import check_backend, default_backend
from search_index.index import BUSY, OUTDATED
from search_index.pg_index import BY_INDEX, PgSearchIndex
from search_index.pg_store import COUNTED, DELTA, LEXICON, LOCK_KEY, META, TABLE, frequencies, vector
from tests.integration.test_search_index import doc, find, ids
from tests.integration.test_search_relevance import MRR_TARGET, RECALL_TARGET
from tests.search_relevance.corpus import DOCS as LABELLED
from tests.search_relevance.harness import engine_ranker, evaluate


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    analysis.warm_up()


@pytest.fixture
def pg(index: object) -> Iterator[PgSearchIndex]:
    if not isinstance(index, PgSearchIndex):
        pytest.skip("a test of the PostgreSQL backend")
    yield index


def test_a_tsvector_literal_keeps_our_tokens_as_they_are():
    literal, count = vector(["深基坑", "基坑", "it's", "a\\b", "深基坑"] + ["基坑"] * 20)
    assert count == 25
    assert literal.startswith("'深基坑':1,5 '基坑':2,6,7,8,9,10,11,12 ")  # at most 8 positions a word
    assert "'it''s':3" in literal and "'a\\\\b':4" in literal


def test_the_default_backend_follows_the_database():
    assert default_backend("postgresql+psycopg://u@h/db") == "postgres"
    assert default_backend("sqlite:///x.db") == "whoosh"
    assert check_backend("whoosh", "postgresql+psycopg://u@h/db") == "whoosh"
    with pytest.raises(ValueError, match="SEARCH_BACKEND"):
        check_backend("elastic", "sqlite:///x.db")
    with pytest.raises(ValueError, match="PostgreSQL"):
        check_backend("postgres", "sqlite:///x.db")


def test_a_held_writer_lock_is_reported_not_raised(pg):
    assert pg.upsert([doc("plan:1", "深基坑")]).ok
    with pg.engine.connect() as holder:
        holder.execute(text(f"SELECT pg_advisory_lock({LOCK_KEY})"))
        try:
            report = pg.upsert([doc("plan:2", "塔吊")])
            assert not report.ok and report.detail == BUSY
            assert not pg.delete(["plan:1"]).ok
            assert not pg.rebuild([doc("plan:3", "爬架")]).ok
        finally:
            holder.execute(text(f"SELECT pg_advisory_unlock({LOCK_KEY})"))
            holder.commit()
    assert pg.upsert([doc("plan:2", "塔吊")]).ok
    assert ids(find(pg, "塔吊 OR 深基坑")) == {"plan:1", "plan:2"}


def test_a_rebuild_swaps_the_table_while_searches_go_on(pg):
    pg.upsert([doc(f"plan:{n}", "深基坑") for n in range(20)])
    totals, seen = [], []

    def slow_docs():
        for n in range(20):
            if n == 10:  # another thread searches in the middle of the rebuild: the old table answers
                found = threading.Thread(target=lambda: totals.append(find(pg, "深基坑").total))
                found.start()
                found.join()
            yield doc(f"plan:{n}", "塔吊")

    report = pg.rebuild(slow_docs(), 20, lambda n, t: seen.append((n, t)))
    assert report.ok and report.count == 20 and seen[-1] == (20, 20)
    assert totals == [20]
    assert find(pg, "塔吊").total == 20 and find(pg, "深基坑").total == 0
    assert pg.rebuild([doc("plan:4", "吊篮")]).ok  # again: the swapped table's names are free for the next
    assert ids(find(pg, "吊篮")) == {"plan:4"} and find(pg, "塔吊").total == 0
    assert find(pg, "吊").total == 1  # the lexicon was rebuilt with the table


def test_a_failed_rebuild_leaves_the_live_table_alone(pg):
    pg.upsert([doc("plan:1", "深基坑")])

    def broken():
        yield doc("plan:2", "塔吊")
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        pg.rebuild(broken())
    assert find(pg, "深基坑").total == 1 and find(pg, "塔吊").total == 0
    with pg.engine.connect() as conn:
        assert conn.execute(text("SELECT to_regclass(:t)"), {"t": f"{TABLE}_build"}).scalar() is None
    assert pg.upsert([doc("plan:3", "爬架")]).ok  # the lock was let go


def test_a_table_of_another_analysis_asks_for_a_rebuild(pg):
    pg.upsert([doc("plan:1", "深基坑")])
    with pg.engine.begin() as conn:
        conn.execute(text(f"UPDATE {META} SET value = 'old' WHERE key = 'version'"))
    assert find(pg, "深基坑").message == OUTDATED
    assert pg.upsert([doc("plan:2", "塔吊")]).detail == OUTDATED
    assert not pg.health().ok and pg.health().detail == OUTDATED
    assert pg.rebuild([doc("plan:2", "塔吊")]).ok
    assert pg.health().ok and ids(find(pg, "塔吊")) == {"plan:2"}


def test_two_nodes_on_one_table_see_each_others_changes(pg):
    other = PgSearchIndex(create_engine(pg.engine.url, **_same_schema(pg)))
    try:
        pg.upsert([doc("plan:1", "深基坑 支护")])
        assert ids(find(other, "支护")) == {"plan:1"}
        other.upsert([doc("plan:1", "塔吊 基础")])
        assert find(pg, "支护").total == 0 and ids(find(pg, "塔吊")) == {"plan:1"}
        other.delete(["plan:1"])
        assert not pg.contains("plan:1")
    finally:
        other.engine.dispose()


def _same_schema(pg: PgSearchIndex) -> dict[str, object]:
    with pg.engine.connect() as conn:
        schema = conn.execute(text("SELECT current_schema()")).scalar()
    return {"connect_args": {"options": f"-csearch_path={schema}"}}


def test_recall_and_mrr_on_the_labelled_set(pg):
    assert pg.rebuild(LABELLED, len(LABELLED)).ok
    recall, mrr, _ = evaluate(engine_ranker(pg)).overall()  # type: ignore[arg-type]
    assert recall >= RECALL_TARGET and mrr >= MRR_TARGET, f"recall@10 {recall:.3f}, MRR {mrr:.3f}"


def test_a_rebuild_by_worker_processes_finds_what_one_process_finds(pg, monkeypatch):
    docs = [doc(f"plan:{n}", f"方案{n}", "深基坑 钢支撑" if n % 2 else "塔吊 附着") for n in range(30)]
    assert pg.rebuild(docs, len(docs)).ok
    alone = find(pg, "深基坑", per_page=100)
    monkeypatch.setattr("search_index.pg_build.PARALLEL_MIN_DOCS", 10)
    assert pg.rebuild(docs, len(docs)).ok
    together = find(pg, "深基坑", per_page=100)
    assert [(h.doc_id, h.score) for h in together.hits] == [(h.doc_id, h.score) for h in alone.hits]
    assert together.total == 15

    def broken():
        yield from docs[:12]
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        pg.rebuild(broken(), 30)
    assert find(pg, "深基坑").total == 15  # the live table as it was


def test_a_large_result_is_ranked_exactly_among_the_documents_its_rows_put_first(pg, monkeypatch):
    # Document n says 深基坑 n times in a body of the same length: the more, the better.
    filler = "施工 方案 编制 依据 工程 概况 "
    docs = [doc(f"plan:{n}", f"方案{n}", " ".join(["深基坑"] * (n % 9) + ["支护"] * (9 - n % 9)) + filler)
            for n in range(1, 31)]  # fmt: skip
    pg.upsert(docs)
    exact = find(pg, "深基坑", per_page=5)
    monkeypatch.setattr("search_index.pg_index.RERANK", 5)  # only 5 of the 26 found are ranked exactly
    chosen = find(pg, "深基坑", per_page=5)
    assert [h.doc_id for h in chosen.hits] == [h.doc_id for h in exact.hits]
    assert [h.score for h in chosen.hits] == [h.score for h in exact.hits]
    assert chosen.total == exact.total == 27  # n % 9 == 0 for 9, 18, 27: no 深基坑


TWO_PLANS = [
    doc("plan:1", "方案一", "深基坑 支护 深基坑 降水"),
    doc("plan:2", "方案二", "塔吊 基础 深基坑 支护"),
]


@contextmanager
def statements_sent(pg: PgSearchIndex) -> Iterator[list[str]]:
    """Every statement the index's engine sends meanwhile, in order."""
    sent: list[str] = []
    listen = lambda *args: sent.append(args[2])  # noqa: E731 - (conn, cursor, statement, ...)
    event.listen(pg.engine, "before_cursor_execute", listen)
    try:
        yield sent
    finally:
        event.remove(pg.engine, "before_cursor_execute", listen)


def test_words_are_read_through_their_indexes_and_nothing_else_is(pg):
    """A search of words turns sequential scans off for its transaction (the planner tested every row's vectors
    out of TOAST instead); one with no indexed word (everything, or a word under NOT) leaves them on."""
    pg.upsert(TWO_PLANS)
    with statements_sent(pg) as sent:
        for q, by_index in (("深基坑", True), ("单位:中建 塔吊", True), ("", False), ("-深基坑", False)):
            sent.clear()
            find(pg, q)
            assert (BY_INDEX in sent) is by_index, q
        sent.clear()
        pg.more_like_this("plan:1", allowed="all", same_category=False)
        assert BY_INDEX in sent


def test_word_pair_frequencies_are_counted_through_the_indexes_and_the_setting_put_back(pg):
    """A word pair's document frequency is a count of the rows whose vector holds it: PostgreSQL counted common
    words by a (parallel) sequential scan reading every row's vector out of TOAST, 90 s a statement under load.
    A word's is the lexicon's count: no statement tests a row."""
    pg.upsert(TWO_PLANS)
    pair = vector(PairTokenizer().index_terms("深基坑支护"))[0].split(":")[0].strip("'")
    with statements_sent(pg) as sent:
        for setting in ("on", "off"):  # a search of words has turned them off already: they stay off
            with pg.engine.connect() as conn:
                conn.execute(text("SELECT set_config('enable_seqscan', :v, true)"), {"v": setting})
                pg.forget()
                sent.clear()
                found = pg.stats.of(conn).frequencies(
                    [("body_v", "深基坑"), ("body_v", "塔吊"), ("title_v", "无"), ("pairs_v", pair)]
                )
                assert found == {("body_v", "深基坑"): 2, ("body_v", "塔吊"): 1, ("title_v", "无"): 0,
                                 ("pairs_v", pair): 2}  # fmt: skip
                counting = [i for i, s in enumerate(sent) if "count(*)" in s and "@@" in s]
                assert len(counting) == 1 and "pairs_v @@" in sent[counting[0]]
                assert any("enable_seqscan', 'off'" in s for s in sent[: counting[0]])
                assert conn.execute(text("SHOW enable_seqscan")).scalar() == setting


def word_counts(pg: PgSearchIndex) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], int]]:
    """(what the lexicon and its deltas say, what the table holds) for every word the lexicon has seen."""
    with pg.engine.connect() as conn:
        held: dict[tuple[str, str], int] = {}
        for field, column in COUNTED.items():
            for term, n in conn.execute(text(f"SELECT t, count(*) FROM {TABLE}, "
                                             f"unnest(tsvector_to_array({column})) AS t GROUP BY t")):  # fmt: skip
                held[(field, term)] = n
        seen = [(f, t) for f, t in conn.execute(text(f"SELECT field, term FROM {LEXICON}"))]
        said = dict(zip(seen, frequencies(conn, seen), strict=True))
    return said, {leaf: held.get(leaf, 0) for leaf in seen}


def test_the_lexicon_counts_each_word_through_every_change(pg):
    """Exact after a rebuild, after writes of every kind (the trigger's deltas), and after they are folded; a
    word no document holds any more counts 0."""
    assert pg.rebuild([*TWO_PLANS, doc("review:1", "深基坑 论证", "支护 结构 安全")]).ok
    said, held = word_counts(pg)
    assert said == held and held[("body", "深基坑")] == 2 and held[("title", "论证")] == 1
    pg.upsert([doc("plan:1", "方案一", "塔吊 基础"), doc("plan:3", "方案三", "塔吊 爬架")])
    pg.delete(["plan:2"])
    pg.upsert([doc("plan:3", "方案三", "塔吊 爬架")])  # written again, unchanged: no delta
    said, held = word_counts(pg)
    assert said == held and held[("body", "深基坑")] == 0 and held[("body", "塔吊")] == 2
    with pg.engine.connect() as conn:
        assert conn.execute(text(f"SELECT count(*) FROM {DELTA}")).scalar() > 0
    assert pg.fold()
    with pg.engine.connect() as conn:
        assert conn.execute(text(f"SELECT count(*) FROM {DELTA}")).scalar() == 0
    assert word_counts(pg)[0] == held
    assert ids(find(pg, "塔吊")) == {"plan:1", "plan:3"}


def test_parallel_writers_count_each_change_once(pg):
    """Writers do not wait on one another's counters (the deltas are insert-only rows), and two writing the same
    document at once count it once: the trigger sees the row each one replaced."""
    pg.upsert([doc(f"plan:{n}", "方案", "深基坑 支护") for n in range(8)])
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def write(k: int) -> None:
        try:
            start.wait()
            for n in range(8):
                body = "塔吊 基础" if (n + k) % 2 else "深基坑 降水"
                assert pg.upsert(
                    [doc(f"plan:{n}", "方案", body), doc(f"plan:{10 * k + n + 100}", "方案", body)]
                ).ok
            if k == 0:
                pg.fold()
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    writers = [threading.Thread(target=write, args=(k,)) for k in range(4)]
    for w in writers:
        w.start()
    for w in writers:
        w.join()
    assert errors == []
    said, held = word_counts(pg)
    assert said == held and held[("body", "塔吊")] + held[("body", "深基坑")] == 8 + 32


def test_a_table_made_before_loses_the_code_indexes_on_first_use(pg):
    pg.ensure()
    with pg.engine.begin() as conn:
        conn.execute(text(f"CREATE INDEX {TABLE}_city ON {TABLE} (city)"))
    PgSearchIndex(pg.engine).ensure()  # a node started after the upgrade
    with pg.engine.connect() as conn:
        assert conn.execute(text("SELECT to_regclass(:i)"), {"i": f"{TABLE}_city"}).scalar() is None
