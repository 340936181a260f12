"""Issue 22 item 3 (task 9): the portraits of supervision bodies and inspectors count inspections, their depth,
the hazards found and the enforcement, over a period, within the reader's city."""

from datetime import date

import pytest

from knowledge.errors import PermissionDenied
from knowledge.regions import City
from knowledge.site import supervision_portrait as sp
from knowledge.site.inspections import record_inspection
from tests.inspection_factories import CATALOGUE_KEY, GENERAL_KEY, TODAY, answers, inspection_input, photo
from tests.site_factories import make_site_world

START, END = date(2026, 4, 1), date(2026, 6, 30)


@pytest.fixture
def world(session, tmp_path):
    w = make_site_world(session, str(tmp_path / "up"))
    fails = {CATALOGUE_KEY: "未见第三方监测单位进场", GENERAL_KEY: "支撑间距与方案不符"}
    first = answers(session, w.work, fails=fails, photos={CATALOGUE_KEY: (photo("a.png"), photo("b.png"))})
    for who, data in (("regulator", first), ("province", answers(session, w.work))):
        record_inspection(session, w.work, inspection_input(session, w.work, answers=data), scope=w.scope(who),
                          upload_dir=tmp_path / "up", today=TODAY)  # fmt: skip
    w.items = len(first)
    return w


def test_the_province_sees_every_city_with_its_inspections_depth_and_hazards(session, world):
    figures = {
        f.key: f for f in sp.portraits(session, world.scope("province"), city=None, start=START, end=END)
    }
    assert len(figures) == 13 and figures[City.NANJING.value].inspections == 0
    suzhou = figures[City.SUZHOU.value]
    assert (suzhou.inspections, suzhou.photos, suzhou.hazards) == (2, 2, 2)
    assert suzhou.items_checked == 2 * world.items
    assert suzhou.per_inspection(suzhou.hazards) == 1.0
    assert sum(suzhou.checklists.values()) == 2


def test_a_city_regulator_sees_his_inspectors_and_no_other_city(session, world):
    rows = sp.portraits(session, world.scope("regulator"), city=City.SUZHOU, start=START, end=END)
    sp.name_inspectors(session, rows)
    by_account = {int(r.key): r for r in rows}
    assert by_account[world.accounts["regulator"].id].hazards == 2
    assert by_account[world.accounts["province"].id].hazards == 0
    assert all(r.label for r in rows)
    for city in (None, City.NANJING):
        with pytest.raises(PermissionDenied):
            sp.portraits(session, world.scope("regulator"), city=city, start=START, end=END)
    with pytest.raises(PermissionDenied):
        sp.portraits(session, world.scope("gc"), city=City.SUZHOU, start=START, end=END)


def test_the_period_bounds_the_figures(session, world):
    later = sp.portraits(
        session, world.scope("province"), city=None, start=date(2026, 7, 1), end=date(2026, 9, 30)
    )
    assert sp.totals(later).inspections == 0
