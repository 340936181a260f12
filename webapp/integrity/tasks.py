"""The integrity scan as a background job (huey): takes the run's id, builds its own app context, safe twice
(a finished run is left as it is). ``webapp/jobs.py`` imports this module so the consumer registers it."""

from __future__ import annotations

from functools import cache

from flask import Flask

from webapp.jobs import huey


@cache
def _app() -> Flask:
    from webapp import create_app

    return create_app()


@huey.task()
def run_integrity_scan(run_id: int) -> int:
    """Returns the number of findings the run left current."""
    from expert_pool.integrity.services import run_scan
    from webapp.extensions import db

    with _app().app_context():
        return run_scan(db.session, run_id).total
