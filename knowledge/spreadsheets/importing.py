"""The bulk import every register shares: a dry run of every row, then one audited all-or-nothing commit."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy.orm import Session

from knowledge import audit
from knowledge.errors import ValidationError
from knowledge.spreadsheets.layout import Layout, stray_cells
from knowledge.spreadsheets.reading import SpreadsheetError, read_sheet

Values = dict[str, object]  # a row's values by column key, None where blank


@dataclass(frozen=True)
class RowError:
    """One problem of one row: the column's header and the message, in Chinese."""

    column: str
    message: str


@dataclass(frozen=True)
class CheckedRow:
    """A row as the dry run judged it; ``fields`` is what a row without problems stores."""

    row_no: int
    errors: tuple[RowError, ...]
    fields: Mapping[str, Any] | None = field(default=None, repr=False, compare=False)

    @property
    def is_ok(self) -> bool:
        return not self.errors


R = TypeVar("R", bound=CheckedRow)


@dataclass(frozen=True)
class ImportReport(Generic[R]):
    """A dry run's findings: problems of the file as a whole, and every row with its own problems."""

    filename: str
    file_errors: tuple[str, ...] = ()
    rows: tuple[R, ...] = ()

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


class ImportRefused(ValidationError):
    """The import was refused because the dry run found problems; ``report`` lists them all."""

    code = "import_refused"
    nothing = "数据"  # what the message says was not imported

    def __init__(self, report: ImportReport[Any]) -> None:
        count = len(report.file_errors) + report.problem_count
        super().__init__(f"导入文件有{count}处问题，未导入任何{self.nothing}")
        self.report = report


def dry_run(
    data: bytes,
    filename: str,
    layout: Layout[Any],
    check_rows: Callable[[Sequence[tuple[int, Values]]], Iterable[R]],
) -> ImportReport[R]:
    """Read the file and match its header to ``layout``; if both are sound, ``check_rows`` judges every
    (row number, values) pair as its register would. Writes nothing."""
    try:
        sheet = read_sheet(data, filename)
    except SpreadsheetError as exc:
        return ImportReport(filename, (str(exc),))
    columns, errors = layout.map_columns(sheet.headers)
    errors += stray_cells(sheet)
    if not errors and not sheet.rows:
        errors.append("文件中没有数据：第1行为列名，请从第2行起填写")
    if errors:
        return ImportReport(filename, tuple(errors))
    rows = [(n, layout.row_values(cells, columns)) for n, cells in sheet.rows]
    return ImportReport(filename, (), tuple(check_rows(rows)))


class Stored(Protocol):
    @property
    def id(self) -> int: ...


T = TypeVar("T", bound=Stored)


def commit_rows(
    session: Session, report: ImportReport[R], data: bytes, *, refused: type[ImportRefused], kind: str,
    actor_id: int | None, build: Callable[[R], T], describe: Callable[[R, T], dict[str, Any]],
    after_flush: Callable[[Sequence[T]], object] | None = None,
) -> int:  # fmt: skip
    """Store every row of a clean report in one transaction, all of them or none, with a ``<kind>_import`` audit
    row each and a ``<kind>_import_batch`` row naming the file by its SHA-256. Returns how many were stored.

    :raises ImportRefused: (the ``refused`` subclass) carrying the report, if it has any problem.
    """
    if not report.is_clean:
        raise refused(report)
    try:
        stored = [build(row) for row in report.rows]
        session.add_all(stored)
        session.flush()
        if after_flush is not None:
            after_flush(stored)
        for row, item in zip(report.rows, stored, strict=True):
            audit.record(session, actor_id=actor_id, action=f"{kind}_import", obj=(kind, item.id),
                         after={**describe(row, item), "row": row.row_no})  # fmt: skip
        digest = hashlib.sha256(data).hexdigest()
        audit.record(session, actor_id=actor_id, action=f"{kind}_import_batch", obj=(f"{kind}_import", digest),
                     after={"filename": report.filename, "count": len(stored),
                            f"{kind}_ids": [item.id for item in stored]})  # fmt: skip
        session.commit()
    except Exception:
        session.rollback()
        raise
    return len(stored)
