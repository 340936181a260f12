"""The search outbox: rows in the same transaction as the change, one writer that applies them, healing after
a crash, several processes at once, and the documents the database gives."""

from __future__ import annotations

import logging
import multiprocessing
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from expert_pool.reviews.search_docs import CATALOGUE
from knowledge import outbox, search_docs
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope, can_view_project
from knowledge.db import utcnow
from knowledge.enterprises.models import ParticipantRole
from knowledge.errors import ValidationError
from knowledge.outbox import SearchOutbox
from knowledge.plans import services as plan_services
from knowledge.regions import City
from knowledge.registry import services as work_services
from search_index import analysis
from search_index.documents import version_of
from search_index.index import SearchIndex
from search_index.query import Allowed, Filters, SearchRequest
from tests.factories import (
    PLAN_AUTHORS,
    SAMPLE_PLAN,
    TEST_VAULT,
    make_account,
    make_enterprise,
    make_plan_version,
    make_project,
    make_work,
)
from webapp.search import cli as search_cli
from webapp.search.worker import DrainReport, apply_outbox, drain, lock_path, write_pending, writer_lock

DEEP_PIT = {"excavation_depth": "6", "complex_conditions": False, "affects_adjacent_structures": False}


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    analysis.warm_up()


@pytest.fixture
def index(tmp_path: Path) -> SearchIndex:
    return SearchIndex(tmp_path / "index", lock_timeout=0.2)


@pytest.fixture
def site(session: Any, tmp_path: Path) -> dict[str, Any]:
    contractor = make_enterprise(session, name="苏州第一建筑工程有限公司")
    supervisor = make_enterprise(session, name="苏州建设监理有限公司")
    project = make_project(
        session,
        [(contractor, ParticipantRole.GENERAL_CONTRACTOR), (supervisor, ParticipantRole.SUPERVISOR)],
        city=City.SUZHOU,
        district="吴中区",
    )
    team = make_account(session, Role.PROJECT_TEAM, enterprise_id=contractor.id)
    admin = make_account(session, Role.ADMIN)
    return {"contractor": contractor, "supervisor": supervisor, "project": project, "team": Scope.of(team),
            "admin": Scope.of(admin), "uploads": str(tmp_path / "uploads")}  # fmt: skip


def pending_ids(session: Any) -> list[str]:
    session.expire_all()
    return [row.doc_id for row in outbox.pending(session, 1000)]


def find(index: SearchIndex, q: str = "", **filters: Any) -> set[str]:
    result = index.search(SearchRequest(allowed="all", q=q, filters=Filters(**filters), per_page=100))
    return {hit.doc_id for hit in result.hits}


def register(session: Any, site: dict[str, Any], name: str = "2#楼深基坑支护工程") -> Any:
    data = work_services.WorkInput(site["project"].id, name, "excavation", "foundation_pit", DEEP_PIT)
    return work_services.register_work(session, data, scope=site["admin"])


# ---- recording


def test_a_recorded_row_lives_and_dies_with_the_callers_transaction(session):
    outbox.record(session, "work:1")
    session.rollback()
    assert pending_ids(session) == []
    outbox.record(session, "work:1")
    outbox.record(session, "plan:2", "delete")
    session.commit()
    rows = session.scalars(select(SearchOutbox).order_by(SearchOutbox.id)).all()
    assert [(r.doc_id, r.action, r.attempts, r.done_at) for r in rows] == [
        ("work:1", "upsert", 0, None), ("plan:2", "delete", 0, None)
    ]  # fmt: skip
    with pytest.raises(ValueError):
        outbox.record(session, "work:1", "rename")


def test_registering_a_work_queues_its_document_in_the_same_commit(session, site):
    work = register(session, site)
    assert pending_ids(session) == [f"work:{work.id}"]
    bad = work_services.WorkInput(site["project"].id, "", "excavation", "foundation_pit", DEEP_PIT)
    with pytest.raises(ValidationError):
        work_services.register_work(session, bad, scope=site["admin"])
    session.rollback()
    assert pending_ids(session) == [f"work:{work.id}"]


def test_a_new_plan_version_and_a_reclassified_work_are_queued(session, site):
    work = register(session, site)
    upload = plan_services.PlanUpload(
        SAMPLE_PLAN.encode(), "方案.txt", "2#楼基坑支护专项施工方案", authors=PLAN_AUTHORS
    )
    version = plan_services.submit_version(session, work, upload, scope=site["team"], upload_dir=site["uploads"],
                                           max_bytes=10**6, vault=TEST_VAULT)  # fmt: skip
    assert pending_ids(session)[-1] == f"plan:{version.id}"
    outbox.mark_done(session, [r.id for r in outbox.pending(session, 100)], now=version.submitted_at)
    session.commit()
    work_services.reclassify_work(session, work, "foundation_pit", {**DEEP_PIT, "excavation_depth": "4"},
                                  scope=site["team"])  # fmt: skip
    assert set(pending_ids(session)) == {f"work:{work.id}", f"plan:{version.id}"}


# ---- applying


def test_the_worker_applies_rows_then_marks_them_done(session, site, index):
    work = register(session, site)
    version = make_plan_version(session, work, site["uploads"], text=SAMPLE_PLAN + "\n钢支撑预加轴力监测")
    outbox.record(session, f"plan:{version.id}")
    outbox.record(session, f"plan:{version.id}")  # twice: one write
    session.commit()
    assert apply_outbox(session, index) == (3, 0)
    assert find(index, "预加轴力") == {f"plan:{version.id}"}
    assert find(index, kind="work") == {f"work:{work.id}"}
    assert pending_ids(session) == [] and apply_outbox(session, index) == (0, 0)
    done = session.scalars(select(SearchOutbox)).all()
    assert all(r.done_at is not None and r.attempts == 0 for r in done)


def test_a_row_whose_record_is_gone_removes_the_document(session, site, index):
    work = register(session, site)
    version = make_plan_version(session, work, site["uploads"])
    doc_id = f"plan:{version.id}"
    outbox.record(session, doc_id)
    session.commit()
    apply_outbox(session, index)
    session.delete(version)
    outbox.record(session, doc_id)
    session.commit()
    assert apply_outbox(session, index) == (1, 0)
    assert find(index, kind="plan") == set() and index.doc_count() == 1


def test_a_crash_after_the_commit_heals_at_the_next_run(session, site, index, monkeypatch):
    work = register(session, site)  # committed with its row; nothing indexed it yet: "the process died here"

    def broken_write(docs: Any) -> Any:
        raise OSError("disk full")

    monkeypatch.setattr(index, "upsert", broken_write)
    assert apply_outbox(session, index) == (0, 1)
    row = session.scalars(select(SearchOutbox)).one()
    assert row.done_at is None and row.attempts == 0 and "disk full" in row.last_error  # not the row's fault
    monkeypatch.undo()
    assert apply_outbox(session, index) == (1, 0)
    assert find(index, kind="work") == {f"work:{work.id}"}


def test_a_crash_between_the_index_write_and_the_mark_repeats_the_write_harmlessly(
    session, site, index, monkeypatch
):
    work = register(session, site)

    def die(*args: Any, **kwargs: Any) -> None:
        raise SystemExit("killed")

    monkeypatch.setattr(outbox, "mark_done", die)
    with pytest.raises(SystemExit):
        apply_outbox(session, index)
    session.rollback()
    assert find(index, kind="work") == {f"work:{work.id}"} and pending_ids(session) == [f"work:{work.id}"]
    monkeypatch.undo()
    assert apply_outbox(session, index) == (1, 0)
    assert index.doc_count() == 1 and pending_ids(session) == []


def test_a_busy_index_leaves_rows_pending_without_counting_an_attempt(session, site, index):
    work = register(session, site)
    index.upsert([{"doc_id": "work:0", "kind": "work", "title": "占位"}])
    writer = index.open().writer()
    try:
        assert apply_outbox(session, index) == (0, 1)
    finally:
        writer.cancel()
    row = session.scalars(select(SearchOutbox)).one()
    assert row.attempts == 0 and "写锁" in row.last_error
    assert apply_outbox(session, index) == (1, 0) and f"work:{work.id}" in find(index)


def test_a_document_that_cannot_be_built_is_set_aside_and_holds_back_nothing(session, site, index):
    work = register(session, site)
    outbox.record(session, "memo:1")
    session.commit()
    assert drain(session, index).failed == 1 and find(index, kind="work") == {f"work:{work.id}"}
    for _ in range(outbox.MAX_ATTEMPTS - 1):
        drain(session, index)
    assert pending_ids(session) == []
    assert [(r.doc_id, r.attempts) for r in outbox.stuck(session)] == [("memo:1", outbox.MAX_ATTEMPTS)]


def test_only_one_writer_at_a_time(session, index, tmp_path):
    path = tmp_path / "instance" / "search-writer.lock"
    with writer_lock(path) as first, writer_lock(path) as second:
        assert first and not second
        assert write_pending(session, index, path) is None
    assert write_pending(session, index, path) is not None


def test_applied_rows_are_forgotten_after_a_week(session, site, index, tmp_path):
    old = outbox.record(session, "work:0")
    old.done_at = utcnow() - timedelta(days=8)
    session.commit()
    work = register(session, site)
    assert write_pending(session, index, tmp_path / "writer.lock") == DrainReport(applied=1, failed=0)
    assert session.scalars(select(SearchOutbox.doc_id)).all() == [f"work:{work.id}"]


# ---- several web processes at once


class _Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _web_process(url: str, options: dict[str, Any], instance: str, index_dir: str, project_id: int,
                 actor_id: int, name: str, count: int) -> None:  # fmt: skip
    """A web process of its own: its app, its background writer thread, and users registering works."""
    from sqlalchemy.orm import Session

    from webapp import create_app
    from webapp.config import TestConfig
    from webapp.extensions import db
    from webapp.search.worker import start_background_writer

    recorder = _Recorder()
    logging.getLogger("webapp.search").addHandler(recorder)
    app = create_app(TestConfig(instance), SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_ENGINE_OPTIONS=options,
                     SEARCH_INDEX_DIR=index_dir)  # fmt: skip
    writer = start_background_writer(app, interval=0.01)
    with app.app_context():
        engine = db.engine
    scope = Scope(actor_id, Role.ADMIN)
    with Session(engine) as session:
        for i in range(count):
            data = work_services.WorkInput(
                project_id, f"{name}区块基坑工程{i}", "excavation", "foundation_pit", DEEP_PIT
            )
            work_services.register_work(session, data, scope=scope)
    time.sleep(0.3)
    writer.stop()
    engine.dispose()
    if recorder.messages or writer.thread.is_alive():
        raise SystemExit("; ".join(recorder.messages) or "writer thread did not stop")


@pytest.mark.whoosh_only  # writer processes sharing one Whoosh index (test_search_pg: the advisory lock)
def test_several_web_processes_at_once_lose_nothing_and_raise_nothing(app, session, site, test_db, runner):
    processes, per_process = 4, 8
    ctx = multiprocessing.get_context("spawn")
    children = [
        ctx.Process(target=_web_process, args=(test_db.url, test_db.options, app.instance_path,
                                               app.config["SEARCH_INDEX_DIR"], site["project"].id,
                                               site["admin"].account_id, f"P{n}", per_process))
        for n in range(processes)
    ]  # fmt: skip
    for child in children:
        child.start()
    for child in children:
        child.join(120)
    assert [c.exitcode for c in children] == [0] * processes
    result = runner.invoke(args=["search", "worker", "--once"])
    assert result.exit_code == 0, result.output
    index = SearchIndex(app.config["SEARCH_INDEX_DIR"])
    assert len(find(index, kind="work")) == processes * per_process
    assert pending_ids(session) == []
    expected = {d["doc_id"]: version_of(d) for d in CATALOGUE.iter_all(session)}
    assert len(expected) == processes * per_process and index.check(expected) == ([], [], [])


def test_the_worker_command_runs_one_pass_and_skips_while_another_writer_works(app, session, site, runner,
                                                                               monkeypatch):  # fmt: skip
    register(session, site)
    monkeypatch.setattr(search_cli, "LOCK_WAIT", 0.1)
    with writer_lock(lock_path(app)):
        skipped = runner.invoke(args=["search", "worker", "--once"])
    assert skipped.exit_code == 0 and "跳过" in skipped.output
    ran = runner.invoke(args=["search", "worker", "--once"])
    assert ran.exit_code == 0 and "已应用 1 条" in ran.output


# ---- documents from the database


def test_a_plan_document_has_its_place_units_sections_and_link(session, site):
    work = make_work(session, site["project"], name="3#楼基坑工程")
    version = make_plan_version(session, work, site["uploads"], title="3#楼基坑支护方案")
    doc = CATALOGUE.document_for(session, f"plan:{version.id}")
    assert doc is not None
    assert {k: doc[k] for k in ("doc_id", "kind", "title", "url", "city", "district", "district_name", "category",
                                "verdict", "project_id")} == {
        "doc_id": f"plan:{version.id}", "kind": "plan", "title": "3#楼基坑支护方案（第1版）",
        "url": f"/works/plans/{version.id}", "city": "suzhou", "district": "320506", "district_name": "吴中区",
        "category": "excavation", "verdict": "over_scale", "project_id": site["project"].id,
    }  # fmt: skip
    assert doc["enterprise_ids"] == sorted([site["contractor"].id, site["supervisor"].id])
    assert doc["units"] == ["苏州第一建筑工程有限公司", "苏州建设监理有限公司"]
    assert [s[1] for s in doc["sections"]][:2] == ["第一章 工程概况", "第二章 编制依据"] and len(
        doc["sections"]
    ) == 9
    assert "钻孔灌注桩" in doc["sections"][0][2] and doc["body"] == ""
    assert doc["year"] == version.submitted_at.year and doc["category_name"] == "基坑工程"
    assert CATALOGUE.document_for(session, f"plan:{version.id + 1000}") is None
    with pytest.raises(search_docs.UnknownDocument):
        CATALOGUE.document_for(session, "memo:1")


def test_a_plan_without_section_headings_is_one_body(session, site):
    work = make_work(session, site["project"])
    version = make_plan_version(session, work, site["uploads"], text="钢支撑拆除顺序说明")
    doc = search_docs.plan_document(session, version)
    assert doc["sections"] == [] and doc["body"] == "钢支撑拆除顺序说明"


def test_every_document_is_listed_once_with_a_total(session, site):
    works = [make_work(session, site["project"]) for _ in range(3)]
    make_plan_version(session, works[0], site["uploads"])
    make_plan_version(session, works[0], site["uploads"])
    docs = list(CATALOGUE.iter_all(session))
    assert CATALOGUE.count_all(session) == len(docs) == 5
    assert len({d["doc_id"] for d in docs}) == 5
    assert CATALOGUE.doc_ids_for_work(session, works[0].id)[0] == f"work:{works[0].id}"
    assert len(CATALOGUE.doc_ids_for_work(session, works[0].id)) == 3
    assert len(CATALOGUE.doc_ids_for_enterprise(session, site["supervisor"].id)) == 5


@pytest.mark.parametrize(
    ("role", "city", "member", "sees_suzhou", "sees_other"),
    [
        (Role.ADMIN, None, False, True, True),
        (Role.REGULATOR, None, False, True, True),
        (Role.REGULATOR, City.SUZHOU, False, True, False),
        (Role.DRAW_OFFICE, City.NANJING, False, False, True),
        (Role.PROJECT_TEAM, None, True, True, False),
        (Role.PROJECT_TEAM, None, False, False, False),
        (Role.EXPERT, None, False, False, False),
    ],
)
def test_the_index_grant_matches_the_page_permission(session, site, index, role, city, member, sees_suzhou,
                                                     sees_other):  # fmt: skip
    other = make_project(session, [(make_enterprise(session), ParticipantRole.GENERAL_CONTRACTOR)],
                         city=City.NANJING, district="玄武区")  # fmt: skip
    ours, theirs = make_work(session, site["project"]), make_work(session, other)
    index.upsert([search_docs.work_document(session, ours), search_docs.work_document(session, theirs)])
    enterprise = site["contractor"].id if member else make_enterprise(session).id
    scope = Scope(
        1, role, city, enterprise if role is Role.PROJECT_TEAM else None, 7 if role is Role.EXPERT else None
    )
    grant = search_docs.allowed_for(scope)
    found = {h.doc_id for h in index.search(SearchRequest(allowed=grant)).hits}
    assert (f"work:{ours.id}" in found, f"work:{theirs.id}" in found) == (sees_suzhou, sees_other)
    for project, seen in ((site["project"], sees_suzhou), (other, sees_other)):
        assert can_view_project(scope, project.city, [p.enterprise_id for p in project.participants]) == seen
    assert isinstance(grant, Allowed)
