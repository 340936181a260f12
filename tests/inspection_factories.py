"""Inspections for tests: answers to a work's checklist, a reviewed panel for the plan in force, stored rows."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from expert_pool.draws.models import Seat, SeatStatus
from expert_pool.reviews.meetings import open_review
from knowledge.plans.models import PlanVersion
from knowledge.registry.models import Work
from knowledge.site import files as site_files
from knowledge.site.checklist import checklist_for
from knowledge.site.inspection_models import Inspection, InspectionItem, InspectionPhoto, ItemResult
from knowledge.site.inspections import InspectionInput, ItemAnswer, checklist_of, photo_dir
from tests.factories import make_draw_record, make_expert
from tests.site_factories import png_bytes

INSPECTED_ON = date(2026, 5, 18)
TODAY = date(2026, 5, 20)
GENERAL_KEY = "plan_followed"
CATALOGUE_KEY = "2022-5-3"  # 深基坑施工未进行第三方监测
CATALOGUE_CLAUSE = "建质规〔2022〕2号 第五条第（三）项"


def answers(
    session: Session,
    work: Work,
    *,
    fails: dict[str, str] | None = None,
    photos: dict[str, tuple[site_files.Upload, ...]] | None = None,
    skip: tuple[str, ...] = (),
) -> tuple[ItemAnswer, ...]:
    """Every item of the work's checklist answered "conforms", except those in ``fails`` (key -> note)."""
    fails, photos = fails or {}, photos or {}
    return tuple(
        ItemAnswer(
            c.key,
            ItemResult.FAILS if c.key in fails else ItemResult.CONFORMS,
            fails.get(c.key, ""),
            photos.get(c.key, ()),
        )  # fmt: skip
        for c in checklist_of(session, work)
        if c.key not in skip
    )


def inspection_input(session: Session, work: Work, **overrides: Any) -> InspectionInput:
    fields: dict[str, Any] = {
        "inspected_on": INSPECTED_ON,
        "inspectors": ("周检查", "吴检查"),
        "answers": answers(session, work),
        "note": "现场总体受控",
    }
    fields.update(overrides)
    return InspectionInput(**fields)


def photo(name: str = "现场.png") -> site_files.Upload:
    return site_files.Upload(png_bytes(), name)


def make_panel(session: Session, work: Work, version: PlanVersion, size: int = 3) -> list[int]:
    """A draw of the plan version with ``size`` confirmed seats and its review: the panel that passed the plan."""
    draw = make_draw_record(session, work, version)
    experts = [make_expert(session) for _ in range(size)]
    for position, expert in enumerate(experts, start=1):
        session.add(
            Seat(draw_id=draw.id, expert_id=expert.id, position=position, status=SeatStatus.CONFIRMED)
        )
    open_review(session, draw)
    session.commit()
    return [e.id for e in experts]


def make_inspection_rows(
    session: Session, work: Work, *, recorded_by: int, upload_dir: str | Path
) -> tuple[Inspection, InspectionPhoto]:
    """An inspection stored directly (whatever the work's status), one item with one photo on disk."""
    check = checklist_for(work.category, False)[0]
    inspection = Inspection(work_id=work.id, city=work.city, category=work.category, inspected_on=INSPECTED_ON,
                            inspectors=["周检查"], catalogue_version="2022", recorded_by=recorded_by)  # fmt: skip
    session.add(inspection)
    session.flush()
    item = InspectionItem(inspection_id=inspection.id, item_key=check.key, text=check.text, clause=check.clause,
                          result=ItemResult.CONFORMS)  # fmt: skip
    session.add(item)
    session.flush()
    checked = site_files.check_photo(photo())
    stored, thumb = site_files.store(checked, photo_dir(upload_dir))
    row = InspectionPhoto(item_id=item.id, original_name=checked.original_name, stored_name=stored,
                          content_type=checked.content_type, size=checked.size, sha256=checked.sha256,
                          thumb_name=thumb or "", width=checked.width, height=checked.height)  # fmt: skip
    session.add(row)
    session.commit()
    return inspection, row
