"""The dashboard's background job (huey): every five minutes, the plan pre-check of the works under way is brought
up to date (``precedents.stored_prechecks.refresh``: the plans submitted since, and those whose category's top
problems changed with the last grouping), so the common-problems section reads it instead of pre-checking plans
during a page view. Safe twice and at once. ``webapp/jobs.py`` imports this module so the consumer registers it."""

from __future__ import annotations

from functools import cache

from flask import Flask
from huey import crontab

from webapp.jobs import huey


@cache
def _app() -> Flask:
    from webapp import create_app

    return create_app()


@huey.periodic_task(crontab(minute="2-59/5"))  # two minutes after the grouping of what concluded since
def refresh_prechecks() -> int:
    """Returns the number of plan versions pre-checked."""
    from expert_pool.precedents.stored_prechecks import refresh
    from knowledge.db import utcnow
    from webapp.extensions import db

    with _app().app_context():
        return refresh(db.session, now=utcnow()).checked
