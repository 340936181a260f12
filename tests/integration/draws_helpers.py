"""The world of the draw tests: a project whose works are made ready for a draw, fourteen experts, a draw."""

from datetime import UTC, date, datetime

import pytest

from expert_pool.draws import services as draws
from expert_pool.draws.models import HalfDay
from expert_pool.experts.models import ExpertSpecialty
from knowledge.accounts.models import Role
from knowledge.enterprises.models import ParticipantRole
from knowledge.plans.models import PlanSignoff, SignoffKind
from knowledge.regions import City
from knowledge.registry.workflow import WorkStatus
from tests.factories import (
    make_account,
    make_enterprise,
    make_expert,
    make_plan_version,
    make_project,
    make_work,
)

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
DAY = date(2026, 12, 3)
CITIES = [City.NANJING, City.WUXI, City.NANTONG, City.YANGZHOU, City.SUZHOU, City.CHANGZHOU, City.XUZHOU]


@pytest.fixture
def site(session, tmp_path):
    gc, sup = make_enterprise(session, name="苏州某建设有限公司"), make_enterprise(session)
    project = make_project(session, [(gc, ParticipantRole.GENERAL_CONTRACTOR), (sup, ParticipantRole.SUPERVISOR)],
                           name="某项目")  # fmt: skip
    signer = make_account(session, Role.PROJECT_TEAM, enterprise_id=gc.id)

    def ready_work(**overrides):
        work = make_work(session, project, status=WorkStatus.REVIEW_REQUESTED, **overrides)
        version = make_plan_version(session, work, str(tmp_path / "up"))
        for kind in (SignoffKind.CONSTRUCTOR, SignoffKind.SUPERVISOR):
            session.add(
                PlanSignoff(plan_version_id=version.id, kind=kind, account_id=signer.id, signer_name="x")
            )
        session.commit()
        return work

    experts = []
    for i in range(14):
        e = make_expert(session, name=f"专家{i:02d}", city=CITIES[i % len(CITIES)])
        e.specialties.append(ExpertSpecialty(category="excavation"))
        experts.append(e)
    session.commit()
    return {"gc": gc, "project": project, "ready_work": ready_work, "experts": experts}


def run_draw(session, work, day=DAY, half=HalfDay.AM, seed="seed-1"):
    return draws.request_draw(session, work, day, half, actor_id=None, now=NOW, seed=seed)
