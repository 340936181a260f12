"""Issue 23 item 3: the kept pre-check of the works under way (equal to the pre-check, redone when stale), the
dashboard's common-problem figures per area, and the special sweep of a top problem's works opened in one step:
exactly those works, within the regulator's city, once per problem, period and area, also under parallel clicks,
on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from expert_pool.analytics import problem_figures, problem_sweeps
from expert_pool.analytics.errors import AnalyticsError
from expert_pool.analytics.periods import parse_period
from expert_pool.precedents import queries, stored_prechecks
from expert_pool.precedents.models import CommonProblem
from expert_pool.precedents.stored_prechecks import PlanPrecheck, PlanPrecheckMiss
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.audit import AuditLog
from knowledge.errors import PermissionDenied
from knowledge.plans.models import PlanVersion
from knowledge.regions import City
from knowledge.registry.workflow import WorkStatus
from knowledge.site import sweep_services
from knowledge.site.inspection_models import Sweep, SweepWork
from tests.factories import make_account, make_plan_version
from tests.problem_sweep_world import FULL_TEXT, NOW, YEAR, build
from webapp.extensions import db

TODAY = date(2026, 12, 7)
PERIOD = parse_period(YEAR)


@pytest.fixture
def world(session, tmp_path):
    return build(session, str(tmp_path / "up"))


def regulator(session, city: City | None = None) -> Scope:
    return Scope.of(make_account(session, Role.REGULATOR, city=city))


def kept_misses(session) -> dict[int, set[int]]:
    found: dict[int, set[int]] = {}
    for work_id, problem_id in session.execute(select(PlanPrecheckMiss.work_id, PlanPrecheckMiss.problem_id)):
        found.setdefault(work_id, set()).add(problem_id)
    return found


def latest_version(session, work) -> int:
    return session.scalar(select(func.max(PlanVersion.id)).where(PlanVersion.work_id == work.id))


# -- the kept pre-check -----------------------------------------------------------------------------------------


def test_the_kept_precheck_is_the_precheck_of_each_work_under_way(session, world):
    kept = {r.work_id: r for r in session.scalars(select(PlanPrecheck))}
    under_way = [world.lacking_suzhou, world.lacking_nanjing, world.full_suzhou, world.formwork]
    assert set(kept) == {w.id for w in under_way}  # the registered work D is not pre-checked
    misses = kept_misses(session)
    for work in under_way:
        expected = {
            c.problem.id for c in queries.unaddressed_problems(session, latest_version(session, work))
        }
        assert misses.get(work.id, set()) == expected, work.name
    uplift, alarm = world.problem(session, "抗隆起"), world.problem(session, "报警值")
    assert {uplift.id, alarm.id} <= misses[world.lacking_suzhou.id]
    assert world.full_suzhou.id not in misses
    assert kept[world.formwork.id].status == "too_few" and kept[world.lacking_suzhou.id].status == "checked"


def test_a_second_refresh_checks_nothing_and_a_new_version_is_read_only_once_checked(
    session, world, tmp_path
):
    assert stored_prechecks.refresh(session, now=NOW).checked == 0
    uplift = world.problem(session, "抗隆起")
    assert problem_figures.works_missing(session, uplift.id, None) == sorted(
        [world.lacking_suzhou.id, world.lacking_nanjing.id]
    )
    make_plan_version(session, world.lacking_suzhou, str(tmp_path / "up"), text=FULL_TEXT)
    # The kept result is of the previous version: it is not read as the current plan's.
    assert problem_figures.works_missing(session, uplift.id, None) == [world.lacking_nanjing.id]
    assert stored_prechecks.refresh(session, now=NOW).checked == 1
    assert problem_figures.works_missing(session, uplift.id, None) == [world.lacking_nanjing.id]
    assert world.lacking_suzhou.id not in kept_misses(session)


def test_works_that_move_on_leave_and_a_changed_problem_is_checked_again(session, world):
    world.lacking_nanjing.status = WorkStatus.ACCEPTED
    session.commit()
    result = stored_prechecks.refresh(session, now=NOW)
    assert result.removed == 1 and result.checked == 0
    assert session.get(PlanPrecheck, world.lacking_nanjing.id) is None
    uplift = world.problem(session, "抗隆起")
    session.execute(
        update(CommonProblem).where(CommonProblem.id == uplift.id).values(key_terms=["不存在的词"])
    )
    session.commit()
    assert stored_prechecks.refresh(session, now=NOW).checked == 2  # the two excavations under way (A and C)
    assert uplift.id in kept_misses(session)[world.full_suzhou.id]


# -- the figures ------------------------------------------------------------------------------------------------


def test_the_province_section_ranks_the_category_counts_each_city_and_lists_the_works(session, world):
    section = problem_figures.section(session, PERIOD, None)
    assert section.category == "excavation" and section.message == "" and section.precedents == 12
    top = section.top
    assert "抗隆起" in str(top.rows[0][0]) and top.rows[0][1] == "计算书及相关施工图纸"
    columns = list(top.columns)
    assert (
        top.rows[0][2] == 8
        and top.rows[0][columns.index("苏州市")] == 5
        and top.rows[0][columns.index("南京市")] == 3
    )
    assert len(columns) == 5 + 13 and top.chart.value == "matrix"
    assert section.works.total == 2 and {r[0] for r in section.works.rows} == {
        "A区基坑支护工程",
        "B区基坑支护工程",
    }
    assert set(section.works.targets) == {world.lacking_suzhou.id, world.lacking_nanjing.id}
    targets = {t.label: t for t in section.targets}
    uplift = next(t for label, t in targets.items() if "抗隆起" in label)
    assert uplift.rank == 1 and uplift.works == 2 and uplift.sweep_id is None
    trend = section.trend
    assert [r[0] for r in trend.rows] == [f"{y}Q{q}" for y in (2024, 2025) for q in (1, 2, 3, 4)]
    assert sum(int(r[1]) for r in trend.rows) == 8  # 抗隆起's 8 reviews all fell in 2025
    overview = {r[0]: r for r in section.overview.rows}
    # Reviews 0-9 were held in 2025; review 9 raised nothing that groups (generic praise only).
    assert overview["基坑工程"][1:] == (9, 0, 12) and overview["模板工程及支撑体系"][3] == 3


def test_a_city_counts_its_own_occurrences_and_works_only(session, world):
    section = problem_figures.section(session, PERIOD, City.NANJING)
    assert section.top.columns[-1] == "其中现场检查与隐患" and section.top.chart.value == "hbar"
    assert "抗隆起" in str(section.top.rows[0][0]) and section.top.rows[0][2] == 3
    assert section.works.total == 1 and section.works.targets == (world.lacking_nanjing.id,)


def test_a_category_with_too_few_precedents_says_so_and_an_unknown_one_is_refused(session, world):
    section = problem_figures.section(session, PERIOD, None, category="formwork")
    assert "先例太少" in section.message and section.top.rows == () and section.targets == ()
    assert problem_figures.parse_category("") == ""
    with pytest.raises(AnalyticsError, match="工程类别“bridge”无法识别"):
        problem_figures.parse_category("bridge")


def test_a_month_trends_over_twelve_months(session, world):
    section = problem_figures.section(session, parse_period("2025-12"), None)
    assert [r[0] for r in section.trend.rows][0] == "2025-01" and section.trend.rows[-1][0] == "2025-12"


# -- the special sweep ------------------------------------------------------------------------------------------


def open_for(session, scope, problem, city, period=PERIOD):
    return problem_sweeps.open_problem_sweep(
        session, scope, problem_id=problem.id, period=period, city=city, today=TODAY
    )


def listed(session, sweep) -> set[int]:
    return set(session.scalars(select(SweepWork.work_id).where(SweepWork.sweep_id == sweep.id)))


def test_a_special_sweep_covers_exactly_the_works_that_did_not_address_the_problem(session, world):
    uplift = world.problem(session, "抗隆起")
    sweep, opened = open_for(session, regulator(session), uplift, None)
    assert opened and sweep.is_listed and sweep.city is None
    assert listed(session, sweep) == {world.lacking_suzhou.id, world.lacking_nanjing.id}
    assert sweep.name.startswith("专项排查：") and "抗隆起" in sweep.name and "全省2025年" in sweep.name
    assert (sweep.starts_on, sweep.ends_on) == (TODAY, date(2027, 1, 5))
    cover = sweep_services.compute_coverage(session, sweep, city=None)
    assert cover.works.total == 2 and cover.works.reached == 0
    left = sweep_services.works_left_page(session, sweep, city=None, page=1).items
    assert {w.id for w in left} == {world.lacking_suzhou.id, world.lacking_nanjing.id}
    logged = session.scalars(select(AuditLog).where(AuditLog.action == "sweep_open")).all()
    assert len(logged) == 1 and logged[0].after["works"] == 2 and logged[0].object_id == str(sweep.id)
    again, opened_again = open_for(session, regulator(session), uplift, None)
    assert again.id == sweep.id and not opened_again
    assert problem_figures.section(session, PERIOD, None).targets[0].sweep_id == sweep.id


def test_a_city_regulator_opens_his_citys_sweep_only(session, world):
    uplift = world.problem(session, "抗隆起")
    nanjing = regulator(session, City.NANJING)
    for city in (None, City.SUZHOU):
        with pytest.raises(PermissionDenied):
            open_for(session, nanjing, uplift, city)
    sweep, _ = open_for(session, nanjing, uplift, City.NANJING)
    assert sweep.city is City.NANJING and listed(session, sweep) == {world.lacking_nanjing.id}
    assert "南京市2025年" in sweep.name
    with pytest.raises(PermissionDenied):
        open_for(session, Scope.of(make_account(session, Role.ADMIN)), uplift, None)


def test_bad_requests_get_chinese_messages(session, world):
    province = regulator(session)
    with pytest.raises(AnalyticsError, match="共性问题（编号999999）不存在"):
        problem_sweeps.open_problem_sweep(session, province, problem_id=999999, period=PERIOD, city=None,
                                          today=TODAY)  # fmt: skip
    with pytest.raises(AnalyticsError, match="无法识别"):
        problem_sweeps.parse_problem_id("12a")
    with pytest.raises(AnalyticsError, match="不是全省2026年第一季度基坑工程最常提出的前10个问题之一"):
        open_for(session, province, world.problem(session, "抗隆起"), None, parse_period("2026Q1"))
    with pytest.raises(AnalyticsError, match="没有方案未涉及该问题的在施工程"):
        open_for(session, province, world.problem(session, "应急"), None)
    formwork = session.scalars(select(CommonProblem).where(CommonProblem.category == "formwork")).first()
    with pytest.raises(AnalyticsError, match="先例太少"):
        open_for(session, province, formwork, None)
    assert session.scalar(select(func.count()).select_from(Sweep)) == 0


def test_parallel_clicks_open_one_sweep(app, session, world):
    uplift_id = world.problem(session, "抗隆起").id
    account = make_account(session, Role.REGULATOR)
    with app.app_context():
        engine = db.engine
    barrier = threading.Barrier(6)
    results: list[object] = []

    def click() -> None:
        with Session(engine) as own:
            scope = Scope.of(own.get(type(account), account.id))
            barrier.wait()
            try:
                sweep, opened = problem_sweeps.open_problem_sweep(own, scope, problem_id=uplift_id, period=PERIOD,
                                                                  city=None, today=TODAY)  # fmt: skip
                results.append((sweep.id, opened))
            except Exception as exc:  # noqa: BLE001 - any failure is the failure under test
                results.append(exc)

    threads = [threading.Thread(target=click) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert all(isinstance(r, tuple) for r in results) and len(results) == 6, results
    assert len({sweep_id for sweep_id, _ in results}) == 1  # type: ignore[misc]
    assert sum(1 for _, opened in results if opened) == 1  # type: ignore[misc]
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Sweep)) == 1
    assert (
        session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "sweep_open")) == 1
    )
