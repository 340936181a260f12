"""The read side of inspection reports: who sees which report, one report item by item, and what a report's public
verification code says.

Readers of a report: the inspectors of its body; the machine's owner and the parties of the installation it was
made on (their project teams); the regulators of the machine's city of registration or of the installation's
city, and the province's; administrators.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import ColumnElement, Select, false, or_, select, true
from sqlalchemy.orm import Session, joinedload, selectinload

from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.cranes import checklists
from knowledge.cranes.certificates import CODE_ALPHABET, CODE_LENGTH
from knowledge.cranes.errors import CertificateError
from knowledge.cranes.inspection_models import (
    InspectionBody,
    InspectionReport,
    ReportItem,
    ReportPhoto,
    ReportState,
)
from knowledge.cranes.machines import MachineType
from knowledge.cranes.models import Machine
from knowledge.cranes.site_models import Installation
from knowledge.errors import NotFoundError
from knowledge.pagination import Page, paginate

_CODE = re.compile(f"[{CODE_ALPHABET}]{{{CODE_LENGTH}}}")


class ItemOutcome(StrEnum):
    """What ``ReportItem.result`` holds: the inspector's tick on one item (``checklists.ItemResult.conforms``)."""

    CONFORM = "conform"
    NONCONFORM = "nonconform"
    NOT_APPLICABLE = "not_applicable"

    @property
    def label(self) -> str:
        return {"conform": "合格", "nonconform": "不合格", "not_applicable": "不适用"}[self.value]

    @property
    def conforms(self) -> bool | None:
        return {"conform": True, "nonconform": False, "not_applicable": None}[self.value]


@dataclass(frozen=True)
class ReportLine:
    """One checklist item of a report, with what was recorded on it (``row`` None: not yet recorded)."""

    item: checklists.CheckItem
    row: ReportItem | None
    photos: tuple[ReportPhoto, ...]

    @property
    def outcome(self) -> ItemOutcome | None:
        return ItemOutcome(self.row.result) if self.row is not None else None

    @property
    def result(self) -> checklists.ItemResult | None:
        if self.row is None:
            return None
        measured = Decimal(self.row.measured) if self.row.measured is not None else None
        return checklists.ItemResult(self.item.key, ItemOutcome(self.row.result).conforms, measured)

    @property
    def fails(self) -> bool | None:
        """Whether the recorded result fails the item (a measured value out of range fails it too)."""
        result = self.result
        return None if result is None else checklists.item_fails(self.item, result)


def report_lines(report: InspectionReport) -> list[ReportLine]:
    """Every item of the report's checklist, in the checklist's order, with its recorded row and photos."""
    rows = {row.item_key: row for row in report.items}
    photos: dict[str, list[ReportPhoto]] = {}
    for photo in report.photos:
        photos.setdefault(photo.item_key, []).append(photo)
    found = checklists.checklist(report.machine_type, report.checklist_version)
    return [ReportLine(item, rows.get(item.key), tuple(photos.get(item.key, ()))) for item in found.items]


def recorded_results(report: InspectionReport) -> list[checklists.ItemResult]:
    return [line.result for line in report_lines(report) if line.result is not None]


def visible_reports(scope: Scope) -> ColumnElement[bool]:
    """The WHERE clause over InspectionReport of the reports ``scope`` may read (see the module docstring)."""
    if scope.role is Role.ADMIN or (scope.role is Role.REGULATOR and scope.city is None):
        return true()
    if scope.role is Role.REGULATOR:
        return or_(
            InspectionReport.machine_id.in_(
                select(Machine.id).where(Machine.registration_city == scope.city)
            ),
            InspectionReport.installation_id.in_(
                select(Installation.id).where(Installation.city == scope.city)
            ),
        )
    if scope.enterprise_id is None:
        return false()
    if scope.role is Role.INSPECTION_BODY:
        return InspectionReport.body_id.in_(
            select(InspectionBody.id).where(InspectionBody.enterprise_id == scope.enterprise_id)
        )
    if scope.role is Role.PROJECT_TEAM:
        e = scope.enterprise_id
        parties = select(Installation.id).where(
            or_(Installation.user_id == e, Installation.lessor_id == e, Installation.installer_id == e,
                Installation.supervisor_id == e, Installation.maintainer_id == e)
        )  # fmt: skip
        return or_(
            InspectionReport.machine_id.in_(select(Machine.id).where(Machine.owner_id == e)),
            InspectionReport.installation_id.in_(parties),
        )
    return false()


def is_own_body(scope: Scope, report: InspectionReport) -> bool:
    """Whether ``scope`` is an inspector of the body that made ``report`` (who alone may edit its draft)."""
    return (
        scope.role is Role.INSPECTION_BODY
        and scope.enterprise_id is not None
        and scope.enterprise_id == report.body.enterprise_id
    )


def reports_stmt(
    scope: Scope, *, state: ReportState | None = None, machine_type: MachineType | None = None
) -> Select[InspectionReport]:
    stmt = (
        select(InspectionReport)
        .where(visible_reports(scope))
        .options(
            joinedload(InspectionReport.machine),
            joinedload(InspectionReport.body).joinedload(InspectionBody.enterprise),
            joinedload(InspectionReport.inspector),
        )  # fmt: skip
        .order_by(InspectionReport.id.desc())
    )
    if state is not None:
        stmt = stmt.where(InspectionReport.state == state)
    if machine_type is not None:
        stmt = stmt.where(InspectionReport.machine_type == machine_type)
    return stmt


def reports_page(
    session: Session, scope: Scope, *, state: ReportState | None = None, machine_type: MachineType | None = None,
    page: int = 1, per_page: int = 20,
) -> Page[InspectionReport]:  # fmt: skip
    return paginate(session, reports_stmt(scope, state=state, machine_type=machine_type), page, per_page)


def get_report_for(session: Session, scope: Scope, report_id: int) -> InspectionReport:
    """The report with its items and photos, if the scope may read it; else NotFoundError."""
    report = session.scalar(
        select(InspectionReport)
        .where(InspectionReport.id == report_id, visible_reports(scope))
        .options(
            selectinload(InspectionReport.items),
            selectinload(InspectionReport.photos),
            joinedload(InspectionReport.machine),
            joinedload(InspectionReport.body),
        )  # fmt: skip
    )
    if report is None:
        raise NotFoundError("检验报告不存在或无权查看")
    return report


def get_photo_for(session: Session, scope: Scope, photo_id: int) -> ReportPhoto:
    """A photo of a report the scope may read; else NotFoundError."""
    photo = session.get(ReportPhoto, photo_id)
    if photo is None:
        raise NotFoundError("照片不存在或无权查看")
    get_report_for(session, scope, photo.report_id)
    return photo


def normalise_code(text: str) -> str:
    """The code ``text`` spells (spaces and hyphens dropped, upper-cased).

    :raises CertificateError: when it is not 12 characters of the verification alphabet.
    """
    cleaned = re.sub(r"[\s\-－]", "", text or "").upper()
    if not _CODE.fullmatch(cleaned):
        raise CertificateError(
            f"验证码格式不正确：应为{CODE_LENGTH}位字母或数字（不含I、O、0、1），请核对检验报告上印的验证码",
            field="code",
        )
    return cleaned


@dataclass(frozen=True)
class ReportVerdict:
    """What the public verification page says about a report's code."""

    report: InspectionReport
    retest: InspectionReport | None  # the published re-inspection that follows a failed report

    @property
    def message(self) -> str:
        r = self.report
        assert r.conclusion is not None and r.published_on is not None
        text = f"该检验报告真实有效：报告编号 {r.number}，{r.published_on.isoformat()}出具，检验结论“{r.conclusion.label}”"
        if self.retest is not None:
            text += f"；该机械已复检，复检报告编号 {self.retest.number}"
        return text


def verify_report_code(session: Session, text: str) -> ReportVerdict:
    """The verdict on a typed or scanned report code.

    :raises CertificateError: for a malformed code; :raises NotFoundError: for a code no published report has.
    """
    code = normalise_code(text)
    report = session.scalar(
        select(InspectionReport)
        .where(InspectionReport.verify_code == code, InspectionReport.state == ReportState.PUBLISHED)
        .options(joinedload(InspectionReport.machine), joinedload(InspectionReport.body).joinedload(InspectionBody.enterprise))
    )  # fmt: skip
    if report is None:
        raise NotFoundError(f"没有验证码为 {code} 的起重机械检验报告，请核对；报告可能是伪造的")
    retest = session.scalar(
        select(InspectionReport).where(
            InspectionReport.retest_of_id == report.id, InspectionReport.state == ReportState.PUBLISHED
        )
    )
    return ReportVerdict(report, retest)
