"""A work on site for the site-control tests: its project with every party, their accounts, a plan in force."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from knowledge.accounts.models import Account, Role
from knowledge.accounts.permissions import Scope
from knowledge.enterprises.models import Enterprise, EnterpriseType, ParticipantRole, Project
from knowledge.plans.models import PlanVersion
from knowledge.regions import City
from knowledge.registry.models import Work
from knowledge.registry.workflow import WorkStatus
from tests.factories import make_account, make_enterprise, make_plan_version, make_project, make_work


@dataclass
class SiteWorld:
    """One work and everyone around it; ``scope(name)`` gives the Scope of an account by its name."""

    project: Project
    work: Work
    version: PlanVersion
    enterprises: dict[str, Enterprise]
    accounts: dict[str, Account]

    def scope(self, name: str) -> Scope:
        return Scope.of(self.accounts[name])


def make_site_world(
    session: Session, upload_dir: str, *, city: City = City.SUZHOU, status: WorkStatus = WorkStatus.IN_PROGRESS,
    **work_overrides: Any,
) -> SiteWorld:  # fmt: skip
    """A Suzhou deep excavation (over scale) with general contractor, supervisor, owner and monitoring unit on
    the project, the latest plan version in force, and accounts: ``gc``, ``supervisor``, ``owner``, ``monitor``
    (project teams), ``outsider`` (a team of another enterprise), ``regulator`` (the work's city),
    ``province`` (province regulator), ``other_city`` (a Nanjing regulator), ``office`` (draw office, city),
    ``expert``, ``admin``."""
    enterprises = {
        "gc": make_enterprise(session, type=EnterpriseType.CONSTRUCTOR),
        "supervisor": make_enterprise(session, type=EnterpriseType.SUPERVISOR),
        "owner": make_enterprise(session, type=EnterpriseType.OWNER),
        "monitor": make_enterprise(session, type=EnterpriseType.MONITOR),
        "outsider": make_enterprise(session),
    }
    roles = {"gc": ParticipantRole.GENERAL_CONTRACTOR, "supervisor": ParticipantRole.SUPERVISOR,
             "owner": ParticipantRole.OWNER, "monitor": ParticipantRole.MONITOR}  # fmt: skip
    project = make_project(session, [(enterprises[k], r) for k, r in roles.items()], city=city)
    fields: dict[str, Any] = {"status": status, "technical_lead": "李技术", "chief_supervisor": "赵总监",
                              "safety_officer": "钱安全", "project_manager": "孙经理"}  # fmt: skip
    fields.update(work_overrides)
    work = make_work(session, project, **fields)
    version = make_plan_version(session, work, upload_dir)
    accounts = {
        name: make_account(session, Role.PROJECT_TEAM, enterprise_id=e.id) for name, e in enterprises.items()
    }
    accounts["regulator"] = make_account(session, Role.REGULATOR, city=city)
    accounts["province"] = make_account(session, Role.REGULATOR)
    accounts["other_city"] = make_account(
        session, Role.REGULATOR, city=City.NANJING if city is not City.NANJING else City.WUXI
    )
    accounts["office"] = make_account(session, Role.DRAW_OFFICE, city=city)
    accounts["expert"] = make_account(session, Role.EXPERT)
    accounts["admin"] = make_account(session, Role.ADMIN)
    return SiteWorld(project, work, version, enterprises, accounts)


def png_bytes(size: tuple[int, int] = (40, 30), colour: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    """A small real PNG image."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()
