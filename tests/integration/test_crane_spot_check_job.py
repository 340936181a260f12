"""The spot-check job reads the published reports of the window from the database, flags exactly the bodies made
light (each for the way it was made light), stores the province's spreads and progress, and keeps its policy; the
spot checks ordered from its flags are one per flag and get one result, also under parallel requests."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.cranes import spot_check_job as job
from knowledge.cranes import spot_check_services as services
from knowledge.cranes.inspection_models import SpotCheck, SpotCheckFlag, SpotCheckResult
from knowledge.cranes.spot_checks import FlagKind
from knowledge.errors import DuplicateError, PermissionDenied, ValidationError
from knowledge.regions import City
from knowledge.settings import PolicySetting
from tests.crane_spot_factories import HOIST, ON, TOWER, make_population
from tests.factories import make_account

NOW = datetime(2026, 10, 1, 2, 0, tzinfo=UTC)


def regulator(session, city=None):
    return Scope.of(make_account(session, Role.REGULATOR, city=city))


def run_job(session, scope=None, **kw):
    run, created = job.start_run(session, scope=scope, now=NOW, on=ON)
    assert created
    return job.run_spot_checks(session, run.id, **kw)


def flagged(session, run):
    rows = session.execute(select(SpotCheckFlag.body_id, SpotCheckFlag.machine_type, SpotCheckFlag.kind)
                           .where(SpotCheckFlag.run_id == run.id))  # fmt: skip
    return {(b, t, FlagKind(k)) for b, t, k in rows}


@pytest.mark.parametrize("seed", [7, 2026])
def test_the_job_flags_exactly_the_kinds_each_light_body_was_made_with(session, seed):
    pop = make_population(session, seed=seed, zero=2, short=1, busy=1)
    seen: list[tuple[int, int]] = []
    run = run_job(session, progress=lambda done, total: seen.append((done, total)), chunk=100)
    expected = {(b, TOWER, k) for b in pop.zero for k in (FlagKind.ZERO_SHARE, FlagKind.LOW_MEAN)}
    expected |= {(b, TOWER, FlagKind.SHORT_DURATION) for b in pop.short}
    expected |= {(b, TOWER, FlagKind.INSPECTOR_DAY) for b in pop.busy}
    assert flagged(session, run) == expected
    in_window = pop.reports - 120  # the last body's old reports and drafts are not read
    assert run.total == run.done == in_window and run.finished_at is not None and run.error == ""
    assert len(seen) == -(-in_window // 100) and seen[-1] == (
        in_window,
        in_window,
    )  # committed chunk by chunk
    spread = run.distributions[TOWER.value]
    assert spread["bodies"] == 12 and spread["zero_share"] == sorted(spread["zero_share"])
    assert run.distributions[HOIST.value]["bodies"] == 8
    assert run.policy["window_months"] == 12


def test_a_finished_run_is_not_run_again_and_a_running_one_is_not_doubled(session):
    make_population(session, bodies=6, zero=0, short=0, busy=1)
    run, created = job.start_run(session, scope=None, now=NOW, on=ON)
    again, created_again = job.start_run(session, scope=None, now=NOW, on=ON)
    assert created and not created_again and again.id == run.id
    job.run_spot_checks(session, run.id)
    count = len(flagged(session, run))
    assert job.run_spot_checks(session, run.id).id == run.id and len(flagged(session, run)) == count == 1


def test_only_regulators_and_the_admin_start_the_job(session):
    for role in (Role.PROJECT_TEAM, Role.INSPECTION_BODY, Role.EXPERT):
        with pytest.raises(PermissionDenied):
            job.start_run(session, scope=Scope.of(make_account(session, role)), now=NOW, on=ON)


def test_the_stored_policy_changes_what_is_flagged(session):
    pop = make_population(session, zero=0, short=0, busy=1)
    session.add(PolicySetting(key="cranes.max_reports_per_inspector_day", value=9))
    session.commit()
    assert job.spot_check_policy(session).max_reports_per_inspector_day == 9
    assert not any(k is FlagKind.INSPECTOR_DAY for *_, k in flagged(session, run_job(session)))
    assert pop.busy


def test_bad_policy_values_are_refused_with_the_setting_named(session):
    current = job.spot_check_policy(session)
    for values, message in (({"min_reports": "二十"}, "取值无效"), ({"zero_share_percentile": "100"}, "须在1到99之间"),
                            ({"min_minutes_tower_crane": "-5"}, "塔式起重机最短合理检验用时")):  # fmt: skip
        with pytest.raises(ValidationError, match=message):
            job.checked(current, values)


def test_a_city_regulator_sees_the_flags_of_his_citys_bodies_only(session):
    pop = make_population(session, zero=2, short=1, busy=1)
    run = run_job(session)
    suzhou = {f.body_id for f, _ in services.run_flags(session, regulator(session, City.SUZHOU), run)}
    nanjing = {f.body_id for f, _ in services.run_flags(session, regulator(session, City.NANJING), run)}
    cities = {b.id: b.city for b in pop.bodies}
    assert suzhou and nanjing and suzhou.isdisjoint(nanjing)
    assert {cities[b] for b in suzhou} == {City.SUZHOU} and {cities[b] for b in nanjing} == {City.NANJING}
    province = {f.body_id for f, _ in services.run_flags(session, regulator(session), run)}
    assert province == suzhou | nanjing
    with pytest.raises(PermissionDenied):
        services.run_flags(session, Scope.of(make_account(session, Role.INSPECTION_BODY)), run)


def test_a_spot_check_is_ordered_once_per_flag_even_in_parallel(app, session):
    pop = make_population(session, zero=1, short=0, busy=0)
    run = run_job(session)
    flag = services.run_flags(session, regulator(session), run)[0][0]
    scope = regulator(session, pop.bodies[0].city)

    def order(_):
        with Session(session.get_bind(), expire_on_commit=False) as s:
            try:
                services.order_spot_check(s, s.get(SpotCheckFlag, flag.id), scope=scope, today=ON)
            except DuplicateError as exc:
                return str(exc)
            return "ok"

    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(order, range(4)))
    assert outcomes.count("ok") == 1 and all("不能重复下达" in o for o in outcomes if o != "ok")
    assert len(session.scalars(select(SpotCheck).where(SpotCheck.flag_id == flag.id)).all()) == 1


def test_a_result_is_recorded_once_and_stays_on_the_bodys_record(session):
    pop = make_population(session, zero=1, short=0, busy=0)
    run = run_job(session)
    scope = regulator(session)
    flag = services.run_flags(session, scope, run)[0][0]
    other_city = regulator(session, City.WUXI)
    with pytest.raises(PermissionDenied):
        services.order_spot_check(session, flag, scope=other_city, today=ON)
    check = services.order_spot_check(session, flag, scope=scope, today=ON, instructions="抽取10份报告复检")
    with pytest.raises(ValidationError, match="请写明"):
        services.record_result(
            session, check, scope=scope, result=SpotCheckResult.CONFIRMED, note=" ", today=ON
        )

    def record(result):
        with Session(session.get_bind(), expire_on_commit=False) as s:
            try:
                services.record_result(
                    s, s.get(SpotCheck, check.id), scope=scope, result=result, note="复检发现漏检", today=ON
                )
            except DuplicateError:
                return "dup"
            return "ok"

    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(record, [SpotCheckResult.CONFIRMED, SpotCheckResult.NOT_CONFIRMED] * 2))
    assert outcomes.count("ok") == 1
    body = pop.bodies[0]
    record_rows = services.body_record(session, body)
    assert [c.id for c in record_rows] == [check.id] and record_rows[0].result is not None
    inspector = Scope.of(make_account(session, Role.INSPECTION_BODY, enterprise_id=body.enterprise_id))
    assert services.own_body(session, inspector).id == body.id
    with pytest.raises(Exception, match="无权查看"):
        services.get_body_for(session, inspector, pop.bodies[1].id)
