"""The workbench at the web edge: each task's page, its JSON, and the count in the navigation bar."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from flask import Flask, current_app, request, session, url_for
from flask_login import current_user

from expert_pool.analytics.cache import FigureCache
from expert_pool.workbench.board import board
from knowledge.clock import CST
from knowledge.workbench.tasks import Board, Task
from webapp import clock
from webapp.auth import current_scope
from webapp.extensions import db, kept_values

# A task's target -> the page that opens it and the name of the id in its URL (a page not built: no link).
PAGES: dict[str, tuple[str, str]] = {
    "work": ("works.detail", "work_id"),
    "plan_version": ("works.plan_detail", "version_id"),
    "review": ("reviews.detail", "review_id"),
    "review_opinion": ("reviews.detail", "review_id"),  # the opinion form is on the review's page
    "review_plan": ("reviews.plan", "review_id"),
    "report_sign": ("reviews.detail", "review_id"),
    "revision_submit": ("reviews.revision", "review_id"),
    "revision": ("reviews.revision_compare", "review_id"),
    "draw": ("draws.detail", "draw_id"),
    "hazard": ("site.hazard_detail", "hazard_id"),
    "site_records": ("site.records_page", "work_id"),
    "crane_installation": ("cranes.site_installation", "installation_id"),
    "spot_flag": ("cranes.spot_flag", "spot_flag_id"),
    "crane_report": ("cranes.report_items", "crane_report_id"),
    "expert_credit": ("experts.credit_page", "expert_id"),  # the appeal's decision form is on the ledger page
}
# Pages that list the objects rather than show one: the task opens the list.
LIST_PAGES: dict[str, str] = {
    "invitation": "draws.my_invitations",
    "site_flag": "site.flags",
    "credit_event": "experts.my_credit",
}
COUNT_TTL_SECONDS = 60  # the navigation bar's count may lag others' actions by this much, never one's own
BOARDS_KEPT = (
    256  # scopes kept per process (the cities' regulators and offices, the busiest teams and experts)
)
WROTE_AT = "workbench_wrote_at"  # when this session last posted: its own next board is computed afresh


def today() -> date:
    return clock.now().astimezone(CST).date()


def current_board(*, kept: bool = True) -> Board:
    """The signed-in account's board. The home page's is kept per scope (``WORKBENCH_FRESH_SECONDS``: a province
    regulator's tasks are counted over every city, about 200 ms) and shared by the accounts of that scope; it may
    lag others' actions by that much, never the session's own: a POST of the session starts a new one."""
    scope, on, now = current_scope(), today(), clock.now()
    fresh = current_app.config["WORKBENCH_FRESH_SECONDS"]
    if not kept or not fresh:
        return board(db.session, scope, on, now)
    boards: FigureCache[Board] = kept_values("workbench_boards", fresh, BOARDS_KEPT)
    key = (scope.role, scope.city, scope.enterprise_id, scope.expert_id, session.get(WROTE_AT, 0.0))
    found, _ = boards.get(key, on, lambda: board(db.session, scope, on, now))
    return found


def task_url(task: Task) -> str | None:
    if task.target in LIST_PAGES:
        return url_for(LIST_PAGES[task.target])
    endpoint, param = PAGES.get(task.target, ("", ""))
    if endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, **{param: task.target_id})


def task_json(task: Task, on: date) -> dict[str, Any]:
    return {
        "kind": task.kind, "label": task.label, "subject": task.subject, "target": task.target,
        "target_id": task.target_id, "due": task.due.isoformat() if task.due else None,
        "days_late": task.days_late(on), "url": task_url(task),
    }  # fmt: skip


def nav_counts() -> dict[str, int]:
    """Open and late tasks of the signed-in account, kept in its session for a minute; any POST of the
    account clears them, so a task one has just done leaves the count on the next page."""
    if not current_user.is_authenticated or not current_user.account.role.is_business:
        return {"open": 0, "late": 0}
    cached = session.get("workbench_counts")
    if cached and time.time() - cached["at"] < COUNT_TTL_SECONDS:
        return {"open": cached["open"], "late": cached["late"]}
    found = current_board()
    counts = {"open": found.open, "late": found.late}
    session["workbench_counts"] = {**counts, "at": time.time()}
    return counts


def register_workbench(app: Flask) -> None:
    @app.after_request
    def forget_counts_after_write(response: Any) -> Any:
        if request.method == "POST" and current_user.is_authenticated:
            session.pop("workbench_counts", None)
            session[WROTE_AT] = time.time()
        return response
