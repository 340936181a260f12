"""开展专项排查 in one step (issue 23 item 3): a special sweep of exactly the works under way whose current plan the
pre-check marks "not found" for one of the period's top problems in the area, named after the problem and the
period. One sweep per problem, period and area: a second click gets the first sweep (the site area's
``open_listed_sweep`` holds it with a unique origin key), and it is audited as every sweep is."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from expert_pool.analytics.access import area_for
from expert_pool.analytics.errors import AnalyticsError
from expert_pool.analytics.periods import Period
from expert_pool.analytics.problem_figures import (
    TOP,
    area_and_period,
    origin_key,
    too_few_message,
    works_missing,
)
from expert_pool.precedents.models import CommonProblem
from expert_pool.precedents.queries import CATEGORY_LABELS, MIN_PRECEDENTS, precedent_count, top_problems
from knowledge.accounts.permissions import Scope
from knowledge.errors import PermissionDenied
from knowledge.regions import City
from knowledge.site.inspection_models import Sweep
from knowledge.site.sweep_services import (
    NAME_MAX,
    SweepInput,
    can_open_sweep,
    open_listed_sweep,
    sweeps_by_origin,
)

# Policy of this feature (no rule sets it): a special sweep runs for a month from the day it is opened.
SWEEP_DAYS = 30
PROBLEM_ID_MAX = 2**31 - 1


def sweep_name(label: str, period: Period, city: City | None) -> str:
    """专项排查：<the problem>（<area and period>）, the problem shortened to fit the sweep's name."""
    tail = f"（{area_and_period(period, city)}）"
    room = NAME_MAX - len("专项排查：") - len(tail)
    shown = label if len(label) <= room else label[: room - 1] + "…"
    return f"专项排查：{shown}{tail}"


def parse_problem_id(raw: str | None) -> int:
    """:raises AnalyticsError: for anything but a problem's number."""
    text = (raw or "").strip()
    if not text.isdigit() or len(text) > 10 or int(text) > PROBLEM_ID_MAX:
        raise AnalyticsError(f"共性问题编号“{text[:20]}”无法识别", field="problem")
    return int(text)


def open_problem_sweep(
    session: Session, scope: Scope, *, problem_id: int, period: Period, city: City | None, today: date
) -> tuple[Sweep, bool]:
    """The special sweep of a top problem for the period and area, and whether this call opened it.

    :raises PermissionDenied: not a regulator, or an area outside his scope.
    :raises AnalyticsError: an unknown problem, one not among the top problems, too few precedents, no works.
    """
    area = area_for(scope, city, asked=True)
    if not can_open_sweep(scope, area):
        raise PermissionDenied("只有监管人员可以开展专项排查，设区市监管人员只能开展本市的专项排查")
    problem = session.get(CommonProblem, problem_id)
    if problem is None:
        raise AnalyticsError(f"共性问题（编号{problem_id}）不存在，可能已在重新归并后撤销", field="problem")
    key = origin_key(problem.id, period, area)
    opened = sweeps_by_origin(session, [key]).get(key)
    if opened is not None:
        return opened, False
    label = CATEGORY_LABELS.get(problem.category, problem.category)
    precedents = precedent_count(session, problem.category)
    if precedents < MIN_PRECEDENTS:
        raise AnalyticsError(too_few_message(label, precedents), field="problem")
    top = top_problems(session, problem.category, city=area, start=period.start, end=period.end, limit=TOP)
    if problem.id not in {pc.problem.id for pc in top}:
        raise AnalyticsError(f"“{problem.label[:40]}”不是{area_and_period(period, area)}{label}最常提出的前{TOP}个"
                             "问题之一", field="problem")  # fmt: skip
    works = works_missing(session, problem.id, area)
    if not works:
        raise AnalyticsError("没有方案未涉及该问题的在施工程，无需开展专项排查", field="problem")
    data = SweepInput(
        sweep_name(problem.label, period, area), today, today + timedelta(days=SWEEP_DAYS - 1), area
    )
    return open_listed_sweep(session, data, scope=scope, work_ids=works, origin_key=key)
