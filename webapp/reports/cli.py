"""`flask reports verify`: the review reports' keyed chain replayed and every final report checked.
`flask reports supervision --period 2026Q3 --area 苏州 [--out file.pdf]`: the periodic supervision report, built
synchronously with its progress printed and kept with the finished reports."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.orm import Session

from expert_pool.draws import digest
from expert_pool.reviews import report_chain, verification
from expert_pool.supervision_report import job as supervision
from expert_pool.supervision_report.figures import STEPS
from expert_pool.supervision_report.report_pdf import supervision_report_pdf
from knowledge.db import utcnow
from knowledge.errors import DomainError
from webapp.cli import digest_key_from_config
from webapp.extensions import db


def register_report_commands(app: Flask) -> None:
    group = AppGroup("reports", help="专家论证报告：校验内容摘要、报告链和专家电子签名")

    @group.command("verify")
    @click.option("--all", "check_all", is_flag=True, help="校验整条报告链和每份定稿报告（默认即如此）")
    @click.option(
        "--against", "against", type=click.File("r", encoding="utf-8"), help="对照此前保存的每日签名摘要"
    )
    def verify(check_all: bool, against: Any) -> None:
        """Replay the report chain and check each final report's keyed hash, chain entry and signatures; or
        check the report chain against a daily digest kept earlier."""
        if against is not None:
            try:
                document = json.load(against)
            except ValueError:
                raise click.ClickException("摘要文件不是有效的 JSON") from None
            key = digest.public_key_hex(digest_key_from_config())
            checked = report_chain.check_digest(
                db.session, document if isinstance(document, dict) else {}, key
            )
            if not checked.ok:
                raise click.ClickException(checked.message)
            click.echo(checked.message)
            return
        count, problems = verification.verify_all(db.session)
        for problem in problems:
            click.echo(problem, err=True)
        if problems:
            raise click.ClickException(f"论证报告校验未通过：{len(problems)}处问题（共{count}份定稿报告）")
        click.echo(f"论证报告校验通过：共{count}份定稿报告，内容摘要、报告链和专家电子签名全部有效")

    group.add_command(supervision_command)
    app.cli.add_command(group)


STEP_NAMES = dict(
    zip(
        STEPS,
        ("看板数字", "设区市对比", "论证未通过工程", "隐患销号", "专家信用处理", "诚信核查"),
        strict=True,
    )
)


@click.command("supervision")
@click.option("--period", required=True, help="报告期间：2026Q3（季度）、2026-09（月）或 2026（年）")
@click.option("--area", default="", help="报告范围：设区市（苏州、苏州市或 suzhou），不填为全省")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="另存PDF到此文件")
@with_appcontext
def supervision_command(period: str, area: str, out: Path | None) -> None:
    """Build 《江苏省房屋建筑和市政基础设施工程安全监督报告》 for a period and an area, and keep it."""
    started = time.perf_counter()
    with Session(db.engine) as session:
        try:
            row = supervision.request_report(session, scope=None, period=period, area=area, now=utcnow())
        except DomainError as exc:
            raise click.ClickException(str(exc)) from None

        def step(name: str) -> None:
            label = STEP_NAMES.get(name, "PDF")
            click.echo(f"  [{row.done}/{row.total}] {label} 完成（{time.perf_counter() - started:.1f} 秒）")

        try:
            row = supervision.build_report(session, row.id, render=supervision_report_pdf, step=step)
        except Exception as exc:  # stored on the row too; the command says so and fails
            raise click.ClickException(f"安全监督报告 {row.id} 生成失败：{exc}") from exc
        if out is not None and row.pdf is not None:
            out.write_bytes(row.pdf)
        place = row.city.label if row.city else "全省"
        click.echo(f"安全监督报告 {row.id}（{row.period}，{place}）已生成：{len(row.pdf or b'')} 字节，"
                   f"SHA-256 {row.sha256}，用时 {time.perf_counter() - started:.1f} 秒")  # fmt: skip
