"""The columns of the works import spreadsheet, generated from the catalogue, and the template built from them."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from knowledge.regions import City, district_names
from knowledge.registry.clauses import Kind, Parameter
from knowledge.registry.parameter_values import fmt
from knowledge.registry.rules import SubTypeEntry, catalogue
from knowledge.spreadsheets import MAX_BYTES, MAX_ROWS, add_choice_list

DATA_SHEET, GUIDE_SHEET = "危大工程", "填写说明"


@dataclass(frozen=True)
class Column:
    key: str  # a WorkInput field, a project lookup key, or a parameter code
    header: str
    required: bool = False
    note: str = ""
    parameter: Parameter | None = None


FIXED: tuple[Column, ...] = (
    Column("project_name", "项目名称", True, "与系统中登记的项目名称完全一致"),
    Column("city", "所在城市", True, "如 苏州市 或 苏州"),
    Column("district", "区县", False, "同名项目较多时用于区分，如 吴中区"),
    Column("gc_code", "总承包单位统一社会信用代码", False, "同名项目较多时用于区分"),
    Column("name", "危大工程名称", True, "同一项目内不能重名"),
    Column("category", "工程类别", True, "填写类别名称或代码，见下表"),
    Column("sub_type", "子类", False, "填写子类名称或代码；类别只有一个子类时可不填"),
    Column("location", "部位", False, "如 1#楼地下室"),
    Column("planned_start", "计划开工日期", False, "如 2025-03-01、2025/3/1 或 2025年3月1日"),
    Column("planned_end", "计划完工日期", False, "不能早于计划开工日期"),
    Column("project_manager", "项目负责人"),
    Column("technical_lead", "项目技术负责人"),
    Column("chief_supervisor", "总监理工程师"),
    Column("safety_officer", "专职安全员"),
    Column("subcontractor_credit_code", "专业分包单位统一社会信用代码", False, "须为本项目登记的专业分包单位"),
)  # fmt: skip


def parameter_header(p: Parameter) -> str:
    if p.kind is Kind.BOOL:
        return f"{p.label}（是/否）"
    return f"{p.label}（{p.unit}）" if p.unit else p.label


def norm(text: str) -> str:
    """Header and label matching forgives spaces, full-width brackets, case, m2 for m², 其他 for 其它."""
    text = re.sub(r"\s+", "", text).replace("（", "(").replace("）", ")").replace("²", "2")
    return text.replace("其他", "其它").casefold()


# Every parameter once, in the catalogue's order: one column each.
PARAMETERS: tuple[Parameter, ...] = tuple(
    {p.code: p for c in catalogue() for s in c.sub_types for p in s.parameters}.values()
)
COLUMNS: tuple[Column, ...] = FIXED + tuple(
    Column(p.code, parameter_header(p), parameter=p) for p in PARAMETERS
)
BY_HEADER: dict[str, Column] = {norm(c.header): c for c in COLUMNS}
CATEGORY_LABELS: dict[str, str] = {c.code: c.label for c in catalogue()}


def category_code(text: str) -> str:
    """The code of a category given by code or label; the text itself when it is neither (classify says why)."""
    return next((c.code for c in catalogue() if norm(text) in (norm(c.code), norm(c.label))), text)


def sub_type_code(category: str, text: str) -> str | None:
    if not text:
        return None
    subs = next((c.sub_types for c in catalogue() if c.code == category), ())
    return next((s.code for s in subs if norm(text) in (norm(s.code), norm(s.label))), text)


def read_city(text: str) -> City | None:
    """苏州市, 苏州, 江苏省苏州市 or suzhou."""
    name = norm(text).removeprefix("江苏省").removeprefix("江苏")
    return next((c for c in City if name in (c.value, norm(c.label), norm(c.label).removesuffix("市"))), None)


def template_xlsx() -> bytes:
    """An empty import sheet with every header, and a guide sheet generated from the catalogue."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = DATA_SHEET
    sheet.append([c.header for c in COLUMNS])
    for i, column in enumerate(COLUMNS, 1):
        sheet.cell(1, i).font = Font(bold=True)
        sheet.column_dimensions[get_column_letter(i)].width = min(40, max(12, 2 * len(column.header)))
    sheet.freeze_panes = "A2"
    _add_choices(sheet)
    _write_guide(workbook.create_sheet(GUIDE_SHEET))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _add_choices(sheet: Worksheet) -> None:
    """Drop-down lists as a help only: other spellings (苏州, a code) stay allowed."""
    lists = {"city": ",".join(c.label for c in City), "category": ",".join(CATEGORY_LABELS.values())}
    for i, column in enumerate(COLUMNS, 1):
        is_flag = column.parameter is not None and column.parameter.kind is Kind.BOOL
        options = "是,否" if is_flag else lists.get(column.key)
        if options:
            add_choice_list(sheet, i, options, MAX_ROWS)


def _write_guide(sheet: Worksheet) -> None:
    required = "、".join(c.header for c in COLUMNS if c.required)
    limits = f"文件不超过{MAX_BYTES // 1024 // 1024}MB、不超过{MAX_ROWS}行"
    rows: list[Sequence[object]] = [
        ("填写说明",),
        (f"工作表“{DATA_SHEET}”第1行为列名，请勿修改；从第2行起每行一项危大工程。列的顺序可调整，用不到的参数列可删除。",),
        (f"必填列：{required}。{limits}；也可另存为CSV（UTF-8或GBK编码）后导入。",),
        (),
        ("列名", "是否必填", "说明"),
        *((c.header, "必填" if c.required else "", c.note) for c in FIXED),
        (),
        ("类别代码", "工程类别", "子类代码", "子类", "适用的参数列"),
        *((c.code, c.label, s.code, s.label, "、".join(map(parameter_header, s.parameters)) or "无需参数")
          for c in catalogue() for s in c.sub_types),
        (),
        ("参数列名", "参数代码", "类型", "单位", "合理范围"),
        *((parameter_header(p), p.code, *_describe(p)) for p in PARAMETERS),
        (),
        (f"示例行（复制到“{DATA_SHEET}”工作表后修改）",),
        [c.header for c in COLUMNS],
        sample_row(),
    ]  # fmt: skip
    for row in rows:
        sheet.append(list(row))
    sheet.column_dimensions["A"].width = 40


def _describe(p: Parameter) -> tuple[str, str, str]:
    if p.kind is Kind.BOOL:
        return "是/否", "", "填写“是”或“否”"
    return "数值", p.unit, f"{fmt(p.minimum)}–{fmt(p.maximum)}"


def sample_row(project_name: str = "（填写系统中登记的项目名称）") -> list[str]:
    """A row for the first sub-type of the catalogue, with values that reach a verdict."""
    category = catalogue()[0]
    sub = category.sub_types[0]
    values: dict[str, str] = {
        "project_name": project_name, "city": City.SUZHOU.label, "district": district_names(City.SUZHOU)[1],
        "name": f"1#楼{category.label}", "category": category.label, "sub_type": sub.label,
        "location": "1#楼", "planned_start": "2025-03-01", "planned_end": "2025-06-30",
        "project_manager": "张三", "technical_lead": "李四", "chief_supervisor": "王五", "safety_officer": "赵六",
    }  # fmt: skip
    for p in sub.parameters:
        values[p.code] = _sample_value(sub, p)
    return [values.get(c.key, "") for c in COLUMNS]


def _sample_value(sub: SubTypeEntry, p: Parameter) -> str:
    """The highest threshold the notice sets for the parameter, so the sample shows a verdict being reached."""
    if p.kind is Kind.BOOL:
        return "否"
    thresholds = [c.threshold for c in sub.clauses if c.parameter == p.code and c.threshold is not None]
    return fmt(max(thresholds)) if thresholds else fmt(p.minimum)
