"""Bulk import of experts from pool offices' spreadsheets: dry run of every row, then an all-or-nothing commit.

The dry run and the commit themselves are ``knowledge.spreadsheets``'s, as for works. Each row's cells are checked one by one, so every
problem is named by row and column; a row without problems then goes through ``services.clean_fields``, the checks
of the expert form, so a row is judged as the form judges it and stored with the same fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from expert_pool.errors import ExpertError
from expert_pool.experts import services
from expert_pool.experts.identity import IdentityVault, normalize_id_number
from expert_pool.experts.import_layout import (
    COLUMNS,
    DATA_SHEET,
    GUIDE_SHEET,
    LAYOUT,
    sample_row,
    template_xlsx,
)
from expert_pool.experts.import_rows import Fail, ImportRow, Job, RowChecker, specialty_code
from expert_pool.experts.models import Employment, Expert, ExpertSpecialty
from expert_pool.experts.scopes import OFFICE_ROLES, check_add
from knowledge.accounts.permissions import Scope
from knowledge.errors import DomainError, PermissionDenied
from knowledge.spreadsheets import importing
from knowledge.spreadsheets.importing import ImportRefused, ImportReport, RowError, Values
from knowledge.spreadsheets.reading import cell_text, read_city

# fmt: off
__all__ = [
    "COLUMNS", "DATA_SHEET", "GUIDE_SHEET", "LAYOUT", "ExpertImportError", "Fail", "ImportReport", "ImportRow",
    "Job", "RowError", "commit_import", "dry_run", "sample_row", "specialty_code", "template_xlsx",
]
# fmt: on


class ExpertImportError(ImportRefused, ExpertError):
    """The experts import was refused because the dry run found problems; ``report`` lists them all."""

    code = "expert_import"
    nothing = "专家"


def dry_run(
    session: Session, data: bytes, filename: str, *, vault: IdentityVault, scope: Scope | None = None
) -> ImportReport[ImportRow]:
    """Check every row as it would be entered through the expert form, writing nothing; with ``scope``, a row
    of a city outside it is a problem of that row (the commit always passes the importing account's scope)."""

    def check_rows(rows: Sequence[tuple[int, Values]]) -> list[ImportRow]:
        checker = RowChecker(session, vault, _pool_clashes(session, vault, (v["id_number"] for _, v in rows)))
        return [_in_scope(checker.check(n, v), v, scope) for n, v in rows]

    return importing.dry_run(data, filename, LAYOUT, check_rows)


def _in_scope(row: ImportRow, values: Values, scope: Scope | None) -> ImportRow:
    city = read_city(cell_text(values["city"]))
    if scope is None or city is None:
        return row
    try:
        check_add(scope, city)
    except PermissionDenied as exc:
        problem = RowError(LAYOUT.header_of.get("city", ""), str(exc))
        return replace(row, errors=(*row.errors, problem), fields=None)
    return row


def _pool_clashes(session: Session, vault: IdentityVault, raw_numbers: Iterable[object]) -> dict[str, str]:
    """Lookup hash -> message for the file's ID numbers already in the pool, so that a row with other problems
    is told of its duplicate too (rows without problems are checked once more by ``services.clean_fields``)."""
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
            if digest is not None:  # the statement asks for known digests: a None never comes back
                found[digest] = f"该身份证号码已登记为专家“{name}”（编号 {expert_id}）"
    return found


def commit_import(session: Session, data: bytes, filename: str, *, vault: IdentityVault, scope: Scope) -> int:
    """Add every expert of a clean file, with specialties and jobs, in one transaction: all of them, or none.
    An office imports experts of its own city only, as it adds them one by one.

    :raises PermissionDenied: if the account's role may not add experts.
    :raises ExpertImportError: carrying the report, if the dry run finds any problem.
    """
    if scope.role not in OFFICE_ROLES:
        raise PermissionDenied("当前账号无权导入专家")
    report = dry_run(session, data, filename, vault=vault, scope=scope)
    try:
        return importing.commit_rows(session, report, data, refused=ExpertImportError, kind="expert",
                                     actor_id=scope.account_id, build=lambda row: _build(row.fields or {}),
                                     describe=_describe)  # fmt: skip
    except IntegrityError as exc:  # rolled back: someone added one of these experts since the dry run
        again = dry_run(session, data, filename, vault=vault, scope=scope)  # say who, as a dry run does
        if again.is_clean:
            raise
        raise ExpertImportError(again) from exc


def _describe(row: ImportRow, expert: Expert) -> dict[str, Any]:
    jobs = [{"enterprise": e.credit_code, "start": s.isoformat(), "end": end.isoformat() if end else None}
            for e, s, end in (row.fields or {})["jobs"]]  # fmt: skip
    return {**services.snapshot(expert), "employments": jobs}


def _build(fields: Mapping[str, Any]) -> Expert:
    stored = {k: v for k, v in fields.items() if k not in ("specialties", "jobs")}
    expert = Expert(**stored)
    expert.specialties = [ExpertSpecialty(category=c) for c in fields["specialties"]]
    expert.employments = [
        Employment(enterprise_id=e.id, start=s, end_date=end) for e, s, end in fields["jobs"]
    ]
    return expert
