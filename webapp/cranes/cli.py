"""`flask cranes bulletin --period 2026Q3 [--city suzhou]` and `flask cranes spot-checks`: the bulletin and the
spot-check list from the command line, run synchronously with their progress printed (the blueprint's own group,
registered when ``webapp.cranes`` loads its pages)."""

from __future__ import annotations

import time
from datetime import date, datetime
from pathlib import Path

import click
from sqlalchemy.orm import Session

from expert_pool.pdf.crane_bulletin_pdf import bulletin_pdf
from knowledge.clock import CST
from knowledge.cranes import bulletin, spot_check_job
from knowledge.db import utcnow
from knowledge.errors import DomainError
from knowledge.regions import City
from webapp.cranes import bp
from webapp.extensions import db


@bp.cli.command("bulletin")
@click.option("--period", required=True, help="通报期间：2026Q3（季度）、2026-07（月）或 2026（年）")
@click.option("--city", type=click.Choice([c.value for c in City]), default=None, help="设区市（不填为全省）")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="另存PDF到此文件")
def bulletin_command(period: str, city: str | None, out: Path | None) -> None:
    """Build the periodic crane-safety bulletin (定期通报) and keep it with the finished bulletins."""
    started = time.perf_counter()
    with Session(db.engine) as session:
        try:
            row = bulletin.request_bulletin(session, scope=None, period=period, city=City(city) if city else None,
                                            now=utcnow())  # fmt: skip
        except DomainError as exc:
            raise click.ClickException(str(exc)) from None
        names = {"registered": "备案", "in_use": "在用", "inspections": "检验", "flags": "抽查名单",
                 "spot_checks": "抽查结果", "past_age": "超龄", "hazards": "隐患", "pdf": "PDF"}  # fmt: skip

        def step(name: str) -> None:
            click.echo(
                f"  [{row.done}/{row.total}] {names.get(name, name)} 完成（{time.perf_counter() - started:.1f} 秒）"
            )

        row = bulletin.build_bulletin(session, row.id, render=bulletin_pdf, step=step)
        if out is not None and row.pdf is not None:
            out.write_bytes(row.pdf)
        click.echo(f"通报 {row.id}（{row.period}{'，' + row.city.label if row.city else '，全省'}）已生成："
                   f"{len(row.pdf or b'')} 字节，SHA-256 {row.sha256}，用时 {time.perf_counter() - started:.1f} 秒")  # fmt: skip


@bp.cli.command("spot-checks")
@click.option(
    "--on", "on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="统计截止日（默认今天）"
)
def spot_checks_command(on: datetime | None) -> None:
    """Compute the spot-check list of inspection bodies (检验机构抽查名单) with a progress bar."""
    started = time.perf_counter()
    day: date = on.date() if on else utcnow().astimezone(CST).date()
    with Session(db.engine) as session:
        run, created = spot_check_job.start_run(session, scope=None, now=utcnow(), on=day)
        if not created:
            raise click.ClickException(
                f"已有抽查名单计算正在进行（编号 {run.id}，{run.done}/{run.total}），请稍后再试"
            )
        with click.progressbar(length=run.total, label="读取检验报告") as bar:
            shown = 0

            def progress(done: int, _total: int) -> None:
                nonlocal shown
                bar.update(done - shown)
                shown = done

            run = spot_check_job.run_spot_checks(session, run.id, progress=progress)
        click.echo(f"抽查名单计算完成：检验报告 {run.done} 份，预警 {len(run.flags)} 条，"
                   f"用时 {time.perf_counter() - started:.1f} 秒")  # fmt: skip
