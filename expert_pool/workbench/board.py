"""The workbench of one account: the registry's and the site's tasks with the expert pool's, in reading order.

The one entry point the web calls (every page, for the counts in the navigation bar): a fixed number of
statements per role, whatever the number of tasks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy.orm import Session

from expert_pool.workbench import expert_tasks, office_tasks, regulator_tasks, team_tasks
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.workbench.board import site_tasks
from knowledge.workbench.tasks import Board, Task, Unloaded, ordered

PoolTasks = Callable[..., list[Task]]
BY_ROLE: dict[Role, PoolTasks] = {
    Role.PROJECT_TEAM: team_tasks.tasks,
    Role.DRAW_OFFICE: office_tasks.tasks,
    Role.EXPERT: expert_tasks.tasks,
    Role.REGULATOR: regulator_tasks.tasks,
}


def pool_tasks(session: Session, scope: Scope, *, today: date, now: datetime) -> list[Task]:
    """The expert pool's open tasks of this account (unordered; none for a role the pool gives none)."""
    found = BY_ROLE.get(scope.role)
    return found(session, scope, today=today, now=now) if found else []


def board(session: Session, scope: Scope, today: date, now: datetime) -> Board:
    """Every open task of this account, latest first, with the open and late counts. ``today`` is the day in
    Jiangsu; ``now`` (aware) places the hour-level deadlines: an invitation's reply deadline, a meeting's
    arranged start. Long lists are loaded in part (their most urgent) and counted whole."""
    unloaded = Unloaded()
    tasks = ordered([*site_tasks(session, scope, today, unloaded), *pool_tasks(session, scope, today=today, now=now)],
                    today)  # fmt: skip
    late = sum(1 for t in tasks if t.days_late(today) > 0)
    return Board(tasks, len(tasks) + unloaded.open, late + unloaded.late)


def tasks_for(session: Session, scope: Scope, today: date, now: datetime) -> list[Task]:
    """The loaded tasks of ``board``, latest first."""
    return board(session, scope, today, now).tasks
