"""Who sits at the meeting (issue 17; Decree 37 Art. 12; DOMAIN 6): each expert checks in on his own account
(or the office records his presence), the present experts choose their leader by majority (or the office
designates one, by policy), and an absence the organiser reports costs credit only once the office confirms it.
The project team whose plan is reviewed organises the meeting but decides none of this."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from expert_pool.credit import ledger
from expert_pool.credit.rules import EventKind
from expert_pool.errors import ReviewError
from expert_pool.policy import pool_policy
from expert_pool.reviews.meetings import access, current_report, panel_ids, present_ids, start_of
from expert_pool.reviews.models import (
    AbsenceReport,
    AbsenceStatus,
    CheckIn,
    LeaderVote,
    Review,
    ReviewAttendance,
)
from expert_pool.reviews.rules import ATTENDEE_ROLES
from knowledge import audit
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope, can_view_project
from knowledge.clock import CST
from knowledge.enterprises.models import ParticipantRole
from knowledge.errors import DuplicateError, NotFoundError, PermissionDenied, ValidationError

NOTE_MAX = 500
OFFICE_ROLES = (Role.DRAW_OFFICE, Role.ADMIN)
DECIDERS = (Role.DRAW_OFFICE, Role.REGULATOR, Role.ADMIN)  # who may confirm an absence (credit, DOMAIN 6)


def elected_leader(votes: Mapping[int, int], present: Collection[int]) -> int | None:
    """The leader the panel chose: the present expert named by more than half of the present experts.

    Only present experts vote and only a present expert can be chosen; with no such majority (a tie, or too
    few votes yet) there is no leader yet. ``votes`` maps each voter to the expert he named.
    """
    here = set(present)
    counts = Counter(c for voter, c in votes.items() if voter in here and c in here)
    for candidate, n in counts.most_common(1):
        if 2 * n > len(here):
            return candidate
    return None


def _open(review: Review) -> None:
    if review.reports:
        raise ReviewError("论证报告已起草，到会情况和组长不能再变更")


def _in_panel(session: Session, review: Review, expert_id: int) -> None:
    if expert_id not in panel_ids(session, review):
        raise NotFoundError("该专家不是本次论证的专家")


def _started(review: Review, now: datetime) -> None:
    if now < start_of(review):
        raise ReviewError(f"论证会于{start_of(review):%Y-%m-%d %H:%M}开始，开始后方可签到或登记")


def _office(session: Session, scope: Scope, review: Review, roles: tuple[Role, ...] = OFFICE_ROLES) -> bool:
    project = review.work.project
    parts = [p.enterprise_id for p in project.participants]
    return scope.role in roles and can_view_project(scope, project.city, parts)


# -- check-in ----------------------------------------------------------------------------------------------


def attendance_of(session: Session, review: Review) -> dict[int, ReviewAttendance]:
    rows = session.scalars(select(ReviewAttendance).where(ReviewAttendance.review_id == review.id))
    return {r.expert_id: r for r in rows}


def check_in(
    session: Session, review: Review, expert_id: int, *, now: datetime, actor_id: int | None
) -> None:
    """The expert checks in on his own account, at the meeting: from its start, on its day."""
    _in_panel(session, review, expert_id)
    _started(review, now)
    if now.astimezone(CST).date() != review.meeting_day:
        raise ReviewError("只能在论证会当天本人签到；会后补登记请联系抽取办公室")
    _add_attendance(session, review, expert_id, CheckIn.SELF, now=now, actor_id=actor_id)


def record_presence(session: Session, review: Review, expert_id: int, *, scope: Scope, now: datetime) -> None:
    """The draw office records that an expert was there (one who could not check in himself)."""
    if not _office(session, scope, review):
        raise PermissionDenied("只有抽取办公室可以登记专家到会")
    _in_panel(session, review, expert_id)
    _started(review, now)
    _add_attendance(session, review, expert_id, CheckIn.OFFICE, now=now, actor_id=scope.account_id)


def _add_attendance(
    session: Session, review: Review, expert_id: int, how: CheckIn, *, now: datetime, actor_id: int | None
) -> None:
    _open(review)
    absence = _absence(session, review, expert_id)
    if absence is not None and absence.status is AbsenceStatus.CONFIRMED:
        raise ReviewError("该专家已被核实缺席，不能再签到")
    row = ReviewAttendance(
        review_id=review.id, expert_id=expert_id, checked_in_at=now, recorded_by=actor_id, how=how
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError as exc:
        raise DuplicateError("该专家已签到") from exc
    audit.record(session, actor_id=actor_id, action="review_check_in", obj=("review", review.id),
                 after={"expert_id": expert_id, "how": how.value})  # fmt: skip
    session.flush()
    _settle_leader(session, review)
    session.commit()


# -- the leader --------------------------------------------------------------------------------------------


def votes_of(session: Session, review: Review) -> dict[int, int]:
    rows = session.execute(
        select(LeaderVote.voter_id, LeaderVote.candidate_id).where(LeaderVote.review_id == review.id)
    )
    return {voter: candidate for voter, candidate in rows}


def vote_leader(session: Session, review: Review, voter_id: int, candidate_id: int, *, now: datetime) -> None:
    """A present expert names the leader he chooses (he may change his choice until the report is drafted)."""
    if pool_policy(session).leader_by_office:
        raise ReviewError("按现行政策，专家组组长由抽取办公室指定")
    _open(review)
    present = present_ids(session, review)
    if voter_id not in present:
        raise ReviewError("签到后方可推选组长")
    if candidate_id not in present:
        raise ValidationError("组长须为已签到的本组专家", field="leader")
    vote = session.scalar(
        select(LeaderVote).where(LeaderVote.review_id == review.id, LeaderVote.voter_id == voter_id)
    )
    if vote is None:
        session.add(
            LeaderVote(review_id=review.id, voter_id=voter_id, candidate_id=candidate_id, voted_at=now)
        )
    else:
        vote.candidate_id, vote.voted_at = candidate_id, now
    audit.record(session, actor_id=None, action="review_leader_vote", obj=("review", review.id),
                 after={"voter": voter_id, "candidate": candidate_id})  # fmt: skip
    session.flush()
    _settle_leader(session, review)
    session.commit()


def designate_leader(
    session: Session, review: Review, expert_id: int, *, scope: Scope, now: datetime
) -> None:
    """The draw office designates the leader, where the policy says so. The project team never can."""
    if scope.role is Role.PROJECT_TEAM:
        raise PermissionDenied("专家组组长由专家推选或抽取办公室指定，项目单位不能指定")
    if not _office(session, scope, review):
        raise PermissionDenied("只有抽取办公室可以指定专家组组长")
    if not pool_policy(session).leader_by_office:
        raise ReviewError("按现行政策，专家组组长由到会专家推选")
    _open(review)
    if expert_id not in present_ids(session, review):
        raise ValidationError("组长须为已签到的本组专家", field="leader")
    before = review.leader_expert_id
    review.leader_expert_id = expert_id
    audit.record(session, actor_id=scope.account_id, action="review_leader", obj=("review", review.id),
                 before={"leader": before}, after={"leader": expert_id, "by": "office"})  # fmt: skip
    session.commit()


def _settle_leader(session: Session, review: Review) -> None:
    """Under the panel's vote, the leader follows the present majority (none while there is none)."""
    if pool_policy(session).leader_by_office:
        return
    leader = elected_leader(votes_of(session, review), present_ids(session, review))
    if leader != review.leader_expert_id:
        audit.record(session, actor_id=None, action="review_leader", obj=("review", review.id),
                     before={"leader": review.leader_expert_id}, after={"leader": leader, "by": "vote"})  # fmt: skip
        review.leader_expert_id = leader


# -- absences ----------------------------------------------------------------------------------------------


def _absence(session: Session, review: Review, expert_id: int) -> AbsenceReport | None:
    return session.scalar(
        select(AbsenceReport).where(
            AbsenceReport.review_id == review.id, AbsenceReport.expert_id == expert_id
        )
    )


def absences(session: Session, review: Review) -> list[AbsenceReport]:
    stmt = select(AbsenceReport).where(AbsenceReport.review_id == review.id).order_by(AbsenceReport.id)
    return list(session.scalars(stmt))


def report_absence(
    session: Session, review: Review, expert_id: int, *, note: str, scope: Scope, now: datetime
) -> AbsenceReport:
    """The organiser reports that a seated expert did not come: pending, no credit event until confirmed."""
    if not access(session, scope, review).record_meeting:
        raise PermissionDenied("只有本工程的施工总承包单位或抽取办公室可以报告专家缺席")
    _in_panel(session, review, expert_id)
    _started(review, now)
    _open(review)
    if expert_id in present_ids(session, review):
        raise ReviewError("该专家已签到，不能报告缺席")
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise ValidationError(f"说明不超过{NOTE_MAX}字", field="note")
    report = AbsenceReport(review_id=review.id, expert_id=expert_id, note=note, reported_by=scope.account_id,
                           reported_at=now, status=AbsenceStatus.PENDING)  # fmt: skip
    try:
        with session.begin_nested():
            session.add(report)
    except IntegrityError as exc:
        raise DuplicateError("已报告过该专家缺席") from exc
    audit.record(session, actor_id=scope.account_id, action="review_absence_report", obj=("review", review.id),
                 after={"expert_id": expert_id, "note": note})  # fmt: skip
    session.commit()
    return report


def get_absence(session: Session, review: Review, absence_id: int) -> AbsenceReport:
    report = session.get(AbsenceReport, absence_id)
    if report is None or report.review_id != review.id:
        raise NotFoundError("缺席报告不存在")
    return report


def may_decide_absence(session: Session, scope: Scope, review: Review) -> bool:
    return _office(session, scope, review, DECIDERS)


def decide_absence(
    session: Session, review: Review, report: AbsenceReport, *, confirm: bool, note: str, scope: Scope,
    now: datetime,
) -> AbsenceReport:  # fmt: skip
    """The office confirms (a no-show credit event, once; the expert may appeal it) or rejects the report."""
    if not may_decide_absence(session, scope, review):
        raise PermissionDenied("只有抽取办公室可以核实专家缺席")
    if report.status is not AbsenceStatus.PENDING:
        raise DuplicateError("该缺席报告已处理")
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise ValidationError(f"说明不超过{NOTE_MAX}字", field="note")
    if confirm and report.expert_id in present_ids(session, review):
        raise ReviewError("该专家已签到，不能核实为缺席")
    report.status = AbsenceStatus.CONFIRMED if confirm else AbsenceStatus.REJECTED
    report.decided_by, report.decided_at, report.decision_note = scope.account_id, now, note
    audit.record(session, actor_id=scope.account_id, action="review_absence_decision", obj=("review", review.id),
                 after={"expert_id": report.expert_id, "status": report.status.value, "note": note})  # fmt: skip
    if confirm:
        if current_report(review) is None:  # a final report keeps the record it was signed with
            review.absent_expert_ids = sorted({*(review.absent_expert_ids or []), report.expert_id})
        day = now.astimezone(CST).date()
        event = ledger.record(session, report.expert_id, EventKind.NO_SHOW, day=day, actor_id=scope.account_id,
                              reason=f"无故缺席{review.meeting_day.isoformat()}的论证会（论证记录 {review.id}，"
                                     "抽取办公室核实）",
                              source=f"review:{review.id}:no_show:{report.expert_id}")  # fmt: skip
        report.credit_event_id = event.id if event is not None else None
    session.commit()
    return report


# -- the meeting record form -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttendeeRow:
    role: str
    label: str
    name: str
    unit: str


# Who fills each attendee role by default: the work's registered person (a ``Work`` column) and the unit's role.
PREFILL: dict[str, tuple[str | None, ParticipantRole | None]] = {
    "owner_lead": (None, ParticipantRole.OWNER),
    "survey_lead": (None, ParticipantRole.SURVEYOR),
    "design_lead": (None, ParticipantRole.DESIGNER),
    "contractor_tech_lead": (None, ParticipantRole.GENERAL_CONTRACTOR),
    "subcontractor_tech_lead": (None, ParticipantRole.SUBCONTRACTOR),
    "project_manager": ("project_manager", ParticipantRole.GENERAL_CONTRACTOR),
    "project_tech_lead": ("technical_lead", ParticipantRole.GENERAL_CONTRACTOR),
    "plan_author": (None, ParticipantRole.GENERAL_CONTRACTOR),
    "safety_officer": ("safety_officer", ParticipantRole.GENERAL_CONTRACTOR),
    "chief_supervisor": ("chief_supervisor", ParticipantRole.SUPERVISOR),
    "specialist_supervisor": (None, ParticipantRole.SUPERVISOR),
}


def attendee_rows(review: Review) -> list[AttendeeRow]:
    """One row per attendee role (建办质〔2018〕31号 四（一）), as recorded, else pre-filled from the work's
    registered persons and the project's units, so the organiser only adds the rest."""
    recorded = {a["role"]: a for a in reversed(review.attendees or [])}
    work = review.work
    units: dict[ParticipantRole, str] = {}
    for part in work.project.participants:
        units.setdefault(part.role, part.enterprise.name)
    rows = []
    for role, label in ATTENDEE_ROLES.items():
        if role in recorded:
            rows.append(AttendeeRow(role, label, recorded[role]["name"], recorded[role]["unit"]))
            continue
        column, unit_role = PREFILL.get(role, (None, None))
        name = str(getattr(work, column) or "") if column else ""
        rows.append(AttendeeRow(role, label, name, units.get(unit_role, "") if unit_role else ""))
    return rows
