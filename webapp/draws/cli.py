"""Flask commands of the draws and reviews: the draw chain (verify, digests), invitation expiry and delivery, late
report signatures."""

from __future__ import annotations

import json
from typing import Any

import click
from flask import Flask
from flask.cli import AppGroup

from knowledge.errors import DomainError
from webapp.cli import digest_key_from_config, sender_from_config, vault_from_config
from webapp.extensions import db


def register_draw_commands(app: Flask) -> None:
    from expert_pool.draws import chain, digest, invitations, notify  # chain's key: set in create_app
    from expert_pool.draws import services as draws
    from expert_pool.draws.models import Draw
    from expert_pool.reviews import report_chain
    from knowledge.db import utcnow

    group = AppGroup("draws", help="专家抽取记录：校验、到期处理、发送通知")

    @group.command("verify")
    @click.argument("draw_id", required=False, type=int)
    @click.option("--all", "check_all", is_flag=True, help="校验整条密钥链、每条记录的重放和每个席位")
    @click.option(
        "--against", "against", type=click.File("r", encoding="utf-8"), help="对照此前保存的每日摘要"
    )
    def verify(draw_id: int | None, check_all: bool, against: Any) -> None:
        """Replay a stored draw (or all of them, with the keyed chain and every seat), or check a kept digest."""
        if against is not None:
            try:
                document = json.load(against)
            except ValueError:
                raise click.ClickException("摘要文件不是有效的 JSON") from None
            key = digest.public_key_hex(digest_key_from_config())
            checks = [digest.check_against(db.session, document, key)]
            if checks[0].ok and isinstance(document, dict) and document.get("report_head_seq") is not None:
                checks.append(report_chain.check_digest(db.session, document, key))  # the digest names both
            for checked in checks:
                if not checked.ok:
                    raise click.ClickException(checked.message)
                click.echo(checked.message)
            return
        problems: list[str] = []
        if check_all:
            problems = chain.verify_chain(db.session)
            results = draws.verify_all(db.session)
        else:
            draw = db.session.get(Draw, draw_id) if draw_id else None
            if draw is None:
                raise click.ClickException("请给出存在的抽取记录编号，或使用 --all")
            results = [draws.verify(db.session, draw)]
        for result in results:
            click.echo(result.message)
        for problem in problems:
            click.echo(f"密钥链校验失败：{problem}")
        if problems:
            raise click.ClickException(f"密钥链有 {len(problems)} 处问题，首个：{problems[0]}")
        broken = [r for r in results if not r.ok]
        if broken:
            raise click.ClickException(
                f"{len(broken)} 条记录校验失败，首个问题在第{broken[0].seq}条（编号 {broken[0].draw_id}）"
            )
        click.echo(f"共校验 {len(results)} 条记录，全部通过")

    @group.command("digest")
    def make_digest() -> None:
        """The job: sign today's heads of the draws' and the reports' chains (once a day) for outsiders to keep."""
        key = digest_key_from_config()
        try:
            made = report_chain.sign_digest(db.session, key, now=utcnow())
        except DomainError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(json.dumps(digest.as_document(made, digest.public_key_hex(key)), ensure_ascii=False))

    @group.command("expire")
    def expire() -> None:
        """The job: invitations past their reply deadline pass to alternates (run every few minutes)."""
        click.echo(f"逾期未答复的邀请：{invitations.expire_overdue(db.session, now=utcnow())} 条")

    @group.command("notify")
    def deliver() -> None:
        """Deliver pending notifications (SMTP when MAIL_SERVER is set, else to the log), with retries."""
        sent, failed = notify.deliver_pending(
            db.session, sender_from_config(), now=utcnow(), vault=vault_from_config()
        )
        click.echo(f"已发送 {sent} 条，失败待重试 {failed} 条")

    app.cli.add_command(group)
    reviews_group = AppGroup("reviews", help="专家论证：签署期限")

    @reviews_group.command("late-signatures")
    def late_signatures() -> None:
        """The job: experts who did not sign a report within the policy's days get the credit event once."""
        from expert_pool.reviews.reports import flag_late_signatures

        click.echo(f"逾期未签署论证报告，记录信用事件：{flag_late_signatures(db.session, now=utcnow())} 条")

    app.cli.add_command(reviews_group)
