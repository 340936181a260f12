"""`flask dashboard prechecks`: the kept plan pre-check of the works under way brought up to date (or redone with
``--all``) from the command line, with a progress bar; the five-minute job does the same."""

from __future__ import annotations

import click
from sqlalchemy.orm import Session

from expert_pool.precedents import stored_prechecks
from knowledge.db import utcnow
from webapp.dashboard import bp
from webapp.extensions import db


@bp.cli.command("prechecks")
@click.option("--all", "everything", is_flag=True, help="全部重新预检（默认只预检新方案和依据已变的方案）")
def prechecks(everything: bool) -> None:
    """Pre-check the current plan of each work under way against its category's top problems."""
    with Session(db.engine) as session, click.progressbar(length=0, label="在施工程方案预检") as bar:
        shown = 0

        def progress(done: int, total: int) -> None:
            nonlocal shown
            bar.length = total
            bar.update(done - shown)
            shown = done

        result = stored_prechecks.refresh(session, now=utcnow(), force=everything, progress=progress)
    click.echo(f"在施工程（有方案）{result.under_way} 项，本次预检 {result.checked} 项方案，"
               f"移除已不在施的结果 {result.removed} 项，用时 {result.seconds} 秒")  # fmt: skip
