"""The huey jobs run the same code as the CLI, in their own app context, and are safe to run twice."""

import importlib

import pytest
from sqlalchemy import select

from expert_pool.draws import notify
from expert_pool.draws.models import Notification
from tests.conftest import PG_URL


def test_jobs_run_against_the_configured_database(app, session, monkeypatch, tmp_path):
    monkeypatch.setenv("INSTANCE_DIR", str(tmp_path / "jobs"))
    jobs = importlib.import_module("webapp.jobs")
    monkeypatch.setattr(jobs, "_app", lambda: app)
    notify.queue(session, expert_id=None, recipient="a@example.com", subject="s", body="b")
    session.commit()
    assert jobs.deliver_notifications.call_local() == (1, 0)
    assert jobs.deliver_notifications.call_local() == (0, 0)  # already sent: nothing twice
    assert jobs.expire_invitations.call_local() == 0
    assert jobs.flag_late_signatures.call_local() == 0
    session.expire_all()
    assert session.scalar(select(Notification.status)) == "sent"


def test_redis_storage_when_redis_url_is_set(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/15")
    jobs = importlib.import_module("webapp.jobs")
    assert type(jobs._make_huey()).__name__ == "RedisHuey"


@pytest.mark.skipif(not PG_URL, reason="the lock across nodes is PostgreSQL's")
def test_a_periodic_job_another_node_runs_now_is_skipped(app, session, monkeypatch, tmp_path):
    monkeypatch.setenv("INSTANCE_DIR", str(tmp_path / "jobs"))
    jobs = importlib.import_module("webapp.jobs")
    monkeypatch.setattr(jobs, "_app", lambda: app)
    notify.queue(session, expert_id=None, recipient="a@example.com", subject="s", body="b")
    session.commit()
    with app.app_context(), jobs.job_lock("deliver_notifications") as held:  # the other node's consumer
        assert held
        assert jobs.deliver_notifications.call_local() is None
    session.expire_all()
    assert session.scalar(select(Notification.status)) == "pending"
    assert jobs.deliver_notifications.call_local() == (1, 0)  # its lock released: due again, and run
