"""Background jobs (huey): invitation expiry and notification delivery, run by a consumer, never by a page view.

Storage: SQLite under instance/ by default, Redis when REDIS_URL is set (needed with two or more nodes, so a
job a page on one node asks for is run by whichever consumer is free). Run the consumer with
``.venv/bin/huey_consumer webapp.jobs.huey``. Tasks take no objects, build their own app context, and are
safe to run twice (an expired invitation is expired once; a delivered notification is not sent again).

Each node's consumer schedules the periodic jobs, so with two nodes each is due twice at the same minute. Those
below run one at a time across all nodes (``single_run``): two deliveries reading the same pending messages at
once would send each twice. The other areas' periodic jobs are safe at once (their modules say why).
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache, wraps
from pathlib import Path
from typing import ParamSpec, TypeVar

from flask import Flask
from huey import Huey, RedisHuey, SqliteHuey, crontab
from sqlalchemy import text

from webapp.config import PROJECT_ROOT


def _make_huey() -> Huey:
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        return RedisHuey("weida", url=redis_url)
    instance = Path(os.environ.get("INSTANCE_DIR") or PROJECT_ROOT / "instance")
    instance.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("weida", filename=str(instance / "huey.db"))


huey = _make_huey()


@cache
def _app() -> Flask:
    from webapp import create_app

    return create_app()


P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def job_lock(name: str) -> Iterator[bool]:
    """Whether this run holds the job's lock. On PostgreSQL a session advisory lock, taken without waiting: a
    consumer that dies holding it drops its connection and so the lock. On SQLite there is one node, whose write
    lock already serialises the jobs' changes."""
    from webapp.extensions import db

    if db.engine.dialect.name != "postgresql":
        yield True
        return
    key = zlib.crc32(f"weida.jobs.{name}".encode())
    with db.engine.connect() as conn:
        held = bool(conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}))
        try:
            yield held
        finally:
            if held:
                conn.scalar(text("SELECT pg_advisory_unlock(:key)"), {"key": key})


def single_run(task: Callable[P, R]) -> Callable[P, R | None]:
    """The task, run only when no other consumer runs it now; None when one does (it is due again soon)."""

    @wraps(task)
    def run(*args: P.args, **kwargs: P.kwargs) -> R | None:
        with _app().app_context(), job_lock(task.__name__) as held:
            return task(*args, **kwargs) if held else None

    return run


@huey.periodic_task(crontab(minute="*/5"))
@single_run
def expire_invitations() -> int:
    """DOMAIN 4: an invitation not answered by its deadline counts as a decline; the seat passes on."""
    from expert_pool.draws.invitations import expire_overdue
    from knowledge.db import utcnow
    from webapp.extensions import db

    with _app().app_context():
        return expire_overdue(db.session, now=utcnow())


@huey.periodic_task(crontab(minute="*/10"))
@single_run
def remind_invitations() -> int:
    """One reminder to each expert whose reply deadline is near (policy: reminder_hours)."""
    from expert_pool.draws.invitations import remind_due
    from expert_pool.policy import pool_policy
    from knowledge.db import utcnow
    from webapp.extensions import db

    with _app().app_context():
        return remind_due(db.session, now=utcnow(), hours_before=pool_policy(db.session).reminder_hours)


@huey.periodic_task(crontab(minute="*"))
@single_run
def deliver_notifications() -> tuple[int, int]:
    """Send queued messages; failures are retried later and never block a draw."""
    from expert_pool.draws.notify import deliver_pending
    from knowledge.db import utcnow
    from webapp.cli import sender_from_config, vault_from_config
    from webapp.extensions import db

    with _app().app_context():
        return deliver_pending(db.session, sender_from_config(), now=utcnow(), vault=vault_from_config())


@huey.periodic_task(crontab(minute="0", hour="*"))
@single_run
def flag_late_signatures() -> int:
    """DOMAIN 6: an expert who has not signed the report by the policy deadline gets the credit event, once."""
    from expert_pool.reviews.reports import flag_late_signatures as flag
    from knowledge.db import utcnow
    from webapp.extensions import db

    with _app().app_context():
        return flag(db.session, now=utcnow())


@huey.periodic_task(crontab(minute="5", hour="16"))  # 00:05 China Standard Time
@single_run
def sign_draw_chain_digest() -> int | None:
    """Sign the day's heads of the draws' and the reports' keyed chains (once a day; a second run returns the
    first digest)."""
    from expert_pool.errors import DrawError
    from expert_pool.reviews.report_chain import sign_digest
    from knowledge.db import utcnow
    from webapp.cli import digest_key_from_config
    from webapp.extensions import db

    with _app().app_context():
        try:
            return sign_digest(db.session, digest_key_from_config(), now=utcnow()).head_seq
        except DrawError:  # an empty chain has nothing to sign yet
            return None


@huey.task()
def scan_flags(run_id: int) -> int:
    """The system-flag scan started from the page (a ScanRun row); a finished run is not scanned again."""
    from knowledge.clock import CST
    from knowledge.db import utcnow
    from knowledge.site.flag_scan import run_scan
    from webapp.extensions import db

    with _app().app_context():
        return run_scan(db.session, run_id, today=utcnow().astimezone(CST).date()).flagged


# The crane area's jobs (the spot-check list, the bulletin) register on the same queue when the consumer loads this module.
from webapp.cranes import tasks as crane_tasks  # noqa: E402,F401
from webapp.dashboard import tasks as dashboard_tasks  # noqa: E402,F401
from webapp.integrity import tasks as integrity_tasks  # noqa: E402,F401
from webapp.precedents import tasks as precedent_tasks  # noqa: E402,F401
from webapp.reports import tasks as report_tasks  # noqa: E402,F401
