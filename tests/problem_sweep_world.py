"""The common-problem world of ``tests/precedent_factories.py`` (12 deep excavations reviewed in 2025-26 in Suzhou
and Nanjing: 抗隆起 raised by 8 reviews, 报警值 by 6…, three formworks) grouped, with works under way whose
current plans address the top problems or not, and the kept pre-check run once.

Under way: Suzhou A and Nanjing B with the plan that lacks 抗隆起 and 报警值, Suzhou C with one that has them all;
not under way: Suzhou D (registered) with the lacking plan; a formwork under way (too few precedents)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from expert_pool.precedents import services, stored_prechecks
from expert_pool.precedents.models import CommonProblem
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.enterprises.models import Project
from knowledge.regions import City
from knowledge.registry.models import Work
from knowledge.registry.workflow import WorkStatus
from tests.factories import make_account, make_plan_version, make_work
from tests.precedent_factories import PLAN_TEXT, PrecedentWorld, make_precedent_world

NOW = datetime(2026, 12, 7, 2, tzinfo=UTC)
YEAR = "2025"  # reviews 0-9 of the world were held in 2025
# The world's plan with the two missing things written in their sections: it addresses every top problem.
FULL_TEXT = PLAN_TEXT.replace(
    "监测点间距不大于20m。", "监测点间距不大于20m；各监测项目的报警值按设计要求确定，达到报警值立即停止开挖。"
).replace(
    "抗倾覆安全系数Kov=1.38≥1.25。", "抗倾覆安全系数Kov=1.38≥1.25；坑底抗隆起稳定性验算安全系数1.9≥1.8。"
)


@dataclass
class SweepWorld:
    base: PrecedentWorld
    lacking_suzhou: Work  # A
    lacking_nanjing: Work  # B
    full_suzhou: Work  # C
    registered: Work  # D, not under way
    formwork: Work

    def problem(self, session: Session, word: str) -> CommonProblem:
        excavation = session.scalars(select(CommonProblem).where(CommonProblem.category == "excavation"))
        found = [p for p in excavation if word in p.label]
        assert len(found) == 1, [p.label for p in found]
        return found[0]


def under_way(
    session: Session, project: Project, text: str, status: WorkStatus, upload_dir: str, **extra: Any
) -> Work:
    work = make_work(session, project, status=status, **extra)
    make_plan_version(session, work, upload_dir, text=text)
    return work


def build(session: Session, upload_dir: str) -> SweepWorld:
    base = make_precedent_world(session, upload_dir)
    province = Scope.of(make_account(session, Role.REGULATOR))
    run, _ = services.start_run(session, province, now=NOW)
    services.run_full(session, run.id)
    suzhou, nanjing = base.projects[City.SUZHOU], base.projects[City.NANJING]
    world = SweepWorld(
        base,
        under_way(session, suzhou, PLAN_TEXT, WorkStatus.IN_PROGRESS, upload_dir, name="A区基坑支护工程"),
        under_way(session, nanjing, PLAN_TEXT, WorkStatus.BRIEFED, upload_dir, name="B区基坑支护工程"),
        under_way(session, suzhou, FULL_TEXT, WorkStatus.IN_FORCE, upload_dir, name="C区基坑支护工程"),
        under_way(session, suzhou, PLAN_TEXT, WorkStatus.REGISTERED, upload_dir, name="D区基坑支护工程"),
        under_way(session, suzhou, PLAN_TEXT, WorkStatus.IN_PROGRESS, upload_dir, name="E区高支模工程",
                  category="formwork", sub_type="concrete_support", parameters={"support_height": "9"}),
    )  # fmt: skip
    stored_prechecks.refresh(session, now=NOW)
    return world
