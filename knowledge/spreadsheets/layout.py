"""An import's columns, the matching of a file's header row to them, and the template workbook built from them."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Generic, TypeVar

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from knowledge.spreadsheets.reading import MAX_BYTES, MAX_ROWS, Sheet, is_blank, norm

GuideRow = Sequence[object]


@dataclass(frozen=True)
class Column:
    """One column of an import: the key its value goes by, the header people see and the template's note."""

    key: str
    header: str
    required: bool = False
    note: str = ""
    aliases: tuple[str, ...] = ()  # other headers read as this one


C = TypeVar("C", bound=Column)


@dataclass(frozen=True)
class Layout(Generic[C]):
    """The columns of one import, the names of its template's sheets, and how its messages name the template."""

    columns: tuple[C, ...]
    template: str  # 导入模板, 专家导入模板
    data_sheet: str
    guide_sheet: str

    @cached_property
    def by_header(self) -> dict[str, C]:
        return {norm(h): c for c in self.columns for h in (c.header, *c.aliases)}

    @cached_property
    def header_of(self) -> dict[str, str]:
        return {c.key: c.header for c in self.columns}

    def map_columns(self, headers: Sequence[str]) -> tuple[dict[int, C], list[str]]:
        """Which column of the sheet is which column of the layout, and what is wrong with the header row."""
        columns: dict[int, C] = {}
        unknown: list[str] = []
        errors: list[str] = []
        for i, header in enumerate(headers):
            column = self.by_header.get(norm(header)) if header else None
            if column is None:
                if header:
                    unknown.append(header)
            elif column in columns.values():
                errors.append(f"列“{column.header}”出现了不止一次（第{get_column_letter(i + 1)}列）")
            else:
                columns[i] = column
        if not columns:
            return {}, [
                f"第1行不是{self.template}的列名，一个列名也没有识别出来。请下载导入模板，按模板的列名填写"
            ]
        if unknown:
            errors.append(f"无法识别的列：{'、'.join(unknown)}。列名须与导入模板一致")
        missing = [c.header for c in self.columns if c.required and c not in columns.values()]
        if missing:
            errors.append(f"缺少必填列：{'、'.join(missing)}")
        return columns, errors

    def row_values(self, cells: Sequence[object], columns: Mapping[int, C]) -> dict[str, object]:
        """A row's values by column key (None where blank), text stripped."""
        values: dict[str, object] = dict.fromkeys(c.key for c in self.columns)
        for i, column in columns.items():
            if i < len(cells) and not is_blank(cells[i]):
                value = cells[i]
                values[column.key] = value.strip() if isinstance(value, str) else value
        return values


def stray_cells(sheet: Sheet) -> list[str]:
    """Data under a blank header would be silently lost: say so instead."""
    named = {i for i, header in enumerate(sheet.headers) if header}
    stray = sorted(
        {i for _, cells in sheet.rows for i, v in enumerate(cells) if i not in named and not is_blank(v)}
    )
    return [f"第{'、'.join(get_column_letter(i + 1) for i in stray)}列有数据但没有列名"] if stray else []


# -- the template ---------------------------------------------------------------------------------------


def template_xlsx(
    layout: Layout[C], guide: Sequence[GuideRow], *, choices: Mapping[str, str],
    text_keys: frozenset[str] = frozenset(),
) -> bytes:  # fmt: skip
    """An empty data sheet with every header, drop-down ``choices`` (column key -> comma-separated options) as a
    help only, ``text_keys`` columns formatted as text (Excel keeps long digits), and the ``guide`` sheet."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = layout.data_sheet
    sheet.append([c.header for c in layout.columns])
    for i, column in enumerate(layout.columns, 1):
        letter = get_column_letter(i)
        sheet.cell(1, i).font = Font(bold=True)
        sheet.column_dimensions[letter].width = min(40, max(12, 2 * len(column.header)))
        if column.key in text_keys:
            sheet.column_dimensions[letter].number_format = "@"
    sheet.freeze_panes = "A2"
    for i, column in enumerate(layout.columns, 1):
        if column.key in choices:
            add_choice_list(sheet, i, choices[column.key], MAX_ROWS)
    guide_sheet = workbook.create_sheet(layout.guide_sheet)
    for row in guide:
        guide_sheet.append(list(row))
    guide_sheet.column_dimensions["A"].width = 40
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def add_choice_list(sheet: Any, column: int, options: str, rows: int) -> None:
    """A drop-down of comma-separated ``options`` on rows 2..rows+1 of a template's 1-based ``column``."""
    choice = DataValidation(type="list", formula1=f'"{options}"', allow_blank=True)
    letter = get_column_letter(column)
    choice.add(f"{letter}2:{letter}{rows + 1}")
    sheet.add_data_validation(choice)


def guide_head(
    layout: Layout[C], *, each_row: str, optional: str, described: Sequence[C] = (), closing: str = ""
) -> list[GuideRow]:
    """The guide's opening: how to fill the sheet in, the required columns, the limits, and a note per column of
    ``described`` (every column by default)."""
    required = "、".join(c.header for c in layout.columns if c.required)
    limits = f"文件不超过{MAX_BYTES // 1024 // 1024}MB、不超过{MAX_ROWS}行"
    return [
        ("填写说明",),
        (f"工作表“{layout.data_sheet}”第1行为列名，请勿修改；从第2行起每行{each_row}。列的顺序可调整，用不到的{optional}列可删除。",),
        (f"必填列：{required}。{limits}；也可另存为CSV（UTF-8或GBK编码）后导入。{closing}",),
        (),
        ("列名", "是否必填", "说明"),
        *((c.header, "必填" if c.required else "", c.note) for c in (described or layout.columns)),
    ]  # fmt: skip


def guide_sample(layout: Layout[C], row: Sequence[object], *, note: str = "") -> list[GuideRow]:
    """The guide's closing: a sample row under the headers, to copy into the data sheet."""
    return [
        (),
        (f"示例行（复制到“{layout.data_sheet}”工作表后修改{note}）",),
        [c.header for c in layout.columns],
        row,
    ]
