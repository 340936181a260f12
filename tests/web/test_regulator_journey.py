"""Issue 22 item 10: a regulator's journey in Debian's Chromium against a seeded app served by a real server and
a real job consumer — the dashboard, switching city and period, a chart's CSV, the periodic supervision report
requested from the dashboard and downloaded once the background job has built it, the integrity scan run and
read. Screenshots under ``test-artifacts/journey`` (or ``SCREENSHOT_DIR``)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import pytest

from tests.web.test_journey import ARGS, CHROMIUM, ROOT, as_user, playwright, seed_instance, server, shot

pytestmark = pytest.mark.skipif(not CHROMIUM, reason="Debian chromium is installed by `make test`")
PERIOD = "2024"  # the demo's reviews and inspections fall in 2024


@contextmanager
def consumer(env: dict[str, str]) -> Iterator[None]:
    """The huey consumer as production runs it, on the instance's queue."""
    proc = subprocess.Popen([sys.executable, "-m", "huey.bin.huey_consumer", "webapp.jobs.huey", "-w", "1"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def wait_for(page, selector: str, seconds: int = 180) -> None:
    """Wait until ``selector`` shows: the page polls the job and reloads itself when it ends; a navigation of
    ours may cross that reload, so a failed one is simply tried again."""
    url = page.url
    deadline = time.monotonic() + seconds
    while True:
        try:
            page.wait_for_selector(selector, timeout=5_000)
            return
        except playwright.Error:
            assert time.monotonic() < deadline, f"{selector} did not appear"
        with suppress(playwright.Error):
            page.goto(url)


def test_regulator_journey_in_chromium(tmp_path):
    env = seed_instance(tmp_path)
    with playwright.sync_playwright() as p, server(env) as url, consumer(env):
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        with as_user(browser, url, "regulator") as page:
            page.goto(f"{url}/")
            assert page.locator("#tasks").count() == 1  # the regulator's workbench
            page.wait_for_selector("#nav-task-count:not([hidden])")  # the count fetched after the page showed
            assert page.inner_text("#nav-task-count").isdigit()
            page.click("#analysis-menu a.dropdown-toggle")
            page.click("#analysis-menu a:has-text('监管看板')")
            page.fill("#period", PERIOD)
            page.select_option("#area", "suzhou")
            page.click("#dashboard-filters button")
            assert "苏州市 · 2024年" in page.inner_text("h1")
            page.wait_for_selector("[data-chart] canvas")  # ECharts drew from our static files
            shot(page, "20-dashboard-suzhou-2024")
            page.select_option("#area", "province")
            page.click("#dashboard-filters button")
            assert "全省 · 2024年" in page.inner_text("h1")
            page.wait_for_selector("[data-chart] canvas")
            shot(page, "21-dashboard-province-2024")
            with page.expect_download() as got:
                page.click("#csv-summary")
            csv_text = got.value.path().read_text(encoding="utf-8-sig")
            assert csv_text.splitlines()[0].count(",") >= 1 and len(csv_text.splitlines()) > 2
            page.click("#supervision-report-button button")
            assert "/supervision-reports" in page.url
            wait_for(page, "a:has-text('下载PDF')")
            shot(page, "22-supervision-report-ready")
            with page.expect_download() as got:
                page.click("a:has-text('下载PDF')")
            assert got.value.path().read_bytes()[:5] == b"%PDF-"
            page.goto(f"{url}/integrity")
            page.click("button:has-text('开始分析')")
            wait_for(page, "text=最近一次分析")
            shot(page, "23-integrity")
        with as_user(browser, url, "regulator_sz") as page:
            page.goto(f"{url}/dashboard?period={PERIOD}&area=nanjing")
            assert "只能查看" in page.inner_text("main")
            page.goto(
                f"{url}/site/supervision-portraits?period=2025"
            )  # the demo's inspections: 2025 and 2026
            assert "监督画像" in page.inner_text("h1") and page.locator("#no-data").count() == 0
            page.wait_for_selector("#supervision-chart canvas")
            shot(page, "24-supervision-portraits-suzhou")
        browser.close()
