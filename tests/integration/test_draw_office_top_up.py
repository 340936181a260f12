"""The draw office tops up a short panel (DOMAIN 4 "Decline") when the automatic top-up could not: the same draw
as the automatic one, chained, audited and invited; only the office in scope, only while the panel is short and the
meeting has not begun; two top-ups at once fill the seats once (SQLite and, with TEST_DATABASE_URL, PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from expert_pool.draws import chain, invitations, short_panel
from expert_pool.draws import services as draws
from expert_pool.draws.feasibility import DrawInfeasible
from expert_pool.draws.models import (
    Booking,
    ChainEntry,
    Draw,
    DrawFailure,
    FailureKind,
    HalfDay,
    Notification,
    Seat,
    SeatStatus,
)
from expert_pool.errors import DrawError
from expert_pool.experts.models import Leave
from expert_pool.policy import pool_policy, set_policy
from expert_pool.workbench import office_tasks
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.audit import AuditLog
from knowledge.clock import CST
from knowledge.errors import PermissionDenied
from knowledge.regions import City
from tests.factories import make_account
from tests.integration import draws_helpers
from tests.integration.draws_helpers import DAY, NOW
from webapp.extensions import db

site = draws_helpers.site  # the fixture, bound here by its name
LATER = NOW + timedelta(hours=2)


def short_meeting(session: Session, site: dict[str, Any], *, day=DAY, now: datetime = NOW) -> Draw:
    """A panel of five with one seat empty: the expert in position 1 declined while everyone else was on leave,
    so the automatic top-up found nobody; the leave is over now, so a top-up can fill the seat."""
    set_policy(session, "pool", {"alternates": 0}, actor_id=None)
    draw = draws.request_draw(
        session, site["ready_work"](), day, HalfDay.AM, actor_id=None, now=now, seed="seed-1"
    )
    away = [
        Leave(expert_id=e.id, start=day, end_date=day) for e in site["experts"] if e.id not in draw.seated
    ]
    session.add_all(away)
    session.commit()
    leaving = next(s for s in draw.seats if s.position == 1)
    declined = invitations.decline(session, leaving, "身体原因", now=now + timedelta(hours=1), actor_id=None)
    assert declined is None  # nobody to take the seat
    for leave in away:
        session.delete(leave)
    session.commit()
    return draw


def office(session: Session, city: City | None = City.SUZHOU) -> Scope:
    return Scope.of(make_account(session, Role.DRAW_OFFICE, city=city))


def short_tasks(session: Session, scope: Scope, now: datetime = LATER) -> list[Any]:
    today = now.astimezone(CST).date()
    return office_tasks.panels_short(session, scope, pool_policy(session), today=today)


def count(session: Session, model: Any) -> int:
    return session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("city", [City.SUZHOU, None], ids=["city_office", "province_office"])
def test_the_office_tops_up_the_missing_seat_like_the_automatic_top_up(session, site, city):
    root = short_meeting(session, site)
    scope = office(session, city)
    [task] = short_tasks(session, scope)
    assert (task.target, task.target_id) == ("draw", root.id) and "在席4名" in task.subject
    leaving = next(s for s in root.seats if s.position == 1)

    added = short_panel.top_up_panel(session, root, scope=scope, now=LATER)

    assert added.top_up_of == root.id and added.seq == 2 and added.prev_hash == root.record_hash
    assert added.requested_by == scope.account_id and added.policy["top_up"]["seats"] == 1
    staying = [i for i in root.seated if i != leaving.expert_id]
    assert added.seated[:4] == staying and leaving.expert_id not in added.seated and len(added.seated) == 5
    [newcomer] = added.seats  # the staying members keep their seats on the first record
    assert newcomer.status is SeatStatus.INVITED and newcomer.expert_id == added.seated[4]
    assert newcomer.expert_id in session.scalars(select(Booking.expert_id)).all()
    [note] = session.scalars(select(Notification).where(Notification.expert_id == newcomer.expert_id)).all()
    assert note.subject == "专家论证邀请"
    kinds = session.scalars(select(ChainEntry.kind).order_by(ChainEntry.seq.desc()).limit(2)).all()
    assert kinds == ["seat_drawn", "top_up"]
    audited = session.scalars(
        select(AuditLog).where(AuditLog.actor_id == scope.account_id).order_by(AuditLog.id)
    ).all()
    assert [(a.action, a.object_id) for a in audited] == [
        ("draw", str(added.id)),
        ("draw_top_up", str(root.id)),
    ]
    assert audited[1].after == {"top_up": added.id, "seq": 2, "seats": 1, "staying": 4}
    assert all(v.ok for v in draws.verify_all(session)) and chain.verify_chain(session) == []
    assert short_tasks(session, scope) == []  # the workbench task is done
    with pytest.raises(DrawError, match="在席专家5名，已达正选5名，无需补充抽取"):
        short_panel.top_up_panel(session, root, scope=scope, now=LATER)


def test_a_top_up_draw_of_the_meeting_leads_to_the_same_meeting(session, site):
    root = short_meeting(session, site)
    scope = office(session)
    added = short_panel.top_up_panel(session, root, scope=scope, now=LATER)
    seat = next(s for s in session.scalars(select(Seat).where(Seat.draw_id == root.id)) if s.position == 2)
    # A second decline: the automatic path finds an expert this time.
    assert invitations.decline(session, seat, "临时出差", now=LATER, actor_id=None) is not None
    assert short_tasks(session, scope) == []
    with pytest.raises(DrawError, match="无需补充抽取"):  # asked from the top-up's own record
        short_panel.top_up_panel(session, added, scope=scope, now=LATER)


@pytest.mark.parametrize(
    ("role", "fields", "message"),
    [
        (Role.DRAW_OFFICE, {"city": City.NANJING}, "该工程不在本账号管辖的城市，不能补充抽取论证专家"),
        (Role.PROJECT_TEAM, {}, "只有抽取办公室可以补充抽取论证专家"),
        (Role.EXPERT, {}, "只有抽取办公室可以补充抽取论证专家"),
        (Role.REGULATOR, {"city": City.SUZHOU}, "只有抽取办公室可以补充抽取论证专家"),
        (Role.REGULATOR, {}, "只有抽取办公室可以补充抽取论证专家"),
    ],
    ids=["other_city_office", "team", "expert", "city_regulator", "province_regulator"],
)
def test_only_the_office_in_scope_may_top_up(session, site, role, fields, message):
    root = short_meeting(session, site)
    if role is Role.PROJECT_TEAM:
        fields = {"enterprise_id": site["gc"].id}
    scope = Scope.of(make_account(session, role, **fields))
    with pytest.raises(PermissionDenied) as refused:
        short_panel.top_up_panel(session, root, scope=scope, now=LATER)
    assert str(refused.value) == message
    assert not short_panel.may_top_up(scope, root.work.city)
    assert count(session, Draw) == 1


def test_a_full_panel_is_not_topped_up(session, site):
    root = draws.request_draw(
        session, site["ready_work"](), DAY, HalfDay.AM, actor_id=None, now=NOW, seed="s"
    )
    with pytest.raises(DrawError, match="在席专家5名，已达正选5名，无需补充抽取"):
        short_panel.top_up_panel(session, root, scope=office(session), now=LATER)
    assert count(session, Draw) == 1


def test_no_top_up_once_the_meeting_has_begun(session, site):
    root = short_meeting(session, site)
    begun = draws.meeting_start(DAY, HalfDay.AM)
    scope = office(session)
    with pytest.raises(DrawError, match="论证会已经开始或结束，不能再补充抽取"):
        short_panel.top_up_panel(session, root, scope=scope, now=begun)
    assert short_panel.check_top_up(session, root, scope=scope, now=begun - timedelta(minutes=1)).missing == 1
    assert count(session, Draw) == 1


def test_too_few_eligible_experts_refuses_with_the_reason_and_writes_no_draw(session, site):
    root = short_meeting(session, site)
    for e in site["experts"]:
        if e.id not in root.seated:
            session.add(Leave(expert_id=e.id, start=DAY, end_date=DAY))
    session.commit()
    scope = office(session)
    before = {n: count(session, m) for n, m in (("seat", Seat), ("booking", Booking), ("note", Notification),
                                                   ("chain", ChainEntry))}  # fmt: skip
    failed = set(session.scalars(select(DrawFailure.id)))
    with pytest.raises(DrawInfeasible, match="^补充抽取：可用专家仅0名，需要1名"):
        short_panel.top_up_panel(session, root, scope=scope, now=LATER)
    session.rollback()  # as the view does
    assert count(session, Draw) == 1
    assert before == {n: count(session, m) for n, m in (("seat", Seat), ("booking", Booking),
                                                          ("note", Notification), ("chain", ChainEntry))}  # fmt: skip
    # The refusal is kept once, by the top-up itself (``draws.failures``), as the office's: committed although
    # the office's path raised.
    [kept] = session.scalars(select(DrawFailure).where(DrawFailure.id.not_in(failed))).all()
    assert (kept.kind, kept.account_id, kept.seats_requested) == (FailureKind.TOP_UP, scope.account_id, 1)
    assert not session.scalars(select(AuditLog).where(AuditLog.action == short_panel.ACTION)).all()
    assert len(short_tasks(session, scope)) == 1  # still short, still the office's task


def test_two_offices_topping_up_at_once_fill_the_seat_once(app, session, site, monkeypatch):
    """Both read the panel as short before either stores its draw (held at a barrier inside the top-up)."""
    root = short_meeting(session, site)
    scopes = [office(session, City.SUZHOU), office(session, None)]
    barrier = threading.Barrier(2, timeout=30)
    build_funnel, held = draws.build_funnel, []

    def in_step(*args: Any, **kwargs: Any) -> Any:
        built = build_funnel(*args, **kwargs)
        if len(held) < 2:
            held.append(1)
            barrier.wait()
        return built

    monkeypatch.setattr(draws, "build_funnel", in_step)
    with app.app_context():
        engine = db.engine
    results: dict[int, object] = {}

    def run(scope: Scope) -> None:
        with Session(engine) as own:
            try:
                results[scope.account_id] = short_panel.top_up_panel(own, own.get(Draw, root.id), scope=scope,
                                                                     now=LATER).id  # fmt: skip
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                results[scope.account_id] = exc

    threads = [threading.Thread(target=run, args=(s,)) for s in scopes]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    done = [r for r in results.values() if isinstance(r, int)]
    refused = [r for r in results.values() if not isinstance(r, int)]
    assert len(done) == 1 and len(refused) == 1, results
    assert isinstance(refused[0], DrawError) and "无需补充抽取" in str(refused[0]), refused
    session.expire_all()
    assert session.scalars(select(Draw.id).where(Draw.top_up_of == root.id)).all() == done
    assert session.scalars(select(Draw.seq).order_by(Draw.seq)).all() == [1, 2]
    booked = session.scalars(select(Booking.expert_id)).all()
    assert len(booked) == len(set(booked)) == 5
    topped = select(func.count()).select_from(AuditLog).where(AuditLog.action == short_panel.ACTION)
    assert session.scalar(topped) == 1
    assert all(v.ok for v in draws.verify_all(session)) and chain.verify_chain(session) == []
    assert short_tasks(session, scopes[0]) == []
