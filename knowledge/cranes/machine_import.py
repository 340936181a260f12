"""Bulk import of cranes for ownership registration (产权备案) from a spreadsheet: a dry run, then the commit.

The reading, the header matching, the report and the template are ``knowledge.spreadsheets``'s, as for works and
experts. What differs is the storing: every row goes through ``services.register_machine_and_ownership``, so every
rule and refusal of a single registration applies (第七条's refusals, the maker's serial number registered once,
the owner an account may register for) and each machine gets its number and certificate as one registered by hand.

To do that all-or-nothing, the rows are registered in a *rehearsal*: one database transaction on a connection of
its own, in which the service's own commits only release savepoints. The dry run rolls the rehearsal back (it
writes nothing and tells per row the number it would issue, or why it is refused); the commit registers the rows
again in a new rehearsal and commits it only if every row went through. A row refused at the commit (another
account registered the same serial meanwhile) refuses the whole file, with the new report.

While a rehearsal runs it holds the audit chain's head (as any audited write does until its commit), so other
audited writes wait: hence ``MAX_MACHINES`` per file. No background job: the works and experts imports have none.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from knowledge import audit
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.cranes import services
from knowledge.cranes.errors import CraneError, RegistrationRefusedError
from knowledge.cranes.machines import HoistDrive, MachineType
from knowledge.cranes.models import Certificate
from knowledge.cranes.service_age import SafetyAssessment
from knowledge.errors import DomainError, PermissionDenied
from knowledge.spreadsheets import importing, layout
from knowledge.spreadsheets.importing import CheckedRow, ImportRefused, ImportReport, RowError, Values
from knowledge.spreadsheets.layout import Column, GuideRow, Layout
from knowledge.spreadsheets.reading import cell_text, norm, read_date

MAX_MACHINES = 1000  # each row builds a certificate PDF: a larger register is imported in several files
IMPORTERS = (Role.PROJECT_TEAM, Role.ADMIN)
DATA_SHEET, GUIDE_SHEET = "起重机械", "填写说明"
_PASSED = {"合格": True, "通过": True, "是": True, "不合格": False, "未通过": False, "否": False}
_DRIVES = {"sc": HoistDrive.RACK_AND_PINION, "sc型": HoistDrive.RACK_AND_PINION, "齿轮齿条式": HoistDrive.RACK_AND_PINION,
           "ss": HoistDrive.WIRE_ROPE, "ss型": HoistDrive.WIRE_ROPE, "钢丝绳式": HoistDrive.WIRE_ROPE}  # fmt: skip

COLUMNS: tuple[Column, ...] = (
    Column("machine_type", "机械类别", True, "、".join(t.label for t in MachineType), ("类别", "设备类别")),
    Column("maker", "制造单位", True, "不超过100个字", ("生产厂家", "制造厂")),
    Column("model", "规格型号", True, "如 QTZ80（TC6010）", ("型号",)),
    Column("serial_number", "出厂编号", True, "同一制造单位的出厂编号只能备案一次", ("出厂编码",)),
    Column("manufactured_on", "出厂日期", True, "如 2021-05-01"),
    Column("rated_moment_knm", "额定起重力矩（kN·m）", False, "塔式起重机必填，其他类别留空", ("额定起重力矩",)),
    Column("rated_load_kg", "额定载重量（kg）", False, "塔式起重机以外必填，正整数", ("额定载重量", "额定起重量（kg）")),
    Column("hoist_drive", "驱动型式", False, "施工升降机必填：SC（齿轮齿条式）或 SS（钢丝绳式）"),
    Column("design_life_years", "制造厂家规定的使用年限（年）", False, "可不填", ("使用年限",)),
    Column("owner_credit_code", "产权单位统一社会信用代码", False,
           "系统管理员代办时必填（须为已登记单位）；项目团队导入本单位的机械，留空或填本单位代码", ("产权单位信用代码",)),
    Column("assessed_on", "安全评估日期", False, "超过评估年限的机械填写（JGJ/T 189）"),
    Column("assessment_result", "安全评估结论", False, "合格 或 不合格"),
    Column("assessment_valid_until", "安全评估有效期至", False, "填写安全评估时必填"),
)  # fmt: skip
LAYOUT: Layout[Column] = Layout(COLUMNS, "起重机械导入模板", DATA_SHEET, GUIDE_SHEET)
TEXT_KEYS = frozenset({"serial_number", "owner_credit_code", "model"})
_FIELD_COLUMNS = {"manufactured": "manufactured_on", "code": "owner_credit_code"}


@dataclass(frozen=True)
class MachineRow(CheckedRow):
    """A row as the dry run judged it, with what it would do: the number it would be registered under."""

    type_label: str = ""
    maker: str = ""
    model: str = ""
    serial_number: str = ""
    outcome: str = ""


class MachineImportError(ImportRefused, CraneError):
    """The crane import was refused because the dry run found problems; ``report`` lists them all."""

    code = "crane_import"
    nothing = "起重机械"


Renderer = Callable[[Certificate], bytes]


def template_xlsx() -> bytes:
    """An empty import sheet with every header, and a guide with the types, the drives and a sample row."""
    choices = {"machine_type": ",".join(t.label for t in MachineType), "hoist_drive": "SC,SS",
               "assessment_result": "合格,不合格"}  # fmt: skip
    return layout.template_xlsx(LAYOUT, _guide(), choices=choices, text_keys=TEXT_KEYS)


def _guide() -> list[GuideRow]:
    sample = {"machine_type": MachineType.TOWER_CRANE.label, "maker": "徐州建机工程机械有限公司", "model": "XGT7020",
              "serial_number": "XG2021-0815", "manufactured_on": "2021-05-01", "rated_moment_knm": "1250"}  # fmt: skip
    return [
        *layout.guide_head(LAYOUT, each_row="一台起重机械", optional="选填",
                           closing="每个文件不超过1000台；导入要么全部成功，要么一台也不备案。"),
        (),
        ("每台机械按单台产权备案的规则审查（建设部令第166号 第五条、第七条）：属国家明令淘汰的、超过制造厂家规定使用年限的、"
         "超过评估年限而无合格安全评估的，不予备案；通过的机械各发放一个备案编号（一机一号）和产权备案证明。",),
        (),
        ("机械类别", "额定能力"),
        *((t.label, "额定起重力矩（kN·m）" if t.rated_by_moment else "额定载重量（kg）") for t in MachineType),
        *layout.guide_sample(LAYOUT, [sample.get(c.key, "") for c in COLUMNS]),
    ]  # fmt: skip


# -- one row's cells -----------------------------------------------------------------------------------------


class _Cells:
    """Reads one row's cells into a ``MachineInput``, naming each unreadable cell by its column."""

    def __init__(self, values: Values) -> None:
        self.values = values
        self.errors: list[RowError] = []

    def fail(self, key: str, message: str) -> None:
        self.errors.append(RowError(LAYOUT.header_of.get(key, ""), message))

    def text(self, key: str) -> str:
        return cell_text(self.values[key])

    def machine_type(self) -> MachineType | None:
        raw = self.text("machine_type")
        found = next((t for t in MachineType if norm(raw) in (norm(t.label), t.value)), None)
        if raw and found is None:
            self.fail(
                "machine_type",
                f"“{raw[:20]}”不是可备案的机械类别，可选：{'、'.join(t.label for t in MachineType)}",
            )
        elif not raw:
            self.fail("machine_type", "请填写机械类别")
        return found

    def day(self, key: str, name: str) -> date | None:
        try:
            return read_date(self.values[key])
        except ValueError:
            self.fail(key, f"{name}“{self.text(key)[:20]}”不是有效日期，请写成 2021-05-01")
            return None

    def decimal(self, key: str) -> Decimal | None:
        raw = self.text(key).replace(",", "")
        if not raw:
            return None
        try:
            value = Decimal(raw)
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite() or value <= 0 or value > 100000 or value != value.quantize(Decimal("0.01")):
            self.fail(key, f"“{raw[:20]}”不是有效的起重力矩：应为0至100000之间、最多两位小数的数字")
            return None
        return value

    def integer(self, key: str, name: str, maximum: int) -> int | None:
        raw = self.text(key).replace(",", "")
        if not raw:
            return None
        if not raw.isdigit() or not 1 <= int(raw) <= maximum:
            self.fail(key, f"{name}“{raw[:20]}”应为1至{maximum}之间的整数")
            return None
        return int(raw)

    def drive(self) -> HoistDrive | None:
        raw = self.text("hoist_drive")
        found = (
            _DRIVES.get(norm(raw).removesuffix("（齿轮齿条式）").removesuffix("（钢丝绳式）"))
            if raw
            else None
        )
        if raw and found is None:
            self.fail("hoist_drive", f"驱动型式“{raw[:20]}”无效，应为 SC（齿轮齿条式）或 SS（钢丝绳式）")
        return found

    def assessment(self) -> SafetyAssessment | None:
        on = self.day("assessed_on", "安全评估日期")
        until = self.day("assessment_valid_until", "安全评估有效期")
        result = self.text("assessment_result")
        if not (on or until or result):
            return None
        if result and result not in _PASSED:
            self.fail("assessment_result", f"安全评估结论“{result[:20]}”无效，应为 合格 或 不合格")
        elif on is None or until is None or not result:
            self.fail("assessed_on", "填写安全评估时，评估日期、评估结论和有效期须一并填写")
        else:
            return SafetyAssessment(on, _PASSED[result], until)
        return None

    def read(self) -> services.MachineInput | None:
        machine_type, made = self.machine_type(), self.day("manufactured_on", "出厂日期")
        for key, name, most in (
            ("maker", "制造单位", 100),
            ("model", "规格型号", 64),
            ("serial_number", "出厂编号", 64),
        ):
            if len(self.text(key)) > most:
                self.fail(key, f"{name}不能超过{most}个字")
        if made is None and not self.errors:
            self.fail("manufactured_on", "请填写出厂日期")
        moment, load = self.decimal("rated_moment_knm"), self.integer("rated_load_kg", "额定载重量", 1000000)
        drive, life = self.drive(), self.integer("design_life_years", "使用年限", 100)
        assessment = self.assessment()
        if self.errors or machine_type is None or made is None:
            return None
        return services.MachineInput(
            machine_type=machine_type, maker=self.text("maker"), model=self.text("model"),
            serial_number=self.text("serial_number"), manufactured_on=made, rated_moment_knm=moment,
            rated_load_kg=load, hoist_drive=drive, design_life_years=life,
            owner_credit_code=self.text("owner_credit_code"), assessment=assessment,
        )  # fmt: skip


# -- the rehearsal -------------------------------------------------------------------------------------------


@contextmanager
def _rehearsal(session: Session) -> Iterator[tuple[Session, Callable[[], None]]]:
    """A session whose commits are savepoints of one transaction on a connection of its own; the transaction is
    rolled back on leaving unless the caller calls the yielded ``keep``."""
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    with engine.connect() as conn:
        outer = conn.begin()
        if conn.dialect.name == "sqlite":
            # pysqlite opens its transaction lazily, at the first write: a savepoint opened before it would be
            # the transaction itself, and releasing it would commit. An explicit BEGIN makes the outer one real.
            conn.exec_driver_sql("BEGIN")
        kept = False

        def keep() -> None:
            nonlocal kept
            kept = True

        rehearsal = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
        try:
            yield rehearsal, keep
            rehearsal.close()
            if kept:
                outer.commit()
        finally:
            if outer.is_active:
                outer.rollback()


def _register(
    rehearsal: Session, row_no: int, values: Values, *, scope: Scope, today: date, render: Renderer
) -> MachineRow:
    cells = _Cells(values)
    data = cells.read()
    row = MachineRow(row_no, (), None, cells.text("machine_type"), cells.text("maker"), cells.text("model"),
                     cells.text("serial_number"))  # fmt: skip
    if data is None:
        return replace(row, errors=tuple(cells.errors), outcome="不予备案")
    own = _own_code(rehearsal, scope)
    if own is not None and data.owner_credit_code and data.owner_credit_code.strip().upper() != own:
        problem = RowError(
            LAYOUT.header_of["owner_credit_code"],
            "项目团队只能为本单位的机械办理产权备案，该列请留空或填写本单位代码",
        )
        return replace(row, errors=(problem,), outcome="不予备案")
    try:
        machine = services.register_machine_and_ownership(
            rehearsal, data, scope=scope, today=today, render=render
        )
    except DomainError as exc:
        rehearsal.rollback()
        return replace(row, errors=_errors_of(exc), outcome="不予备案")
    owner = machine.owner.name
    return replace(
        row, fields={"machine_id": machine.id}, outcome=f"备案编号 {machine.registration_number}（{owner}）"
    )


def _own_code(session: Session, scope: Scope) -> str | None:
    if scope.role is not Role.PROJECT_TEAM:
        return None
    return services.acting_owner(session, scope, "").credit_code


def _errors_of(exc: DomainError) -> tuple[RowError, ...]:
    key = getattr(exc, "field", None) or ""
    header = LAYOUT.header_of.get(_FIELD_COLUMNS.get(key, key), "")
    if isinstance(exc, RegistrationRefusedError):
        return tuple(RowError("", reason) for reason in exc.reasons)
    return (RowError(header, str(exc)),)


def _run(
    session: Session, data: bytes, filename: str, *, scope: Scope, today: date, render: Renderer, keep: bool
) -> tuple[ImportReport[MachineRow], bool]:
    """The report of registering every row in a rehearsal, and whether the rehearsal was committed."""
    if scope.role not in IMPORTERS:
        raise PermissionDenied("只有产权单位的项目团队账号（或系统管理员）可以批量办理产权备案")
    if scope.role is Role.PROJECT_TEAM:
        services.acting_owner(session, scope, "")  # a team bound to no enterprise is refused before anything
    committed = False
    with _rehearsal(session) as (rehearsal, keep_it):

        def check_rows(rows: Sequence[tuple[int, Values]]) -> list[MachineRow]:
            if len(rows) > MAX_MACHINES:
                return []
            return [_register(rehearsal, n, v, scope=scope, today=today, render=render) for n, v in rows]

        report = importing.dry_run(data, filename, LAYOUT, check_rows)
        if report.file_errors == () and not report.rows:
            report = ImportReport(filename, (f"每个文件最多导入{MAX_MACHINES}台起重机械，请拆分后分批导入",))
        if keep and report.is_clean:
            _record_batch(rehearsal, report, data, scope)
            keep_it()
            committed = True
    return report, committed


def _record_batch(rehearsal: Session, report: ImportReport[MachineRow], data: bytes, scope: Scope) -> None:
    ids = [(row.fields or {})["machine_id"] for row in report.rows]
    audit.record(rehearsal, actor_id=scope.account_id, action="crane_machine_import_batch",
                 obj=("crane_machine_import", hashlib.sha256(data).hexdigest()),
                 after={"filename": report.filename, "count": len(ids), "crane_machine_ids": ids})  # fmt: skip
    rehearsal.commit()


def dry_run(
    session: Session, data: bytes, filename: str, *, scope: Scope, today: date
) -> ImportReport[MachineRow]:
    """Register every row as the single registration would, then undo it all: per row the number it would get
    or every reason it is refused. Writes nothing (the certificates are not built).

    :raises PermissionDenied: for a role that may not register machines.
    """
    report, _ = _run(session, data, filename, scope=scope, today=today, render=lambda _c: b"", keep=False)
    return report


def commit_import(
    session: Session, data: bytes, filename: str, *, scope: Scope, today: date, render: Renderer
) -> int:
    """Register every machine of the file with its number and certificate, all of them or none; returns how many.

    :raises PermissionDenied: for a role that may not register machines.
    :raises MachineImportError: carrying the report, if any row is refused.
    """
    report, committed = _run(session, data, filename, scope=scope, today=today, render=render, keep=True)
    if not committed:
        raise MachineImportError(report)
    session.expire_all()
    return len(report.rows)
