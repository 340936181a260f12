"""Replies to invitations (DOMAIN 4, "Decline"): confirm, decline with a reason, expiry by a job; the seat
passes to the next valid alternate, and a decline close to the meeting is a credit event, recorded once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from expert_pool.credit import ledger
from expert_pool.credit.rules import EventKind
from expert_pool.draws import arrangement, chain
from expert_pool.draws.models import Booking, Draw, Seat, SeatStatus
from expert_pool.draws.notify import queue, queue_invitation
from expert_pool.draws.panel import Candidate, Panel, PanelPolicy
from expert_pool.draws.selection import next_alternate
from expert_pool.draws.services import draws_of_meeting, top_up
from expert_pool.errors import DrawError
from expert_pool.policy import pool_policy
from knowledge import audit
from knowledge.audit import AuditLog
from knowledge.clock import CST
from knowledge.errors import DomainError, NotFoundError, PermissionDenied
from knowledge.registry.models import Work

SEATED = (SeatStatus.INVITED, SeatStatus.CONFIRMED)


def own_seat(session: Session, seat_id: int, expert_id: int | None) -> Seat:
    """An expert sees and answers only his own invitation; another's is reported as missing."""
    seat = session.get(Seat, seat_id)
    if seat is None or expert_id is None or seat.expert_id != expert_id:
        raise NotFoundError("邀请不存在")
    return seat


def invitations_of(session: Session, expert_id: int) -> list[Seat]:
    stmt = (
        select(Seat)
        .where(Seat.expert_id == expert_id, Seat.status != SeatStatus.STANDBY)
        .order_by(Seat.id.desc())
    )
    return list(session.scalars(stmt))


def _open(session: Session, seat: Seat, now: datetime) -> None:
    if seat.status is not SeatStatus.INVITED:
        raise DrawError(f"该邀请当前为“{seat.status.label}”，不能再答复")
    if now >= arrangement.starts_at(session, seat.draw):
        raise DrawError("论证会已经开始或结束，不能再答复邀请")


def accept(session: Session, seat: Seat, *, now: datetime, actor_id: int | None) -> Seat:
    """Mark the seat confirmed, with its audit row; the caller (``reviews.meetings.confirm_seat``, which opens
    the meeting's review in the same transaction) commits."""
    _open(session, seat, now)
    if seat.reply_by and now > seat.reply_by:
        raise DrawError("已超过答复时限，该席位已转给候补专家")
    seat.status, seat.replied_at = SeatStatus.CONFIRMED, now
    chain.append_retrying(session, [chain.of_seat(chain.Kind.SEAT_CONFIRMED, seat)], now=now)
    audit.record(
        session, actor_id=actor_id, action="seat_confirm", obj=("seat", seat.id), after={"draw": seat.draw_id}
    )
    return seat


def decline(session: Session, seat: Seat, reason: str, *, now: datetime, actor_id: int | None) -> Seat | None:
    """Decline with a reason; returns the alternate's seat that now takes the place, if any."""
    if seat.status is SeatStatus.CONFIRMED:
        seat.status = SeatStatus.INVITED  # a confirmed expert may still withdraw before the meeting
    _open(session, seat, now)
    if not reason.strip():
        raise DrawError("谢绝须说明理由")
    return _release(session, seat, SeatStatus.DECLINED, reason.strip()[:500], now=now, actor_id=actor_id)


def _release(session: Session, seat: Seat, status: SeatStatus, reason: str, *, now: datetime,
             actor_id: int | None) -> Seat | None:  # fmt: skip
    policy = pool_policy(session)
    draw = seat.draw
    seat.status, seat.replied_at, seat.decline_reason = status, now, reason
    kind = chain.Kind.SEAT_DECLINED if status is SeatStatus.DECLINED else chain.Kind.SEAT_EXPIRED
    chain.append_retrying(session, [chain.of_seat(kind, seat)], now=now)
    booking = session.scalar(select(Booking).where(Booking.seat_id == seat.id))
    if booking is not None:
        session.delete(booking)
    audit.record(session, actor_id=actor_id, action=f"seat_{status.value}", obj=("seat", seat.id),
                 after={"draw": draw.id, "reason": reason})  # fmt: skip
    start = arrangement.starts_at(session, draw)  # as arranged: a moved meeting moves the 24 hours too
    if status is SeatStatus.DECLINED and start - now < timedelta(hours=policy.late_decline_hours):
        ledger.record(session, seat.expert_id, EventKind.LATE_DECLINE, day=now.astimezone(CST).date(),
                      reason=f"论证会前{policy.late_decline_hours}小时内谢绝：{reason}", actor_id=None,
                      source=f"seat:{seat.id}:late_decline")  # fmt: skip
    successor = _call_alternate(session, draw, seat, now=now)
    session.commit()
    return successor


def _call_alternate(session: Session, draw: Draw, leaving: Seat, *, now: datetime) -> Seat | None:
    meeting = draws_of_meeting(session, draw)
    seats = sorted((s for d in meeting for s in d.seats), key=lambda s: (s.draw_id, s.position))
    seated = tuple(s.expert_id for s in seats if s.status in SEATED or s.id == leaving.id)
    standby = tuple(s.expert_id for s in seats if s.status is SeatStatus.STANDBY)
    candidates = [
        Candidate.from_dict(c) for c in {c["expert_id"]: c for d in meeting for c in d.candidates}.values()
    ]
    apart = [pair for d in meeting for pair in (d.funnel or {}).get("apart", [])]
    chosen = next_alternate(Panel(seated, standby, ()), leaving.expert_id, candidates,
                            PanelPolicy.from_dict(draw.policy["panel"]), apart=apart)  # fmt: skip
    work = session.get(Work, draw.work_id)
    assert work is not None
    if chosen is None:
        staying = [i for i in seated if i != leaving.expert_id]
        try:
            added = top_up(session, meeting[0], staying, now=now, actor_id=None)
        except DomainError as exc:
            queue(session, expert_id=None, recipient="draw-office", subject="候补专家已用完，补充抽取未能完成",
                  body=f"抽取记录 {draw.id}：{exc}")  # fmt: skip
            return None
        return next((s for s in added.seats if s.status is SeatStatus.INVITED), None)
    seat = next(s for s in seats if s.expert_id == chosen)
    policy = pool_policy(session)
    seat.status, seat.invited_at = SeatStatus.INVITED, now
    seat.reply_by = min(now + timedelta(hours=policy.reply_hours), draw.reveal_at)
    chain.append_retrying(session, [chain.of_seat(chain.Kind.ALTERNATE_SEATED, seat)], now=now)
    session.add(Booking(expert_id=chosen, day=draw.meeting_day, half_day=draw.half_day, seat_id=seat.id))
    session.flush()
    when = arrangement.current(session, draw).describe(draw.meeting_day, draw.half_day)
    queue_invitation(session, seat, work, when=when)
    audit.record(session, actor_id=None, action="seat_alternate", obj=("seat", seat.id),
                 after={"draw": draw.id, "replaces": leaving.expert_id})  # fmt: skip
    return seat


def expire_overdue(session: Session, *, now: datetime) -> int:
    """The job: an invitation unanswered by its deadline is a decline without penalty; the seat passes on."""
    overdue = session.scalars(
        select(Seat).where(Seat.status == SeatStatus.INVITED, Seat.reply_by < now)
    ).all()
    for seat in overdue:
        _release(session, seat, SeatStatus.EXPIRED, "逾期未答复", now=now, actor_id=None)
    return len(overdue)


def ensure_expert(account_expert_id: int | None) -> int:
    if account_expert_id is None:
        raise PermissionDenied("只有专家账号可以答复邀请")
    return account_expert_id


def remind_due(session: Session, *, now: datetime, hours_before: int) -> int:
    """The job: one reminder to each expert whose reply deadline is within ``hours_before`` hours."""
    soon = now + timedelta(hours=hours_before)
    due = session.scalars(select(Seat).where(Seat.status == SeatStatus.INVITED, Seat.reply_by > now,
                                             Seat.reply_by <= soon)).all()  # fmt: skip
    reminded = set(session.scalars(select(AuditLog.object_id).where(AuditLog.action == "seat_reminded",
                                   AuditLog.object_id.in_([str(s.id) for s in due]))))  # fmt: skip
    count = 0
    for seat in due:
        if str(seat.id) in reminded:
            continue
        expert, draw = seat.expert, seat.draw
        deadline = seat.reply_by.astimezone(CST).strftime("%Y-%m-%d %H:%M") if seat.reply_by else ""
        queue(session, expert_id=expert.id, recipient="", subject="论证邀请答复提醒",
              body=f"{expert.name}专家：您尚未答复{draw.meeting_day.isoformat()}{draw.half_day.label}的论证会邀请，"
                   f"请于{deadline}前确认或谢绝，逾期视为谢绝。")  # fmt: skip
        audit.record(session, actor_id=None, action="seat_reminded", obj=("seat", seat.id))
        count += 1
    session.commit()
    return count
