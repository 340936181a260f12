"""Where and when a meeting sits (``MeetingArrangement``): the half-day's default start and the window a start
must fall in, setting them with the draw, and changing them later (the office or the organiser, Decree 37
Art. 12), each change audited and sent to every invited or confirmed expert of the meeting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from expert_pool.draws.models import Draw, HalfDay, MeetingArrangement, Seat, SeatStatus
from expert_pool.draws.notify import queue
from knowledge import audit
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope, can_view_project, roles_of
from knowledge.clock import CST
from knowledge.enterprises.models import ParticipantRole
from knowledge.errors import NotFoundError, PermissionDenied, ValidationError

# The usual start of each half-day, proposed when the draw is requested (editable).
MEETING_START = {HalfDay.AM: time(9, 0), HalfDay.PM: time(14, 0)}
# A start must lie within the half-day the experts were booked for (bookings are by half-day, DOMAIN 4).
HALF_DAY_WINDOW = {HalfDay.AM: (time(7, 0), time(12, 0)), HalfDay.PM: (time(12, 0), time(19, 0))}
PLACE_MAX = 200
NOTIFIED = (SeatStatus.INVITED, SeatStatus.CONFIRMED)


@dataclass(frozen=True)
class Arrangement:
    place: str  # "" until the office or the organiser names it
    start_time: time

    def starts_at(self, day: date) -> datetime:
        return datetime.combine(day, self.start_time, tzinfo=CST)

    def describe(self, day: date, half_day: HalfDay) -> str:
        """What an invitation says: the day, the half-day and the start, then the place."""
        where = self.place or "另行通知"
        return f"会议时间：{day.isoformat()} {half_day.label} {self.start_time:%H:%M}；会议地点：{where}。"


def check_start(half_day: HalfDay, start: time) -> str | None:
    """The start lies in the booked half-day (from its first to its last hour, the end excluded)."""
    low, high = HALF_DAY_WINDOW[half_day]
    if not low <= start < high:
        return f"{half_day.label}的会议开始时间须在{low:%H:%M}至{high:%H:%M}之间"
    return None


def clean(half_day: HalfDay, place: str, start: time | None, *, require_place: bool) -> Arrangement:
    """:raises ValidationError: an empty (when required) or too long place, a start outside the half-day."""
    place = place.strip()
    if (require_place and not place) or len(place) > PLACE_MAX:
        raise ValidationError(f"请填写论证会地点（不超过{PLACE_MAX}字）", field="place")
    start = start or MEETING_START[half_day]
    problem = check_start(half_day, start)
    if problem:
        raise ValidationError(problem, field="start_time")
    return Arrangement(place, start.replace(second=0, microsecond=0))


def root_of(draw: Draw) -> int:
    return draw.top_up_of or draw.id


def arrangement_row(session: Session, draw: Draw) -> MeetingArrangement | None:
    return session.scalar(select(MeetingArrangement).where(MeetingArrangement.draw_id == root_of(draw)))


def current(session: Session, draw: Draw) -> Arrangement:
    """The meeting's arrangement, from any of its draws."""
    root = session.get(Draw, root_of(draw)) if draw.top_up_of else draw
    assert root is not None
    return of_root(root)


def of_root(root: Draw) -> Arrangement:
    """A root draw's arrangement; a meeting drawn before arrangements existed starts at its half-day's default."""
    row = root.arrangement
    if row is None:
        return Arrangement("", MEETING_START[root.half_day])
    return Arrangement(row.place, row.start_time)


def starts_at(session: Session, draw: Draw) -> datetime:
    return current(session, draw).starts_at(draw.meeting_day)


def add_arrangement(
    session: Session, draw: Draw, arrangement: Arrangement, *, actor_id: int | None, now: datetime
) -> MeetingArrangement:
    """The row for a new meeting (a root draw), written with the draw in its transaction."""
    row = MeetingArrangement(draw_id=draw.id, place=arrangement.place, start_time=arrangement.start_time,
                             updated_by=actor_id, updated_at=now)  # fmt: skip
    session.add(row)
    return row


def may_arrange(scope: Scope, draw: Draw) -> bool:
    """The draw office (of the project's city, or the province), the admin, or the general contractor's team."""
    project = draw.work.project
    parts = [(p.enterprise_id, p.role) for p in project.participants]
    if not can_view_project(scope, project.city, [e for e, _ in parts]):
        return False
    if scope.role in (Role.DRAW_OFFICE, Role.ADMIN):
        return True
    return ParticipantRole.GENERAL_CONTRACTOR in roles_of(scope, parts)


def change_arrangement(
    session: Session, draw: Draw, *, scope: Scope, place: str, start: time | None, now: datetime
) -> MeetingArrangement:
    """Move the meeting's place or start before it begins; every expert still invited or confirmed is told."""
    root = session.get(Draw, root_of(draw))
    if root is None:
        raise NotFoundError("抽取记录不存在")
    if not may_arrange(scope, root):
        raise PermissionDenied("只有抽取办公室或本工程的施工总承包单位可以变更会议地点和时间")
    before = current(session, root)
    if now >= before.starts_at(root.meeting_day):
        raise ValidationError("论证会已经开始，不能再变更地点和时间", field="start_time")
    after = clean(root.half_day, place, start, require_place=True)
    if now >= after.starts_at(root.meeting_day):
        raise ValidationError("新的开始时间已过", field="start_time")
    row = arrangement_row(session, root) or add_arrangement(session, root, after, actor_id=scope.account_id,
                                                            now=now)  # fmt: skip
    row.place, row.start_time, row.updated_by, row.updated_at = (
        after.place,
        after.start_time,
        scope.account_id,
        now,
    )
    audit.record(session, actor_id=scope.account_id, action="meeting_arrangement", obj=("draw", root.id),
                 before={"place": before.place, "start": f"{before.start_time:%H:%M}"},
                 after={"place": after.place, "start": f"{after.start_time:%H:%M}"})  # fmt: skip
    if after != before:
        _tell_panel(session, root, after)
    session.commit()
    return row


def _tell_panel(session: Session, root: Draw, arrangement: Arrangement) -> None:
    stmt = (
        select(Seat)
        .join(Draw, Draw.id == Seat.draw_id)
        .where((Draw.id == root.id) | (Draw.top_up_of == root.id), Seat.status.in_(NOTIFIED))
        .order_by(Seat.id)
    )
    text = arrangement.describe(root.meeting_day, root.half_day)
    for seat in session.scalars(stmt):
        expert = seat.expert
        queue(session, expert_id=expert.id, recipient="", subject="论证会地点或时间变更",
              body=f"{expert.name}专家：“{root.work.name}”专项施工方案专家论证会的安排已变更。{text}")  # fmt: skip
