"""Bulk import of experts from pool offices' spreadsheets: dry run of every row, then an all-or-nothing commit.

Reading XLSX/CSV files is ``knowledge.spreadsheets``'s job. Each row's cells are checked one by one, so every
problem is named by row and column; a row without problems then goes through ``services._clean``, the checks
of the expert form, so a row is judged as the form judges it and stored with the same fields.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from expert_pool.errors import ExpertError
from expert_pool.experts import services
from expert_pool.experts.identity import IdentityVault, normalize_id_number
from expert_pool.experts.import_layout import (
    BY_HEADER,
    COLUMNS,
    DATA_SHEET,
    GUIDE_SHEET,
    HEADER_OF,
    Column,
    map_columns,
    row_values,
    sample_row,
    stray_cells,
    template_xlsx,
)
from expert_pool.experts.import_rows import Fail, ImportRow, Job, RowChecker, RowError, specialty_code
from expert_pool.experts.models import Employment, Expert, ExpertSpecialty
from knowledge import audit
from knowledge.errors import DomainError
from knowledge.spreadsheets import ImportReport, SpreadsheetError, cell_text, read_sheet

# fmt: off
__all__ = [
    "BY_HEADER", "COLUMNS", "DATA_SHEET", "GUIDE_SHEET", "HEADER_OF", "Column", "ExpertImportError", "Fail",
    "ImportReport", "ImportRow", "Job", "RowError", "commit_import", "dry_run", "sample_row", "specialty_code",
    "template_xlsx",
]
# fmt: on


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
    columns, errors = map_columns(sheet.headers)
    errors += stray_cells(sheet)
    if not errors and not sheet.rows:
        errors.append("文件中没有数据：第1行为列名，请从第2行起填写")
    if errors:
        return ImportReport(filename, tuple(errors))
    rows = [(n, row_values(cells, columns)) for n, cells in sheet.rows]
    checker = RowChecker(session, vault, _pool_clashes(session, vault, (v["id_number"] for _, v in rows)))
    return ImportReport(filename, (), tuple(checker.check(n, v) for n, v in rows))


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
