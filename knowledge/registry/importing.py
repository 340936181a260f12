"""Bulk import of works from the spreadsheets regulators keep: dry run of every row, then one all-or-nothing commit.

The column layout and the template live in ``knowledge.registry.import_layout``; the dry run and the commit
themselves in ``knowledge.spreadsheets``. Every row goes through ``prepare_work``, so a row is judged as the
form judges it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge import outbox
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope, can_register_work, visible_projects
from knowledge.enterprises import creditcode
from knowledge.enterprises.models import Enterprise, ParticipantRole, Project, ProjectParticipant
from knowledge.errors import DomainError
from knowledge.regions import City
from knowledge.registry.import_layout import (
    CATEGORY_LABELS,
    LAYOUT,
    PARAMETERS,
    category_code,
    parameter_header,
    sub_type_code,
    template_xlsx,
)
from knowledge.registry.models import Work
from knowledge.registry.parameter_values import read_value
from knowledge.registry.services import (
    WorkInput,
    build_work,
    classify_for_registry,
    participants_of,
    prepare_work,
    snapshot,
)
from knowledge.spreadsheets import importing
from knowledge.spreadsheets.importing import CheckedRow, ImportRefused, ImportReport, RowError, Values
from knowledge.spreadsheets.reading import cell_text, norm, read_city, read_date
from search_index.documents import make_doc_id

__all__ = [
    "ImportReport",
    "ImportRow",
    "RowError",
    "WorkImportError",
    "can_import_works",
    "commit_import",
    "dry_run",
    "template_xlsx",
]

_HEADER_OF = LAYOUT.header_of | {"parameters": "参数", "project_id": "项目名称"}
_PARAMETER_HEADERS = frozenset(parameter_header(p) for p in PARAMETERS)


def can_import_works(
    scope: Scope, project_city: City, participants: Iterable[tuple[int, ParticipantRole]]
) -> bool:
    """Regulators keep these spreadsheets for their jurisdiction (the province, or their city), so they
    import for it; everyone else imports exactly what ``can_register_work`` lets them register one by one."""
    if scope.role is Role.REGULATOR:
        return scope.city is None or scope.city == project_city
    return can_register_work(scope, participants)


@dataclass(frozen=True)
class ImportRow(CheckedRow):
    project_name: str = ""
    work_name: str = ""
    category_label: str = ""
    verdict_label: str = ""


class WorkImportError(ImportRefused):
    """The works import was refused because the dry run found problems; ``report`` lists them all."""

    code = "work_import"


def dry_run(session: Session, data: bytes, filename: str, *, scope: Scope) -> ImportReport[ImportRow]:
    """Check every row as it would be registered, writing nothing; the report says what is wrong where."""

    def check_rows(rows: Sequence[tuple[int, Values]]) -> list[ImportRow]:
        checker = _RowChecker(session, scope)
        return [checker.check(n, v) for n, v in rows]

    return importing.dry_run(data, filename, LAYOUT, check_rows)


Fail = Callable[[str, str], None]


class _RowChecker:
    """Checks rows one by one, remembering projects, existing names and the rows seen so far."""

    def __init__(self, session: Session, scope: Scope) -> None:
        self.session, self.scope = session, scope
        self._projects: dict[tuple[str, City, str, str], Project | str] = {}
        self._existing: dict[int, set[str]] = {}
        self._seen: dict[tuple[int, str], int] = {}

    def check(self, row_no: int, v: Mapping[str, object]) -> ImportRow:
        errors: list[RowError] = []

        def fail(key: str, message: str) -> None:
            errors.append(RowError(_HEADER_OF[key], message))

        name, category = cell_text(v["name"]), category_code(cell_text(v["category"]))
        if not name:
            fail("name", "危大工程名称不能为空")
        if not category:
            fail("category", "工程类别不能为空")
        parameters = _read_parameters(v, fail)
        start, end = (_read_date_cell(v, key, fail) for key in ("planned_start", "planned_end"))
        if start is not None and end is not None and end < start:
            # Said here, whether or not the project is found; prepare_work then checks the rest of the row.
            fail("planned_end", "计划完工日期不能早于计划开工日期")
            end = None
        project = self._project(v, fail)
        data = WorkInput(
            project.id if project else 0, name, category, sub_type_code(category, cell_text(v["sub_type"])),
            parameters, cell_text(v["location"]), start, end, cell_text(v["project_manager"]),
            cell_text(v["technical_lead"]), cell_text(v["chief_supervisor"]), cell_text(v["safety_officer"]),
            cell_text(v["subcontractor_credit_code"]),
        )  # fmt: skip
        fields = self._prepare(data, project, errors)
        if project is not None and name:
            self._check_unique(row_no, project, name, fail)
        return ImportRow(
            row_no, tuple(errors), fields if not errors else None,
            project_name=project.name if project else cell_text(v["project_name"]), work_name=name,
            category_label=CATEGORY_LABELS.get(category, category),
            verdict_label=_verdict_label(fields) if not errors else "",
        )  # fmt: skip

    def _project(self, v: Mapping[str, object], fail: Fail) -> Project | None:
        name, city_text = cell_text(v["project_name"]), cell_text(v["city"])
        city = read_city(city_text) if city_text else None
        if not name:
            fail("project_name", "项目名称不能为空")
        if city is None:
            unknown = f"无法识别的城市“{city_text}”，应为江苏省13个设区市之一，如 苏州市"
            fail("city", unknown if city_text else "所在城市不能为空")
        if not name or city is None:
            return None
        key = (name, city, cell_text(v["district"]), creditcode.normalize(cell_text(v["gc_code"])))
        if key not in self._projects:
            self._projects[key] = self._find_project(*key)
        found = self._projects[key]
        if isinstance(found, str):
            fail("project_name", found)
            return None
        return found

    def _find_project(self, name: str, city: City, district: str, gc_code: str) -> Project | str:
        stmt = select(Project).where(Project.name == name, Project.city == city, visible_projects(self.scope))
        if district:
            stmt = stmt.where(Project.district == district)
        if gc_code:
            stmt = stmt.where(Project.participants.any(
                (ProjectParticipant.role == ParticipantRole.GENERAL_CONTRACTOR)
                & ProjectParticipant.enterprise.has(Enterprise.credit_code == gc_code)))  # fmt: skip
        found = list(self.session.scalars(stmt.order_by(Project.id).limit(2)))
        where = f"{city.label}{district}" + (f"、总承包单位{gc_code}" if gc_code else "")
        if not found:
            return f"未找到项目“{name}”（{where}），请核对项目名称、城市、区县，或先登记项目"
        if len(found) > 1:
            return f"{where}有多个名为“{name}”的项目，请填写区县或总承包单位统一社会信用代码加以区分"
        project = found[0]
        if not can_import_works(self.scope, project.city, participants_of(project)):
            return "无权为该项目登记危大工程：只有本项目的施工总承包或专业分包单位、属地监管人员可以登记"
        return project

    def _prepare(
        self, data: WorkInput, project: Project | None, errors: list[RowError]
    ) -> dict[str, Any] | None:
        """Run the checks of a single registration; skip its error when a cell error already explains it."""
        try:
            if project is None:
                classify_for_registry(data.category, data.sub_type, data.parameters)
                return None
            return prepare_work(self.session, data)
        except DomainError as exc:
            column = _HEADER_OF.get(exc.field or "", "")
            taken = {e.column for e in errors}
            if column not in taken and not (exc.field == "parameters" and taken & _PARAMETER_HEADERS):
                errors.append(RowError(column, str(exc)))
            return None

    def _check_unique(self, row_no: int, project: Project, name: str, fail: Fail) -> None:
        first = self._seen.setdefault((project.id, norm(name)), row_no)
        if first != row_no:
            fail("name", f"与第{first}行重复：同一项目下已有同名危大工程")
            return
        if project.id not in self._existing:
            names = self.session.scalars(select(Work.name).where(Work.project_id == project.id))
            self._existing[project.id] = {norm(n) for n in names}
        if norm(name) in self._existing[project.id]:
            fail("name", "该项目已登记同名危大工程")


def _read_parameters(v: Mapping[str, object], fail: Fail) -> dict[str, object]:
    parameters: dict[str, object] = {}
    for p in PARAMETERS:
        raw = v[p.code]
        if raw is None:
            continue
        try:
            parameters[p.code] = read_value(p, raw)
        except DomainError as exc:
            fail(p.code, str(exc))
    return parameters


def _read_date_cell(v: Mapping[str, object], key: str, fail: Fail) -> date | None:
    try:
        return read_date(v[key])
    except (ValueError, OverflowError):
        fail(key, f"“{cell_text(v[key])}”不是有效的日期，请写成 2025-03-01")
        return None


def _verdict_label(fields: Mapping[str, Any] | None) -> str:
    if fields is None:
        return ""
    pending = "" if fields["is_decided"] else "（尚缺参数，是否超过一定规模待定）"
    return f"{fields['verdict'].label}{pending}"


def commit_import(session: Session, data: bytes, filename: str, *, scope: Scope) -> int:
    """Register every row of a clean file in one transaction: all of them, or none.

    :raises WorkImportError: carrying the report, if the dry run finds any problem.
    """
    return importing.commit_rows(
        session, dry_run(session, data, filename, scope=scope), data, refused=WorkImportError, kind="work",
        actor_id=scope.account_id, build=lambda row: build_work(row.fields or {}, actor_id=scope.account_id),
        describe=lambda row, work: snapshot(work),
        after_flush=lambda works: outbox.record_many(session, [make_doc_id("work", w.id) for w in works]),
    )  # fmt: skip
