"""Review meetings (DOMAIN.md section 3; Decree 37 Art. 12-13): the panel, the materials and who read them,
the meeting record, and the experts' independent opinions (blind until one's own is submitted)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, contains_eager, selectinload

from expert_pool.draws import arrangement, invitations
from expert_pool.draws.models import Draw, Seat, SeatStatus
from expert_pool.draws.services import draws_of_meeting
from expert_pool.errors import ReviewError
from expert_pool.experts.models import Expert
from expert_pool.policy import pool_policy
from expert_pool.reviews.models import (
    Conclusion,
    Review,
    ReviewAttendance,
    ReviewOpinion,
    ReviewReading,
    ReviewReport,
)
from expert_pool.reviews.rules import (
    ATTENDEE_ROLES,
    REQUIRED_ATTENDEES,
    Lead,
    check_opinion,
    check_pass_acknowledged,
    lead_days,
)
from knowledge import audit
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope, can_view_project, roles_of, visible_projects
from knowledge.clock import CST
from knowledge.enterprises.models import ParticipantRole, Project
from knowledge.errors import DuplicateError, NotFoundError, PermissionDenied, ValidationError
from knowledge.registry.models import Work
from knowledge.registry.services import participants_of

PLACE_MAX = 200
NAME_MAX = 64


def open_review(session: Session, draw: Draw) -> Review:
    """The meeting's review record, made once for the root draw (the first confirmation opens it)."""
    root_id = draw.top_up_of or draw.id
    review = session.scalar(select(Review).where(Review.draw_id == root_id))
    if review is not None:
        return review
    root = session.get(Draw, root_id)
    assert root is not None
    review = Review(work_id=root.work_id, plan_version_id=root.plan_version_id, draw_id=root.id,
                    meeting_day=root.meeting_day, half_day=root.half_day)  # fmt: skip
    try:
        with session.begin_nested():
            session.add(review)
    except IntegrityError:  # opened meanwhile by another confirmation
        review = session.scalar(select(Review).where(Review.draw_id == root_id))
        assert review is not None
    return review


def confirm_seat(session: Session, seat: Seat, *, now: datetime, actor_id: int | None) -> Seat:
    """The expert confirms his invitation; the first confirmation opens the meeting's review, and the signed
    plan is open to him from now on (one transaction)."""
    invitations.accept(session, seat, now=now, actor_id=actor_id)
    open_review(session, seat.draw)
    session.commit()
    return seat


def get_review(session: Session, review_id: int) -> Review:
    review = session.get(Review, review_id)
    if review is None:
        raise NotFoundError("论证记录不存在")
    return review


def start_of(review: Review) -> datetime:
    """When the meeting begins, as arranged (the place and time set with the draw, or changed since)."""
    return arrangement.of_root(review.draw).starts_at(review.meeting_day)


_SEATED = "meeting_seats"  # session.info key: review id -> every seat of its meeting, until the next write


def confirmed_seats(session: Session, review: Review) -> list[Seat]:
    """The experts seated at the meeting: every confirmed seat of the draw and its top-ups, in draw order.

    A page asks this several times (the panel, who is present, who may read, the report): the meeting's seats
    are read once per session and forgotten at its next flush, commit or rollback (or when it holds a new draw
    or seat not yet flushed); each seat's status is read afresh on every call."""
    known: dict[int, list[Seat]] = session.info.setdefault(_SEATED, {})
    if review.id not in known or any(isinstance(o, Seat | Draw) for o in session.new):
        known[review.id] = [s for d in draws_of_meeting(session, review.draw) for s in d.seats]
    return [s for s in known[review.id] if s.status is SeatStatus.CONFIRMED]


@event.listens_for(Session, "after_flush")
@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_seats(session: Session, *_: Any) -> None:
    session.info.pop(_SEATED, None)


def panel_ids(session: Session, review: Review) -> list[int]:
    return [s.expert_id for s in confirmed_seats(session, review)]


def present_ids(session: Session, review: Review) -> list[int]:
    """The panel that examined the plan: the seated experts checked in at the meeting (by themselves or by the
    office, ``attendance.check_in``), in draw order."""
    checked = set(
        session.scalars(select(ReviewAttendance.expert_id).where(ReviewAttendance.review_id == review.id))
    )
    return [i for i in panel_ids(session, review) if i in checked]


# -- who may see what ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Access:
    view: bool = False
    readings: bool = False  # when each expert first opened the plan: regulators only, never the team
    # Each expert's own opinion, proposed conclusion, the sources of a required change and a reservation's text:
    # regulators always, a seated expert once his own opinion is in (the blind phase). Never the project team
    # (naming who proposed 不通过 exposes the expert to pressure on its next project) nor the draw office, which
    # organises draws, not conclusions.
    individual_opinions: bool = False
    record_meeting: bool = False
    member: bool = False  # a seated expert of this meeting
    refusals: bool = False  # refusals to sign and their answers: the panel, the draw office, regulators
    answer_refusals: bool = False  # the draw office of the project's city (or the province) answers them


def access(session: Session, scope: Scope, review: Review) -> Access:
    work = review.work
    project = work.project
    parts = participants_of(project)
    if scope.role is Role.EXPERT:
        member = scope.expert_id is not None and scope.expert_id in panel_ids(session, review)
        own = member and scope.expert_id is not None and opinion_of(review, scope.expert_id) is not None
        return Access(view=member, individual_opinions=own, member=member, refusals=member)
    sees = can_view_project(scope, project.city, [e for e, _ in parts])
    if not sees:
        return Access()
    regulator = scope.role in (Role.REGULATOR, Role.ADMIN)
    office = scope.role is Role.DRAW_OFFICE
    organiser = ParticipantRole.GENERAL_CONTRACTOR in roles_of(scope, parts) or office
    return Access(view=True, readings=regulator, individual_opinions=regulator, record_meeting=organiser,
                  refusals=regulator or office, answer_refusals=office)  # fmt: skip


def visible_review(session: Session, scope: Scope, review_id: int) -> tuple[Review, Access]:
    """The review if the scope may see it; another's review is reported as missing."""
    review = get_review(session, review_id)
    acc = access(session, scope, review)
    if not acc.view:
        raise NotFoundError("论证记录不存在")
    return review, acc


def current_report(review: Review) -> ReviewReport | None:
    """The final report in force: the latest final version (a final correction supersedes the one before)."""
    finals = [r for r in review.reports if r.finalised_at is not None]
    return finals[-1] if finals else None


def active_draft(review: Review) -> ReviewReport | None:
    drafts = [r for r in review.reports if r.finalised_at is None and r.withdrawn_at is None]
    return drafts[-1] if drafts else None


# -- materials ------------------------------------------------------------------------------------------


def record_reading(
    session: Session, review: Review, expert_id: int, *, download: bool, now: datetime
) -> None:
    """Log the first time a seated expert opened (or downloaded) the plan; later reads change nothing."""
    if expert_id not in panel_ids(session, review):
        raise NotFoundError("论证记录不存在")
    row = session.scalar(
        select(ReviewReading).where(
            ReviewReading.review_id == review.id, ReviewReading.expert_id == expert_id
        )
    )
    if row is None:
        row = ReviewReading(review_id=review.id, expert_id=expert_id)
        session.add(row)
    changed = False
    if row.first_opened_at is None:
        row.first_opened_at, changed = now, True
    if download and row.first_downloaded_at is None:
        row.first_downloaded_at, changed = now, True
    if changed:
        session.commit()
        session.expire(review, ["readings"])


def lead_minimum(session: Session, review: Review) -> int:
    """The policy's minimum lead as recorded with the draw (so a later policy change leaves old records as
    they were); draws stored before the setting existed use the current policy."""
    recorded = (review.draw.policy.get("pool") or {}).get("materials_lead_days")
    return int(recorded) if recorded is not None else pool_policy(session).materials_lead_days


@dataclass(frozen=True)
class Materials:
    expert: Expert
    available_at: datetime | None  # the signed plan was open to him from his confirmation
    lead: Lead | None
    opened_at: datetime | None
    downloaded_at: datetime | None


def materials(session: Session, review: Review) -> list[Materials]:
    """Per seated expert: when the plan reached him, how many days before the meeting, when he read it."""
    minimum = lead_minimum(session, review)
    reads = {r.expert_id: r for r in review.readings}
    rows = []
    for seat in confirmed_seats(session, review):
        read = reads.get(seat.expert_id)
        lead = lead_days(seat.replied_at, start_of(review), minimum=minimum) if seat.replied_at else None
        rows.append(Materials(seat.expert, seat.replied_at, lead, read.first_opened_at if read else None,
                              read.first_downloaded_at if read else None))  # fmt: skip
    return rows


def shortest_lead(session: Session, review: Review) -> Lead | None:
    leads = [m.lead for m in materials(session, review) if m.lead is not None]
    return min(leads, key=lambda lead: lead.days) if leads else None


# -- the meeting record --------------------------------------------------------------------------------


def record_meeting(
    session: Session, review: Review, *, scope: Scope, place: str, held_on: date,
    attendees: list[dict[str, str]], now: datetime,
) -> Review:  # fmt: skip
    """The organiser records the meeting: place, date and the attendees by role (建办质〔2018〕31号 四（一））.
    The experts are not his to record: they check in themselves, choose their leader among themselves, and an
    absence he reports costs credit only once the office confirms it (``attendance``, issue 17)."""
    if not access(session, scope, review).record_meeting:
        raise PermissionDenied("只有本工程的施工总承包单位或抽取办公室可以记录论证会")
    if review.reports:
        raise ReviewError("论证报告已起草，会议记录不能再修改")
    if now < start_of(review):
        raise ReviewError("论证会尚未开始，不能记录")
    if held_on < review.meeting_day or held_on > now.astimezone(CST).date():
        raise ValidationError("会议日期须在抽取时约定的日期当天或之后，且不晚于今天", field="held_on")
    place = place.strip()
    if not place or len(place) > PLACE_MAX:
        raise ValidationError(f"请填写会议地点（不超过{PLACE_MAX}字）", field="place")
    people = _attendees(attendees)
    before = {"place": review.place, "held_on": review.held_on.isoformat() if review.held_on else None}
    review.place, review.held_on, review.attendees = place, held_on, people
    review.recorded_by, review.recorded_at = scope.account_id, now
    audit.record(session, actor_id=scope.account_id, action="review_meeting", obj=("review", review.id),
                 before=before, after={"place": place, "held_on": held_on.isoformat(),
                                       "attendees": len(people)})  # fmt: skip
    session.commit()
    return review


def _attendees(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    people = []
    for row in rows:
        role, name, unit = row.get("role", ""), row.get("name", "").strip(), row.get("unit", "").strip()
        if not name:
            continue
        if role not in ATTENDEE_ROLES:
            raise ValidationError("参会人员身份不在规定范围内", field="attendees")
        if len(name) > NAME_MAX or len(unit) > PLACE_MAX:
            raise ValidationError(f"姓名不超过{NAME_MAX}字，单位不超过{PLACE_MAX}字", field="attendees")
        people.append({"role": role, "name": name, "unit": unit})
    missing = [ATTENDEE_ROLES[r] for r in REQUIRED_ATTENDEES if r not in {p["role"] for p in people}]
    if missing:
        raise ValidationError("缺少参会人员：" + "、".join(missing), field="attendees")
    return people


# -- independent opinions ------------------------------------------------------------------------------


def opinion_of(review: Review, expert_id: int) -> ReviewOpinion | None:
    return next((o for o in review.opinions if o.expert_id == expert_id), None)


def submit_opinion(
    session: Session, review: Review, expert_id: int, *, checks: Mapping[str, Mapping[str, bool]],
    findings: Mapping[str, str], proposed: Conclusion, now: datetime, pass_despite_failed: bool = False,
    actor_id: int | None = None,
) -> ReviewOpinion:  # fmt: skip
    """An expert's own opinion, written once and never changed (it stays in the record even where it
    differs from the panel's conclusion). Proposing 通过 with a failed checklist item needs
    ``pass_despite_failed`` (the expert confirmed it on purpose)."""
    if expert_id not in panel_ids(session, review):
        raise NotFoundError("论证记录不存在")
    if review.held_on is None:
        raise ReviewError("论证会记录后方可提交个人意见")
    if expert_id not in present_ids(session, review):
        raise ReviewError("您尚未在论证会签到：签到后方可提交个人意见")
    if opinion_of(review, expert_id) is not None:
        raise DuplicateError("您的意见已提交，提交后不能修改")
    problem = check_opinion(checks, findings)
    if problem:
        raise ValidationError(problem, field="checks")
    problem = check_pass_acknowledged(proposed, checks, acknowledged=pass_despite_failed)
    if problem:
        raise ValidationError(problem, field="pass_despite_failed")
    opinion = ReviewOpinion(
        review_id=review.id, expert_id=expert_id, proposed=proposed, submitted_at=now,
        checks={p: {k: bool(v) for k, v in items.items()} for p, items in checks.items()},
        findings={p: findings.get(p, "").strip() for p in checks},
    )  # fmt: skip
    session.add(opinion)
    try:  # the opinion and its audit row in one transaction (no savepoint: see reports.sign_report)
        session.flush()
    except IntegrityError as exc:  # a second submission at the same moment
        session.rollback()
        raise DuplicateError("您的意见已提交，提交后不能修改") from exc
    audit.record(session, actor_id=actor_id, action="review_opinion", obj=("review", review.id),
                 after={"expert_id": expert_id, "proposed": proposed.value})  # fmt: skip
    session.commit()
    session.refresh(review)
    return opinion


def opinions_for(
    session: Session, review: Review, *, scope: Scope, acc: Access
) -> list[ReviewOpinion] | None:
    """The blind phase: an expert sees the others' opinions only once he has submitted his own;
    regulators always; the project team and the office never, not even once the report is final (they get the
    panel's joint conclusion; the individual opinions stay in the regulators' record). ``None``: hidden."""
    if acc.individual_opinions:
        return list(review.opinions)
    if acc.member and scope.expert_id is not None and opinion_of(review, scope.expert_id) is not None:
        return list(review.opinions)
    return None


def reviews_of_expert(session: Session, expert_id: int) -> list[Review]:
    """The reviews an expert sits on (confirmed seats), newest meeting first."""
    draw_ids = select(Seat.draw_id).where(Seat.expert_id == expert_id, Seat.status == SeatStatus.CONFIRMED)
    roots = select(Draw.id).where(Draw.id.in_(draw_ids) & Draw.top_up_of.is_(None))
    parents = select(Draw.top_up_of).where(Draw.id.in_(draw_ids) & Draw.top_up_of.is_not(None))
    stmt = select(Review).where(Review.draw_id.in_(roots) | Review.draw_id.in_(parents))
    return list(session.scalars(stmt.order_by(Review.meeting_day.desc(), Review.id.desc())))


def summary(review: Review) -> dict[str, Any]:
    report = current_report(review)
    return {"id": review.id, "work_id": review.work_id, "plan_version_id": review.plan_version_id,
            "meeting_day": review.meeting_day.isoformat(), "half_day": review.half_day.value,
            "held_on": review.held_on.isoformat() if review.held_on else None, "place": review.place,
            "conclusion": report.conclusion.value if report else None}  # fmt: skip


def reviews_query(scope: Scope, *, conclusion: Conclusion | None = None) -> Select[Review]:
    """The reviews a non-expert account may list (its projects, its city, or the province), newest first;
    ``conclusion`` keeps those whose report in force has it."""
    stmt = (
        select(Review)
        .join(Work, Work.id == Review.work_id)
        .join(Project, Project.id == Work.project_id)
        .where(visible_projects(scope))
        # The list shows each review's work, project and report in force: loaded with the page, not per row.
        .options(contains_eager(Review.work).contains_eager(Work.project), selectinload(Review.reports))
    )
    if conclusion is not None:
        final = (
            select(ReviewReport.id)
            .where(ReviewReport.review_id == Review.id, ReviewReport.finalised_at.is_not(None))
            .where(ReviewReport.conclusion == conclusion)
        )
        stmt = stmt.where(final.exists())
    return stmt.order_by(Review.meeting_day.desc(), Review.id.desc())


def reviews_of_work(session: Session, work_id: int) -> list[Review]:
    return list(session.scalars(select(Review).where(Review.work_id == work_id).order_by(Review.id.desc())))
