"""The credit ranking page: the rolling 12 months by default, a year chosen, statuses in force today, bad years."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from expert_pool.experts.models import CreditEventRow, Expert, ExpertStatus
from knowledge.accounts.models import Role
from tests.factories import login, make_account, make_expert

TODAY = datetime.now(UTC).date()
LAST_DECEMBER = date(TODAY.year - 1, 12, 31)


def penalise(session, expert, day: date, points: int = -10, kind: str = "no_show") -> None:
    session.add(CreditEventRow(expert_id=expert.id, day=day, kind=kind, points=points, reason="无故缺席"))
    session.commit()


def ranking(client, **args) -> str:
    return client.get("/experts/credit/ranking", query_string=args).get_data(as_text=True)


def row_of(page: str, name: str) -> str:
    start = page.index(f">{name}</a>")
    return page[start : page.index("</tr>", start)]


def test_rolling_view_is_the_default_and_keeps_last_decembers_penalty(client, session):
    expert = make_expert(session, name="王一")
    penalise(session, expert, LAST_DECEMBER)
    login(client, make_account(session, Role.REGULATOR))
    page = ranking(client)
    assert "近12个月" in page and "<td>90</td>" in row_of(page, "王一")


def test_a_chosen_year_scores_only_that_years_events(client, session):
    expert = make_expert(session, name="王二")
    penalise(session, expert, LAST_DECEMBER)
    penalise(session, expert, date(TODAY.year - 1, 6, 1), points=-5, kind="late_report")
    login(client, make_account(session, Role.REGULATOR))
    last_year = ranking(client, year=str(TODAY.year - 1))
    assert f"{TODAY.year - 1}年" in last_year and "<td>85</td>" in row_of(last_year, "王二")
    this_year = ranking(client, year=str(TODAY.year))
    assert "王二" not in this_year and "暂无信用记录" in this_year  # a new year restarts at the base


def test_the_year_selector_offers_the_years_with_events_and_this_year(client, session):
    penalise(session, make_expert(session), date(TODAY.year - 3, 5, 1))
    login(client, make_account(session, Role.DRAW_OFFICE))
    page = ranking(client)
    for year in (TODAY.year, TODAY.year - 3):
        assert f'<option value="{year}"' in page
    assert f'<option value="{TODAY.year - 2}"' not in page


def test_an_expired_suspension_shows_the_status_in_force_today(client, session):
    lapsed = make_expert(
        session, name="李暂", status=ExpertStatus.SUSPENDED, suspended_until=date(2024, 12, 23)
    )
    running = make_expert(
        session, name="李停", status=ExpertStatus.SUSPENDED, suspended_until=TODAY + timedelta(days=30)
    )
    for expert in (lapsed, running):
        penalise(session, expert, TODAY - timedelta(days=1))
    login(client, make_account(session, Role.ADMIN))
    page = ranking(client)
    assert "2024-12-23" not in page and '<td class="status">在库</td>' in row_of(page, "李暂")
    assert f'<td class="status">暂停（至{TODAY + timedelta(days=30)}）</td>' in row_of(page, "李停")


def test_status_text_ends_the_suspension_on_the_day_it_runs_to():
    suspended = Expert(name="赵", status=ExpertStatus.SUSPENDED, suspended_until=date(2026, 5, 1))
    assert suspended.status_text(date(2026, 4, 30)) == "暂停（至2026-05-01）"
    assert suspended.status_on(date(2026, 5, 1)) is ExpertStatus.ACTIVE
    assert suspended.status_text(date(2026, 5, 1)) == "在库"
    removed = Expert(name="钱", status=ExpertStatus.REMOVED)
    assert removed.status_text(date(2030, 1, 1)) == "已除名"


def test_bad_years_get_a_chinese_message_and_the_rolling_view(client, session):
    login(client, make_account(session, Role.REGULATOR))
    for bad, message in (
        ("abc", "年份“abc”无效"),
        ("1800", "年份须在2000年至"),
        (str(TODAY.year + 1), "年份须在"),
    ):
        response = client.get("/experts/credit/ranking", query_string={"year": bad})
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and message in page and "近12个月" in page


def test_the_ranking_stays_closed_to_other_roles(client, session):
    login(client, make_account(session, Role.PROJECT_TEAM))
    assert client.get("/experts/credit/ranking?year=2025").status_code == 403
    client.post("/auth/logout")
    login(client, make_account(session, Role.EXPERT))
    assert client.get("/experts/credit/ranking").status_code == 403
