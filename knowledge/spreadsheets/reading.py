"""Reading an uploaded table (first sheet of an XLSX, or a CSV) as header and rows, and its cells as values."""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from openpyxl import load_workbook
from openpyxl.utils.datetime import from_excel

from knowledge.errors import ValidationError
from knowledge.regions import City

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
# An xlsx is a zip: a few MB that inflate past this are a zip bomb, not a registry.
MAX_UNZIPPED = 100 * 1024 * 1024
HINT = "请上传Excel（.xlsx）或CSV文件，可先下载导入模板"


class SpreadsheetError(ValidationError):
    """A file that cannot be read as a table; the message says why, in Chinese."""

    code = "spreadsheet"


@dataclass(frozen=True)
class Sheet:
    headers: tuple[str, ...]
    # (row number as the spreadsheet shows it, cells); the header is row 1 and blank rows are skipped.
    rows: tuple[tuple[int, tuple[object, ...]], ...]


def read_sheet(data: bytes, filename: str) -> Sheet:
    """The header and non-blank rows of an XLSX (first sheet) or CSV file.

    :raises SpreadsheetError: for an empty, oversized or unreadable file, or one with too many rows.
    """
    if not data:
        raise SpreadsheetError("上传的文件是空的。" + HINT)
    if len(data) > MAX_BYTES:
        raise SpreadsheetError(f"文件超过{MAX_BYTES // 1024 // 1024}MB，请拆分后分批导入")
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data)
    if data.startswith(b"%PDF"):
        raise SpreadsheetError("上传的是PDF文件，不是表格。" + HINT)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise SpreadsheetError("不支持旧版Office格式（如.xls），请在Excel中另存为.xlsx或CSV后导入")
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise SpreadsheetError("文件扩展名为.xlsx，但内容不是有效的Excel文件。" + HINT)
    return _read_csv(data)


def _read_xlsx(data: bytes) -> Sheet:
    _check_archive(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (
        Exception
    ) as exc:  # openpyxl raises a zoo of types (KeyError, ValueError, TypeError…) for bad parts
        raise SpreadsheetError("Excel文件已损坏或格式不受支持，无法读取。" + HINT) from exc
    try:
        return _collect(workbook.worksheets[0].iter_rows(values_only=True))
    except SpreadsheetError:
        raise
    except Exception as exc:  # a damaged sheet part only shows itself while its rows stream
        raise SpreadsheetError("Excel文件已损坏，无法读取其中的数据。" + HINT) from exc
    finally:
        workbook.close()


def _check_archive(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            inflated = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise SpreadsheetError("文件已损坏，无法读取。" + HINT) from exc
    if "xl/workbook.xml" not in names:
        what = "Word文档" if "word/document.xml" in names else "压缩包或其他文档"
        raise SpreadsheetError(f"上传的是{what}，不是Excel表格。{HINT}")
    if inflated > MAX_UNZIPPED:
        raise SpreadsheetError("Excel文件解压后过大，请删除多余的工作表或格式后重试")


def _decode(data: bytes) -> str:
    """UTF-8 with or without BOM, UTF-16 with BOM (Excel's "Unicode text"), or GB18030 (Excel's CSV in China)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text):
            return text
    raise SpreadsheetError("无法识别的文件：既不是Excel（.xlsx）文件，也不是UTF-8或GBK编码的CSV文件。" + HINT)


def _read_csv(data: bytes) -> Sheet:
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    try:
        return _collect(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise SpreadsheetError(f"CSV文件格式有误，无法读取：{exc}") from exc


def _collect(rows: Iterable[Sequence[object]]) -> Sheet:
    it = iter(rows)
    header = next(it, None)
    if header is None or all(is_blank(v) for v in header):
        raise SpreadsheetError("文件第1行没有列名。请使用导入模板：第1行为列名，第2行起为数据")
    found: list[tuple[int, tuple[object, ...]]] = []
    for row_no, row in enumerate(it, start=2):
        if all(is_blank(v) for v in row):
            continue
        if len(found) == MAX_ROWS:
            raise SpreadsheetError(f"数据超过{MAX_ROWS}行，请拆分后分批导入")
        found.append((row_no, tuple(row)))
    return Sheet(tuple(cell_text(h) for h in header), tuple(found))


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value: object) -> str:
    """A cell as text: 5.0 as "5" (Excel stores every number as a float), a date as 2025-03-01."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value).strip()


_DATE = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?"
)
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_EXCEL_SERIALS = range(1, 2958466)  # 1900-01-01 to 9999-12-31


def read_date(value: object) -> date | None:
    """A date from an Excel date, a datetime, an Excel serial number, or text such as 2025/3/1 or 2025年3月1日.

    :raises ValueError: if the value is none of these, or names no real day (2025-02-30).
    """
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and int(value) in _EXCEL_SERIALS:
        return from_excel(value).date()  # type: ignore[no-any-return]
    text = cell_text(value)
    match = _DATE.fullmatch(text) or _COMPACT_DATE.fullmatch(text)
    if match is None:
        raise ValueError(text)
    return date(*(int(part) for part in match.groups()))


def norm(text: str) -> str:
    """Header and label matching forgives spaces, full-width brackets, case, m2 for m², 其他 for 其它."""
    text = re.sub(r"\s+", "", text).replace("（", "(").replace("）", ")").replace("²", "2")
    return text.replace("其他", "其它").casefold()


def read_city(text: str) -> City | None:
    """苏州市, 苏州, 江苏省苏州市 or suzhou."""
    name = norm(text).removeprefix("江苏省").removeprefix("江苏")
    return next((c for c in City if name in (c.value, norm(c.label), norm(c.label).removesuffix("市"))), None)
