"""A work's timeline page (issue 20 item 9): the registry's, the review's and the site's steps merged in order."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, render_template, url_for
from flask.typing import ResponseReturnValue

from expert_pool.reviews import timeline_steps as review_steps
from knowledge.accounts.models import Role
from knowledge.clock import CST
from knowledge.errors import NotFoundError
from knowledge.registry import queries as work_queries
from knowledge.registry.models import Work
from knowledge.site import timeline
from knowledge.site import timeline_steps as site_steps
from webapp import clock
from webapp.auth import current_scope, role_required
from webapp.extensions import db
from webapp.site import bp

READERS = (Role.PROJECT_TEAM, Role.DRAW_OFFICE, Role.REGULATOR, Role.ADMIN)
# Link targets of the domain's steps -> the pages that show them (a page not built yet gives no link).
ENDPOINTS: dict[str, str] = {
    "work": "works.detail",
    "plan_version": "works.plan_detail",
    "draw": "draws.detail",
    "review": "reviews.detail",
    "site_records": "site.records_page",
    "inspection": "site.inspection_detail",
    "hazard": "site.hazard_detail",
}


def work_or_404(work_id: int) -> Work:
    try:
        return work_queries.get_work_for(db.session, current_scope(), work_id)
    except NotFoundError:
        abort(404)


def timeline_for(work: Work) -> list[timeline.Step]:
    """Both gatherers' steps, ordered, with the milestones ahead and the late ones marked."""
    scope = current_scope()
    now = clock.now()
    today = now.astimezone(CST).date()
    steps = [
        *site_steps.gather(db.session, work),
        *review_steps.gather(db.session, work, role=scope.role.value, account_id=scope.account_id, now=now,
                             today=today),
    ]  # fmt: skip
    return timeline.build(steps, status=work.status, over_scale=site_steps.is_over_scale(work), today=today,
                          planned_start=work.planned_start, planned_end=work.planned_end)  # fmt: skip


def step_url(target: timeline.Link | None) -> str | None:
    endpoint = ENDPOINTS.get(target.target) if target else None
    if target is None or endpoint is None or endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, **target.as_dict())


def step_json(step: timeline.Step) -> dict[str, Any]:
    return {
        "day": step.day.isoformat() if step.day else None, "at": step.at.isoformat() if step.at else None,
        "kind": step.kind, "label": step.label, "actor": step.actor, "detail": step.detail,
        "state": step.state.value, "due": step.due.isoformat() if step.due else None,
        "link": {"target": step.link.target, "ids": step.link.as_dict(), "url": step_url(step.link)}
        if step.link else None,
    }  # fmt: skip


@bp.route("/works/<int:work_id>/timeline", endpoint="timeline")
@role_required(*READERS)
def timeline_page(work_id: int) -> ResponseReturnValue:
    work = work_or_404(work_id)
    steps = [(s, step_url(s.link)) for s in timeline_for(work)]
    late = sum(1 for s, _ in steps if s.state is timeline.StepState.LATE)
    return render_template(
        "site/timeline.html", work=work, steps=steps, late=late, StepState=timeline.StepState
    )
