"""A window of held panels for the integrity tests, stored directly: 40 reviews of one category drawn from a pool
of 30, where two experts (A, B) sit together on 10 panels, A always for the same constructor and always
proposing 不通过, and two others write the same opinion on one panel."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from expert_pool.draws.models import Seat, SeatStatus
from expert_pool.experts.models import Expert
from expert_pool.reviews.models import Conclusion, Review, ReviewOpinion
from knowledge.enterprises.models import Enterprise, ParticipantRole
from knowledge.regions import City
from tests.factories import (
    make_draw_record,
    make_enterprise,
    make_expert,
    make_plan_version,
    make_project,
    make_work,
)

ON = date(2026, 11, 30)
REVIEWS = 40
COPIED = (
    "基坑支护结构设计计算书中未见坑底抗隆起稳定验算，支撑轴力监测报警值未按设计值的百分之七十设定，应补充完善"
)
PHRASES = ("应急预案", "监测点位", "支撑体系", "降水方案", "周边建筑", "土方开挖", "施工荷载", "验收程序", "人员配备",
           "材料进场", "临时用电", "交底记录", "变形控制", "基坑排水", "支护桩", "冠梁施工")  # fmt: skip


@dataclass
class IntegrityWorld:
    a: Expert
    b: Expert
    copier: Expert
    copied: Expert
    others: list[Expert]
    gc_a: Enterprise
    reviews: list[Review]


def opinion_text(review: int, expert: int) -> str:
    picks = [PHRASES[(review * 7 + expert * 3 + k * 5) % len(PHRASES)] for k in range(6)]
    return (
        f"第{review}号论证{expert}号专家意见："
        + "、".join(picks)
        + f"部分需结合现场第{review * 31 + expert}项条件核实"
    )


def make_integrity_world(session: Session, upload_dir: str) -> IntegrityWorld:
    experts = [make_expert(session, city=City.SUZHOU) for _ in range(30)]
    a, b, others = experts[0], experts[1], experts[2:]
    gc_a, gc_b = make_enterprise(session), make_enterprise(session)
    projects = {gc: make_project(session, [(gc, ParticipantRole.GENERAL_CONTRACTOR)], city=City.SUZHOU)
                for gc in (gc_a, gc_b)}  # fmt: skip
    candidates = [{"expert_id": e.id, "city": e.city.value, "specialties": ["excavation"], "recent_reviews": 0}
                  for e in experts]  # fmt: skip
    reviews, rng = [], random.Random(7)
    copied_pair: list[Expert] = []
    for r in range(REVIEWS):
        with_a = r < 10
        work = make_work(session, projects[gc_a if with_a else gc_b], category="excavation")
        version = make_plan_version(session, work, upload_dir)
        draw = make_draw_record(session, work, version, seq=r + 1)
        draw.candidates = candidates
        rest = rng.sample(others, 3 if with_a else 5)
        members = ([a, b] if with_a else []) + rest
        draw.seated = [e.id for e in members]
        for pos, e in enumerate(members, start=1):
            session.add(Seat(draw_id=draw.id, expert_id=e.id, position=pos, status=SeatStatus.CONFIRMED))
        review = Review(work_id=work.id, plan_version_id=version.id, draw_id=draw.id, meeting_day=ON,
                        half_day=draw.half_day, held_on=ON - timedelta(days=r))  # fmt: skip
        session.add(review)
        session.flush()
        for e in members:
            text = COPIED if r == 12 and e in rest[:2] else opinion_text(r, e.id)
            if text == COPIED:
                copied_pair.append(e)
            proposed = Conclusion.FAIL if e is a else Conclusion.PASS
            session.add(ReviewOpinion(review_id=review.id, expert_id=e.id, checks={}, findings={"1": text},
                                      proposed=proposed))  # fmt: skip
        reviews.append(review)
    session.commit()
    copier, copied = sorted(copied_pair, key=lambda e: e.id)
    return IntegrityWorld(a, b, copier, copied, others, gc_a, reviews)
