"""Special sweeps (专项排查, issue 23 item 3) in the site area: a sweep of an explicit list of works counts and lists
exactly those works, is offered to their inspections only, refuses works outside its area, and is opened once per
origin, held by the database when two requests pass the first look together (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from knowledge.accounts.models import Account
from knowledge.accounts.permissions import Scope
from knowledge.audit import AuditLog
from knowledge.enterprises.models import ParticipantRole
from knowledge.errors import PermissionDenied, ValidationError
from knowledge.regions import City
from knowledge.registry.workflow import WorkStatus
from knowledge.site import inspection_queries, sweep_services
from knowledge.site.inspection_models import Sweep, SweepWork
from knowledge.site.inspections import record_inspection
from knowledge.site.sweep_services import SweepInput
from tests.factories import make_enterprise, make_project, make_work
from tests.inspection_factories import INSPECTED_ON, TODAY, inspection_input
from tests.site_factories import make_site_world
from tests.timeline_factories import add_inspection
from webapp.extensions import db

SPECIAL = SweepInput(
    "专项排查：坑底抗隆起验算（苏州市2026年）", date(2026, 5, 1), date(2026, 5, 31), City.SUZHOU
)
KEY = "problem:1:2026:suzhou"


@pytest.fixture
def world(session, app):
    w = make_site_world(session, app.config["UPLOAD_DIR"])
    other = make_enterprise(session)
    suzhou = make_project(session, [(other, ParticipantRole.GENERAL_CONTRACTOR)], city=City.SUZHOU)
    w.extra = {  # type: ignore[attr-defined]
        "listed": make_work(session, suzhou, status=WorkStatus.IN_PROGRESS),
        "unlisted": make_work(session, suzhou, status=WorkStatus.IN_PROGRESS),
        "nanjing": make_work(session, make_project(session, city=City.NANJING, district="江宁区"),
                             status=WorkStatus.IN_PROGRESS),
        "other": other,
    }  # fmt: skip
    return w


def test_a_listed_sweep_counts_and_lists_exactly_its_works(session, world):
    listed = world.extra["listed"]
    sweep, opened = sweep_services.open_listed_sweep(session, SPECIAL, scope=world.scope("regulator"),
                                                     work_ids=[world.work.id, listed.id, listed.id], origin_key=KEY)  # fmt: skip
    assert opened and sweep.is_listed and sweep.origin_key == KEY
    add_inspection(session, world.work, date(2026, 5, 10), world.accounts["regulator"].id)
    add_inspection(session, world.extra["unlisted"], date(2026, 5, 10), world.accounts["regulator"].id)
    cover = sweep_services.compute_coverage(session, sweep, city=SPECIAL.city)
    assert (cover.works.reached, cover.works.total) == (1, 2)
    left = sweep_services.works_left_page(session, sweep, city=SPECIAL.city, page=1).items
    assert [w.id for w in left] == [listed.id]
    enterprises = sweep_services.enterprises_left_page(session, sweep, city=SPECIAL.city, page=1).items
    assert [e.id for e in enterprises] == [world.extra["other"].id]  # the unlisted work's are not asked for
    after = session.scalars(select(AuditLog).where(AuditLog.action == "sweep_open")).one().after
    assert after["works"] == 2 and after["origin"] == KEY and after["city"] == "suzhou"
    # An ordinary sweep of the same area and dates still counts every work under way.
    plain = sweep_services.open_sweep(session, SweepInput("苏州市五月排查", SPECIAL.starts_on, SPECIAL.ends_on,
                                                          City.SUZHOU), scope=world.scope("regulator"))  # fmt: skip
    assert sweep_services.compute_coverage(session, plain, city=City.SUZHOU).works.total == 3


def test_only_listed_works_may_record_an_inspection_in_it(session, world, app):
    sweep, _ = sweep_services.open_listed_sweep(session, SPECIAL, scope=world.scope("regulator"),
                                                work_ids=[world.extra["listed"].id], origin_key=KEY)  # fmt: skip
    assert sweep.id in {
        s.id for s in inspection_queries.sweeps_for(session, world.extra["listed"], INSPECTED_ON)
    }
    assert sweep.id not in {s.id for s in inspection_queries.sweeps_for(session, world.work, INSPECTED_ON)}
    data = inspection_input(session, world.work, sweep_id=sweep.id)
    with pytest.raises(
        ValidationError, match="不在专项排查“专项排查：坑底抗隆起验算（苏州市2026年）”的工程清单内"
    ):
        record_inspection(session, world.work, data, scope=world.scope("regulator"),
                          upload_dir=app.config["UPLOAD_DIR"], today=TODAY)  # fmt: skip


def test_a_listed_sweep_refuses_what_is_not_its_to_open(session, world):
    regulator = world.scope("regulator")
    for ids, words in (([], "至少包含一项工程"), ([world.extra["nanjing"].id], "须在苏州市范围内"),
                       ([world.work.id, 999_999], "不存在的工程")):  # fmt: skip
        with pytest.raises(ValidationError, match=words):
            sweep_services.open_listed_sweep(session, SPECIAL, scope=regulator, work_ids=ids, origin_key=KEY)
    with pytest.raises(PermissionDenied):
        sweep_services.open_listed_sweep(session, SPECIAL, scope=world.scope("other_city"), work_ids=[world.work.id],
                                         origin_key=KEY)  # fmt: skip
    with pytest.raises(PermissionDenied):
        sweep_services.open_listed_sweep(session, SPECIAL, scope=world.scope("admin"), work_ids=[world.work.id],
                                         origin_key=KEY)  # fmt: skip
    assert session.scalar(select(func.count()).select_from(Sweep)) == 0


def test_one_sweep_per_origin_is_held_by_the_database(session, world):
    first, _ = sweep_services.open_listed_sweep(session, SPECIAL, scope=world.scope("regulator"),
                                                work_ids=[world.work.id], origin_key=KEY)  # fmt: skip
    again, opened = sweep_services.open_listed_sweep(session, SPECIAL, scope=world.scope("province"),
                                                     work_ids=[world.extra["listed"].id], origin_key=KEY)  # fmt: skip
    assert again.id == first.id and not opened
    assert set(session.scalars(select(SweepWork.work_id))) == {world.work.id}
    session.add(Sweep(name="x", starts_on=SPECIAL.starts_on, ends_on=SPECIAL.ends_on, city=City.SUZHOU,
                      opened_by=world.accounts["regulator"].id, is_listed=True, origin_key=KEY))  # fmt: skip
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_requests_that_pass_the_first_look_together_open_one_sweep(app, session, world, monkeypatch):
    """The first look (is there a sweep of this origin?) is made to miss in every thread, so only the unique key
    can stop the second insert."""
    with app.app_context():
        engine = db.engine
    account_id = world.accounts["regulator"].id
    looked = threading.local()
    real = sweep_services.sweeps_by_origin

    def first_look_misses(session: Session, origin_keys: list[str]) -> dict[str, Sweep]:
        if not getattr(looked, "done", False):
            looked.done = True
            return {}
        return real(session, origin_keys)

    monkeypatch.setattr(sweep_services, "sweeps_by_origin", first_look_misses)
    barrier = threading.Barrier(4)
    results: list[object] = []

    def click() -> None:
        with Session(engine) as own:
            scope = Scope.of(own.get(Account, account_id))
            barrier.wait()
            try:
                sweep, opened = sweep_services.open_listed_sweep(own, SPECIAL, scope=scope, work_ids=[world.work.id],
                                                                 origin_key=KEY)  # fmt: skip
                results.append((sweep.id, opened))
            except Exception as exc:  # noqa: BLE001 - any failure is the failure under test
                results.append(exc)

    threads = [threading.Thread(target=click) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(results) == 4 and all(isinstance(r, tuple) for r in results), results
    assert len({r[0] for r in results}) == 1 and [r[1] for r in results].count(True) == 1  # type: ignore[index]
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Sweep)) == 1
    assert session.scalar(select(func.count()).select_from(SweepWork)) == 1
