"""`flask search ...`: the outbox writer (a loop, or one pass for cron), a rebuild from the database, a check."""

from __future__ import annotations

import time
from collections.abc import Iterator

import click
from click._termui_impl import ProgressBar
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy.orm import Session

from expert_pool.reviews.search_docs import CATALOGUE
from knowledge import outbox, search_docs
from search_index.analysis import warm_up
from search_index.documents import version_of
from search_index.index import Progress
from webapp.extensions import db, search_index
from webapp.search.worker import DEFAULT_INTERVAL, lock_path, write_pending, writer_lock

# How long a rebuild or a single pass waits for a running writer pass to finish (a pass takes seconds).
LOCK_WAIT = 60.0
SHOWN_IDS = 10


def _session() -> Session:
    return Session(db.engine)


def _bar_progress(bar: ProgressBar[int]) -> Progress:
    shown = 0

    def progress(done: int, _total: int | None) -> None:
        nonlocal shown
        bar.update(done - shown)
        shown = done

    return progress


def _counted(docs: Iterator[search_docs.Document], bar: ProgressBar[int]) -> Iterator[search_docs.Document]:
    for doc in docs:
        yield doc
        bar.update(1)


def _echo_ids(label: str, ids: list[str]) -> None:
    if ids:
        more = f" 等 {len(ids)} 篇" if len(ids) > SHOWN_IDS else ""
        click.echo(f"{label}：{len(ids)} 篇（{', '.join(ids[:SHOWN_IDS])}{more}）")


def register_search_cli(app: Flask) -> None:
    group = AppGroup("search", help="全文检索索引：应用变更队列、重建、校验")

    @group.command("worker")
    @click.option("--once", is_flag=True, help="只处理一轮后退出（供测试与 cron 使用）")
    @click.option(
        "--interval", type=float, default=DEFAULT_INTERVAL, show_default=True, help="轮询间隔（秒）"
    )
    def worker(once: bool, interval: float) -> None:
        """Apply the search outbox: the one index writer (others skip while it holds the lock)."""
        index, path = search_index(), lock_path(current_app)
        warm_up()
        while True:
            try:
                with _session() as session:
                    report = write_pending(session, index, path, wait=LOCK_WAIT if once else 0.0)
            except Exception as exc:
                if once:
                    raise
                # A long-running writer outlives a database restart: the rows wait for the next pass.
                click.echo(f"本轮处理失败，稍后重试：{type(exc).__name__}: {exc}", err=True)
                time.sleep(interval)
                continue
            if report is None and once:
                click.echo("另一个写入者正在处理检索变更队列，本次跳过")
            elif report is not None and (once or report.applied or report.failed):
                click.echo(f"检索变更：已应用 {report.applied} 条，失败待重试 {report.failed} 条")
            if once:
                if report is not None and report.failed:
                    raise click.ClickException(
                        "部分变更未能写入索引，将在下次运行时重试（flask search check 查看）"
                    )
                return
            time.sleep(interval)

    @group.command("reindex")
    def reindex() -> None:
        """Rebuild the whole index from the database into a new generation and swap it in atomically."""
        index = search_index()
        warm_up()
        with _session() as session, writer_lock(lock_path(current_app), wait=LOCK_WAIT) as acquired:
            if not acquired:
                raise click.ClickException("另一个写入者长时间占用检索索引，请稍后重试")
            total = CATALOGUE.count_all(session)
            with click.progressbar(length=total, label="重建检索索引") as bar:
                report = index.rebuild(CATALOGUE.iter_all(session), total=total, progress=_bar_progress(bar))
        if not report.ok:
            raise click.ClickException(report.detail)
        click.echo(
            f"检索索引已重建：{report.count} 篇文档，用时 {report.seconds:.1f} 秒（{report.generation}）"
        )

    @group.command("check")
    @click.option("--fix", is_flag=True, help="把缺失、过期和多余的文档加入变更队列，由写入者补上")
    def check(fix: bool) -> None:
        """Compare the index with the database: documents missing, stale (content changed) or extra."""
        with _session() as session:
            total = CATALOGUE.count_all(session)
            with click.progressbar(length=total, label="读取数据库文档") as bar:
                expected = {d["doc_id"]: version_of(d) for d in _counted(CATALOGUE.iter_all(session), bar)}
            found = search_index().check(expected)
            pending, stuck = outbox.pending_count(session), outbox.stuck(session)
            click.echo(
                f"数据库 {len(expected)} 篇，索引 {search_index().doc_count()} 篇，变更队列待处理 {pending} 条"
            )
            _echo_ids("索引中缺失", found.missing)
            _echo_ids("索引中过期", found.stale)
            _echo_ids("索引中多余", found.extra)
            for row in stuck:
                click.echo(f"多次失败已搁置：{row.doc_id}（{row.attempts} 次）{row.last_error}")
            problems = len(found.missing) + len(found.stale) + len(found.extra)
            if fix and problems:
                outbox.record_many(session, [*found.missing, *found.stale])
                outbox.record_many(session, found.extra, outbox.OutboxAction.DELETE)
                session.commit()
                click.echo(f"已将 {problems} 篇加入变更队列，写入者会补上")
                return
        if problems or stuck:
            hint = "（待处理的变更写入后可能自行消失）" if pending else ""
            raise click.ClickException(
                f"索引与数据库不一致：{problems} 篇{hint}；可用 --fix 补上，或 flask search reindex 重建"
            )
        click.echo("索引与数据库一致")

    app.cli.add_command(group)
