"""The columns of the experts import spreadsheet, the matching of a file's headers to them, the template."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from expert_pool.experts import services
from expert_pool.experts.identity import check_character
from expert_pool.experts.models import TitleLevel
from knowledge import spreadsheets
from knowledge.regions import City
from knowledge.registry.import_layout import norm
from knowledge.spreadsheets import MAX_BYTES, MAX_ROWS

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
_CODE_HINT = "（已登记单位的统一社会信用代码）"


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
            spreadsheets.add_choice_list(sheet, i, ",".join(lists[column.key]), MAX_ROWS)


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


def map_columns(headers: Sequence[str]) -> tuple[dict[int, Column], list[str]]:
    return spreadsheets.map_columns(headers, COLUMNS, BY_HEADER, norm, template="专家导入模板")


def row_values(cells: Sequence[object], columns: Mapping[int, Column]) -> dict[str, object]:
    return spreadsheets.row_values(cells, columns, COLUMNS)


stray_cells = spreadsheets.stray_cells
