"""`flask reports verify`: the review reports' keyed chain replayed and every final report checked."""

from __future__ import annotations

import json
from typing import Any

import click
from flask import Flask
from flask.cli import AppGroup

from expert_pool.draws import digest
from expert_pool.reviews import report_chain, verification
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

    app.cli.add_command(group)
