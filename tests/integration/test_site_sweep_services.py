"""Sweeps (issue 20 item 4): who opens which, who sees which, and the coverage the database counts, held to the
pure rule's numbers (knowledge.site.sweeps.coverage)."""

from datetime import date

import pytest
from sqlalchemy import select

import knowledge.site.hazard_models  # noqa: F401 - the site tables on the metadata
import knowledge.site.models  # noqa: F401
from knowledge.enterprises.models import ParticipantRole
from knowledge.errors import NotFoundError, PermissionDenied, ValidationError
from knowledge.regions import City
from knowledge.registry.models import Work
from knowledge.registry.workflow import WorkStatus
from knowledge.site import sweep_services, sweeps
from knowledge.site.inspection_models import Inspection
from knowledge.site.sweep_services import SweepInput
from tests.factories import make_enterprise, make_project, make_work
from tests.site_factories import make_site_world
from tests.timeline_factories import add_inspection

H1 = SweepInput("2025年上半年危大工程隐患排查", date(2025, 3, 1), date(2025, 6, 30))


@pytest.fixture
def world(session, app):
    return make_site_world(session, app.config["UPLOAD_DIR"], planned_start=date(2025, 3, 1))


def more_works(session, world):
    """A Nanjing work in progress, a Suzhou formwork due to start, one accepted and one starting later."""
    gc = world.enterprises["gc"]
    nanjing = make_project(
        session, [(gc, ParticipantRole.GENERAL_CONTRACTOR)], city=City.NANJING, district="江宁区"
    )
    other = make_enterprise(session)
    suzhou = make_project(session, [(other, ParticipantRole.GENERAL_CONTRACTOR)], city=City.SUZHOU)
    return {
        "nanjing": make_work(session, nanjing, status=WorkStatus.IN_PROGRESS),
        "due": make_work(
            session,
            suzhou,
            status=WorkStatus.IN_FORCE,
            planned_start=date(2025, 6, 1),
            category="formwork",
            sub_type="tool_formwork",
            parameters={},
        ),  # fmt: skip
        "accepted": make_work(session, suzhou, status=WorkStatus.ACCEPTED, planned_start=date(2025, 1, 1)),
        "later": make_work(session, suzhou, status=WorkStatus.IN_FORCE, planned_start=date(2025, 8, 1)),
        "other": other,
    }


def test_regulators_open_sweeps_of_their_area_only(session, world):
    with pytest.raises(PermissionDenied, match="本市"):
        sweep_services.open_sweep(session, H1, scope=world.scope("regulator"))  # a province sweep by a city
    with pytest.raises(PermissionDenied):
        sweep_services.open_sweep(session, SweepInput("x", H1.starts_on, H1.ends_on, City.SUZHOU),
                                  scope=world.scope("gc"))  # fmt: skip
    with pytest.raises(ValidationError, match="结束日期"):
        sweep_services.open_sweep(session, SweepInput("x", date(2025, 6, 1), date(2025, 5, 1), City.SUZHOU),
                                  scope=world.scope("regulator"))  # fmt: skip
    with pytest.raises(ValidationError, match="名称"):
        sweep_services.open_sweep(session, SweepInput(" ", H1.starts_on, H1.ends_on, City.SUZHOU),
                                  scope=world.scope("regulator"))  # fmt: skip
    city = sweep_services.open_sweep(session, SweepInput("苏州市第一轮", H1.starts_on, H1.ends_on, City.SUZHOU),
                                     scope=world.scope("regulator"))  # fmt: skip
    province = sweep_services.open_sweep(session, H1, scope=world.scope("province"))
    assert province.city is None and city.city is City.SUZHOU
    seen = {s.id for s in sweep_services.sweeps(session, world.scope("other_city")).items}
    assert seen == {province.id}
    with pytest.raises(NotFoundError):
        sweep_services.get_sweep_for(session, world.scope("other_city"), city.id)
    with pytest.raises(PermissionDenied):
        sweep_services.sweeps(session, world.scope("gc"))


def test_coverage_counts_works_under_way_and_their_enterprises(session, world):
    works = more_works(session, world)
    sweep = sweep_services.open_sweep(session, H1, scope=world.scope("province"))
    regulator = world.accounts["regulator"].id
    add_inspection(session, world.work, date(2025, 4, 2), regulator)
    add_inspection(session, works["due"], date(2025, 2, 1), regulator)  # before the sweep: not reached
    cov = sweep_services.coverage(session, sweep, city=None)
    assert (cov.works.reached, cov.works.total) == (1, 3)  # the world's, Nanjing's, the due one
    assert cov.by_city == {"nanjing": sweeps.Share(0, 1), "suzhou": sweeps.Share(1, 2)}
    assert cov.by_category == {"excavation": sweeps.Share(1, 2), "formwork": sweeps.Share(0, 1)}
    # gc, supervisor, owner, monitor reached through the world's work; "other" not; gc also on Nanjing's work
    assert (cov.enterprises.reached, cov.enterprises.total) == (4, 5)
    assert (cov.cranes.reached, cov.cranes.total) == (0, 0)
    left = sweep_services.works_left_page(session, sweep, city=None, page=1)
    assert {w.id for w in left.items} == {works["nanjing"].id, works["due"].id}
    ents = sweep_services.enterprises_left_page(session, sweep, city=None, page=1)
    assert [e.id for e in ents.items] == [works["other"].id]
    suzhou_only = sweep_services.coverage(session, sweep, city=City.SUZHOU)
    assert (suzhou_only.works.reached, suzhou_only.works.total) == (1, 2)


def test_a_city_regulator_sees_his_city_of_a_province_sweep(session, world):
    more_works(session, world)
    sweep = sweep_services.open_sweep(session, H1, scope=world.scope("province"))
    assert sweep_services.area_of(sweep, world.scope("regulator")) is City.SUZHOU
    assert sweep_services.area_of(sweep, world.scope("province")) is None


def test_the_database_counts_what_the_pure_rule_counts(session, world):
    works = more_works(session, world)
    sweep = sweep_services.open_sweep(session, H1, scope=world.scope("province"))
    regulator = world.accounts["regulator"].id
    add_inspection(session, works["nanjing"], date(2025, 6, 30), regulator)
    add_inspection(session, world.work, date(2025, 7, 1), regulator)  # after the sweep
    rule = sweeps.Sweep(sweep.starts_on, sweep.ends_on)
    candidates = session.scalars(select(Work).where(sweep_services.under_way(sweep, None))).all()
    units = [sweeps.SiteUnit(w.id, w.city.value, w.category,
                             frozenset(p.enterprise_id for p in w.project.participants)) for w in candidates]  # fmt: skip
    days: dict[int, list[date]] = {}
    for i in session.scalars(select(Inspection)):
        days.setdefault(i.work_id, []).append(i.inspected_on)
    expected = sweeps.coverage(rule, units, days)
    got = sweep_services.coverage(session, sweep, city=None)
    assert (got.works, got.enterprises, got.by_city, got.by_category) == (
        expected.works, expected.enterprises, expected.by_city, expected.by_category)  # fmt: skip
    assert {w.id for w in sweep_services.works_left_page(session, sweep, city=None, page=1).items} == set(
        expected.works_left)  # fmt: skip
