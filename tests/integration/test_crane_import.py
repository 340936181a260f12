"""Bulk import of cranes (issue 21, item 8): a dry run that registers nothing, an all-or-nothing commit through
the single registration's service, every refusal named by row and column in Chinese."""

import hashlib
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from expert_pool.pdf.crane_certificate_pdf import certificate_pdf
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.audit import AuditLog
from knowledge.cranes import machine_import, services
from knowledge.cranes.machine_import import COLUMNS, MachineImportError
from knowledge.cranes.machines import MachineType
from knowledge.cranes.models import Certificate, Machine, OwnershipRegistration
from knowledge.errors import PermissionDenied
from knowledge.regions import City
from tests.factories import make_account, make_enterprise

TODAY = date(2026, 12, 1)
HEADERS = [c.header for c in COLUMNS]


def render(certificate: Certificate) -> bytes:
    return certificate_pdf(certificate, base_url="https://example.test")


def xlsx(*rows: dict[str, object]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    for row in rows:
        sheet.append([row.get(c.key) for c in COLUMNS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def tower(serial: str, **more: object) -> dict[str, object]:
    return {"machine_type": "塔式起重机", "maker": "徐工建机", "model": "XGT7020", "serial_number": serial,
            "manufactured_on": "2022-05-01", "rated_moment_knm": "1250", **more}  # fmt: skip


def hoist(serial: str, **more: object) -> dict[str, object]:
    return {"machine_type": "施工升降机", "maker": "中联重科", "model": "SC200/200", "serial_number": serial,
            "manufactured_on": date(2023, 3, 1), "rated_load_kg": 2000, "hoist_drive": "SC", **more}  # fmt: skip


def team(session, city=City.SUZHOU) -> Scope:
    owner = make_enterprise(session, city=city)
    return Scope.of(make_account(session, Role.PROJECT_TEAM, enterprise_id=owner.id))


def counts(session) -> tuple[int, int, int, int]:
    return tuple(session.scalar(select(func.count()).select_from(m))
                 for m in (Machine, OwnershipRegistration, Certificate, AuditLog))  # fmt: skip


def test_dry_run_tells_each_row_its_number_and_writes_nothing(session):
    scope = team(session)
    before = counts(session)
    report = machine_import.dry_run(session, xlsx(tower("T-1"), hoist("H-1"), tower("T-2")), "cranes.xlsx",
                                    scope=scope, today=TODAY)  # fmt: skip
    assert report.is_clean
    assert [r.outcome.split("（")[0] for r in report.rows] == ["备案编号 苏E-T-00001", "备案编号 苏E-S-00001",
                                                              "备案编号 苏E-T-00002"]  # fmt: skip
    assert counts(session) == before


def test_commit_registers_every_row_with_its_certificate_and_one_batch_audit_row(session):
    scope = team(session)
    data = xlsx(tower("T-1"), hoist("H-1"))
    assert machine_import.commit_import(session, data, "c.xlsx", scope=scope, today=TODAY, render=render) == 2
    machines = session.scalars(select(Machine).order_by(Machine.id)).all()
    assert [m.registration_number for m in machines] == ["苏E-T-00001", "苏E-S-00001"]
    assert {m.owner_id for m in machines} == {scope.enterprise_id}
    certificate = services.current_certificate(machines[1])
    assert certificate is not None and hashlib.sha256(render(certificate)).hexdigest() == certificate.sha256
    batch = session.scalar(select(AuditLog).where(AuditLog.action == "crane_machine_import_batch"))
    assert batch is not None and batch.after["crane_machine_ids"] == [m.id for m in machines]
    assert session.scalar(select(func.count()).where(AuditLog.action == "crane_register")) == 2


def test_every_refusal_is_named_by_row_and_nothing_is_registered(session):
    scope = team(session)
    services.register_machine_and_ownership(session, services.MachineInput(
        MachineType.TOWER_CRANE, "徐工建机", "XGT7020", "TAKEN", date(2022, 5, 1), rated_moment_knm=Decimal(1250)),
        scope=scope, today=TODAY, render=render)  # fmt: skip
    before = counts(session)
    data = xlsx(
        tower("T-1"),  # row 2: fine
        tower("TAKEN"),  # row 3: registered before
        tower("T-1"),  # row 4: twice in the file
        tower(
            "OLD", manufactured_on="2001-01-01", rated_moment_knm="500"
        ),  # row 5: past 10 years, no assessment
        tower("NOMOMENT", rated_moment_knm=None),  # row 6
        {**hoist("X"), "machine_type": "挖掘机"},  # row 7
        tower("BADDATE", manufactured_on="2022-02-30"),  # row 8
        hoist("NODRIVE", hoist_drive="XYZ"),  # row 9
    )
    report = machine_import.dry_run(session, data, "c.xlsx", scope=scope, today=TODAY)
    problems = {row: message for row, _, message in report.problems()}
    assert sorted(problems) == [3, 4, 5, 6, 7, 8, 9]
    assert "已经备案" in problems[3] and "已经备案" in problems[4]
    assert "须经安全评估合格" in problems[5] and "未提交安全评估报告" in problems[5]
    assert "额定起重力矩" in problems[6]
    assert "不是可备案的机械类别" in problems[7]
    assert "不是有效日期" in problems[8]
    assert "驱动型式" in problems[9]
    assert report.rows[0].is_ok and report.rows[0].outcome.startswith("备案编号 苏E-T-00002")
    with pytest.raises(MachineImportError, match="未导入任何起重机械") as refused:
        machine_import.commit_import(session, data, "c.xlsx", scope=scope, today=TODAY, render=render)
    assert refused.value.report.error_row_count == 7
    assert counts(session) == before


def test_an_old_machine_with_a_passing_assessment_is_registered(session):
    row = tower("OLD", manufactured_on="2001-01-01", rated_moment_knm="500", assessed_on="2026-06-01",
                assessment_result="合格", assessment_valid_until="2027-06-01")  # fmt: skip
    report = machine_import.dry_run(session, xlsx(row), "c.xlsx", scope=team(session), today=TODAY)
    assert report.is_clean, report.problems()
    half = tower("OLD", manufactured_on="2001-01-01", rated_moment_knm="500", assessed_on="2026-06-01")
    report = machine_import.dry_run(session, xlsx(half), "c.xlsx", scope=team(session), today=TODAY)
    assert "须一并填写" in report.problems()[0][2]


def test_a_team_imports_for_its_own_enterprise_only_and_an_admin_names_each_owner(session):
    scope = team(session)
    other = make_enterprise(session, city=City.NANJING)
    report = machine_import.dry_run(session, xlsx(tower("T-1", owner_credit_code=other.credit_code)), "c.xlsx",
                                    scope=scope, today=TODAY)  # fmt: skip
    assert "只能为本单位" in report.problems()[0][2]
    admin = Scope.of(make_account(session, Role.ADMIN))
    data = xlsx(
        tower("T-1", owner_credit_code=other.credit_code), tower("T-2"), tower("T-3", owner_credit_code="X")
    )
    report = machine_import.dry_run(session, data, "c.xlsx", scope=admin, today=TODAY)
    assert report.rows[0].is_ok and report.rows[0].outcome.startswith("备案编号 苏A-T-00001")
    assert [(r, c) for r, c, _ in report.problems()] == [
        (3, "产权单位统一社会信用代码"),
        (4, "产权单位统一社会信用代码"),
    ]
    data = xlsx(tower("T-1", owner_credit_code=other.credit_code))
    machine_import.commit_import(session, data, "c.xlsx", scope=admin, today=TODAY, render=render)
    assert session.scalar(select(Machine.owner_id)) == other.id


def test_roles_that_do_not_register_machines_are_refused(session):
    regulator = Scope.of(make_account(session, Role.REGULATOR, city=City.SUZHOU))
    with pytest.raises(PermissionDenied):
        machine_import.dry_run(session, xlsx(tower("T-1")), "c.xlsx", scope=regulator, today=TODAY)


def test_a_file_too_large_or_unreadable_is_refused_as_a_whole(session, monkeypatch):
    scope = team(session)
    monkeypatch.setattr(machine_import, "MAX_MACHINES", 2)
    report = machine_import.dry_run(session, xlsx(tower("1"), tower("2"), tower("3")), "c.xlsx", scope=scope,
                                    today=TODAY)  # fmt: skip
    assert report.file_errors == ("每个文件最多导入2台起重机械，请拆分后分批导入",)
    report = machine_import.dry_run(session, b"%PDF-1.4", "c.pdf", scope=scope, today=TODAY)
    assert "不是表格" in report.file_errors[0]


def test_a_serial_registered_between_dry_run_and_commit_refuses_the_whole_file(session):
    scope = team(session)
    data = xlsx(tower("T-1"), tower("T-2"))
    assert machine_import.dry_run(session, data, "c.xlsx", scope=scope, today=TODAY).is_clean
    services.register_machine_and_ownership(session, services.MachineInput(
        MachineType.TOWER_CRANE, "徐工建机", "XGT7020", "T-2", date(2022, 5, 1), rated_moment_knm=Decimal(1250)),
        scope=team(session), today=TODAY, render=render)  # fmt: skip
    before = counts(session)
    with pytest.raises(MachineImportError) as refused:
        machine_import.commit_import(session, data, "c.xlsx", scope=scope, today=TODAY, render=render)
    assert [r for r, _, _ in refused.value.report.problems()] == [3]
    assert counts(session) == before


def test_csv_files_import_like_xlsx(session):
    text = ",".join(HEADERS) + "\n" + "塔式起重机,徐工建机,XGT7020,C-1,2022/5/1,1250,,,,,,,\n"
    report = machine_import.dry_run(session, text.encode("gbk"), "c.csv", scope=team(session), today=TODAY)
    assert report.is_clean, report.problems()


def test_the_template_has_every_column_and_a_guide(session):
    book = load_workbook(io.BytesIO(machine_import.template_xlsx()))
    assert [c.value for c in book["起重机械"][1]] == HEADERS
    assert "填写说明" in book.sheetnames
