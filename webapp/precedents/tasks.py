"""Common problems as background jobs (huey): the full recomputation a provincial regulator starts (by the run's
id, safe twice: a finished run is left as it is) and, every five minutes, the grouping of what concluded since
(reviews whose report became final or was corrected, inspections and hazards recorded): safe twice and at once,
since each source is marked grouped with its occurrences and the marks are unique.
``webapp/jobs.py`` imports this module so the consumer registers both."""

from __future__ import annotations

from functools import cache

from flask import Flask
from huey import crontab

from webapp.jobs import huey


@cache
def _app() -> Flask:
    from webapp import create_app

    return create_app()


@huey.task()
def run_full_grouping(run_id: int) -> int:
    """Returns the number of sources read."""
    from expert_pool.precedents.services import run_full
    from webapp.extensions import db

    with _app().app_context():
        return run_full(db.session, run_id).total


@huey.periodic_task(crontab(minute="*/5"))
def group_new_precedents() -> int:
    """Returns the number of sources grouped (0 when nothing concluded since, or a full run is under way)."""
    from expert_pool.precedents.services import update_new
    from knowledge.db import utcnow
    from webapp.extensions import db

    with _app().app_context():
        return update_new(db.session, now=utcnow()).sources
