"""The regulators' dashboard figures (issue 22 item 2) against a small world with exact numbers, and its scope."""

from __future__ import annotations

from datetime import date

import pytest

from expert_pool.analytics import dashboard as figures
from expert_pool.analytics.errors import AnalyticsError
from expert_pool.analytics.periods import Period, Span, format_period, parse_area, parse_period, quarter_of
from expert_pool.analytics.tables import Table, to_csv
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.errors import PermissionDenied
from knowledge.regions import City
from tests.factories import make_account
from tests.integration.dashboard_world import TODAY, build

Q3 = Period(Span.QUARTER, 2026, 3)


@pytest.fixture
def world(app, session):
    return build(session, app.config["UPLOAD_DIR"])


def scope_of(session, city: City | None = None, role: Role = Role.REGULATOR) -> Scope:
    return Scope.of(make_account(session, role, city=city))


def query(scope: Scope, city: City | None = None, *, asked: bool = True, measure: str = "") -> figures.Query:
    return figures.make_query(scope, Q3, city, asked=asked, measure=measure, today=TODAY)


def rows(session, q: figures.Query, key: str) -> dict[str, tuple]:
    return {str(r[0]): tuple(r[1:]) for r in figures.table(session, q, key).rows}


def test_periods_read_back_as_written_and_bad_ones_say_why():
    for text in ("2026Q3", "2026-09", "2026"):
        assert format_period(parse_period(text)) == text
    assert (parse_period("2026Q3").start, parse_period("2026Q3").end) == (date(2026, 7, 1), date(2026, 9, 30))
    assert parse_period("2024-02").end == date(2024, 2, 29)
    assert quarter_of(date(2026, 12, 6)) == Period(Span.QUARTER, 2026, 4)
    for bad, words in (("2026Q5", "Q1至Q4"), ("2026-13", "1至12"), ("上季度", "无法识别"), ("1999", "2000")):
        with pytest.raises(AnalyticsError, match=words):
            parse_period(bad)
    assert parse_area("province") is None and parse_area("suzhou") is City.SUZHOU
    with pytest.raises(AnalyticsError, match="不是江苏省的设区市"):
        parse_area("hangzhou")


def test_works_are_counted_by_category_verdict_and_status_for_the_city(session, world):
    q = query(scope_of(session, City.SUZHOU), City.SUZHOU)
    assert rows(session, q, "works_by_category") == {"基坑工程": (1, 4, 4)}
    assert rows(session, q, "works_by_verdict") == {"危大工程": (1,), "超过一定规模的危大工程": (4,)}
    assert rows(session, q, "works_by_status") == {"已登记": (2,), "论证中": (1,), "方案生效": (2,)}


def test_reviews_held_in_the_period_with_first_pass_share_and_median_days(session, world):
    q = query(scope_of(session, City.SUZHOU), City.SUZHOU)
    assert rows(session, q, "reviews_by_conclusion") == {"通过": (1,), "修改后通过": (1,), "不通过": (1,)}
    summary = rows(session, q, "summary")
    assert summary["期末已登记危大工程（项）"] == (5,)
    assert summary["本期新登记（项）"] == (4,)
    assert summary["本期召开论证会（次）"] == (3,)
    assert summary["首次论证即通过（含修改后通过）占比（%）"] == (50.0,)
    assert summary["抽取至报告定稿天数中位数（天）"] == (8.0,)


def test_the_province_counts_every_city_and_the_cities_stand_side_by_side(session, world):
    q = query(scope_of(session), None, measure="reviews")
    assert rows(session, q, "summary")["本期召开论证会（次）"] == (4,)
    cities = figures.table(session, q, "cities")
    assert [r[0] for r in cities.rows] == [c.label for c in City]
    assert (
        dict(cities.rows)["苏州市"] == 3
        and dict(cities.rows)["南京市"] == 1
        and dict(cities.rows)["宿迁市"] == 0
    )


def test_declines_no_shows_and_conflicts_come_by_the_city_of_the_work(session, world):
    q = query(scope_of(session), None)
    assert rows(session, q, "declines") == {"南京市": (1, 0, 0), "苏州市": (1, 1, 0)}
    assert rows(session, q, "conflicts") == {"南京市": (1, 1), "苏州市": (2, 3)}
    assert rows(session, q, "thin_pool")["苏州市·基坑工程"] == (3, 0, 8, 8.0)


def test_hazards_found_closed_overdue_and_supervised(session, world):
    q = query(scope_of(session), None)
    assert rows(session, q, "hazards") == {"南京市": (1, 0, 0, 0, 0), "苏州市": (2, 1, 1, 1, 1)}


def test_early_warnings_list_their_targets(session, world):
    q = query(scope_of(session, City.SUZHOU), City.SUZHOU)
    late = figures.table(session, q, "late_works")
    assert (late.target, late.targets, late.total) == ("work", (world.late_work_id,), 1)
    unsigned = figures.table(session, q, "unsigned_reports")
    assert (unsigned.target, unsigned.targets) == ("review", (world.unsigned_review_id,))
    assert unsigned.rows[0][2:] == ("2026-10-01", "2026-10-04")
    hazards = figures.table(session, q, "overdue_hazards")
    assert (hazards.target, hazards.targets) == ("hazard", (world.overdue_hazard_id,))


def test_a_city_regulator_sees_his_city_only(session, world):
    nanjing = scope_of(session, City.NANJING)
    assert query(nanjing, None, asked=False).city is City.NANJING
    assert rows(session, query(nanjing, City.NANJING), "hazards") == {"南京市": (1, 0, 0, 0, 0)}
    assert figures.table(session, query(nanjing, City.NANJING), "late_works").rows == ()
    for other in (City.SUZHOU, None):
        with pytest.raises(PermissionDenied, match="只能查看南京市"):
            query(nanjing, other)
    with pytest.raises(AnalyticsError, match="省级"):
        figures.table(session, query(nanjing, City.NANJING), "cities")
    assert figures.dashboard(session, query(nanjing, City.NANJING)).cities is None


def test_other_roles_may_not_read_the_dashboard(session):
    with pytest.raises(PermissionDenied):
        query(scope_of(session, role=Role.PROJECT_TEAM))


def test_a_period_with_nothing_is_empty_and_an_unknown_chart_says_so(session, world):
    q = figures.make_query(
        scope_of(session), Period(Span.YEAR, 2020, 1), None, asked=True, measure="", today=TODAY
    )
    board = figures.dashboard(session, q)
    assert board.is_empty
    with pytest.raises(AnalyticsError, match="没有名为"):
        figures.table(session, q, "nonsense")


def test_the_csv_holds_the_table_and_neutralises_formulas(session, world):
    q = query(scope_of(session, City.SUZHOU), City.SUZHOU)
    text = to_csv(figures.table(session, q, "works_by_category")).decode("utf-8-sig")
    assert text.splitlines() == ["类别,危大工程,超过一定规模,其中本期新登记", "基坑工程,1,4,4"]


def test_the_sweeps_of_the_period_show_their_coverage(session, world):
    q = query(scope_of(session, City.SUZHOU), City.SUZHOU)
    assert rows(session, q, "sweeps") == {"2026年第三季度苏州市排查": (0.0, 0.0, "0/1", "0/1")}


def test_the_selected_city_is_marked_among_the_thirteen(session, world):
    chart = figures.table(
        session, query(scope_of(session), City.SUZHOU, measure="hazards"), "cities"
    ).chart_data()
    assert chart["categories"][chart["marked"]] == "苏州市"
    assert chart["values"][chart["marked"]] == 2


def test_a_state_of_today_does_not_make_an_empty_period_look_full(session, world):
    q = figures.make_query(
        scope_of(session), Period(Span.YEAR, 2020, 1), None, asked=True, measure="", today=TODAY
    )
    board = figures.dashboard(session, q)
    today_only = Table("crane_states", "起重机械", ("状态", "台数"), (("在用", 3),), is_of_period=False)
    full = figures.Dashboard(q, board.summary, (figures.Section("x", (today_only,)),), None, ())
    assert not today_only.is_empty and full.is_empty
