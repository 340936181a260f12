"""A small world for the dashboard's figures: works, reviews, seats and hazards in Suzhou and Nanjing in 2026Q3."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from expert_pool.draws.models import Seat, SeatStatus
from expert_pool.reviews.meetings import open_review
from expert_pool.reviews.models import Conclusion, Review, ReviewReport
from knowledge.accounts.models import Role
from knowledge.enterprises.models import ParticipantRole
from knowledge.regions import City
from knowledge.registry.workflow import WorkStatus
from knowledge.site.hazard_catalogue import CURRENT_VERSION, make_key
from knowledge.site.hazard_loop import Level, State
from knowledge.site.hazard_models import Hazard, Source
from knowledge.site.inspection_models import Sweep
from tests.factories import (
    make_account,
    make_draw_record,
    make_enterprise,
    make_expert,
    make_plan_version,
    make_project,
    make_work,
)

TODAY = date(2026, 10, 15)
IN_Q3 = datetime(2026, 8, 1, tzinfo=UTC)
_seq = itertools.count(1)
_codes = itertools.count(1)


@dataclass
class World:
    late_work_id: int
    unsigned_review_id: int
    overdue_hazard_id: int
    contractor_id: int


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 2, tzinfo=UTC)


def _project(session: Any, contractor: Any, city: City) -> Any:
    district = "吴中区" if city is City.SUZHOU else "玄武区"
    return make_project(
        session, [(contractor, ParticipantRole.GENERAL_CONTRACTOR)], city=city, district=district
    )


def add_review(
    session: Any, upload_dir: str, work: Any, *, held: date, conclusion: Conclusion | None, days: int = 10,
    seats: tuple[SeatStatus, ...] = (), conflicts: int = 0,
) -> Review:  # fmt: skip
    """A review held on ``held`` whose draw was requested ``days`` before its final report (two days after)."""
    version = make_plan_version(session, work, upload_dir)
    draw = make_draw_record(session, work, version, seq=next(_seq))
    draw.meeting_day = held
    draw.requested_at = at(held + timedelta(days=2)) - timedelta(days=days)
    draw.funnel = {"pool": 10, "eligible": 8, "excluded": [], "excluded_by_reason": {"回避": conflicts}}
    for status in seats:
        session.add(Seat(draw_id=draw.id, expert_id=make_expert(session).id, position=1, status=status))
    session.commit()
    review = open_review(session, draw)
    review.held_on = held
    if conclusion is not None:
        expert = make_expert(session)
        session.add(ReviewReport(review_id=review.id, version=1, conclusion=conclusion, drafted_by=expert.id,
                                 verify_code=f"V{next(_codes):09d}", finalised_at=at(held + timedelta(days=2))))  # fmt: skip
    session.commit()
    return review


def add_hazard(session: Any, work: Any, creator: Any, *, level: Level, found: date, deadline: date,
               closed: date | None = None, supervised: bool = False) -> Hazard:  # fmt: skip
    hazard = Hazard(
        work_id=work.id, city=work.city, district=work.district, category=work.category, level=level,
        catalogue_key=make_key(CURRENT_VERSION, 4, 4) if level is Level.MAJOR else None, description="临边防护缺失",
        source=Source.INSPECTION, responsible_id=work.project.participants[0].enterprise_id, found_on=found,
        deadline=deadline, state=State.CLOSED if closed else State.OPEN, closed_on=closed, is_supervised=supervised,
        created_by=creator.id,
    )  # fmt: skip
    session.add(hazard)
    session.commit()
    return hazard


def build(session: Any, upload_dir: str) -> World:
    """Suzhou: three over-scale excavations and a 危大 one registered in Q3, one over-scale registered before it
    (due to start, never reviewed), one registered after it; three reviews held in Q3 (first 通过; first 不通过
    then 修改后通过), one held after it and never signed; two hazards; a sweep over Q3 that inspected nothing.
    Nanjing: one work, one review, one hazard."""
    contractor = make_enterprise(session)
    creator = make_account(session, Role.REGULATOR)
    suzhou = _project(session, contractor, City.SUZHOU)
    nanjing = _project(session, contractor, City.NANJING)
    a = make_work(
        session, suzhou, created_at=IN_Q3, status=WorkStatus.IN_FORCE, planned_start=date(2026, 8, 1)
    )
    b = make_work(session, suzhou, created_at=IN_Q3, status=WorkStatus.IN_FORCE)
    make_work(session, suzhou, created_at=IN_Q3, parameters={"excavation_depth": "4", "complex_conditions": False,
                                                             "affects_adjacent_structures": False})  # fmt: skip
    late = make_work(
        session, suzhou, created_at=datetime(2026, 6, 1, tzinfo=UTC), planned_start=date(2026, 10, 1)
    )
    make_work(session, suzhou, created_at=datetime(2026, 10, 5, tzinfo=UTC))
    unsigned_work = make_work(session, suzhou, created_at=IN_Q3, status=WorkStatus.UNDER_REVIEW)
    n = make_work(session, nanjing, created_at=IN_Q3, status=WorkStatus.IN_FORCE)
    add_review(session, upload_dir, a, held=date(2026, 8, 10), conclusion=Conclusion.PASS, days=12,
               seats=(SeatStatus.DECLINED, SeatStatus.EXPIRED, SeatStatus.CONFIRMED), conflicts=2)  # fmt: skip
    add_review(session, upload_dir, b, held=date(2026, 7, 20), conclusion=Conclusion.FAIL, days=5)
    add_review(
        session, upload_dir, b, held=date(2026, 9, 10), conclusion=Conclusion.PASS_AFTER_REVISION, days=8
    )
    unsigned = add_review(session, upload_dir, unsigned_work, held=date(2026, 10, 1), conclusion=None)
    add_review(session, upload_dir, n, held=date(2026, 9, 1), conclusion=Conclusion.PASS, days=20,
               seats=(SeatStatus.DECLINED,), conflicts=1)  # fmt: skip
    overdue = add_hazard(session, a, creator, level=Level.MAJOR, found=date(2026, 8, 1), deadline=date(2026, 8, 8),
                         supervised=True)  # fmt: skip
    add_hazard(session, b, creator, level=Level.ORDINARY, found=date(2026, 9, 1), deadline=date(2026, 9, 16),
               closed=date(2026, 9, 10))  # fmt: skip
    add_hazard(
        session, n, creator, level=Level.ORDINARY, found=date(2026, 7, 5), deadline=date(2099, 12, 31)
    )  # never overdue, whatever the day
    session.add(Sweep(name="2026年第三季度苏州市排查", starts_on=date(2026, 7, 1), ends_on=date(2026, 9, 30),
                      city=City.SUZHOU, opened_by=creator.id))  # fmt: skip
    session.commit()
    return World(late.id, unsigned.id, overdue.id, contractor.id)
