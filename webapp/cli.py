"""Flask commands: init-db, seed-demo (with demo accounts), create-admin."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import click
from click._termui_impl import ProgressBar
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_migrate import upgrade
from sqlalchemy import func, select

from expert_pool.experts.models import Expert
from knowledge.accounts import services as account_services
from knowledge.accounts import two_factor_services
from knowledge.accounts.models import Account, Role
from knowledge.accounts.two_factor import requires_two_factor
from knowledge.cranes.inspection_models import InspectionBody
from knowledge.enterprises.models import Enterprise, ParticipantRole, ProjectParticipant
from knowledge.errors import DomainError
from knowledge.regions import City
from webapp.extensions import db

DEMO_PASSWORD = "Demo@2024!"  # meets the password rules (knowledge/accounts/password_policy.py)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    role: Role
    city: City | None = None


DEMO_ACCOUNTS = (
    DemoAccount("admin", "系统管理员", Role.ADMIN),
    DemoAccount("secadmin", "安全管理员", Role.SECURITY_ADMIN),
    DemoAccount("auditadmin", "审计管理员", Role.AUDIT_ADMIN),
    DemoAccount("regulator", "省住建厅质安处", Role.REGULATOR),
    DemoAccount("regulator_sz", "苏州市住建局质安处", Role.REGULATOR, City.SUZHOU),
    DemoAccount("office", "省专家抽取办公室", Role.DRAW_OFFICE),
    DemoAccount("office_nj", "南京市专家抽取办公室", Role.DRAW_OFFICE, City.NANJING),
    DemoAccount("team", "项目技术负责人", Role.PROJECT_TEAM),
    DemoAccount("supervisor", "项目总监理工程师", Role.PROJECT_TEAM),  # the supervisor on the team's projects
    DemoAccount("expert", "评审专家", Role.EXPERT),
    DemoAccount("inspector", "检验机构检验员", Role.INSPECTION_BODY),
)


def _busiest_contractor() -> int:
    """The general contractor with the most projects: a demo team with something to see."""
    count = func.count(ProjectParticipant.id)
    stmt = (
        select(ProjectParticipant.enterprise_id)
        .where(ProjectParticipant.role == ParticipantRole.GENERAL_CONTRACTOR)
        .group_by(ProjectParticipant.enterprise_id)
        .order_by(count.desc(), ProjectParticipant.enterprise_id)
        .limit(1)
    )
    enterprise_id = db.session.scalar(stmt)
    if enterprise_id is None:
        raise click.ClickException("没有可绑定的施工总承包单位，请先载入演示数据")
    return enterprise_id


def _supervisor_of(contractor_id: int) -> int | None:
    """The supervising enterprise of the contractor's first supervised project (the demo supervisor)."""
    theirs = select(ProjectParticipant.project_id).where(
        ProjectParticipant.enterprise_id == contractor_id,
        ProjectParticipant.role == ParticipantRole.GENERAL_CONTRACTOR,
    )
    stmt = (
        select(ProjectParticipant.enterprise_id)
        .where(
            ProjectParticipant.project_id.in_(theirs), ProjectParticipant.role == ParticipantRole.SUPERVISOR
        )
        .order_by(ProjectParticipant.project_id)
        .limit(1)
    )
    return db.session.scalar(stmt)


def _enterprise_of(demo: DemoAccount) -> int | None:
    if demo.role is Role.INSPECTION_BODY:
        return db.session.scalar(select(InspectionBody.enterprise_id).order_by(InspectionBody.id).limit(1))
    if demo.role is not Role.PROJECT_TEAM:
        return None
    contractor = _busiest_contractor()
    return _supervisor_of(contractor) if demo.username == "supervisor" else contractor


def create_demo_accounts(*, keep_password: bool = False) -> list[tuple[DemoAccount, Account]]:
    """The demo accounts with the shared password, to be changed at first sign-in unless ``keep_password``
    (a demonstration instance, ``make run``), which also waives the roles' two-factor requirement."""
    made = []
    expert_id = db.session.scalar(select(Expert.id).order_by(Expert.id).limit(1))
    for demo in DEMO_ACCOUNTS:
        existing = db.session.scalar(select(Account).where(Account.username == demo.username))
        if existing is not None:
            made.append((demo, existing))
            continue
        data = account_services.AccountInput(
            username=demo.username,
            display_name=demo.display_name,
            password=DEMO_PASSWORD,
            role=demo.role,
            city=demo.city,
            enterprise_id=_enterprise_of(demo),
            expert_id=expert_id if demo.role is Role.EXPERT else None,
            must_change_password=not keep_password,
        )
        account = account_services.create_account(
            db.session, data, actor_id=None, hash_method=current_app.config["PASSWORD_HASH_METHOD"]
        )
        if keep_password and requires_two_factor(demo.role):  # visitors try it without an authenticator app
            two_factor_services.waive_requirement(db.session, account)
        made.append((demo, account))
    return made


def print_demo_accounts(made: list[tuple[DemoAccount, Account]]) -> None:
    click.echo(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
    for demo, account in made:
        note = ""
        if requires_two_factor(account.role):
            note = "  演示账号：未强制双因素" if account.two_factor_waived else "  首次登录须绑定身份验证器"
        click.echo(f"  {demo.username:<14} {demo.role.label:<8} {account.scope_label}{note}")


class StageProgress:
    """A click progress bar per stage of a long job, fed (stage, done, total)."""

    def __init__(self) -> None:
        self.stage: str | None = None
        self.bar: ProgressBar[int] | None = None
        self.shown = 0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self.stage:
            self.close()
            self.bar = click.progressbar(length=total, label=stage)
            self.bar.__enter__()
            self.stage, self.shown = stage, 0
        assert self.bar is not None
        self.bar.update(done - self.shown)
        self.shown = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def digest_key_from_config() -> Any:
    """The Ed25519 key that signs the draws' chain digests (DRAW_DIGEST_KEY, kept outside the database)."""
    from expert_pool.draws import digest

    return digest.signing_key(str(current_app.config["DRAW_DIGEST_KEY"]))


def vault_from_config() -> Any:
    """The cipher of experts' ID numbers and contact details (EXPERT_ID_KEY): delivery decrypts addresses."""
    from knowledge.identity import IdentityVault

    return IdentityVault(str(current_app.config["EXPERT_ID_KEY"]).encode())


def sender_from_config() -> Any:
    from expert_pool.draws import notify

    cfg = current_app.config
    if not cfg.get("MAIL_SERVER"):
        return notify.LogSender()
    return notify.SmtpSender(
        cfg["MAIL_SERVER"],
        int(cfg.get("MAIL_PORT", 25)),
        cfg.get("MAIL_SENDER", "noreply@localhost"),
        cfg.get("MAIL_USERNAME", ""),
        cfg.get("MAIL_PASSWORD", ""),
        cfg.get("MAIL_USE_TLS", False),
    )


def register_audit_commands(app: Flask) -> None:
    from knowledge import audit

    if click.get_current_context(silent=True) is not None:  # under `flask …`: rows written by commands
        audit.current_address.set("cli")
    group = AppGroup("audit", help="审计日志：校验密钥链")

    @group.command("verify")
    def verify() -> None:
        """Recompute the audit log's keyed chain: a changed, inserted or deleted row is named."""
        count, problems = audit.verify(db.session)
        for problem in problems:
            click.echo(problem, err=True)
        if problems:
            raise click.ClickException(f"审计日志校验未通过：{len(problems)}处问题（共{count}条记录）")
        click.echo(f"审计日志校验通过：共{count}条记录，密钥链完整")

    app.cli.add_command(group)


def register_cli(app: Flask) -> None:
    from webapp.backup import register_backup_cli
    from webapp.draws.cli import register_draw_commands
    from webapp.reports.cli import register_report_commands

    register_draw_commands(app)
    register_audit_commands(app)
    register_backup_cli(app)
    register_report_commands(app)

    @app.cli.command("init-db")
    def init_db() -> None:
        """Apply every migration to the configured database."""
        upgrade()
        click.echo("数据库已迁移到最新版本")

    @app.cli.command("seed-demo")
    @click.option("--scale", type=click.Choice(["small", "province"]), default="small", show_default=True)
    @click.option("--seed", type=int, default=2024, show_default=True)
    @click.option("--if-empty", is_flag=True, help="Do nothing (but list the demo accounts) if data exists.")
    @click.option(
        "--demo", is_flag=True, help="A demonstration instance: demo accounts keep the shared password."
    )
    def seed_demo_command(scale: str, seed: int, if_empty: bool, demo: bool) -> None:
        """Load deterministic demo data (small) or province-scale data, and the demo accounts."""
        from expert_pool.demo.plan_authors import seed_plan_authors
        from expert_pool.demo.pool import seed_pool
        from expert_pool.demo.reviews import seed_reviews
        from expert_pool.experts.identity import IdentityVault
        from knowledge.clock import CST
        from knowledge.db import utcnow
        from knowledge.demo.cranes import seed_cranes
        from knowledge.demo.seed import seed_demo
        from knowledge.demo.site import seed_site
        from webapp.cranes.io_pages import crane_renderers

        has_data = db.session.scalar(select(func.count()).select_from(Enterprise)) or 0
        if has_data and if_empty:
            click.echo("数据库已有数据，跳过演示数据载入")
        else:
            started = time.perf_counter()
            progress = StageProgress()
            try:
                summary = seed_demo(
                    db.session,
                    scale,
                    seed=seed,
                    on_progress=progress,
                    upload_dir=current_app.config["UPLOAD_DIR"],
                )
                vault = IdentityVault(current_app.config["EXPERT_ID_KEY"].encode())
                pool = seed_pool(db.session, scale=scale, seed=seed, on_progress=progress, vault=vault)
                reviews = seed_reviews(db.session, scale=scale, seed=seed, on_progress=progress,
                                       upload_dir=current_app.config["UPLOAD_DIR"])  # fmt: skip
                authors = seed_plan_authors(db.session, seed=seed, on_progress=progress)
                site = seed_site(db.session, scale=scale, seed=seed, today=utcnow().astimezone(CST).date(),
                                 upload_dir=current_app.config["UPLOAD_DIR"], on_progress=progress)  # fmt: skip
                cranes = seed_cranes(db.session, scale=scale, seed=seed, today=utcnow().astimezone(CST).date(),
                                     inspector_password=DEMO_PASSWORD, keep_password=demo, on_progress=progress,
                                     renderers=crane_renderers(current_app.config["PUBLIC_BASE_URL"]))  # fmt: skip
            except DomainError as exc:
                raise click.ClickException(str(exc)) from exc
            finally:
                progress.close()
            click.echo(
                f"演示数据已载入（{scale}）：单位 {summary.enterprises}，项目 {summary.projects}，"
                f"参建关系 {summary.participants}，专家 {summary.experts}，危大工程 {summary.works}，"
                f"方案版本 {summary.plan_versions}，任职经历 {pool.employments}，信用记录 {pool.credit_events}；"
                f"用时 {time.perf_counter() - started:.1f} 秒"
            )
            click.echo(f"{reviews.label}；其中论证数据用时 {reviews.elapsed_seconds:.1f} 秒")
            click.echo(authors.label)
            click.echo(site.label)
            click.echo(cranes.label)
            if (
                db.engine.dialect.name == "postgresql"
            ):  # statistics and visibility maps after a bulk load: without
                with db.engine.connect() as conn:  # them the planner took 100,000 open flags for a hundred
                    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
                    conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                        f"VACUUM ANALYZE {tables}"
                    )
        print_demo_accounts(create_demo_accounts(keep_password=demo))

    @app.cli.command("create-admin")
    @click.argument("username")
    @click.option("--name", default="")
    @click.option(
        "--role",
        type=click.Choice([Role.ADMIN.value, Role.SECURITY_ADMIN.value, Role.AUDIT_ADMIN.value]),
        default=Role.ADMIN.value,
        show_default=True,
        help="system (admin), security or audit administrator: three people, three duties",
    )
    @click.password_option()
    def create_admin(username: str, name: str, role: str, password: str) -> None:
        """Create an administrator account (system, security or audit administrator)."""
        data = account_services.AccountInput(
            username=username, display_name=name or Role(role).label, password=password, role=Role(role)
        )
        try:
            account_services.create_account(
                db.session, data, actor_id=None, hash_method=current_app.config["PASSWORD_HASH_METHOD"]
            )
        except DomainError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"{Role(role).label} {username} 已创建")
