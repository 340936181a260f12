"""Use cases of an online inspection report: an inspector starts it on a registered machine, records it item by item
with measured values and photos, and publishes it; the conclusion is computed from the items, never typed.

- Only an inspector of a body whose qualification is valid on the day acts (``bodies.acting_body``; 建设部令第166号
  第十六条), and only the report's own body's inspectors edit it, while it is a draft. A published report is never
  edited: a failed one is followed by a re-inspection (``retest_of_id``, unique: one each).
- The conclusion is ``checklists.conclusion`` over the recorded items (any 保证项目 failed, or more 一般项目 failed
  than the checklist allows → 不合格); a conclusion the inspector states is checked against it.
- The report number is ``苏起检-{year of publication}-{body id, 4 digits}-{report id, 8 digits}``
  (e.g. ``苏起检-2026-0003-00000123``): unique because the report id is, and it says who issued it and when.
- The PDF is built by the caller's ``render`` from the stored rows only (reportlab stays out of the domain), so the
  SHA-256 recorded at publication matches every later download. There is no upload of a finished report.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from knowledge import audit
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.clock import CST
from knowledge.cranes import checklists
from knowledge.cranes.bodies import acting_body
from knowledge.cranes.certificates import new_code
from knowledge.cranes.errors import CraneError, InspectionItemError
from knowledge.cranes.inspection_models import (
    Conclusion,
    InspectionReport,
    ReportItem,
    ReportPhoto,
    ReportState,
)
from knowledge.cranes.inspection_queries import ItemOutcome, is_own_body, report_lines
from knowledge.cranes.models import Machine
from knowledge.cranes.site_models import Installation
from knowledge.errors import DuplicateError, NotFoundError, PermissionDenied, ValidationError
from knowledge.site import files as site_files

Renderer = Callable[[InspectionReport], bytes]
NOTE_MAX = 500
MEASURED_MAX = 24
PHOTOS_PER_ITEM = 10
NUMBER_PREFIX = "苏起检"
# Report photos live under the upload folder, outside the web root, served only after a permission check.
PHOTO_FOLDER = Path("cranes") / "inspections"


class ReportStateError(CraneError):
    """A change to a report that its state does not allow (a published report is never edited)."""

    code = "report_state"


@dataclass(frozen=True)
class StartInput:
    """A report to start: the machine by its registration number; ``retest_of_number`` the failed report's number."""

    registration_number: str
    at_installation: bool = False
    retest_of_number: str = ""


@dataclass(frozen=True)
class ItemEntry:
    """One item as the inspector records it; ``outcome`` None leaves the item as it was."""

    key: str
    outcome: ItemOutcome | None
    measured: str = ""
    note: str = ""
    photos: tuple[site_files.Upload, ...] = ()


@dataclass
class _Checked:
    item: checklists.CheckItem
    entry: ItemEntry
    outcome: ItemOutcome
    measured: str | None
    note: str
    photos: list[site_files.CheckedFile] = field(default_factory=list)


def photo_dir(upload_dir: str | Path) -> Path:
    return Path(upload_dir) / PHOTO_FOLDER


def report_number(report: InspectionReport) -> str:
    assert report.published_on is not None
    return f"{NUMBER_PREFIX}-{report.published_on.year}-{report.body_id:04d}-{report.id:08d}"


def start_report(session: Session, data: StartInput, *, scope: Scope, now: datetime) -> InspectionReport:
    """Start a draft report on a registered machine for the inspector's body; one commit.

    :raises PermissionDenied: for anyone but an inspector; :raises InspectionBodyError: for a body not registered
        or out of qualification; :raises ValidationError: for an unknown machine, or no open installation when
        asked for; :raises InspectionItemError: for a machine type without a checklist; :raises DuplicateError:
        for a failed report that already has its re-inspection.
    """
    body = acting_body(session, scope, now.astimezone(CST).date())
    machine = _machine(session, data.registration_number)
    found = checklists.checklist(machine.machine_type)
    installation = _open_installation(session, machine) if data.at_installation else None
    original = _retest_of(session, machine, data.retest_of_number) if data.retest_of_number.strip() else None
    report = InspectionReport(
        machine_id=machine.id, machine_type=machine.machine_type, body_id=body.id, inspector_id=scope.account_id,
        installation_id=installation.id if installation else None, checklist_version=found.version,
        retest_of=original, state=ReportState.DRAFT, started_at=now, sha256="",
    )  # fmt: skip
    session.add(report)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise _retest_taken(data.retest_of_number.strip()) from None
    audit.record(session, actor_id=scope.account_id, action="crane_report_start", obj=("crane_inspection_report", report.id),
                 after={"machine": machine.registration_number, "body_id": body.id,
                        "installation_id": report.installation_id, "retest_of_id": report.retest_of_id})  # fmt: skip
    session.commit()
    return report


def _machine(session: Session, registration_number: str) -> Machine:
    number = (registration_number or "").strip().upper()
    machine = session.scalar(select(Machine).where(Machine.registration_number == number)) if number else None
    if machine is None:
        raise ValidationError(f"没有备案编号为“{number[:32]}”的起重机械：只能检验已产权备案的机械",
                              field="registration_number")  # fmt: skip
    return machine


def _open_installation(session: Session, machine: Machine) -> Installation:
    found = session.scalar(
        select(Installation).where(Installation.machine_id == machine.id, Installation.ended_on.is_(None))
    )
    if found is None:
        raise ValidationError(
            "该机械目前没有在装记录（安装告知后、拆卸前），不能作为安装后检验", field="at_installation"
        )
    return found


def _retest_of(session: Session, machine: Machine, number: str) -> InspectionReport:
    number = number.strip()
    original = session.scalar(select(InspectionReport).where(InspectionReport.number == number))
    if original is None or original.machine_id != machine.id:
        raise ValidationError(f"该机械没有编号为“{number[:32]}”的检验报告", field="retest_of_number")
    if original.state is not ReportState.PUBLISHED or original.conclusion is not Conclusion.FAIL:
        raise ValidationError("只有已出具的不合格报告才需要复检", field="retest_of_number")
    if original.retest is not None:
        raise _retest_taken(number)
    return original


def _retest_taken(number: str) -> DuplicateError:
    return DuplicateError(
        f"检验报告 {number[:32]} 已有复检报告，一份不合格报告只能复检一次", field="retest_of_number"
    )


def check_editable(scope: Scope, report: InspectionReport) -> None:
    """Whether ``scope`` may change ``report`` now.

    :raises NotFoundError: for an inspector of another body (the report is not his to see);
        :raises PermissionDenied: for any other reader; :raises ReportStateError: for a published report.
    """
    if not is_own_body(scope, report):
        if scope.role is Role.INSPECTION_BODY:
            raise NotFoundError("检验报告不存在或无权查看")
        raise PermissionDenied("只有出具该报告的检验机构的检验人员可以填写或出具报告")
    if report.state is not ReportState.DRAFT:
        raise ReportStateError("该检验报告已出具，不能再修改；不合格的机械整改后另开复检报告")


def record_items(
    session: Session, report: InspectionReport, entries: Sequence[ItemEntry], *, scope: Scope,
    upload_dir: str | Path, now: datetime,
) -> list[ReportItem]:  # fmt: skip
    """Record (or correct) items of a draft report with their measured values, notes and photos; one commit.

    Everything is checked before anything is stored: a refused entry leaves no row and no file.
    :raises InspectionItemError: for an item of another machine type's checklist, a measured value missing or
        not expected; :raises ValidationError: for a bad figure, a long note, a failed item without a note.
    """
    check_editable(scope, report)
    acting_body(session, scope, now.astimezone(CST).date())
    existing = {row.item_key: row for row in report.items}
    photo_counts: dict[str, int] = {}
    for photo in report.photos:
        photo_counts[photo.item_key] = photo_counts.get(photo.item_key, 0) + 1
    checked = _check_entries(report, entries, photo_counts)
    if not checked:
        raise ValidationError("没有要保存的检验项：请至少选择一项的检验结果", field="items")
    rows = [_upsert(session, report, c, existing.get(c.item.key), now) for c in checked]
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise ReportStateError("同一检验项正被同时记录，请刷新后重试") from None
    folder = photo_dir(upload_dir)
    for c in checked:
        for f in c.photos:
            stored, _thumb = site_files.store(f, folder)
            report.photos.append(ReportPhoto(report_id=report.id, item_key=c.item.key, original_name=f.original_name[:255],
                                             stored_name=stored, content_type=f.content_type, size=f.size,
                                             sha256=f.sha256, uploaded_at=now))  # fmt: skip
    audit.record(session, actor_id=scope.account_id, action="crane_report_items", obj=("crane_inspection_report", report.id),
                 after={c.item.key: c.outcome.value for c in checked})  # fmt: skip
    session.commit()
    return rows


def _check_entries(
    report: InspectionReport, entries: Sequence[ItemEntry], photo_counts: dict[str, int]
) -> list[_Checked]:
    seen: set[str] = set()
    checked = []
    for entry in entries:
        item = checklists.validate_item(report.machine_type, entry.key, report.checklist_version)
        if entry.key in seen:
            raise InspectionItemError(f"检验项 {item.number} 重复提交", field="items")
        seen.add(entry.key)
        if entry.outcome is None:
            if entry.measured.strip() or entry.note.strip() or entry.photos:
                raise ValidationError(f"检验项 {item.number} 请先选择检验结果", field="items")
            continue
        checked.append(_check_entry(item, entry, entry.outcome, photo_counts.get(item.key, 0)))
    return checked


def _check_entry(
    item: checklists.CheckItem, entry: ItemEntry, outcome: ItemOutcome, photos_before: int
) -> _Checked:
    measured = _measured(item, entry.measured)
    checklists.item_fails(item, checklists.ItemResult(item.key, outcome.conforms, measured))
    note = (entry.note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationError(f"检验项 {item.number} 的说明不能超过{NOTE_MAX}个字符", field="items")
    if outcome is ItemOutcome.NONCONFORM and not note:
        raise ValidationError(f"检验项 {item.number} 不合格，请写明发现的问题", field="items")
    if photos_before + len(entry.photos) > PHOTOS_PER_ITEM:
        raise ValidationError(f"检验项 {item.number} 最多{PHOTOS_PER_ITEM}张照片", field="items")
    photos = site_files.check_all(list(entry.photos), photos_only=True)
    return _Checked(item, entry, outcome, f"{measured:f}" if measured is not None else None, note, photos)


def _measured(item: checklists.CheckItem, raw: str) -> Decimal | None:
    text = (raw or "").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or len(text) > MEASURED_MAX:
        raise ValidationError(f"检验项 {item.number} 的实测值“{text[:MEASURED_MAX]}”不是数字", field="items")
    return value


def _upsert(
    session: Session, report: InspectionReport, c: _Checked, row: ReportItem | None, now: datetime
) -> ReportItem:
    if row is None:
        row = ReportItem(report_id=report.id, item_key=c.item.key)
        report.items.append(row)
    row.result, row.measured, row.note, row.recorded_at = c.outcome.value, c.measured, c.note, now
    return row


def publish(
    session: Session, report: InspectionReport, *, scope: Scope, now: datetime, render: Renderer,
    stated: Conclusion | None = None,
) -> InspectionReport:  # fmt: skip
    """Conclude a draft report from its items and publish it with its number, code and PDF hash; one commit.

    :raises InspectionItemError: listing the items not yet recorded; :raises ConclusionMismatchError: for a
        stated conclusion that contradicts the items; :raises ReportStateError: for a report already published.
    """
    check_editable(scope, report)
    acting_body(session, scope, now.astimezone(CST).date())
    results = [line.result for line in report_lines(report) if line.result is not None]
    if stated is None:
        computed = checklists.conclusion(report.machine_type, results, report.checklist_version)
    else:
        computed = checklists.check_stated_conclusion(
            report.machine_type, results, stated is Conclusion.PASS, report.checklist_version
        )
    claimed = session.execute(
        update(InspectionReport)
        .where(InspectionReport.id == report.id, InspectionReport.state == ReportState.DRAFT)
        .values(state=ReportState.PUBLISHED)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise ReportStateError("该检验报告已出具，不能重复出具")
    report.state = ReportState.PUBLISHED
    report.finished_at, report.published_on = now, now.astimezone(CST).date()
    report.conclusion = Conclusion.PASS if computed.passed else Conclusion.FAIL
    report.nonconformities = len(computed.failed_key) + len(computed.failed_general)
    report.number, report.verify_code = report_number(report), new_code()
    session.flush()
    report.sha256 = hashlib.sha256(render(report)).hexdigest()
    audit.record(session, actor_id=scope.account_id, action="crane_report_publish", obj=("crane_inspection_report", report.id),
                 after={"number": report.number, "conclusion": report.conclusion.value,
                        "nonconformities": report.nonconformities, "code": report.verify_code})  # fmt: skip
    session.commit()
    return report
