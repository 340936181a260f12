"""The whole review journey in Debian's Chromium against a freshly seeded app served by a real server process.

A project team registers an over-scale work and submits a plan; the constructor's and the supervisor's
accounts sign it; the office draws a panel for a place and time, after the confirmation step (the team sees it
sealed); each expert confirms from his workbench (the home page's task opens the invitation); at the meeting the
team reports a late expert absent, the experts check in on their own accounts and choose their leader, the office
rejects the report (he came), the team records the meeting; each expert, led by his workbench's tasks, submits
his opinion blind and signs, one with a recorded reservation that the team does not see and the province's
regulator does; the team downloads the report, and the page its QR code points to says genuine.
The meeting is days after the draw: the server is restarted with its clock moved to the meeting day
(``CLOCK_OFFSET_HOURS``), the way the app runs a drill. Screenshots of the key pages are saved under
``test-artifacts/journey`` (or ``SCREENSHOT_DIR``).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

import knowledge.audit
from expert_pool.draws.models import Seat, SeatStatus
from expert_pool.experts.models import Expert
from expert_pool.reviews.models import Review, ReviewReport
from knowledge.accounts.models import Account, Role
from knowledge.accounts.passwords import hash_password
from knowledge.accounts.services import AccountInput, create_account
from knowledge.enterprises.models import ParticipantRole, ProjectParticipant
from knowledge.registry.models import Work
from tests.factories import SAMPLE_PLAN
from webapp.config import Config

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or ""
playwright = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(
    not (shutil.which("chromium") and shutil.which("pdftoppm") and shutil.which("zbarimg")),
    reason="Debian chromium, poppler-utils and zbar-tools are installed by `make test`",
)
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run"]  # fmt: skip
SHOTS = Path(os.environ.get("SCREENSHOT_DIR", ROOT / "test-artifacts" / "journey"))
DEMO_PASSWORD = "Demo@2024!"
EXPERT_PASSWORD = "Expert@2026-journey"
RESERVATION = "对第2条意见保留：监测报警值应按周边管线的允许变形确定，而非仅按规范默认值。"
CST = timezone(timedelta(hours=8))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def flask(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@contextmanager
def server(env: dict[str, str], offset_hours: float = 0) -> Iterator[str]:
    # The server logs every request on stderr: into a file, never a pipe nobody reads (a full pipe stops it).
    with tempfile.TemporaryFile(mode="w+") as log:
        port = free_port()
        proc = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "run", "--host", "127.0.0.1", "--port", str(port),
             "--no-reload"], cwd=ROOT, env=env | {"CLOCK_OFFSET_HOURS": str(offset_hours)},
            stdout=subprocess.DEVNULL, stderr=log, text=True,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120  # a loaded 2-core machine takes a while to import the app
            while True:
                try:
                    urllib.request.urlopen(f"{url}/auth/login", timeout=5)
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        log.seek(0)
                        raise AssertionError(log.read()[-2000:] or "server did not start") from None
                    time.sleep(0.1)
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=10)


@pytest.fixture
def seeded(tmp_path) -> dict[str, str]:
    return seed_instance(tmp_path)


def instance_env(folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TEST_DATABASE_URL", "DATABASE_URL", "REDIS_URL")}
    env |= {"INSTANCE_DIR": str(folder), "DATABASE_URL": f"sqlite:///{folder / 'app.db'}",
            "UPLOAD_DIR": str(folder / "uploads"), "SEARCH_INDEX_DIR": str(folder / "index"),
            "SEARCH_BACKGROUND_WRITER": "0", "PUBLIC_BASE_URL": "http://127.0.0.1:1"}  # fmt: skip
    return env


def seed_instance(tmp_path: Path) -> dict[str, str]:
    """A migrated instance with the small demo world, served from ``tmp_path``; its environment.

    The demo is seeded once per test run (the first journey to ask, under a file lock that the xdist workers
    share) and copied for each journey: every journey still starts from the same fresh world, its own copy."""
    shared = tmp_path.parents[1] if os.environ.get("PYTEST_XDIST_WORKER") else tmp_path.parent
    template = shared / "journey-demo-instance"
    with (shared / "journey-demo-instance.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (template / "seeded").exists():
            shutil.rmtree(template, ignore_errors=True)
            env = instance_env(template)
            flask(env, "db", "upgrade")
            flask(env, "seed-demo", "--scale", "small", "--demo")
            (template / "seeded").touch()
    shutil.copytree(template, tmp_path, dirs_exist_ok=True, ignore=shutil.ignore_patterns("seeded"))
    return instance_env(tmp_path)


def db_of(env: dict[str, str]) -> Session:
    """A session on the served instance's database, with the instance's audit key (its rows join the chain)."""
    knowledge.audit.use_key(Config(env["INSTANCE_DIR"]).AUDIT_CHAIN_KEY.encode())
    return Session(create_engine(env["DATABASE_URL"]))


def the_project(env: dict[str, str]) -> int:
    """A project where the demo team is the general contractor and the demo supervisor supervises."""
    with db_of(env) as s:
        team, sup = (s.scalar(select(Account).where(Account.username == n)) for n in ("team", "supervisor"))
        gc = select(ProjectParticipant.project_id).where(
            ProjectParticipant.enterprise_id == team.enterprise_id,
            ProjectParticipant.role == ParticipantRole.GENERAL_CONTRACTOR,
        )
        return s.scalar(
            select(ProjectParticipant.project_id)
            .where(
                ProjectParticipant.project_id.in_(gc), ProjectParticipant.enterprise_id == sup.enterprise_id
            )
            .order_by(ProjectParticipant.project_id)
            .limit(1)
        )


def expert_accounts(env: dict[str, str], draw_id: int) -> list[tuple[str, str]]:
    """Accounts for the invited experts (the office would issue them); returns (username, name) in seat order."""
    made = []
    with db_of(env) as s:
        seats = s.scalars(select(Seat).where(Seat.draw_id == draw_id, Seat.status == SeatStatus.INVITED)
                          .order_by(Seat.position)).all()  # fmt: skip
        for seat in seats:
            expert = s.get(Expert, seat.expert_id)
            account = s.scalar(select(Account).where(Account.expert_id == expert.id))
            if account is None:
                data = AccountInput(username=f"expert{expert.id}", display_name=expert.name,
                                    password=EXPERT_PASSWORD, role=Role.EXPERT, expert_id=expert.id)  # fmt: skip
                account = create_account(s, data, actor_id=None, hash_method="scrypt:1024:8:1")
            else:  # the demo's own expert account was drawn: it gets the journey's password too
                account.password_hash = hash_password(EXPERT_PASSWORD, "scrypt:1024:8:1")
            s.commit()
            made.append((account.username, expert.name))
    return made


def sign_in(page, url: str, username: str, password: str) -> None:
    page.goto(f"{url}/auth/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    page.wait_for_selector("nav")


def confirm_if_asked(page) -> None:
    """The shared confirmation step (``_confirm.html``): say yes once more where a page asks."""
    if page.locator("#confirm").count():
        page.click("#confirm button[type=submit]")


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@contextmanager
def as_user(browser, url: str, username: str, password: str = DEMO_PASSWORD) -> Iterator[object]:
    context = browser.new_context(locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    blocked: list[str] = []  # the Content-Security-Policy forbids inline scripts: no page may need one
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    sign_in(page, url, username, password)
    try:
        yield page
    finally:
        context.close()
    assert blocked == [], blocked


def test_review_journey_in_chromium(seeded, tmp_path):
    env = seeded
    project_id = the_project(env)
    assert project_id is not None
    meeting_day = (datetime.now(CST) + timedelta(days=5)).date()
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        with server(env) as url:
            work_id = register_and_sign(browser, url, project_id, tmp_path)
            draw_id = draw_panel(browser, url, work_id, meeting_day)
            experts = expert_accounts(env, draw_id)
            assert len(experts) == 5
            for username, _ in experts:
                with as_user(browser, url, username, EXPERT_PASSWORD) as page:
                    page.goto(
                        f"{url}/"
                    )  # his workbench: the invitation, its reply deadline, a link to answer it
                    page.click("tr.task[data-kind=invitation_answer] a")
                    assert "第三会议室" in page.inner_text("main") and "09:30" in page.inner_text("main")
                    page.click("button:has-text('确认参加')")
                    assert "已确认参加论证会" in page.inner_text(".alert-success")
        # The meeting day, 10:00 in Jiangsu: the same data, the clock moved forward.
        at_meeting = datetime.combine(meeting_day, datetime.min.time(), tzinfo=CST) + timedelta(hours=10)
        offset = (at_meeting - datetime.now(UTC)).total_seconds() / 3600
        with server(env, offset) as url:
            review_id = hold_meeting(browser, url, work_id, experts)
            report_code = conclude(browser, url, review_id, experts)
            check_report(browser, url, env, review_id, report_code, tmp_path)
        browser.close()


def register_and_sign(browser, url: str, project_id: int, tmp_path: Path) -> int:
    with as_user(browser, url, "team") as page:
        page.goto(f"{url}/works/new?project_id={project_id}&kind=excavation/foundation_pit")
        page.fill("input[name=name]", "3#地块深基坑支护及土方开挖工程")
        page.fill("input[name=p_excavation_depth]", "7.5")
        for select_name in ("p_complex_conditions", "p_affects_adjacent_structures"):
            if page.locator(f"select[name={select_name}]").count():
                page.select_option(f"select[name={select_name}]", "否")
        page.click("main button[type=submit]")
        assert "超过一定规模" in page.inner_text("main")
        work_id = int(page.url.rstrip("/").split("/")[-1])
        plan = tmp_path / "深基坑专项施工方案.txt"
        plan.write_text(SAMPLE_PLAN, encoding="utf-8")
        page.click("a:has-text('提交新版本')")
        page.fill("input[name=title]", "3#地块深基坑支护及土方开挖专项施工方案")
        page.set_input_files("input[name=file]", str(plan))
        page.fill("input[name=authors-0-name]", "王编制")
        page.fill("input[name=authors-0-unit]", "苏州某建设有限公司")
        page.click("main button[type=submit]")
        page.goto(f"{url}/works/{work_id}")
        page.click("button:has-text('以施工单位技术负责人身份签署')")
        page.click("#confirm button:has-text('确认签字')")
        shot(page, "01-plan-signed-by-constructor")
    with as_user(browser, url, "supervisor") as page:
        page.goto(f"{url}/works/{work_id}")
        page.click("button:has-text('以总监理工程师身份签署')")
        page.click("#confirm button:has-text('确认签字')")
    with as_user(browser, url, "team") as page:
        page.goto(f"{url}/works/{work_id}")
        page.click("button:has-text('申请专家论证')")
        page.click("#confirm button:has-text('确认申请')")
        assert "已申请论证" in page.inner_text("main")
    return work_id


def draw_panel(browser, url: str, work_id: int, meeting_day) -> int:
    with as_user(browser, url, "office") as page:
        page.goto(f"{url}/works/{work_id}")
        page.fill("input[name=meeting_day]", meeting_day.isoformat())
        page.select_option("select[name=half_day]", "am")
        page.fill("input[name=start_time]", "09:30")
        page.fill("input[name=place]", "苏州市住房和城乡建设局第三会议室")
        page.click("button:has-text('抽取专家')")
        asked = page.inner_text("#confirm")
        assert "09:30" in asked and "第三会议室" in asked and "不能撤销" in asked
        shot(page, "02a-draw-confirmation")
        page.click("#confirm button:has-text('确认抽取')")
        assert "抽取完成" in page.inner_text(".alert-success")
        shot(page, "02-draw-record-office")
        draw_id = int(page.url.rstrip("/").split("/")[-1])
    with as_user(browser, url, "team") as page:
        page.goto(f"{url}/draws/{draw_id}")
        sealed = page.inner_text("#sealed")
        assert "名单将于" in sealed and "揭示" in sealed
        shot(page, "03-draw-sealed-for-team")
    return draw_id


def hold_meeting(browser, url: str, work_id: int, experts: list[tuple[str, str]]) -> int:
    with as_user(browser, url, "team") as page:
        page.goto(f"{url}/works/{work_id}")
        page.click("a:has-text('论证记录')")
        review_id = int(page.url.split("#")[0].rstrip("/").split("/")[-1])
        late = experts[-1][1]  # not there yet: the team reports him, the office decides
        page.fill(f"input[aria-label='{late}缺席情况说明']", "会议开始时未到场")
        page.click(f"tr:has-text('{late}') button:has-text('报告缺席')")
        assert "待抽取办公室核实" in page.inner_text(".alert-success")
        assert page.locator("#leader-form").count() == 0  # the team does not choose the leader
    for username, _ in experts:
        with as_user(browser, url, username, EXPERT_PASSWORD) as page:
            page.goto(f"{url}/reviews/{review_id}")
            page.click("button:has-text('本人签到')")
            assert "您已签到" in page.inner_text(".alert-success")
            page.select_option("#leader-form select[name=leader]", label=experts[0][1])
            page.click("#leader-form button:has-text('推选组长')")
    with as_user(browser, url, "office") as page:
        page.goto(f"{url}/reviews/{review_id}")
        assert "组长" in page.inner_text("#attendance-table") and experts[0][1] in page.inner_text("#leader")
        row = page.locator("#absences tr", has_text=late).first
        row.locator("input[name=note]").fill("专家迟到，已本人签到")
        row.locator("button:has-text('驳回')").click()
        assert "已驳回缺席报告" in page.inner_text(".alert-success")
        shot(page, "04a-office-attendance")
    with as_user(browser, url, "team") as page:
        page.goto(f"{url}/reviews/{review_id}")
        assert page.input_value("input[name=place]") == "苏州市住房和城乡建设局第三会议室"  # from the draw
        for i in range(11):
            if page.locator(f"input[name=attendee-name-{i}]").count() and not page.input_value(
                f"input[name=attendee-name-{i}]"
            ):
                page.fill(f"input[name=attendee-name-{i}]", f"参会人{i + 1}")
                page.fill(f"input[name=attendee-unit-{i}]", "某单位")
        page.click("button:has-text('保存会议记录')")
        assert "论证会记录已保存" in page.inner_text(".alert-success")
        shot(page, "04-meeting-recorded")
    for n, (username, _) in enumerate(experts):
        with as_user(browser, url, username, EXPERT_PASSWORD) as page:
            page.goto(f"{url}/reviews/{review_id}/plan")  # reads the signed plan (logged)
            page.goto(f"{url}/")  # the workbench leads to the opinion form
            page.click(f"tr.task[data-kind=opinion_submit] a[href='/reviews/{review_id}']")
            if n == 1:  # blind: the first expert's findings are hidden until one's own is in
                assert "专家甲发现" not in page.inner_text("main")
                shot(page, "05-opinion-form-blind")
            for radio in page.locator("#opinion input[type=radio][value=yes]").all():
                radio.check()
            page.fill("#findings-1", f"专家{'甲乙丙丁戊'[n]}发现：应急预案不具体。")
            page.fill("#findings-2", "支护结构计算缺少坑底抗隆起验算。")
            page.fill("#findings-3", "监测点布置不足，未明确报警值。")
            page.select_option("#proposed", "pass_after_revision")
            page.click("button:has-text('提交个人意见')")
            confirm_if_asked(page)
            assert "独立意见已提交" in page.inner_text(".alert-success")
            if n == 1:
                assert "专家甲发现" in page.inner_text("main")
    return review_id


def conclude(browser, url: str, review_id: int, experts: list[tuple[str, str]]) -> str:
    leader = experts[0][0]
    with as_user(browser, url, leader, EXPERT_PASSWORD) as page:
        page.goto(f"{url}/reviews/{review_id}")
        page.select_option("#conclusion", "pass_after_revision")
        page.fill("#summary", "专家组认为方案基本可行，按以下意见修改完善后实施。")
        page.fill("input[name=change-1]", "补充坑底抗隆起及整体稳定验算。")
        page.locator("input[name=change-src-1]").first.check()
        page.fill("input[name=change-2]", "加密基坑周边监测点并明确各项报警值。")
        page.locator("input[name=change-src-2]").nth(1).check()
        page.click("button:has-text('生成报告草稿')")
        confirm_if_asked(page)
        assert "草稿已生成" in page.inner_text(".alert-success")
    for username, _ in experts:
        with as_user(browser, url, username, EXPERT_PASSWORD) as page:
            page.goto(f"{url}/")  # the workbench leads to the report waiting for his signature
            page.click(f"tr.task[data-kind=report_sign] a[href='/reviews/{review_id}']")
            if username == experts[1][0]:  # one expert signs with a recorded reservation (保留意见)
                page.check("#reserve")
                page.fill("#reservation", RESERVATION)
            page.click("button:has-text('同意并签署')")
            confirm_if_asked(page)
            assert "签署" in page.inner_text(".alert-success")
            last = page
            if username == experts[-1][0]:
                assert "全体专家已签署" in page.inner_text(".alert-success")
                shot(last, "06-report-final-expert")
                return page.inner_text(".border-success .verify-code").strip()
    raise AssertionError("unreachable")


def check_report(browser, url: str, env: dict[str, str], review_id: int, code: str, tmp_path: Path) -> None:
    with db_of(env) as s:
        report = s.scalar(select(ReviewReport).where(ReviewReport.verify_code == code))
        work = s.get(Work, s.get(Review, review_id).work_id)
        assert report.finalised_at is not None and work.status.value == "passed_after_revision"
    with as_user(browser, url, "team") as page:
        page.goto(f"{url}/reviews/{review_id}")
        assert "现行版本" in page.inner_text(".border-success")
        assert RESERVATION not in page.content() and "保留意见" not in page.inner_text("main")
        shot(page, "07-team-sees-conclusion")
        with page.expect_download() as info:
            page.click("a:has-text('下载报告（PDF）')")
        pdf = tmp_path / "report.pdf"
        info.value.save_as(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "专家论证报告" in text and "修改后通过" in text and code in text
    subprocess.run(["pdftoppm", "-png", "-r", "150", str(pdf), str(tmp_path / "page")], check=True)
    decoded = ""
    for png in sorted(tmp_path.glob("page*.png")):
        shutil.copy(png, SHOTS / f"08-report-{png.name}")
        run = subprocess.run(["zbarimg", "--quiet", "--raw", str(png)], capture_output=True, text=True)
        decoded = decoded or run.stdout.strip()
    assert decoded.endswith(f"/verify/{code}"), decoded
    with as_user(browser, url, "regulator") as page:  # the province's regulator sees who reserved, and why
        page.goto(f"{url}/reviews/{review_id}")
        assert RESERVATION in page.inner_text(".reservation")
        shot(page, "07b-regulator-sees-the-reservation")
    context = browser.new_context(locale="zh-CN")  # the public: no account
    page = context.new_page()
    page.goto(url + decoded[decoded.index("/verify/") :])
    assert "真实有效" in page.inner_text("main")
    shot(page, "09-verify-page-genuine")
    context.close()
