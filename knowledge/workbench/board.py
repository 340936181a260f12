"""The registry's and the site's open tasks of one account (plans, acceptances, hazards, cranes, flags)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.workbench.crane_tasks import crane_team_tasks, report_draft_tasks
from knowledge.workbench.regulator_tasks import regulator_tasks
from knowledge.workbench.tasks import Task, Unloaded
from knowledge.workbench.team_tasks import team_tasks


def site_tasks(session: Session, scope: Scope, today: date, unloaded: Unloaded | None = None) -> list[Task]:
    """Every open task of this account on the registry, the site and the cranes (unordered).

    A project team: what its enterprise signs, rectifies and registers; a regulator: what waits for the authority
    of his area; an inspection body: its draft reports. The draw office, experts and administrators take no step
    on these records (their tasks are the reviews', ``expert_pool.workbench``).

    Every query loads with ``populate_existing``: a task done earlier in the same session leaves the list even
    when the session still holds the rows as they were before. A long list loads its most urgent ``LOADED`` rows
    and adds the rest to ``unloaded`` (counted, not loaded)."""
    if scope.role is Role.PROJECT_TEAM and scope.enterprise_id is not None:
        return [*team_tasks(session, scope, today), *crane_team_tasks(session, scope)]
    if scope.role is Role.REGULATOR:
        return regulator_tasks(session, scope, today, unloaded if unloaded is not None else Unloaded())
    if scope.role is Role.INSPECTION_BODY and scope.enterprise_id is not None:
        return report_draft_tasks(session, scope)
    return []
