"""Bulk import of experts from pool offices' spreadsheets: dry run of every row, then an all-or-nothing commit.

Reading XLSX/CSV files is ``knowledge.spreadsheets``'s job. Each row's cells are checked one by one, so every
problem is named by row and column; a row without problems then goes through ``services._clean``, the checks
of the expert form, so a row is judged as the form judges it and stored with the same fields.
"""

from __future__ import annotations

import calendar
import hashlib
import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from expert_pool import services
from expert_pool.errors import ExpertError
from expert_pool.identity import IdentityVault, check_character, mask, normalize_id_number
from expert_pool.models import Employment, Expert, ExpertSpecialty, TitleLevel
from knowledge import audit, creditcode
from knowledge.errors import DomainError
from knowledge.models import Enterprise
from knowledge.regions import City
from knowledge.spreadsheets import (
    MAX_BYTES,
    MAX_ROWS,
    Sheet,
    SpreadsheetError,
    cell_text,
    is_blank,
    read_date,
    read_sheet,
)
from knowledge.work_import_layout import norm, read_city

DATA_SHEET, GUIDE_SHEET = "专家", "填写说明"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    note: str = ""
    aliases: tuple[str, ...] = ()


COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", True, "不超过64个字"),
    Column("id_number", "身份证号码", True, "18位，末位可为X；该列请设为文本格式，以免Excel改写长数字", ("身份证号", "身份证")),
    Column("city", "所在城市", True, "如 南京市 或 南京", ("城市",)),
    Column("title", "职称", False, "如 正高级工程师"),
    Column("title_level", "职称级别", False, "、".join(t.label for t in TitleLevel)),
    Column("phone", "电话", False, "手机11位，或带区号的固定电话", ("手机", "手机号码", "联系电话")),
    Column("email", "电子邮箱", False, "", ("邮箱", "电子邮件")),
    Column("specialties", "专业", True, "填写工程类别名称或代码，多个用、分隔，见下表"),
    Column("annual_cap", "年度评审上限", False, "1至200的整数；留空按政策默认"),
    Column("employer_code", "现任职单位统一社会信用代码", False, "须为系统中已登记的单位"),
    Column("employer_start", "任职起始日期", False, "填写现任职单位时必填，如 2019-07-01"),
    Column("past_codes", "曾任职单位统一社会信用代码", False, "多个用；分隔，须为系统中已登记的单位"),
    Column("past_periods", "曾任职期间", False, "如 2015-03至2019-06，多段用；分隔，与曾任职单位一一对应"),
)  # fmt: skip
BY_HEADER: dict[str, Column] = {norm(h): c for c in COLUMNS for h in (c.header, *c.aliases)}
HEADER_OF: dict[str, str] = {c.key: c.header for c in COLUMNS}
_LIST_SEPARATORS = re.compile(r"[、,，;；\s]+")
_PERIOD_SEPARATORS = re.compile(r"\s*[;；、,，\n]+\s*")
_RANGE = re.compile(r"\s*(?:至|到|~|～|—+|–|－)\s*")
_MONTH = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?")
_CODE_HINT = "（已登记单位的统一社会信用代码）"
_NOT_A_PERIOD = "“{}”不是有效的任职期间，请写成 2015-03至2019-06"


@dataclass(frozen=True)
class RowError:
    column: str
    message: str


@dataclass(frozen=True)
class ImportRow:
    row_no: int
    errors: tuple[RowError, ...]
    name: str = ""
    id_masked: str = ""
    city_label: str = ""
    specialty_labels: str = ""
    employer_name: str = ""
    fields: Mapping[str, Any] | None = field(default=None, repr=False, compare=False)

    @property
    def is_ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class ImportReport:
    filename: str
    file_errors: tuple[str, ...] = ()
    rows: tuple[ImportRow, ...] = ()

    @property
    def is_clean(self) -> bool:
        return not self.file_errors and bool(self.rows) and all(r.is_ok for r in self.rows)

    @property
    def ok_count(self) -> int:
        return sum(1 for r in self.rows if r.is_ok)

    @property
    def error_row_count(self) -> int:
        return len(self.rows) - self.ok_count

    @property
    def problem_count(self) -> int:
        return sum(len(r.errors) for r in self.rows)

    def problems(self) -> list[tuple[int, str, str]]:
        """Every row problem as (row number, column header, message)."""
        return [(r.row_no, e.column, e.message) for r in self.rows for e in r.errors]


class ExpertImportError(ExpertError):
    """The import was refused because the dry run found problems; ``report`` lists them all."""

    code = "expert_import"

    def __init__(self, report: ImportReport) -> None:
        count = len(report.file_errors) + report.problem_count
        super().__init__(f"导入文件有{count}处问题，未导入任何专家")
        self.report = report


def dry_run(session: Session, data: bytes, filename: str, *, vault: IdentityVault) -> ImportReport:
    """Check every row as it would be entered through the expert form, writing nothing."""
    try:
        sheet = read_sheet(data, filename)
    except SpreadsheetError as exc:
        return ImportReport(filename, (str(exc),))
    columns, errors = _map_columns(sheet.headers)
    errors += _stray_cells(sheet)
    if not errors and not sheet.rows:
        errors.append("文件中没有数据：第1行为列名，请从第2行起填写")
    if errors:
        return ImportReport(filename, tuple(errors))
    rows = [(n, _values(cells, columns)) for n, cells in sheet.rows]
    checker = _RowChecker(session, vault, _pool_clashes(session, vault, (v["id_number"] for _, v in rows)))
    return ImportReport(filename, (), tuple(checker.check(n, v) for n, v in rows))


def _map_columns(headers: Sequence[str]) -> tuple[dict[int, Column], list[str]]:
    columns: dict[int, Column] = {}
    unknown: list[str] = []
    errors: list[str] = []
    for i, header in enumerate(headers):
        column = BY_HEADER.get(norm(header)) if header else None
        if column is None:
            if header:
                unknown.append(header)
        elif column in columns.values():
            errors.append(f"列“{column.header}”出现了不止一次（第{get_column_letter(i + 1)}列）")
        else:
            columns[i] = column
    if not columns:
        return {}, ["第1行不是专家导入模板的列名，一个列名也没有识别出来。请下载导入模板，按模板的列名填写"]
    if unknown:
        errors.append(f"无法识别的列：{'、'.join(unknown)}。列名须与导入模板一致")
    missing = [c.header for c in COLUMNS if c.required and c not in columns.values()]
    if missing:
        errors.append(f"缺少必填列：{'、'.join(missing)}")
    return columns, errors


def _stray_cells(sheet: Sheet) -> list[str]:
    """Data under a blank header would be silently lost: say so instead."""
    named = {i for i, header in enumerate(sheet.headers) if header}
    stray = sorted(
        {i for _, cells in sheet.rows for i, v in enumerate(cells) if i not in named and not is_blank(v)}
    )
    return [f"第{'、'.join(get_column_letter(i + 1) for i in stray)}列有数据但没有列名"] if stray else []


def _values(cells: Sequence[object], columns: Mapping[int, Column]) -> dict[str, object]:
    values: dict[str, object] = dict.fromkeys(c.key for c in COLUMNS)
    for i, column in columns.items():
        if i < len(cells) and not is_blank(cells[i]):
            value = cells[i]
            values[column.key] = value.strip() if isinstance(value, str) else value
    return values


def _pool_clashes(session: Session, vault: IdentityVault, raw_numbers: Iterable[object]) -> dict[str, str]:
    """Lookup hash -> message for the file's ID numbers already in the pool, so that a row with other problems
    is told of its duplicate too (rows without problems are checked once more by ``services._clean``)."""
    digests = set()
    for raw in raw_numbers:
        try:
            digests.add(vault.lookup_hash(normalize_id_number(cell_text(raw))))
        except DomainError:
            continue
    found: dict[str, str] = {}
    ordered = sorted(digests)
    for i in range(0, len(ordered), 500):
        stmt = select(Expert.id_number_hash, Expert.name, Expert.id).where(
            Expert.id_number_hash.in_(ordered[i : i + 500])
        )
        for digest, name, expert_id in session.execute(stmt):
            found[digest] = f"该身份证号码已登记为专家“{name}”（编号 {expert_id}）"
    return found


Fail = Callable[[str, str], None]
Job = tuple[Enterprise, date, date | None]


class _RowChecker:
    """Checks rows one by one, remembering enterprises looked up and the ID numbers seen so far."""

    def __init__(self, session: Session, vault: IdentityVault, clashes: Mapping[str, str]) -> None:
        self.session, self.vault, self.clashes = session, vault, clashes
        self._enterprises: dict[str, Enterprise | str] = {}
        self._seen: dict[str, int] = {}

    def check(self, row_no: int, v: Mapping[str, object]) -> ImportRow:
        errors: list[RowError] = []

        def fail(key: str, message: str) -> None:
            errors.append(RowError(HEADER_OF.get(key, ""), message))

        name, title = cell_text(v["name"]), cell_text(v["title"])
        if not name or len(name) > 64:
            fail("name", "姓名不能为空，且不超过64个字符")
        if len(title) > 64:
            fail("title", "职称不超过64个字符")
        number = self._id_number(row_no, v["id_number"], fail)
        city = _city(cell_text(v["city"]), fail)
        level = _title_level(cell_text(v["title_level"]), fail)
        phone, email = _contact(cell_text(v["phone"]), cell_text(v["email"]), fail)
        specialties = _specialties(cell_text(v["specialties"]), fail)
        cap = _annual_cap(v["annual_cap"], fail)
        jobs = self._jobs(v, fail)
        fields = None
        if not errors and number and city:
            data = services.ExpertInput(name, city, number, title, level, phone, email, specialties, cap)
            fields = self._clean(data, jobs, fail)
        return ImportRow(
            row_no, tuple(errors), name, mask(number) if number else "", city.label if city else "",
            "、".join(services.SPECIALTIES[s] for s in specialties),
            jobs[0][0].name if jobs and jobs[0][2] is None else "", fields if not errors else None,
        )  # fmt: skip

    def _id_number(self, row_no: int, raw: object, fail: Fail) -> str:
        if raw is None:
            fail("id_number", "身份证号码不能为空")
            return ""
        if isinstance(raw, float):
            fail("id_number", "身份证号码被Excel存成了数字，后几位已丢失：请把该列设为文本格式后重新填写")
            return ""
        try:
            number = normalize_id_number(cell_text(raw))
        except DomainError as exc:
            fail("id_number", str(exc))
            return ""
        first = self._seen.setdefault(number, row_no)
        if first != row_no:
            fail("id_number", f"与第{first}行重复：同一身份证号码只能导入一次")
        elif clash := self.clashes.get(self.vault.lookup_hash(number)):
            fail("id_number", clash)
        return number

    def _jobs(self, v: Mapping[str, object], fail: Fail) -> list[Job]:
        """The current job first (no end date), then past ones in the order written."""
        jobs: list[Job] = []
        code, start = cell_text(v["employer_code"]), _date(v, "employer_start", fail)
        if code:
            enterprise = self._enterprise(code, "employer_code", fail)
            if v["employer_start"] is None:
                fail("employer_start", "填写了现任职单位，须同时填写任职起始日期")
            if enterprise is not None and start is not None:
                jobs.append((enterprise, start, None))
        elif v["employer_start"] is not None:
            fail("employer_start", "填写了任职起始日期，但没有填写现任职单位统一社会信用代码")
        codes = [c for c in _LIST_SEPARATORS.split(cell_text(v["past_codes"])) if c]
        texts = [p for p in _PERIOD_SEPARATORS.split(cell_text(v["past_periods"])) if p]
        if len(codes) != len(texts):
            fail(
                "past_periods",
                f"曾任职单位有{len(codes)}个，曾任职期间有{len(texts)}段，应一一对应（多个用；分隔）",
            )
        enterprises = [self._enterprise(c, "past_codes", fail) for c in codes]
        periods = [_period(text, fail) for text in texts]
        for enterprise, period in zip(enterprises, periods, strict=False):
            if enterprise is not None and period is not None:
                jobs.append((enterprise, *period))
        return jobs

    def _enterprise(self, code: str, key: str, fail: Fail) -> Enterprise | None:
        if code not in self._enterprises:
            self._enterprises[code] = self._find_enterprise(code)
        found = self._enterprises[code]
        if isinstance(found, str):
            fail(key, found)
            return None
        return found

    def _find_enterprise(self, code: str) -> Enterprise | str:
        try:
            normalized = creditcode.validate(code)
        except creditcode.CreditCodeError as exc:
            return f"“{code}”：{exc}"
        try:
            return services.enterprise_by_code(self.session, normalized)
        except ExpertError:
            return f"统一社会信用代码 {normalized} 在系统中未登记：请核对代码，或先在单位库中登记该单位"

    def _clean(self, data: services.ExpertInput, jobs: list[Job], fail: Fail) -> dict[str, Any] | None:
        try:
            fields = services._clean(self.session, data, self.vault, None)
        except DomainError as exc:
            fail(exc.field or "", str(exc))
            return None
        return {**fields, "specialties": sorted(set(data.specialties)), "jobs": jobs}


def _city(text: str, fail: Fail) -> City | None:
    city = read_city(text) if text else None
    if city is None:
        fail(
            "city",
            f"无法识别的城市“{text}”，应为江苏省{len(City)}个设区市之一，如 南京市"
            if text
            else "所在城市不能为空",
        )
    return city


def _title_level(text: str, fail: Fail) -> TitleLevel | None:
    if not text:
        return None
    for level in TitleLevel:
        if norm(text) in (level.value, norm(level.label), norm(level.label).removesuffix("级")):
            return level
    fail("title_level", f"无法识别的职称级别“{text}”，应为{'或'.join(f'“{t.label}”' for t in TitleLevel)}")
    return None


def _contact(phone: str, email: str, fail: Fail) -> tuple[str, str]:
    for key, pair in (("phone", (phone, "")), ("email", ("", email))):
        try:
            services.check_contact(*pair)
        except ExpertError as exc:
            fail(key, str(exc))
    return phone, email


def specialty_code(text: str) -> str | None:
    """The category code for excavation, 基坑工程, or the start of one label only (基坑, 模板工程); else None."""
    word = norm(text)
    exact = [code for code, label in services.SPECIALTIES.items() if word in (norm(code), norm(label))]
    starts = [code for code, label in services.SPECIALTIES.items() if norm(label).startswith(word)]
    found = exact or (starts if len(word) >= 2 else [])
    return found[0] if len(found) == 1 else None


def _specialties(text: str, fail: Fail) -> list[str]:
    words = [w for w in _LIST_SEPARATORS.split(text) if w]
    if not words:
        fail("specialties", "专业不能为空，至少填写一个")
        return []
    codes = [specialty_code(w) for w in words]
    unknown = [w for w, c in zip(words, codes, strict=True) if c is None]
    if unknown:
        choices = "、".join(services.SPECIALTIES.values())
        fail("specialties", f"无法识别的专业：{'、'.join(unknown)}。应为工程类别名称或代码：{choices}")
    return list(dict.fromkeys(c for c in codes if c is not None))


def _annual_cap(raw: object, fail: Fail) -> int | None:
    text = cell_text(raw)
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= 200:
        fail("annual_cap", f"年度评审上限“{text}”应为1至200之间的整数，留空按政策默认")
        return None
    return int(text)


def _date(v: Mapping[str, object], key: str, fail: Fail) -> date | None:
    try:
        return read_date(v[key])
    except (ValueError, OverflowError):
        fail(key, f"“{cell_text(v[key])}”不是有效的日期，请写成 2019-07-01")
        return None


def _period(text: str, fail: Fail) -> tuple[date, date] | None:
    parts = _RANGE.split(text)
    if len(parts) == 2 and parts[1] in ("今", "至今", "现在"):
        fail(
            "past_periods",
            f"“{text}”：曾任职期间须有结束年月；现任职单位请填在“{HEADER_OF['employer_code']}”列",
        )
        return None
    try:
        start, end = (_bound(p, is_end) for p, is_end in zip(parts, (False, True), strict=True))
    except ValueError:
        fail("past_periods", _NOT_A_PERIOD.format(text))
        return None
    if end < start:
        fail("past_periods", f"“{text}”：结束早于开始")
        return None
    return start, end


def _bound(text: str, is_end: bool) -> date:
    """2019-06-30 as written; 2019-06 as its first day when it starts a period, its last when it ends one."""
    if match := _MONTH.fullmatch(text):
        year, month = int(match[1]), int(match[2])
        return date(year, month, calendar.monthrange(year, month)[1] if is_end else 1)
    day = read_date(text)
    if day is None:
        raise ValueError(text)
    return day


def commit_import(
    session: Session, data: bytes, filename: str, *, vault: IdentityVault, actor_id: int | None
) -> int:
    """Add every expert of a clean file, with specialties and jobs, in one transaction: all of them, or none.

    :raises ExpertImportError: carrying the report, if the dry run finds any problem.
    """
    report = dry_run(session, data, filename, vault=vault)
    if not report.is_clean:
        raise ExpertImportError(report)
    try:
        experts = [_build(row.fields or {}) for row in report.rows]
        session.add_all(experts)
        session.flush()
        for row, expert in zip(report.rows, experts, strict=True):
            jobs = [{"enterprise": e.credit_code, "start": s.isoformat(), "end": end.isoformat() if end else None}
                    for e, s, end in (row.fields or {})["jobs"]]  # fmt: skip
            audit.record(session, actor_id=actor_id, action="expert_import", obj=("expert", expert.id),
                         after={**services._snapshot(expert), "employments": jobs, "row": row.row_no})  # fmt: skip
        digest = hashlib.sha256(data).hexdigest()
        audit.record(session, actor_id=actor_id, action="expert_import_batch", obj=("expert_import", digest),
                     after={"filename": filename, "count": len(experts), "expert_ids": [e.id for e in experts]})  # fmt: skip
        session.commit()
    except IntegrityError as exc:
        session.rollback()  # someone added one of these experts since the dry run: say who, as a dry run does
        again = dry_run(session, data, filename, vault=vault)
        if again.is_clean:
            raise
        raise ExpertImportError(again) from exc
    except Exception:
        session.rollback()
        raise
    return len(experts)


def _build(fields: Mapping[str, Any]) -> Expert:
    stored = {k: v for k, v in fields.items() if k not in ("specialties", "jobs")}
    expert = Expert(**stored)
    expert.specialties = [ExpertSpecialty(category=c) for c in fields["specialties"]]
    expert.employments = [
        Employment(enterprise_id=e.id, start=s, end_date=end) for e, s, end in fields["jobs"]
    ]
    return expert


def template_xlsx() -> bytes:
    """An empty import sheet with every header, and a guide generated from the catalogue and the cities."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = DATA_SHEET
    sheet.append([c.header for c in COLUMNS])
    for i, column in enumerate(COLUMNS, 1):
        letter = get_column_letter(i)
        sheet.cell(1, i).font = Font(bold=True)
        sheet.column_dimensions[letter].width = min(40, max(12, 2 * len(column.header)))
        if column.key in ("id_number", "phone", "employer_code", "past_codes"):
            sheet.column_dimensions[letter].number_format = "@"  # text: Excel keeps all 18 digits
    sheet.freeze_panes = "A2"
    _add_choices(sheet)
    _write_guide(workbook.create_sheet(GUIDE_SHEET))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _add_choices(sheet: Worksheet) -> None:
    """Drop-down lists as a help only: other spellings (南京, a code, several specialties) stay allowed."""
    lists = {"city": [c.label for c in City], "title_level": [t.label for t in TitleLevel],
             "specialties": list(services.SPECIALTIES.values())}  # fmt: skip
    for i, column in enumerate(COLUMNS, 1):
        if column.key in lists:
            choice = DataValidation(
                type="list", formula1=f'"{",".join(lists[column.key])}"', allow_blank=True
            )
            letter = get_column_letter(i)
            choice.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
            sheet.add_data_validation(choice)


def _write_guide(sheet: Worksheet) -> None:
    required = "、".join(c.header for c in COLUMNS if c.required)
    limits = f"文件不超过{MAX_BYTES // 1024 // 1024}MB、不超过{MAX_ROWS}行"
    rows: list[Sequence[object]] = [
        ("填写说明",),
        (f"工作表“{DATA_SHEET}”第1行为列名，请勿修改；从第2行起每行一位专家。列的顺序可调整，用不到的选填列可删除。",),
        (f"必填列：{required}。{limits}；也可另存为CSV（UTF-8或GBK编码）后导入。导入要么全部成功，要么一条也不写入。",),
        (),
        ("列名", "是否必填", "说明"),
        *((c.header, "必填" if c.required else "", c.note) for c in COLUMNS),
        (),
        ("专业代码", "专业（工程类别）"),
        *services.SPECIALTIES.items(),
        (),
        ("城市代码", "所在城市"),
        *((c.value, c.label) for c in City),
        (),
        (f"示例行（复制到“{DATA_SHEET}”工作表后修改；身份证号码为虚构）",),
        [c.header for c in COLUMNS],
        sample_row(),
    ]  # fmt: skip
    for row in rows:
        sheet.append(list(row))
    sheet.column_dimensions["A"].width = 40


def sample_row() -> list[str]:
    """A row that imports cleanly once the enterprise codes of registered units are written in."""
    body = City.NANJING.division_code[:4] + "0219800101001"
    labels = list(services.SPECIALTIES.values())
    values = {"name": "张三", "id_number": body + check_character(body), "city": City.NANJING.label,
              "title": "正高级工程师", "title_level": TitleLevel.FULL_SENIOR.label, "phone": "13812345678",
              "email": "zhangsan@example.com", "specialties": "、".join(labels[:2]), "annual_cap": "",
              "employer_code": _CODE_HINT, "employer_start": "2019-07-01", "past_codes": _CODE_HINT,
              "past_periods": "2012-03至2019-06"}  # fmt: skip
    return [values.get(c.key, "") for c in COLUMNS]
