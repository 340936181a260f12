"""`flask site scan`: the system-flag scan from the command line, with a progress bar (the blueprint's own group)."""

from __future__ import annotations

import time

import click
from sqlalchemy.orm import Session

from knowledge.clock import CST
from knowledge.db import utcnow
from knowledge.site import flag_scan
from webapp.extensions import db
from webapp.site import bp


@bp.cli.command("scan")
@click.option("--batch", type=click.IntRange(100, 50_000), default=flag_scan.BATCH, show_default=True,
              help="每批扫描的工程数")  # fmt: skip
def scan(batch: int) -> None:
    """Scan every work for suspected major hazards (系统预警) and write the flags."""
    started = time.perf_counter()
    with Session(db.engine) as session:
        run, created = flag_scan.start_scan(session, scope=None, now=utcnow())
        if not created:
            raise click.ClickException(
                f"已有扫描任务正在进行（编号 {run.id}，{run.done}/{run.total}），请稍后再试"
            )
        with click.progressbar(length=run.total, label="系统预警扫描") as bar:
            shown = 0

            def progress(done: int, _total: int) -> None:
                nonlocal shown
                bar.update(done - shown)
                shown = done

            run = flag_scan.run_scan(session, run.id, today=utcnow().astimezone(CST).date(), batch=batch,
                                     progress=progress)  # fmt: skip
        click.echo(
            f"扫描完成：{run.done} 项工程，当前预警 {run.flagged} 条，用时 {time.perf_counter() - started:.1f} 秒"
        )
