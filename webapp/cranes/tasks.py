"""Background jobs of the crane area (huey): the spot-check list and the periodic bulletin, each started from a page
(or the API) with a row that carries its progress. They take ids, build their own app context, and are safe to run
twice (a finished run or bulletin is left as it is). The command line runs the same code synchronously
(``webapp/cranes/cli.py``).

The consumer registers these tasks when it imports this module: ``webapp/jobs.py`` imports it at its end.
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
def run_spot_check(run_id: int) -> int:
    """The spot-check list started from the page (a SpotCheckRun row); returns the number of flags."""
    from knowledge.cranes.spot_check_job import run_spot_checks
    from webapp.extensions import db

    with _app().app_context():
        return len(run_spot_checks(db.session, run_id).flags)


@huey.task()
def build_bulletin(bulletin_id: int) -> str:
    """The bulletin requested from the page (a Bulletin row); returns its PDF's SHA-256."""
    from expert_pool.pdf.crane_bulletin_pdf import bulletin_pdf
    from knowledge.cranes.bulletin import build_bulletin as build
    from webapp.extensions import db

    with _app().app_context():
        return build(db.session, bulletin_id, render=bulletin_pdf).sha256
