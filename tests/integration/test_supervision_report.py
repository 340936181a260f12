"""The periodic supervision report (issue 22 item 6): the period and the area are read (a city's Chinese name too)
or refused in Chinese, the figures of a small known world are the dashboard's and right, the job stores the PDF
with its progress and the same bytes twice, a failure is kept with its message and can be retried, and a city's
regulator is held to his city."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from datetime import UTC, date, datetime

import pytest

from expert_pool.analytics import dashboard
from expert_pool.credit.rules import EventKind
from expert_pool.experts.models import CreditEventRow
from expert_pool.integrity.models import FindingKind, IntegrityFinding, IntegrityRun
from expert_pool.supervision_report import figures as report_figures
from expert_pool.supervision_report import job, report_pdf
from expert_pool.supervision_report.errors import SupervisionReportError
from expert_pool.supervision_report.inputs import parse_report_area, parse_report_period
from expert_pool.supervision_report.models import ReportState, SupervisionReport
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.errors import NotFoundError, PermissionDenied, ValidationError
from knowledge.regions import City
from tests.factories import make_account, make_expert
from tests.integration.dashboard_world import build

NOW = datetime(2026, 10, 20, 2, tzinfo=UTC)
Q3 = parse_report_period("2026Q3")


@pytest.fixture
def world(app, session):
    found = build(session, app.config["UPLOAD_DIR"])
    removed = make_expert(session, city=City.SUZHOU, name="苏州失信专家")
    session.add(CreditEventRow(expert_id=removed.id, day=date(2026, 8, 5), kind=EventKind.MISCONDUCT.value,
                               points=0, reason="收受项目单位礼金", source=""))  # fmt: skip
    session.commit()
    return found


def scope(session, city: City | None = None, role: Role = Role.REGULATOR) -> Scope:
    return Scope.of(make_account(session, role, city=city))


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    return done.stdout.decode("utf-8")


@pytest.mark.parametrize(("raw", "city"), [
    ("苏州", City.SUZHOU), ("苏州市", City.SUZHOU), ("suzhou", City.SUZHOU), (" 连云港 ", City.LIANYUNGANG),
    ("SUZHOU", City.SUZHOU), ("", None), ("全省", None), ("province", None), ("江苏省", None),
])  # fmt: skip
def test_an_area_is_a_city_code_or_its_chinese_name_or_the_province(raw, city):
    assert parse_report_area(raw) is city


@pytest.mark.parametrize(("parse", "raw", "words"), [
    (parse_report_area, "杭州", "不是江苏省的设区市"), (parse_report_period, "2026Q5", "Q1至Q4"),
    (parse_report_period, "上季度", "无法识别"), (parse_report_period, "", "请填写报告期间"),
])  # fmt: skip
def test_an_unknown_area_or_period_is_refused_in_chinese(parse, raw, words):
    with pytest.raises(SupervisionReportError, match=words):
        parse(raw)


def test_the_report_counts_what_the_dashboard_counts_for_the_city(session, world):
    got = report_figures.gather(session, Q3, City.SUZHOU)
    page = dashboard.dashboard(session, dashboard.make_query(scope(session, City.SUZHOU), Q3, City.SUZHOU,
                                                             asked=True, measure="", today=Q3.end))  # fmt: skip
    assert got.board.summary.rows == page.summary.rows
    assert [t.rows for s in got.board.sections for t in s.tables] == [
        t.rows for s in page.sections for t in s.tables
    ]
    assert got.city_tables == () and got.board.cities is None
    assert dict((r[0], r[1]) for r in got.board.summary.rows)["本期召开论证会（次）"] == 3


def test_the_reports_own_figures_of_the_known_quarter_are_right(session, world):
    got = report_figures.gather(session, Q3, City.SUZHOU)
    assert [(r[1], r[3]) for r in got.failed_works.rows] == [("苏州市", "2026-07-20")]
    assert got.hazard_closure.rows == (("苏州市", 2, 1, 1, 50.0, 1, 9.0),)
    assert [(r[0], r[2], r[3]) for r in got.sanctions.rows] == [
        ("苏州失信专家", "取消专家资格", "2026-08-05")
    ]
    province = report_figures.gather(session, Q3, None)
    assert len(province.city_tables) == len(report_figures.CITY_MEASURES)
    works = dict(province.city_tables[0].rows)
    assert (works["苏州市"], works["南京市"], works["无锡市"]) == (4, 1, 0)
    assert report_figures.gather(session, Q3, City.NANJING).sanctions.rows == ()


def test_the_pdf_carries_the_title_period_area_and_figures(session, world, tmp_path):
    data = report_pdf.supervision_report_pdf(report_figures.gather(session, Q3, City.SUZHOU))
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext not installed")
    body = pdf_text(data, tmp_path)
    assert report_pdf.TITLE in body
    assert "江苏省苏州市" in body and "2026年第三季度（2026-07-01 至 2026-09-30）" in body
    (tmp_path.parent / "supervision-suzhou.pdf").write_bytes(data)
    assert re.search(r"本期召开论证会（次）\s+3\n", body) and re.search(
        r"期末已登记危大工程（项）\s+5\n", body
    )
    assert "苏州失信专家" in body and "取消专家资格" in body
    assert "【暂无记录】" in body and "不含13个设区市对比" in body


def test_a_period_with_no_data_says_so_and_does_not_fail(session, tmp_path):
    data = report_pdf.supervision_report_pdf(
        report_figures.gather(session, parse_report_period("2021Q1"), None)
    )
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext not installed")
    body = pdf_text(data, tmp_path)
    assert body.count("本期无数据") >= 5 and "2021年第一季度" in body


def test_the_job_stores_the_pdf_with_its_progress_and_the_same_bytes_twice(session, world):
    steps: list[tuple[str, int]] = []
    first = job.request_report(session, scope=scope(session), period="2026Q3", area="苏州", now=NOW)
    assert (first.state, first.done, first.total, first.city) == (
        ReportState.QUEUED,
        0,
        job.TOTAL,
        City.SUZHOU,
    )

    def step(name: str) -> None:
        steps.append((name, session.get(SupervisionReport, first.id).done))

    built = job.build_report(session, first.id, render=report_pdf.supervision_report_pdf, step=step)
    assert built.state is ReportState.DONE and built.done == built.total == job.TOTAL
    assert [n for n, _ in steps] == [*report_figures.STEPS, "pdf"]
    assert [d for _, d in steps][:3] == [1, 2, 3]
    assert built.sha256 == hashlib.sha256(built.pdf).hexdigest() and built.pdf.startswith(b"%PDF")
    again = job.request_report(session, scope=None, period="2026q3", area="苏州市", now=NOW)
    again = job.build_report(session, again.id, render=report_pdf.supervision_report_pdf)
    assert again.pdf == built.pdf and again.period == "2026Q3"
    assert job.build_report(session, first.id, render=lambda f: b"never") is built  # finished: left as it is


def test_a_failed_build_is_kept_with_its_message_and_can_be_retried(session, world):
    account = scope(session)
    row = job.request_report(session, scope=account, period="2026Q3", area="", now=NOW)

    def broken(_figures):
        raise RuntimeError("字体文件缺失")

    with pytest.raises(RuntimeError):
        job.build_report(session, row.id, render=broken)
    session.expire_all()
    failed = session.get(SupervisionReport, row.id)
    assert failed.state is ReportState.FAILED and "字体文件缺失" in failed.error and failed.pdf is None
    retried = job.retry_report(session, account, row.id)
    assert (retried.state, retried.done, retried.error) == (ReportState.QUEUED, 0, "")
    with pytest.raises(ValidationError, match="只有生成失败的报告"):
        job.retry_report(session, account, row.id)
    done = job.build_report(session, row.id, render=report_pdf.supervision_report_pdf)
    assert done.state is ReportState.DONE and done.city is None


def test_a_city_regulator_gets_his_city_and_is_refused_others(session, world):
    suzhou = scope(session, City.SUZHOU)
    assert job.request_report(session, scope=suzhou, period="2026Q3", area="", now=NOW).city is City.SUZHOU
    assert (
        job.request_report(session, scope=suzhou, period="2026Q3", area="苏州", now=NOW).city is City.SUZHOU
    )
    for area in ("南京", "全省"):
        with pytest.raises(PermissionDenied, match="只能生成本市"):
            job.request_report(session, scope=suzhou, period="2026Q3", area=area, now=NOW)
    nanjing = job.request_report(session, scope=scope(session), period="2026Q3", area="南京", now=NOW)
    with pytest.raises(NotFoundError):
        job.get_report_for(session, suzhou, nanjing.id)
    assert [r.city for r in job.reports(session, suzhou)] == [City.SUZHOU, City.SUZHOU]
    assert len(job.reports(session, scope(session, role=Role.ADMIN))) == 3
    with pytest.raises(PermissionDenied):
        job.request_report(session, scope=scope(session, role=Role.EXPERT), period="2026Q3", area="", now=NOW)


def test_the_open_integrity_findings_of_the_latest_analysis_are_counted_by_kind(session, world):
    assert (
        report_figures.gather(session, Q3, City.SUZHOU).integrity is None
    )  # no analysis: the marked section
    old = IntegrityRun(on=date(2026, 9, 1), finished_at=NOW, total=1, done=1)
    run = IntegrityRun(on=date(2026, 10, 1), finished_at=NOW, total=1, done=1)
    session.add_all([old, run])
    session.flush()
    for n, (kind, city, examined, last) in enumerate([
        (FindingKind.PAIR, City.SUZHOU, None, run), (FindingKind.PAIR, City.SUZHOU, None, run),
        (FindingKind.PAIR, City.SUZHOU, NOW, run), (FindingKind.PASS_RATE, City.NANJING, None, run),
        (FindingKind.CONSTRUCTOR, City.SUZHOU, None, old),
    ]):  # fmt: skip
        session.add(IntegrityFinding(fingerprint=f"f{n}", kind=kind, city=city, subject="专家甲、专家乙", figures={},
                                     review_ids=[], first_run_id=last.id, last_run_id=last.id, examined_at=examined))  # fmt: skip
    session.commit()
    suzhou = report_figures.gather(session, Q3, City.SUZHOU).integrity
    assert dict(suzhou.rows) == {k.label: (2 if k is FindingKind.PAIR else 0) for k in FindingKind}
    province = dict(report_figures.gather(session, Q3, None).integrity.rows)
    assert (province[FindingKind.PAIR.label], province[FindingKind.PASS_RATE.label]) == (2, 1)
