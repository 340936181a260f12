"""Issue 22 item 10: a city draw office clears its workbench queue in Debian's Chromium, against the seeded demo
served by a real server, following each task's own link.

Nanjing's office (``office_nj``) finds one work awaiting a draw: it opens it from the workbench, draws the panel
for a place and time (after the confirmation step), and the work leaves both its queue and the works list
filtered to 已申请论证. The experts answer and, on the meeting day (the server restarted with its clock moved,
``CLOCK_OFFSET_HOURS``, as the review journey does), four check in and the contractor reports the fifth absent:
the office's queue now holds the absence to decide and the meeting to record; it does both from the tasks'
links and ends with an empty workbench. The other parties' steps go through the services (their pages have
journeys of their own). After each step the workbench and the navigation bar's count (``#nav-task-count``)
are checked. Screenshots 30-36 under ``test-artifacts/journey`` (or ``SCREENSHOT_DIR``)."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, cast

import pytest
from sqlalchemy import select

from expert_pool.draws import chain
from expert_pool.draws.models import Seat, SeatStatus
from expert_pool.reviews import attendance, meetings
from knowledge.accounts.models import Account
from knowledge.accounts.permissions import Scope
from knowledge.clock import CST
from knowledge.enterprises.models import ParticipantRole, ProjectParticipant
from knowledge.registry.models import Work
from knowledge.registry.workflow import WorkStatus
from tests.web.test_journey import ARGS, CHROMIUM, as_user, db_of, playwright, seed_instance, server, shot
from webapp.config import Config

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.skipif(
    not shutil.which("chromium"), reason="Debian chromium: `make test` installs it"
)
PLACE = "南京市住房和城乡建设局第二会议室"
ABSENCE_NOTE = "会议开始一小时后仍未到场，电话未接通"


def workbench(page: Page, url: str) -> list[str]:
    """Open the home page; the kinds of its tasks, in order, once the navigation bar's count agrees with them."""
    page.goto(f"{url}/")
    kinds: list[str] = page.locator("tr.task").evaluate_all("rows => rows.map(r => r.dataset.kind)")
    assert f"待办事项（{len(kinds)}" in page.inner_text("#tasks-title")
    if kinds:
        counted(page, len(kinds))
    else:  # nothing to do: once the count has come back, no badge, and a sentence instead of the table
        page.wait_for_load_state("networkidle")
        playwright.expect(page.locator("#nav-task-count")).to_be_hidden()
        assert "目前没有待办事项" in page.inner_text("#tasks")
    return kinds


def counted(page: Page, open_tasks: int) -> None:
    """Wait until the page's own count request has come back showing ``open_tasks``: a count computed before our
    next POST and answered after it would otherwise put a stale count back into the session cookie."""
    playwright.expect(page.locator("#nav-task-count")).to_have_text(str(open_tasks))


def works_awaiting_draw(page: Page, url: str) -> list[str]:
    """The works list filtered to 已申请论证 (as the office filters it): the works' names."""
    page.goto(f"{url}/works/")
    page.select_option("main select[name=status]", WorkStatus.REVIEW_REQUESTED.value)
    with page.expect_navigation():
        page.click("main form button:has-text('查询')")
    page.wait_for_load_state("load")
    return page.locator("main tbody tr td:first-child a").all_inner_texts()


def panel_confirms(env: dict[str, str], draw_id: int) -> int:
    """Every invited expert confirms (their pages are the review journey's); the review the first one opened."""
    chain.use_key(Config(env["INSTANCE_DIR"]).DRAW_CHAIN_KEY.encode())  # the instance's, as its server's
    with db_of(env) as s:
        seats = s.scalars(
            select(Seat).where(Seat.draw_id == draw_id, Seat.status == SeatStatus.INVITED)
        ).all()
        for seat in seats:
            meetings.confirm_seat(s, seat, now=datetime.now(UTC), actor_id=None)
        return meetings.open_review(s, seats[0].draw).id


def meeting_begins(env: dict[str, str], review_id: int, now: datetime) -> None:
    """An hour into the meeting: four experts have checked in, the contractor's team reports the fifth absent."""
    with db_of(env) as s:
        review = meetings.get_review(s, review_id)
        *present, absent = meetings.panel_ids(s, review)
        for expert_id in present:
            attendance.check_in(s, review, expert_id, now=now, actor_id=None)
        work = s.get(Work, review.work_id)
        assert work is not None
        contractor = select(ProjectParticipant.enterprise_id).where(
            ProjectParticipant.project_id == work.project_id,
            ProjectParticipant.role == ParticipantRole.GENERAL_CONTRACTOR,
        )
        team = s.scalar(select(Account).where(Account.enterprise_id.in_(contractor)).order_by(Account.id))
        assert team is not None  # the demo has one (the account that signs its cranes)
        attendance.report_absence(s, review, absent, note=ABSENCE_NOTE, scope=Scope.of(team), now=now)


def test_office_clears_its_queue_in_chromium(tmp_path: Path) -> None:
    env = seed_instance(tmp_path)
    meeting_day = (datetime.now(CST) + timedelta(days=5)).date()
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        with server(env) as url, as_user(browser, url, "office_nj") as page:
            draw_id = draw_from_the_workbench(cast("Page", page), url, meeting_day)
        review_id = panel_confirms(env, draw_id)
        at_meeting = datetime.combine(meeting_day, datetime.min.time(), tzinfo=CST) + timedelta(hours=15.5)
        meeting_begins(env, review_id, at_meeting)
        offset = (at_meeting - datetime.now(UTC)).total_seconds() / 3600
        with server(env, offset) as url, as_user(browser, url, "office_nj") as page:
            clear_the_meeting_day(cast("Page", page), url)
        browser.close()


def draw_from_the_workbench(page: Page, url: str, meeting_day: date) -> int:
    assert workbench(page, url) == ["draw_request"]
    work_name = page.inner_text("tr.task[data-kind=draw_request] td:nth-child(2)").split(" · ")[-1]
    shot(page, "30-office-workbench-draw")
    assert works_awaiting_draw(page, url) == [work_name]
    shot(page, "30a-office-works-awaiting-draw")
    page.goto(f"{url}/")
    page.click("tr.task[data-kind=draw_request] a")
    assert page.inner_text("h1") == work_name
    counted(page, 1)
    page.fill("input[name=meeting_day]", meeting_day.isoformat())
    page.select_option("select[name=half_day]", "pm")
    page.fill("input[name=start_time]", "14:30")
    page.fill("input[name=place]", PLACE)
    page.click("button:has-text('抽取专家')")
    asked = page.inner_text("#confirm")
    assert "14:30" in asked and PLACE in asked and "不能撤销" in asked
    counted(page, 1)
    shot(page, "31-office-draw-confirmation")
    page.click("#confirm button:has-text('确认抽取')")
    assert "抽取完成" in page.inner_text(".alert-success")
    assert "专业不符合本工程类别" in page.inner_text("#excluded-by-reason")
    shot(page, "32-office-draw-record")
    draw_id = int(page.url.rstrip("/").split("/")[-1])
    assert workbench(page, url) == []
    assert works_awaiting_draw(page, url) == []
    return draw_id


def clear_the_meeting_day(page: Page, url: str) -> None:
    assert sorted(workbench(page, url)) == ["absence_decide", "meeting_record"]
    assert "今日到期" in page.inner_text("tr.task[data-kind=meeting_record]")  # recorded on the day
    shot(page, "33-office-workbench-meeting-day")
    page.click("tr.task[data-kind=absence_decide] a")
    counted(page, 2)
    row = page.locator("#absences tr", has_text=ABSENCE_NOTE)
    row.locator("input[name=note]").fill("经电话核实，专家因个人原因未到会")
    row.locator("button:has-text('核实缺席')").click()
    assert "记入其信用记录" in page.inner_text("#confirm")  # a credit event: asked once more
    counted(page, 2)
    page.click("#confirm button:has-text('确认缺席')")
    assert "已核实缺席" in page.inner_text(".alert-success")
    assert "已核实缺席：经电话核实" in page.inner_text("#absences")
    shot(page, "34-office-absence-confirmed")
    assert workbench(page, url) == ["meeting_record"]
    page.click("tr.task[data-kind=meeting_record] a")
    counted(page, 1)
    form = page.locator("#meeting-record")
    assert form.locator("input[name=place]").input_value() == PLACE  # as arranged with the draw
    for i in range(form.locator("input[name^=attendee-name-]").count()):  # what the registry could not fill
        for field, value in (("name", f"参会人{i + 1}"), ("unit", "南京某建设工程有限公司")):
            box = form.locator(f"input[name=attendee-{field}-{i}]")
            if not box.input_value():
                box.fill(value)
    form.locator("button:has-text('保存会议记录')").click()
    assert "论证会记录已保存" in page.inner_text(".alert-success")
    assert f"于 {PLACE} 召开" in page.inner_text("main")
    shot(page, "35-office-meeting-recorded")
    assert workbench(page, url) == []
    shot(page, "36-office-workbench-cleared")
