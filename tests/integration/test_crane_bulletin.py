"""The periodic crane bulletin: the period is read or refused with a Chinese message, the figures of a small known
dataset are right (province and one city), the PDF carries them as text, and the job stores it with progress."""

import hashlib
import shutil
import subprocess
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from expert_pool.pdf.crane_bulletin_pdf import bulletin_pdf
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.cranes import bulletin, bulletin_figures
from knowledge.cranes.errors import CraneError
from knowledge.cranes.inspection_models import (
    Conclusion,
    InspectionReport,
    SpotCheck,
    SpotCheckFlag,
    SpotCheckResult,
    SpotCheckRun,
)
from knowledge.cranes.models import OwnershipRegistration
from knowledge.cranes.site_models import (
    Installation,
    InstallerQualification,
    JointAcceptance,
    UseRegistration,
)
from knowledge.errors import PermissionDenied
from knowledge.regions import City
from knowledge.site.hazard_loop import Level, State
from knowledge.site.hazard_models import Hazard, Source
from tests.crane_spot_factories import (
    HOIST,
    TOWER,
    add_reports,
    make_body,
    make_inspector,
    make_machine,
    report_row,
)
from tests.factories import make_account, make_enterprise, make_project, make_work

Q3 = bulletin_figures.parse_period("2026Q3")
NOW = datetime(2026, 10, 2, tzinfo=UTC)


@pytest.mark.parametrize(("raw", "label", "start", "end"), [
    ("2026Q3", "2026Q3", date(2026, 7, 1), date(2026, 9, 30)), ("2026q1", "2026Q1", date(2026, 1, 1), date(2026, 3, 31)),
    ("2026-02", "2026-02", date(2026, 2, 1), date(2026, 2, 28)), ("2024-2", "2024-02", date(2024, 2, 1), date(2024, 2, 29)),
    (" 2026 ", "2026", date(2026, 1, 1), date(2026, 12, 31)),
])  # fmt: skip
def test_a_quarter_a_month_or_a_year_is_read(raw, label, start, end):
    period = bulletin_figures.parse_period(raw)
    assert (period.label, period.start, period.end) == (label, start, end)


@pytest.mark.parametrize(("raw", "message"), [
    ("", "请填写通报期间"), ("2026Q5", "季度须为Q1至Q4"), ("2026-13", "月份须在1至12之间"), ("26Q3", "格式不对"),
    ("2026年三季度", "格式不对"), ("1999", "年份须在2000至2100年之间"),
])  # fmt: skip
def test_a_bad_period_is_refused_with_a_chinese_message(raw, message):
    with pytest.raises(CraneError, match=message):
        bulletin_figures.parse_period(raw)


def register(session, machine, on, city):
    session.add(OwnershipRegistration(machine_id=machine.id, seq=1, number=machine.registration_number,
                                      owner_id=machine.owner_id, city=city, registered_on=on))  # fmt: skip
    session.commit()


def known_world(session):
    """Suzhou: an old tower crane (800 kN·m, 2010: past 15 years) on a site with a use registration, an old SC hoist
    (2015: past 8 years) registered in Q3; Nanjing: a new tower crane, and one registered after the quarter."""
    owner = make_enterprise(session)
    old_tower = make_machine(session, city=City.SUZHOU, owner_id=owner.id, manufactured_on=date(2010, 3, 1))
    old_hoist = make_machine(session, machine_type=HOIST, city=City.SUZHOU, owner_id=owner.id,
                             manufactured_on=date(2015, 1, 1))  # fmt: skip
    new_tower = make_machine(session, city=City.NANJING, owner_id=owner.id, manufactured_on=date(2022, 1, 1))
    late = make_machine(session, city=City.NANJING, owner_id=owner.id, manufactured_on=date(2001, 1, 1))
    register(session, old_tower, date(2025, 5, 1), City.SUZHOU)
    register(session, old_hoist, date(2026, 8, 1), City.SUZHOU)
    register(session, new_tower, date(2026, 1, 5), City.NANJING)
    register(session, late, date(2026, 10, 15), City.NANJING)
    suzhou_body, nanjing_body = make_body(session, city=City.SUZHOU), make_body(session, city=City.NANJING)
    inspector = make_inspector(session, suzhou_body).id
    at = datetime(2026, 8, 3, 1, tzinfo=UTC)
    add_reports(session, [
        report_row(suzhou_body.id, old_tower, inspector, at, 180, 0, conclusion=Conclusion.PASS),
        report_row(suzhou_body.id, old_tower, inspector, at, 180, 2, conclusion=Conclusion.PASS),
        report_row(suzhou_body.id, old_hoist, inspector, at, 180, 5, conclusion=Conclusion.FAIL),
        report_row(nanjing_body.id, new_tower, inspector, at, 180, 1, conclusion=Conclusion.PASS),
        report_row(suzhou_body.id, old_tower, inspector, datetime(2026, 5, 3, tzinfo=UTC), 180, 0),  # Q2
    ])  # fmt: skip
    site_on_crane(session, old_tower, inspector)
    run = SpotCheckRun(on=date(2026, 9, 30), finished_at=NOW, total=4, done=4)
    session.add(run)
    session.flush()
    flag = SpotCheckFlag(run_id=run.id, body_id=suzhou_body.id, machine_type=TOWER, kind="zero_share",
                         reason="零不合格项报告占比高", threshold="0.3", figures={})  # fmt: skip
    session.add(flag)
    session.flush()
    session.add(SpotCheck(flag_id=flag.id, body_id=suzhou_body.id, ordered_on=date(2026, 9, 10),
                          ordered_by=inspector, result=SpotCheckResult.CONFIRMED, result_note="复检发现漏检3项",
                          result_on=date(2026, 9, 20), result_by=inspector))  # fmt: skip
    session.commit()
    return {"suzhou_body": suzhou_body, "nanjing_body": nanjing_body}


def site_on_crane(session, machine, actor_id):
    """The old tower crane on a Suzhou site, accepted and registered for use in July; two hazards found on it."""
    firm = make_enterprise(session)
    project = make_project(session)
    work = make_work(session, project)
    qualification = InstallerQualification(enterprise_id=firm.id, certificate_number="D232000001", grade="一级",
                                           valid_until=date(2028, 1, 1), safety_licence_number="(苏)JZ安许证字",
                                           safety_licence_valid_until=date(2028, 1, 1))  # fmt: skip
    session.add(qualification)
    session.flush()
    installation = Installation(machine_id=machine.id, project_id=project.id, work_id=work.id, city=City.SUZHOU,
                                installer_id=firm.id, qualification_id=qualification.id, user_id=firm.id,
                                lessor_id=machine.owner_id, supervisor_id=firm.id, notified_on=date(2026, 6, 20),
                                planned_install_on=date(2026, 6, 25), notified_by=actor_id)  # fmt: skip
    session.add(installation)
    session.flush()
    first = session.scalars(select(InspectionReport).where(InspectionReport.machine_id == machine.id)).first()
    acceptance = JointAcceptance(installation_id=installation.id, report_id=first.id, opened_on=date(2026, 7, 1),
                                 accepted_on=date(2026, 7, 2), opened_by=actor_id)  # fmt: skip
    session.add(acceptance)
    session.flush()
    session.add(UseRegistration(installation_id=installation.id, acceptance_id=acceptance.id, number="苏E-U-1",
                                city=City.SUZHOU, registered_on=date(2026, 7, 10), registered_by=actor_id))  # fmt: skip
    for level, found, closed in (
        (Level.MAJOR, date(2026, 8, 1), None),
        (Level.ORDINARY, date(2026, 7, 5), date(2026, 7, 9)),
    ):
        session.add(Hazard(work_id=work.id, city=City.SUZHOU, district="吴中区", category="lifting", level=level,
                           catalogue_key="lifting-1" if level is Level.MAJOR else None, description="塔机附着松动",
                           source=Source.INSPECTION, responsible_id=firm.id, machine_id=machine.id, found_on=found,
                           deadline=found, state=State.CLOSED if closed else State.OPEN, closed_on=closed,
                           created_by=actor_id, accountability={}))  # fmt: skip
    session.commit()


def test_the_figures_of_a_known_quarter_are_right(session):
    world = known_world(session)
    steps: list[str] = []
    figures = bulletin_figures.gather(session, Q3, None, steps.append)
    assert steps == list(bulletin_figures.SECTIONS)
    assert figures.registered == {(TOWER, City.SUZHOU): 1, (HOIST, City.SUZHOU): 1, (TOWER, City.NANJING): 1}
    assert figures.newly_registered == {HOIST: 1}
    assert figures.in_use == {(TOWER, City.SUZHOU): 1}
    lines = {line.machine_type: line for line in figures.inspections}
    assert (lines[TOWER].reports, lines[TOWER].passed, lines[TOWER].failed, lines[TOWER].zero) == (3, 3, 0, 1)
    assert (lines[HOIST].reports, lines[HOIST].failed, lines[HOIST].nonconformities) == (1, 1, 5)
    assert [b.body_id for b in figures.flagged] == [world["suzhou_body"].id] and figures.run_on == date(
        2026, 9, 30
    )
    assert [c.result for c in figures.spot_checks] == [SpotCheckResult.CONFIRMED.label]
    assert figures.past_age == {(TOWER, City.SUZHOU): 1, (HOIST, City.SUZHOU): 1}
    assert figures.hazards == {City.SUZHOU: bulletin_figures.HazardLine(found=2, major=1, open_at_end=1)}
    nanjing = bulletin_figures.gather(session, Q3, City.NANJING)
    assert (
        nanjing.registered == {(TOWER, City.NANJING): 1} and nanjing.flagged == () and nanjing.hazards == {}
    )
    assert [(line.machine_type, line.reports) for line in nanjing.inspections] == [(TOWER, 1)]
    assert nanjing.past_age == {} and nanjing.spot_checks == ()


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_the_job_stores_the_pdf_whose_text_carries_the_figures(session, tmp_path):
    known_world(session)
    scope = Scope.of(make_account(session, Role.REGULATOR))
    row = bulletin.request_bulletin(session, scope=scope, period="2026q3", city=None, now=NOW)
    built = bulletin.build_bulletin(session, row.id, render=bulletin_pdf)
    assert (
        built.finished_at
        and built.done == built.total == len(bulletin_figures.SECTIONS) + 1
        and built.error == ""
    )
    assert built.sha256 == hashlib.sha256(built.pdf).hexdigest()
    assert (
        bulletin_pdf(bulletin_figures.gather(session, Q3, None)) == built.pdf
    )  # the same figures, the same bytes
    (tmp_path / "b.pdf").write_bytes(built.pdf)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "b.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip
    for expected in ("江苏省建筑起重机械安全通报", "2026年第三季度", "已办理产权备案的起重机械 3 台", "本期新备案 1 台",
                     "使用登记在用的 1 台", "本期出具检验报告 4 份，结论不合格 1 份（25.0%）", "疑似粗检、漏检的检验机构 1 家",
                     "查实 1 次", "复检发现漏检3项", "须经安全评估合格方可继续使用的起重机械 2 台",
                     "发现事故隐患 2 项，其中重大事故隐患 1 项；期末尚未销号 1 项", "图1", "图2", "图3"):  # fmt: skip
        assert expected in text, expected
    assert (
        bulletin.build_bulletin(session, row.id, render=lambda f: b"never").pdf == built.pdf
    )  # not built twice


def test_a_city_regulator_gets_his_citys_bulletin_and_sees_only_those(session):
    nanjing = Scope.of(make_account(session, Role.REGULATOR, city=City.NANJING))
    row = bulletin.request_bulletin(session, scope=nanjing, period="2026-07", city=None, now=NOW)
    assert row.city is City.NANJING and row.period == "2026-07"
    with pytest.raises(PermissionDenied):
        bulletin.request_bulletin(session, scope=nanjing, period="2026-07", city=City.SUZHOU, now=NOW)
    other = bulletin.request_bulletin(session, scope=None, period="2026", city=City.SUZHOU, now=NOW)
    assert [b.id for b in bulletin.bulletins(session, nanjing)] == [row.id]
    assert {b.id for b in bulletin.bulletins(session, Scope.of(make_account(session, Role.REGULATOR)))} == {
        row.id,
        other.id,
    }
    with pytest.raises(PermissionDenied):
        bulletin.request_bulletin(session, scope=Scope.of(make_account(session, Role.PROJECT_TEAM)), period="2026",
                                  city=None, now=NOW)  # fmt: skip
    with pytest.raises(CraneError, match="格式不对"):
        bulletin.request_bulletin(session, scope=nanjing, period="2026Q", city=None, now=NOW)


def test_a_failed_build_keeps_its_error(session):
    row = bulletin.request_bulletin(session, scope=None, period="2026Q3", city=None, now=NOW)

    def broken(_figures):
        raise RuntimeError("字体缺失")

    with pytest.raises(RuntimeError):
        bulletin.build_bulletin(session, row.id, render=broken)
    session.refresh(row)
    assert row.finished_at is not None and "字体缺失" in row.error and row.pdf is None
