"""One panel per work and review round, held by the database (issue 18, item 6): parallel requests for the
same work give one draw and one open review, never two; on SQLite and PostgreSQL."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from expert_pool.draws import services as draws
from expert_pool.draws.models import Draw, HalfDay
from expert_pool.errors import DrawError
from knowledge.registry.models import Work
from tests.integration.test_draws import DAY, NOW, site  # noqa: F401
from webapp.extensions import db


def test_parallel_requests_for_one_work_give_one_draw(app, session, site):  # noqa: F811
    work_id = site["ready_work"]().id
    with app.app_context():
        engine = db.engine
    barrier = threading.Barrier(6)
    results: list[object] = []

    def run(seed: str) -> None:
        with Session(engine) as own:
            work = own.get(Work, work_id)
            barrier.wait()
            try:
                results.append(draws.request_draw(own, work, DAY, HalfDay.AM, actor_id=None,
                                                  now=NOW + timedelta(seconds=1), seed=seed).id)  # fmt: skip
            except DrawError as exc:
                results.append(exc)
            except Exception as exc:  # noqa: BLE001 - anything else is the failure under test
                results.append(exc)

    threads = [threading.Thread(target=run, args=(f"seed-{i}",)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    drawn = [r for r in results if isinstance(r, int)]
    assert len(drawn) == 1, results
    assert all(isinstance(r, DrawError) for r in results if not isinstance(r, int)), results
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Draw).where(Draw.work_id == work_id)) == 1
    assert all(v.ok for v in draws.verify_all(session))


def test_the_database_itself_refuses_a_second_panel_for_a_round(session, site):  # noqa: F811
    work = site["ready_work"]()
    first = draws.request_draw(session, work, DAY, HalfDay.AM, actor_id=None, now=NOW, seed="one")
    twin = Draw(**{c.key: getattr(first, c.key) for c in Draw.__table__.columns if c.key not in ("id", "seq",
                                                                                                "record_hash")},
                seq=first.seq + 1, record_hash="x" * 64)  # fmt: skip
    session.add(twin)
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()
