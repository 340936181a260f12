"""`flask reports verify`: the review reports' keyed chain replayed and every final report checked."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from expert_pool.reviews import verification
from webapp.extensions import db


def register_report_commands(app: Flask) -> None:
    group = AppGroup("reports", help="专家论证报告：校验内容摘要、报告链和专家电子签名")

    @group.command("verify")
    @click.option("--all", "check_all", is_flag=True, help="校验整条报告链和每份定稿报告（默认即如此）")
    def verify(check_all: bool) -> None:
        """Replay the report chain and check each final report's keyed hash, chain entry and signatures."""
        count, problems = verification.verify_all(db.session)
        for problem in problems:
            click.echo(problem, err=True)
        if problems:
            raise click.ClickException(f"论证报告校验未通过：{len(problems)}处问题（共{count}份定稿报告）")
        click.echo(f"论证报告校验通过：共{count}份定稿报告，内容摘要、报告链和专家电子签名全部有效")

    app.cli.add_command(group)
