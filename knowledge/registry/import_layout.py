"""The columns of the works import spreadsheet, generated from the catalogue, and the template built from them."""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.regions import City, district_names
from knowledge.registry.clauses import Kind, Parameter
from knowledge.registry.parameter_values import fmt
from knowledge.registry.rules import SubTypeEntry, catalogue
from knowledge.spreadsheets import layout
from knowledge.spreadsheets.layout import GuideRow, Layout
from knowledge.spreadsheets.reading import norm

DATA_SHEET, GUIDE_SHEET = "危大工程", "填写说明"


@dataclass(frozen=True)
class Column(layout.Column):
    """A WorkInput field, a project lookup key, or a parameter (``parameter`` set) of the works import."""

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


# Every parameter once, in the catalogue's order: one column each.
PARAMETERS: tuple[Parameter, ...] = tuple(
    {p.code: p for c in catalogue() for s in c.sub_types for p in s.parameters}.values()
)
COLUMNS: tuple[Column, ...] = FIXED + tuple(
    Column(p.code, parameter_header(p), parameter=p) for p in PARAMETERS
)
LAYOUT: Layout[Column] = Layout(COLUMNS, "导入模板", DATA_SHEET, GUIDE_SHEET)
CATEGORY_LABELS: dict[str, str] = {c.code: c.label for c in catalogue()}


def category_code(text: str) -> str:
    """The code of a category given by code or label; the text itself when it is neither (classify says why)."""
    return next((c.code for c in catalogue() if norm(text) in (norm(c.code), norm(c.label))), text)


def sub_type_code(category: str, text: str) -> str | None:
    if not text:
        return None
    subs = next((c.sub_types for c in catalogue() if c.code == category), ())
    return next((s.code for s in subs if norm(text) in (norm(s.code), norm(s.label))), text)


def template_xlsx() -> bytes:
    """An empty import sheet with every header, and a guide sheet generated from the catalogue."""
    flags = {c.key: "是,否" for c in COLUMNS if c.parameter is not None and c.parameter.kind is Kind.BOOL}
    choices = {
        "city": ",".join(c.label for c in City),
        "category": ",".join(CATEGORY_LABELS.values()),
        **flags,
    }
    return layout.template_xlsx(LAYOUT, _guide(), choices=choices)


def _guide() -> list[GuideRow]:
    return [
        *layout.guide_head(LAYOUT, each_row="一项危大工程", optional="参数", described=FIXED),
        (),
        ("类别代码", "工程类别", "子类代码", "子类", "适用的参数列"),
        *((c.code, c.label, s.code, s.label, "、".join(map(parameter_header, s.parameters)) or "无需参数")
          for c in catalogue() for s in c.sub_types),
        (),
        ("参数列名", "参数代码", "类型", "单位", "合理范围"),
        *((parameter_header(p), p.code, *_describe(p)) for p in PARAMETERS),
        *layout.guide_sample(LAYOUT, sample_row()),
    ]  # fmt: skip


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
