"""Hazards for the hazard-loop tests: one opened on a site world's work, evidence files, a reviewed plan in force."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from expert_pool.reviews.models import Conclusion
from knowledge.registry.workflow import WorkStatus
from knowledge.site import hazards
from knowledge.site.files import Upload
from knowledge.site.hazard_loop import Level
from knowledge.site.hazard_models import Hazard, Source
from tests.review_fixtures import Meeting, concluded, ready_meeting
from tests.site_factories import SiteWorld, png_bytes

FOUND_ON = date(2026, 11, 20)
MAJOR_KEY = "2022-5-1"  # 建质规〔2022〕2号 第五条第（一）项: a deep excavation item


def make_hazard(
    session: Session, world: SiteWorld, *, level: Level = Level.MAJOR, found_on: date = FOUND_ON,
    key: str | None = MAJOR_KEY, description: str = "基坑周边堆载超过设计荷载，支护结构出现裂缝", **kw: Any,
) -> Hazard:  # fmt: skip
    """A hazard an inspection of the world's city regulator found on its work."""
    data = hazards.HazardInput(level=level, description=description, found_on=found_on, source=Source.INSPECTION,
                               catalogue_key=key if level is Level.MAJOR else None, **kw)  # fmt: skip
    hazard = hazards.open_hazard(session, world.work, data, actor_id=world.accounts["regulator"].id)
    session.commit()
    return hazard


def evidence(name: str = "整改照片.png") -> list[Upload]:
    return [Upload(png_bytes(), name)]


def reviewed_world(session: Session, upload_dir: str) -> Meeting:
    """A work whose plan a panel approved (final report signed by every seated expert), now in progress."""
    meeting = ready_meeting(session, upload_dir)
    concluded(session, meeting, Conclusion.PASS)
    meeting.work.status = WorkStatus.IN_PROGRESS
    meeting.work.safety_officer = "钱安全"
    session.commit()
    return meeting
