"""Use case of an inspection (事中事后检查) by a regulator: its checklist answered, photos stored, hazards opened.

Decree 37 Art. 24-26: the authority of the work's area (county level and up; here a city's or the province's
regulator) spot-checks a high-risk work on site and orders the rectification of what it finds. Every failed item
opens a hazard (a catalogue item of 建质规〔2022〕2号 a major one citing its clause, any other an ordinary one) in the
same transaction as the inspection; the photos are checked by content before any is stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge import audit
from knowledge.accounts.permissions import Scope
from knowledge.errors import NotFoundError, PermissionDenied, ValidationError
from knowledge.registry.models import Work
from knowledge.registry.rules import Verdict
from knowledge.registry.scope_tables import EXCAVATION
from knowledge.registry.workflow import IN_FORCE_STATUSES, WorkStatus
from knowledge.site import files as site_files
from knowledge.site.access import can_view_site, is_authority_for
from knowledge.site.checklist import CheckItem, checklist_for
from knowledge.site.errors import ChecklistError, SiteError, SiteFileError
from knowledge.site.hazard_catalogue import CURRENT_VERSION
from knowledge.site.hazard_loop import Level
from knowledge.site.hazard_models import Hazard, Source
from knowledge.site.hazards import (
    DESCRIPTION_MAX,
    HazardInput,
    open_hazard,
    responsible_unit,
    version_in_force,
)
from knowledge.site.inspection_models import (
    Inspection,
    InspectionItem,
    InspectionPhoto,
    ItemResult,
    Sweep,
    SweepWork,
)
from knowledge.site.models import Monitoring

INSPECTORS_MAX = 10
INSPECTOR_NAME_MAX = 32
ITEM_NOTE_MAX = 1000
NOTE_MAX = 2000
CARELESS_NOTE_MAX = 1000
PHOTOS_PER_ITEM = 10
# Inspection photos live under the upload folder, outside the web root, served only after a permission check.
PHOTO_FOLDER = Path("site") / "inspections"


class InspectionError(SiteError):
    """An inspection that cannot be recorded as submitted."""


@dataclass(frozen=True)
class ItemAnswer:
    """The inspector's answer on one check item; ``result`` None is an item left unanswered."""

    key: str
    result: ItemResult | None
    note: str = ""
    photos: tuple[site_files.Upload, ...] = ()


@dataclass(frozen=True)
class InspectionInput:
    inspected_on: date | None
    inspectors: tuple[str, ...]
    answers: tuple[ItemAnswer, ...]
    note: str = ""
    sweep_id: int | None = None
    review_careless: bool = False
    careless_note: str = ""


@dataclass
class _Checked:
    """An answer matched to its check item, its photos already checked."""

    check: CheckItem
    answer: ItemAnswer
    note: str
    photos: list[site_files.CheckedFile] = field(default_factory=list)


def photo_dir(upload_dir: str | Path) -> Path:
    return Path(upload_dir) / PHOTO_FOLDER


def needs_monitoring(session: Session, work: Work) -> bool:
    """Third-party monitoring is checked on an over-scale excavation (Art. 20; 建质规〔2022〕2号 Art. 5 (三)) and on
    any work that has a monitoring unit on record."""
    if work.category == EXCAVATION.code and work.verdict is Verdict.OVER_SCALE:
        return True
    return session.scalar(select(Monitoring.id).where(Monitoring.work_id == work.id).limit(1)) is not None


def checklist_of(session: Session, work: Work) -> tuple[CheckItem, ...]:
    """The checklist an inspection of ``work`` answers today."""
    return checklist_for(work.category, needs_monitoring(session, work))


def check_inspectable(scope: Scope, work: Work) -> None:
    """Whether ``scope`` may inspect ``work`` now.

    :raises NotFoundError: for an account that may not see the work's site at all.
    :raises PermissionDenied: for anyone but a regulator of the work's area.
    :raises InspectionError: for a closed work, or one whose plan is not yet in force.
    """
    participants = ((p.enterprise_id, p.role) for p in work.project.participants)
    if not can_view_site(scope, work.city, participants):
        raise NotFoundError("危大工程不存在或无权查看")
    if not is_authority_for(scope, work.city):
        raise PermissionDenied("只有工程所在地设区市或省级主管部门的监管人员可以记录监督检查")
    if work.status is WorkStatus.CLOSED:
        raise InspectionError("该危大工程已办结（关闭），不能再记录监督检查")
    if work.status not in IN_FORCE_STATUSES:
        raise InspectionError(
            f"该危大工程的专项施工方案尚未生效（当前状态：{work.status.label}），还不能记录监督检查"
        )


def record_inspection(
    session: Session, work: Work, data: InspectionInput, *, scope: Scope, upload_dir: str | Path, today: date
) -> Inspection:
    """Record an inspection of ``work``, its answers and photos, and a hazard for every failed item; one commit.

    Everything is checked before anything is stored: a refused inspection leaves no row and no file.
    """
    check_inspectable(scope, work)
    inspected_on = _inspected_on(data.inspected_on, today)
    inspectors = _inspectors(data.inspectors)
    checked = _answers(checklist_of(session, work), data.answers)
    note = _text(data.note, "检查意见", "note", NOTE_MAX)
    careless_note = _careless(work, data)
    sweep = _sweep(session, data.sweep_id, work, inspected_on)
    if any(c.answer.result is ItemResult.FAILS for c in checked):
        responsible_unit(
            work
        )  # a hazard needs the unit that rectifies it: refused here, before any file is stored
    version = version_in_force(session, work)
    inspection = Inspection(
        work_id=work.id, city=work.city, category=work.category, inspected_on=inspected_on, inspectors=inspectors,
        sweep_id=sweep.id if sweep else None, catalogue_version=CURRENT_VERSION,
        plan_version_id=version.id if version else None, note=note, review_careless=data.review_careless,
        careless_note=careless_note, recorded_by=scope.account_id,
    )  # fmt: skip
    session.add(inspection)
    session.flush()
    folder = photo_dir(upload_dir)
    hazards = [
        h for c in checked if (h := _store_item(session, work, inspection, c, folder, scope)) is not None
    ]
    audit.record(session, actor_id=scope.account_id, action="inspection_record", obj=("inspection", inspection.id),
                 after={"work_id": work.id, "on": inspected_on.isoformat(), "inspectors": inspectors,
                        "failed": [c.check.key for c in checked if c.answer.result is ItemResult.FAILS],
                        "hazards": [h.id for h in hazards], "sweep_id": inspection.sweep_id,
                        "review_careless": data.review_careless})  # fmt: skip
    session.commit()
    return inspection


def _store_item(
    session: Session, work: Work, inspection: Inspection, c: _Checked, folder: Path, scope: Scope
) -> Hazard | None:
    result = c.answer.result
    assert result is not None
    row = InspectionItem(inspection_id=inspection.id, item_key=c.check.key, text=c.check.text[:300],
                         clause=c.check.clause[:100], hazard_key=c.check.hazard_key, result=result, note=c.note)  # fmt: skip
    session.add(row)
    session.flush()
    for f in c.photos:
        stored, thumb = site_files.store(f, folder)
        session.add(InspectionPhoto(item_id=row.id, original_name=f.original_name[:255], stored_name=stored,
                                    content_type=f.content_type, size=f.size, sha256=f.sha256,
                                    thumb_name=thumb or "", width=f.width, height=f.height))  # fmt: skip
    if result is not ItemResult.FAILS:
        return None
    level = Level.MAJOR if c.check.hazard_key else Level.ORDINARY
    description = f"{c.check.text}：{c.note}"[:DESCRIPTION_MAX]
    found = HazardInput(level=level, description=description, found_on=inspection.inspected_on,
                        source=Source.INSPECTION, catalogue_key=c.check.hazard_key)  # fmt: skip
    return open_hazard(
        session, work, found, actor_id=scope.account_id, inspection=inspection, inspection_item=row
    )


def _inspected_on(value: date | None, today: date) -> date:
    if value is None:
        raise ValidationError("请填写检查日期", field="inspected_on")
    if value > today:
        raise ValidationError(f"检查日期不能晚于今天（{today.isoformat()}）", field="inspected_on")
    return value


def _inspectors(names: tuple[str, ...]) -> list[str]:
    found = [n.strip() for n in names if n and n.strip()]
    if not found:
        raise ValidationError("请填写检查人员姓名", field="inspectors")
    if len(found) > INSPECTORS_MAX:
        raise ValidationError(f"检查人员最多{INSPECTORS_MAX}名", field="inspectors")
    long = next((n for n in found if len(n) > INSPECTOR_NAME_MAX), None)
    if long is not None:
        raise ValidationError(
            f"检查人员姓名不能超过{INSPECTOR_NAME_MAX}个字符：“{long[:40]}”", field="inspectors"
        )
    return found


def _answers(checklist: tuple[CheckItem, ...], answers: tuple[ItemAnswer, ...]) -> list[_Checked]:
    """Every item of the checklist answered once; nothing from another checklist; photos checked by content."""
    by_key = {c.key: c for c in checklist}
    given: dict[str, ItemAnswer] = {}
    for answer in answers:
        if answer.key not in by_key:
            raise ChecklistError(f"检查项“{answer.key[:40]}”不属于该工程的检查表（可能是其他类别的检查项）",
                                 field="items")  # fmt: skip
        if answer.key in given:
            raise ValidationError(f"检查项“{by_key[answer.key].text}”重复填写", field="items")
        given[answer.key] = answer
    missing = [c for c in checklist if c.key not in given or given[c.key].result is None]
    if missing:
        shown = "；".join(c.text[:30] for c in missing[:3]) + ("等" if len(missing) > 3 else "")
        raise ValidationError(f"还有{len(missing)}个检查项未填写检查结果：{shown}", field="items")
    checked = []
    for check in checklist:
        answer = given[check.key]
        note = _text(answer.note, f"检查项“{check.text[:30]}”的说明", "items", ITEM_NOTE_MAX)
        if answer.result is ItemResult.FAILS and not note:
            raise ValidationError(f"检查项“{check.text[:30]}”不符合，请写明发现的问题", field="items")
        if len(answer.photos) > PHOTOS_PER_ITEM:
            raise SiteFileError(f"每个检查项最多上传{PHOTOS_PER_ITEM}张照片", field="items")
        checked.append(
            _Checked(check, answer, note, site_files.check_all(list(answer.photos), photos_only=True))
        )
    return checked


def _text(value: str, label: str, name: str, limit: int) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise ValidationError(f"{label}不能超过{limit}个字符", field=name)
    return value


def _careless(work: Work, data: InspectionInput) -> str:
    """A review found careless (DOMAIN.md section 6) needs a reviewed plan and a note saying what was missed."""
    note = _text(data.careless_note, "论证不认真的说明", "careless_note", CARELESS_NOTE_MAX)
    if not data.review_careless:
        return ""
    if work.verdict is not Verdict.OVER_SCALE:
        raise InspectionError("该工程不属于超过一定规模的危大工程，方案未经专家论证，不能认定论证评审不认真",
                              field="review_careless")  # fmt: skip
    if not note:
        raise ValidationError("认定论证评审不认真，须写明方案中被论证通过的明显错误", field="careless_note")
    return note


def _sweep(session: Session, sweep_id: int | None, work: Work, on: date) -> Sweep | None:
    if sweep_id is None:
        return None
    sweep = session.get(Sweep, sweep_id)
    if sweep is None:
        raise ValidationError("排查轮次不存在", field="sweep_id")
    if not sweep.starts_on <= on <= sweep.ends_on:
        raise ValidationError(f"检查日期不在排查轮次“{sweep.name}”的期间内（{sweep.starts_on}至{sweep.ends_on}）",
                              field="sweep_id")  # fmt: skip
    if sweep.city is not None and sweep.city != work.city:
        raise ValidationError(
            f"该工程不在排查轮次“{sweep.name}”的范围（{sweep.city.label}）内", field="sweep_id"
        )
    if sweep.is_listed and session.get(SweepWork, (sweep.id, work.id)) is None:
        raise ValidationError(f"该工程不在专项排查“{sweep.name}”的工程清单内", field="sweep_id")
    return sweep
