"""Supervision report pages (issue 22 item 6): a regulator requests a report (the job runs in place of the queue),
watches its progress, downloads it (audited); bad input gets its Chinese message; a failed build shows its message
and a retry button; a city's regulator is held to his city; other roles are refused. And the command line."""

from __future__ import annotations

import contextlib

import pytest
from sqlalchemy import select

from expert_pool.supervision_report import job
from expert_pool.supervision_report.models import ReportState, SupervisionReport
from expert_pool.supervision_report.report_pdf import supervision_report_pdf
from knowledge.accounts.models import Role
from knowledge.audit import AuditLog
from knowledge.regions import City
from tests.factories import login, make_account
from tests.integration.dashboard_world import build

PAGE = "/supervision-reports"


class Queue:
    """The job queue replaced by a direct run of the job, as the consumer would run it (a failure stays on the
    row, the page never sees it)."""

    def __init__(self, session):
        self.session, self.render, self.ran = session, supervision_report_pdf, []

    def __call__(self, report_id: int) -> None:
        self.ran.append(report_id)
        self.session.expire_all()  # the consumer reads the row afresh
        with contextlib.suppress(RuntimeError):
            job.build_report(self.session, report_id, render=self.render)


@pytest.fixture
def queue(monkeypatch, session):
    q = Queue(session)
    monkeypatch.setattr("webapp.reports.supervision_pages.enqueue_report", q)
    return q


@pytest.fixture
def world(app, session):
    return build(session, app.config["UPLOAD_DIR"])


def signed_in(client, session, role: Role = Role.REGULATOR, city: City | None = None):
    login(client, make_account(session, role, city=city))
    return client


def rows(session) -> list[SupervisionReport]:
    session.expire_all()
    return list(session.scalars(select(SupervisionReport).order_by(SupervisionReport.id)))


def test_a_regulator_requests_watches_and_downloads_a_report(client, session, world, queue):
    signed_in(client, session)
    assert "生成报告" in client.get(PAGE).get_data(as_text=True)
    started = client.post(PAGE, data={"period": "2026Q3", "area": "suzhou"})
    assert started.status_code == 302 and started.headers["Location"].endswith(PAGE)
    [row] = rows(session)
    assert (row.state, row.city, row.period) == (ReportState.DONE, City.SUZHOU, "2026Q3") and queue.ran == [
        row.id
    ]
    listing = client.get(PAGE).get_data(as_text=True)
    assert f'id="supervision-report-{row.id}"' in listing and row.sha256 in listing and "下载PDF" in listing
    assert client.get(f"{PAGE}/{row.id}/progress").get_json() == {
        "id": row.id, "period": "2026Q3", "area": "suzhou", "state": "done", "done": job.TOTAL,
        "total": job.TOTAL, "finished": True, "error": "", "sha256": row.sha256,
    }  # fmt: skip
    pdf = client.get(f"{PAGE}/{row.id}.pdf")
    assert (
        pdf.status_code == 200 and pdf.data == row.pdf and pdf.headers["Cache-Control"].startswith("private")
    )
    assert "2026Q3" in pdf.headers["Content-Disposition"] or "filename*" in pdf.headers["Content-Disposition"]
    logged = session.scalars(select(AuditLog).where(AuditLog.action == "supervision_report_pdf")).all()
    assert [entry.object_id for entry in logged] == [str(row.id)]


def test_a_report_in_progress_shows_its_progress_polled_by_the_page(client, session, monkeypatch):
    monkeypatch.setattr("webapp.reports.supervision_pages.enqueue_report", lambda i: None)
    signed_in(client, session)
    client.post(PAGE, data={"period": "2026Q3", "area": "苏州"})
    [row] = rows(session)
    page = client.get(PAGE).get_data(as_text=True)
    assert (
        f'data-progress-url="/supervision-reports/{row.id}/progress"' in page
        and f"排队中：0 / {job.TOTAL}" in page
    )
    assert client.get(f"{PAGE}/{row.id}/progress").get_json()["finished"] is False
    assert client.get(f"{PAGE}/{row.id}.pdf").status_code == 404
    assert client.get(f"{PAGE}/{row.id + 1}/progress").status_code == 404


@pytest.mark.parametrize(("data", "words"), [
    ({"period": "2026Q5", "area": "province"}, "季度须为Q1至Q4"), ({"period": "上季度", "area": ""}, "无法识别"),
    ({"period": "2026Q3", "area": "杭州"}, "不是江苏省的设区市"), ({"period": "", "area": ""}, "请填写报告期间"),
])  # fmt: skip
def test_bad_input_gets_its_message_and_starts_nothing(client, session, queue, data, words):
    signed_in(client, session)
    answer = client.post(PAGE, data=data)
    assert answer.status_code == 400 and words in answer.get_data(as_text=True)
    assert rows(session) == [] and queue.ran == []


def test_a_failed_build_shows_its_message_and_is_retried(client, session, world, queue):
    def broken(_figures):
        raise RuntimeError("PDF生成出错")

    queue.render = broken
    signed_in(client, session)
    client.post(PAGE, data={"period": "2026Q3", "area": "province"})
    [row] = rows(session)
    assert row.state is ReportState.FAILED
    page = client.get(PAGE).get_data(as_text=True)
    assert "生成失败：RuntimeError: PDF生成出错" in page and f"/supervision-reports/{row.id}/retry" in page
    assert client.get(f"{PAGE}/{row.id}/progress").get_json()["error"].endswith("PDF生成出错")
    queue.render = supervision_report_pdf
    assert client.post(f"{PAGE}/{row.id}/retry").status_code == 302
    [row] = rows(session)
    assert row.state is ReportState.DONE and row.error == "" and row.pdf.startswith(b"%PDF")
    client.post(f"{PAGE}/{row.id}/retry")
    assert "只有生成失败的报告可以重新生成" in client.get(PAGE).get_data(as_text=True)


def test_a_city_regulator_is_held_to_his_city(client, session, world, queue):
    signed_in(client, session)
    client.post(PAGE, data={"period": "2026Q3", "area": "nanjing"})
    [nanjing] = rows(session)
    client.post("/auth/logout")
    signed_in(client, session, city=City.SUZHOU)
    refused = client.post(PAGE, data={"period": "2026Q3", "area": "nanjing"})
    assert refused.status_code == 403 and "只能生成本市（苏州市）" in refused.get_data(as_text=True)
    assert client.post(PAGE, data={"period": "2026Q3", "area": "province"}).status_code == 403
    assert client.post(PAGE, data={"period": "2026Q3", "area": "suzhou"}).status_code == 302
    page = client.get(PAGE).get_data(as_text=True)
    assert f'id="supervision-report-{nanjing.id}"' not in page and "苏州市" in page
    for url in (f"{PAGE}/{nanjing.id}.pdf", f"{PAGE}/{nanjing.id}/progress"):
        assert client.get(url).status_code == 404
    assert client.post(f"{PAGE}/{nanjing.id}/retry").status_code == 404


@pytest.mark.parametrize("role", [Role.PROJECT_TEAM, Role.EXPERT, Role.DRAW_OFFICE])
def test_other_roles_are_refused(client, session, queue, role):
    signed_in(client, session, role)
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, data={"period": "2026Q3", "area": ""}).status_code == 403
    assert rows(session) == []


def test_the_command_line_builds_the_report_and_refuses_bad_input(runner, session, world, tmp_path):
    out = tmp_path / "r.pdf"
    done = runner.invoke(
        args=["reports", "supervision", "--period", "2026Q3", "--area", "苏州", "--out", str(out)]
    )
    assert done.exit_code == 0, done.output
    [row] = rows(session)
    assert row.city is City.SUZHOU and out.read_bytes() == row.pdf and f"SHA-256 {row.sha256}" in done.output
    assert f"[{job.TOTAL}/{job.TOTAL}] PDF 完成" in done.output
    for args, words in ((["--period", "2026Q3", "--area", "杭州"], "不是江苏省的设区市"),
                        (["--period", "2026Q9"], "季度须为Q1至Q4")):  # fmt: skip
        bad = runner.invoke(args=["reports", "supervision", *args])
        assert bad.exit_code != 0 and words in bad.output
    assert len(rows(session)) == 1


def test_the_command_line_reports_a_failed_build_and_exits_non_zero(runner, session, monkeypatch):
    def broken(_figures):
        raise RuntimeError("磁盘已满")

    monkeypatch.setattr("webapp.reports.cli.supervision_report_pdf", broken)
    failed = runner.invoke(args=["reports", "supervision", "--period", "2026"])
    assert failed.exit_code != 0 and "生成失败" in failed.output and "磁盘已满" in failed.output
    [row] = rows(session)
    assert row.state is ReportState.FAILED and row.city is None and "磁盘已满" in row.error
