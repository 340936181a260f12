"""The system-flag scan (issue 20 item 7): facts gathered from the registry give flags; a dismissal holds until
the facts change; flags no longer found leave the list; a confirmation makes one major hazard, even from two
regulators at once (SQLite and PostgreSQL)."""

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import knowledge.site.hazard_models  # noqa: F401 - the site tables on the metadata
import knowledge.site.models  # noqa: F401
from knowledge.errors import DuplicateError, NotFoundError, PermissionDenied, ValidationError
from knowledge.registry.workflow import WorkStatus
from knowledge.site import flag_scan, flag_services
from knowledge.site.hazard_loop import Level
from knowledge.site.hazard_models import Hazard, Source
from knowledge.site.inspection_models import FlagState, ScanRun, SystemFlag
from tests.site_factories import make_site_world
from tests.timeline_factories import NOW, add_monitoring, record_move, sign_plan
from webapp.extensions import db

TODAY = date(2025, 6, 10)


@pytest.fixture
def world(session, app):
    return make_site_world(session, app.config["UPLOAD_DIR"], planned_start=date(2025, 5, 1))


def scan(session, today=TODAY, batch=1000):
    run, created = flag_scan.start_scan(session, scope=None, now=NOW)
    assert created
    return flag_scan.run_scan(session, run.id, today=today, batch=batch)


def current(session, work_id):
    session.expire_all()
    rows = session.scalars(select(SystemFlag).where(SystemFlag.work_id == work_id, SystemFlag.is_current))
    return {f.rule: f for f in rows}


def test_an_excavation_under_way_without_signed_plan_or_monitoring_is_flagged(session, world):
    run = scan(session)
    flags = current(session, world.work.id)
    assert set(flags) == {"hazardous_without_signed_plan", "deep_excavation_without_monitoring"}
    assert flags["deep_excavation_without_monitoring"].hazard_key == "2022-5-3"
    assert flags["hazardous_without_signed_plan"].facts["专项施工方案"] == "无审核签字的版本"
    assert all(f.state is FlagState.OPEN and f.city == world.work.city for f in flags.values())
    assert (run.done, run.total, run.flagged) == (1, 1, 2) and run.finished_at is not None and not run.error


def test_signed_plan_and_monitoring_clear_the_flags_on_the_next_scan(session, world):
    scan(session)
    sign_plan(session, world.version, world.accounts["gc"].id)
    add_monitoring(session, world)
    scan(session)
    assert current(session, world.work.id) == {}
    assert session.scalar(select(func.count()).select_from(SystemFlag)) == 2  # kept, no longer current


def test_a_plan_signed_by_the_constructor_alone_is_not_signed(session, world):
    from knowledge.plans.models import SignoffKind

    sign_plan(session, world.version, world.accounts["gc"].id, kinds=(SignoffKind.CONSTRUCTOR,))
    scan(session)
    assert "hazardous_without_signed_plan" in current(session, world.work.id)


def test_over_scale_work_past_its_planned_start_without_a_passed_review(session, world):
    world.work.status = WorkStatus.SUPERVISOR_SIGNED
    session.commit()
    scan(session)
    assert "over_scale_without_review" in current(session, world.work.id)
    record_move(session, world.work, WorkStatus.PASSED)  # the history shows a pass (then a redraft)
    scan(session)
    assert "over_scale_without_review" not in current(session, world.work.id)


def test_work_not_under_way_is_not_flagged(session, world):
    world.work.status, world.work.planned_start = WorkStatus.SUPERVISOR_SIGNED, date(2025, 7, 1)
    session.commit()
    assert scan(session).flagged == 0


def test_dismissed_flag_stays_dismissed_on_rescan_until_its_facts_change(session, world):
    scan(session)
    flag = current(session, world.work.id)["deep_excavation_without_monitoring"]
    regulator = world.scope("regulator")
    with pytest.raises(ValidationError, match="理由"):
        flag_services.dismiss_flag(session, flag, scope=regulator, reason="  ", now=NOW)
    flag_services.dismiss_flag(session, flag, scope=regulator, reason="监测单位已进场，记录待补录", now=NOW)
    scan(session)
    scan(session)  # twice: the same rows
    again = current(session, world.work.id)["deep_excavation_without_monitoring"]
    assert again.id == flag.id and again.state is FlagState.DISMISSED and again.reason.startswith("监测单位")
    assert session.scalar(select(func.count()).select_from(SystemFlag)) == 2
    world.work.planned_start = date(2025, 5, 20)  # the facts change: a new open flag
    session.commit()
    scan(session)
    changed = current(session, world.work.id)["deep_excavation_without_monitoring"]
    assert changed.id != flag.id and changed.state is FlagState.OPEN
    old = session.get(SystemFlag, flag.id)
    assert old.state is FlagState.DISMISSED and not old.is_current


def test_confirm_creates_one_major_hazard_from_the_flag(session, world):
    scan(session)
    flag = current(session, world.work.id)["deep_excavation_without_monitoring"]
    with pytest.raises(PermissionDenied):
        flag_services.confirm_flag(session, flag, scope=world.scope("other_city"), today=TODAY, now=NOW)
    hazard = flag_services.confirm_flag(session, flag, scope=world.scope("regulator"), today=TODAY, now=NOW)
    assert (hazard.level, hazard.source, hazard.catalogue_key) == (
        Level.MAJOR,
        Source.SYSTEM_FLAG,
        "2022-5-3",
    )
    assert hazard.flag_id == flag.id and hazard.found_on == TODAY and "第三方监测" in hazard.description
    assert session.get(SystemFlag, flag.id).state is FlagState.CONFIRMED
    with pytest.raises(DuplicateError):
        flag_services.confirm_flag(session, flag, scope=world.scope("province"), today=TODAY, now=NOW)
    with pytest.raises(DuplicateError):
        flag_services.dismiss_flag(session, flag, scope=world.scope("province"), reason="重复", now=NOW)
    assert session.scalar(select(func.count()).select_from(Hazard)) == 1


def test_regulators_see_flags_of_their_area_only(session, world):
    scan(session)
    assert flag_services.list_flags(session, world.scope("regulator"), flag_services.FlagFilter()).total == 2
    assert flag_services.list_flags(session, world.scope("province"), flag_services.FlagFilter()).total == 2
    assert flag_services.list_flags(session, world.scope("other_city"), flag_services.FlagFilter()).total == 0
    with pytest.raises(NotFoundError):
        flag_services.get_flag_for(session, world.scope("other_city"), current(session, world.work.id)[
            "deep_excavation_without_monitoring"].id)  # fmt: skip
    with pytest.raises(PermissionDenied):
        flag_services.list_flags(session, world.scope("gc"), flag_services.FlagFilter())


def test_a_running_scan_is_not_started_twice_and_a_stale_one_is(session, world):
    first, created = flag_scan.start_scan(session, scope=world.scope("regulator"), now=NOW)
    again, created_again = flag_scan.start_scan(session, scope=world.scope("province"), now=NOW)
    assert created and not created_again and again.id == first.id
    later, created_later = flag_scan.start_scan(session, scope=None, now=NOW + timedelta(hours=2))
    assert created_later and later.id != first.id
    with pytest.raises(PermissionDenied):
        flag_scan.start_scan(session, scope=world.scope("gc"), now=NOW)


def test_a_finished_run_is_not_scanned_again(session, world):
    run = scan(session)
    assert flag_scan.run_scan(session, run.id, today=TODAY).finished_at == run.finished_at
    assert session.scalar(select(func.count()).select_from(ScanRun)) == 1


def test_parallel_confirmations_of_one_flag_leave_one_hazard(app, session, world):
    scan(session)
    flag_id = current(session, world.work.id)["deep_excavation_without_monitoring"].id
    with app.app_context():
        engine = db.engine
    barrier = threading.Barrier(2)
    results: list[object] = []
    scopes = [world.scope("regulator"), world.scope("province")]

    def run(scope) -> None:
        with Session(engine) as own:
            flag = own.get(SystemFlag, flag_id)
            barrier.wait()
            try:
                results.append(flag_services.confirm_flag(own, flag, scope=scope, today=TODAY, now=NOW).id)
            except Exception as exc:  # noqa: BLE001 - anything but a DuplicateError is the failure under test
                results.append(exc)

    threads = [threading.Thread(target=run, args=(s,)) for s in scopes]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len([r for r in results if isinstance(r, int)]) == 1, results
    assert all(isinstance(r, DuplicateError) for r in results if not isinstance(r, int)), results
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Hazard).where(Hazard.flag_id == flag_id)) == 1
    assert session.get(SystemFlag, flag_id).state is FlagState.CONFIRMED
