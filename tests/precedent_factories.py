"""Concluded reviews stored directly for the common-problem tests: 12 deep excavations in two cities whose
panels raise, in different words, the problems of ``tests/unit/precedent_findings.py`` (抗隆起 in 8 reviews,
报警值 in 6, 应急预案 in 4…), three formworks (too few precedents), an inspection with a failed item and a
hazard from the constructor's own check."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from expert_pool.draws.models import Seat, SeatStatus
from expert_pool.experts.models import Expert
from expert_pool.reviews.models import Conclusion, RequiredChange, Review, ReviewOpinion, ReviewReport
from knowledge.enterprises.models import Enterprise, ParticipantRole, Project
from knowledge.plans.models import PlanVersion
from knowledge.regions import City
from knowledge.registry.models import Work
from knowledge.site.hazard_loop import Level
from knowledge.site.hazard_models import Hazard, Source
from knowledge.site.inspection_models import Inspection, InspectionItem, ItemResult
from tests.factories import (
    make_account,
    make_draw_record,
    make_enterprise,
    make_expert,
    make_plan_version,
    make_project,
    make_work,
)

FIRST_DAY = date(2025, 3, 10)
_codes = itertools.count(1)
_draws = itertools.count(1)

# A plan with its nine sections, whose 计算书 has the 整体稳定 check but no 抗隆起, and whose monitoring names
# no alarm values: the pre-check should flag 抗隆起 and 报警值 and find 整体稳定 and 应急.
PLAN_TEXT = """\
某花园项目深基坑工程专项施工方案
第一章 工程概况
本工程基坑开挖深度7.5m，采用钻孔灌注桩加一道混凝土内支撑，周边有市政道路和地下管线。
第二章 编制依据
《建筑基坑支护技术规程》JGJ 120-2012；《建筑深基坑工程施工安全技术规范》JGJ 311-2013。
第三章 施工计划
计划2026年3月开工，工期90日历天。
第四章 施工工艺技术
土方分层分段开挖，先撑后挖，严禁超挖；拆撑换撑在换撑带混凝土达到设计强度的80%后进行。
第五章 施工安全保证措施
监测项目：围护桩顶水平位移、深层水平位移、支撑轴力、周边道路及管线沉降，监测点间距不大于20m。
第六章 施工管理及作业人员配备和分工
项目经理、技术负责人、专职安全生产管理人员各一名，特种作业人员持证上岗。
第七章 验收要求
支护结构及每层开挖完成后由项目技术负责人组织验收，总监理工程师参加。
第八章 应急处置措施
应急预案：成立应急领导小组，发生渗漏、涌水涌砂时立即回填反压并注浆封堵，储备应急物资。
第九章 计算书及相关施工图纸
采用理正深基坑软件计算，整体稳定安全系数Ks=1.42≥1.35，抗倾覆安全系数Kov=1.38≥1.25。
附图1 基坑支护平面布置图
"""

# Each review raises some of these (required changes in the report, findings in the experts' opinions).
UPLIFT = ("缺少坑底抗隆起验算。", "补充坑底抗隆起稳定性验算。", "计算书中未见基坑底部抗隆起稳定验算，应补充。",
          "未提供抗隆起稳定性验算。")  # fmt: skip
ALARM = ("监测报警值未明确。", "应明确各监测项目的报警值。", "未给出监测预警值。")
EMERGENCY = ("应急预案不具体。", "应急处置措施针对性不强。")
STABILITY = ("应补充基坑整体稳定性计算。", "未进行基坑整体稳定验算。")


@dataclass
class PrecedentWorld:
    experts: list[Expert]
    gc: Enterprise
    projects: dict[City, Project]
    reviews: list[Review]
    formwork_reviews: list[Review]
    plan: PlanVersion  # a new excavation plan in Suzhou, not yet reviewed
    plan_work: Work
    inspection: Inspection
    hazard: Hazard


def concluded_review(
    session: Session, work: Work, version: PlanVersion, experts: list[Expert], *, held_on: date,
    changes: list[str], findings: list[dict[str, str]], conclusion: Conclusion = Conclusion.PASS_AFTER_REVISION,
) -> Review:  # fmt: skip
    """A held review with one opinion per expert (``findings`` in turn) and a final report with ``changes``."""
    draw = make_draw_record(session, work, version, seq=next(_draws))
    review = Review(work_id=work.id, plan_version_id=version.id, draw_id=draw.id, meeting_day=held_on,
                    half_day=draw.half_day, held_on=held_on)  # fmt: skip
    session.add(review)
    session.flush()
    for position, expert in enumerate(experts, 1):
        session.add(
            Seat(draw_id=draw.id, expert_id=expert.id, position=position, status=SeatStatus.CONFIRMED)
        )
    for expert, said in zip(experts, itertools.cycle(findings or [{}]), strict=False):
        session.add(ReviewOpinion(review_id=review.id, expert_id=expert.id, checks={}, findings=said,
                                  proposed=conclusion))  # fmt: skip
    at = datetime(held_on.year, held_on.month, held_on.day, 8, tzinfo=UTC)
    report = ReviewReport(review_id=review.id, version=1, conclusion=conclusion, summary="专家组意见",
                          drafted_by=experts[0].id, verify_code=f"P{next(_codes):07d}", drafted_at=at,
                          finalised_at=at + timedelta(hours=2), content_hash="x")  # fmt: skip
    session.add(report)
    session.flush()
    for number, text in enumerate(changes, 1):
        session.add(RequiredChange(report_id=report.id, number=number, text=text, source_expert_ids=[]))
    session.commit()
    return review


def make_precedent_world(session: Session, upload_dir: str) -> PrecedentWorld:
    experts = [make_expert(session, city=City.WUXI) for _ in range(5)]
    gc = make_enterprise(session, name="南通某建设集团有限公司")
    projects = {c: make_project(session, [(gc, ParticipantRole.GENERAL_CONTRACTOR)], city=c)
                for c in (City.SUZHOU, City.NANJING)}  # fmt: skip
    reviews = []
    for n in range(12):
        city = City.SUZHOU if n % 3 else City.NANJING
        work = make_work(session, projects[city], category="excavation")
        version = make_plan_version(session, work, upload_dir)
        changes = [UPLIFT[n % len(UPLIFT)]] if n < 8 else []
        changes += [ALARM[n % len(ALARM)]] if n % 2 == 0 else []
        findings = [{"1": EMERGENCY[n % 2] if n < 4 else "方案内容基本完整，施工工艺可行。",
                     "2": STABILITY[n % 2] if n in (3, 7, 11) else "计算书内容齐全，计算模型及荷载取值基本合理。",
                     "3": "监测监控及安全保证措施基本到位，验收要求明确。"}]  # fmt: skip
        held = FIRST_DAY + timedelta(days=30 * n)
        reviews.append(concluded_review(session, work, version, experts, held_on=held, changes=changes,
                                        findings=findings))  # fmt: skip
    formwork_reviews = []
    for n in range(3):
        work = make_work(session, projects[City.SUZHOU], category="formwork", sub_type="concrete_support",
                         parameters={"support_height": "9"})  # fmt: skip
        version = make_plan_version(session, work, upload_dir)
        formwork_reviews.append(concluded_review(session, work, version, experts, held_on=FIRST_DAY + timedelta(days=n),
                                                 changes=["扣件抗滑移验算缺失。"], findings=[]))  # fmt: skip
    plan_work = make_work(session, projects[City.SUZHOU], category="excavation")
    plan = make_plan_version(session, plan_work, upload_dir, text=PLAN_TEXT)
    inspection, hazard = _site(session, reviews[0].work, plan_work, gc)
    return PrecedentWorld(
        experts, gc, projects, reviews, formwork_reviews, plan, plan_work, inspection, hazard
    )


def _site(session: Session, work: Work, other: Work, gc: Enterprise) -> tuple[Inspection, Hazard]:
    recorder = make_account(session)
    inspection = Inspection(work_id=work.id, city=work.city, category=work.category, inspected_on=date(2026, 2, 3),
                            inspectors=["张三", "李四"], catalogue_version="2022", recorded_by=recorder.id)  # fmt: skip
    session.add(inspection)
    session.flush()
    session.add_all([
        InspectionItem(inspection_id=inspection.id, item_key="third_party_monitoring", text="第三方监测按监测方案开展",
                       clause="住房和城乡建设部令第37号 第二十条", result=ItemResult.FAILS, note="监测报警值未按方案设定"),
        InspectionItem(inspection_id=inspection.id, item_key="plan_followed", text="施工现场按专项施工方案组织施工",
                       clause="住房和城乡建设部令第37号 第十六条", result=ItemResult.CONFORMS),
    ])  # fmt: skip
    hazard = Hazard(work_id=other.id, city=other.city, district=other.district, category=other.category,
                    level=Level.ORDINARY, description="基坑周边堆载超过设计允许值，距坑边2m范围内堆放钢筋。",
                    source=Source.SELF_CHECK, responsible_id=gc.id, found_on=date(2026, 2, 10),
                    deadline=date(2026, 2, 25), created_by=recorder.id)  # fmt: skip
    session.add(hazard)
    session.commit()
    return inspection, hazard
