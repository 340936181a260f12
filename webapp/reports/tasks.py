"""Background job of the reports area (huey): the periodic supervision report, requested from its page (or the
command line, which runs the same code synchronously). It takes the report's id, builds its own app context, and
is safe to run twice (a finished report is left as it is).

The consumer registers this task when it imports this module: ``webapp/jobs.py`` imports it at its end.
"""

from __future__ import annotations

from functools import cache

from flask import Flask

from webapp.jobs import huey


@cache
def _app() -> Flask:
    from webapp import create_app

    return create_app()


@huey.task()
def build_supervision_report(report_id: int) -> str:
    """The report requested from the page (a SupervisionReport row); returns its PDF's SHA-256."""
    from expert_pool.supervision_report.job import build_report
    from expert_pool.supervision_report.report_pdf import supervision_report_pdf
    from webapp.extensions import db

    with _app().app_context():
        return build_report(db.session, report_id, render=supervision_report_pdf).sha256
