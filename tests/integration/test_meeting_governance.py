"""Who decides what at the meeting (issue 17, item 3): the experts check in on their own accounts, choose their
leader by majority (or the office designates one, by policy), an absence the organiser reports costs credit only
once the office confirms it (and the expert can appeal it), and the meeting's place and time reach the panel."""

from datetime import UTC, datetime, time, timedelta

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from expert_pool.credit import ledger
from expert_pool.draws import arrangement, invitations
from expert_pool.draws.models import HalfDay, MeetingArrangement, Notification
from expert_pool.errors import ReviewError
from expert_pool.experts.models import CreditEventRow
from expert_pool.policy import set_policy
from expert_pool.reviews import attendance
from expert_pool.reviews import meetings as reviews
from expert_pool.reviews.models import AbsenceStatus, CheckIn, Review, ReviewAttendance
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.errors import DuplicateError, PermissionDenied, ValidationError
from knowledge.regions import City
from tests.factories import make_account
from tests.integration.test_migrations import empty_db  # noqa: F401 - an empty database for the migration
from tests.review_fixtures import AT_MEETING, MEETING_DAY, check_in_all, draft, opinion, ready_meeting, record
from webapp import create_app
from webapp.config import TestConfig
from webapp.extensions import db

BEFORE_START = datetime(2026, 12, 3, 0, 30, tzinfo=UTC)  # 08:30 in Jiangsu, the meeting starts at 09:00


@pytest.fixture
def m(session, tmp_path):
    return ready_meeting(session, str(tmp_path / "up"))


def no_shows(session, expert_id):
    return session.scalars(
        select(CreditEventRow).where(CreditEventRow.expert_id == expert_id, CreditEventRow.kind == "no_show")
    ).all()


def test_elected_leader_is_the_choice_of_more_than_half_of_the_present():
    present = [1, 2, 3, 4, 5]
    assert attendance.elected_leader({1: 2, 2: 2, 3: 2}, present) == 2
    assert attendance.elected_leader({1: 2, 2: 2, 3: 4, 4: 4}, present) is None  # a tie: no leader yet
    assert attendance.elected_leader({1: 2, 2: 2}, present) is None  # two of five is no majority
    assert attendance.elected_leader({1: 9, 2: 9, 3: 9}, present) is None  # not present: cannot lead
    assert attendance.elected_leader({7: 2, 8: 2, 9: 2, 1: 2}, present) is None  # absent voters do not count
    assert attendance.elected_leader({1: 2, 2: 2}, [1, 2, 3]) == 2


def test_team_report_of_absence_creates_no_credit_event_until_the_office_confirms(session, m):
    """Acceptance: a project-team account's report of an absence creates no credit event until confirmed."""
    missing = m.panel[4]
    check_in_all(session, m, absent=[missing.id])
    report = attendance.report_absence(session, m.review, missing.id, note="会议开始一小时仍未到场",
                                       scope=Scope.of(m.team), now=AT_MEETING)  # fmt: skip
    assert report.status is AbsenceStatus.PENDING and report.reported_by == m.team.id
    assert no_shows(session, missing.id) == []
    with pytest.raises(PermissionDenied):  # the team cannot confirm its own report
        attendance.decide_absence(session, m.review, report, confirm=True, note="", scope=Scope.of(m.team),
                                  now=AT_MEETING)  # fmt: skip
    elsewhere = make_account(session, Role.DRAW_OFFICE, city=City.NANJING)
    with pytest.raises(PermissionDenied):  # a city's office decides only for its city
        attendance.decide_absence(session, m.review, report, confirm=True, note="", scope=Scope.of(elsewhere),
                                  now=AT_MEETING)  # fmt: skip
    assert no_shows(session, missing.id) == []
    attendance.decide_absence(session, m.review, report, confirm=True, note="经电话核实，未请假",
                              scope=Scope.of(m.office), now=AT_MEETING)  # fmt: skip
    events = no_shows(session, missing.id)
    assert len(events) == 1 and events[0].points == -10 and report.credit_event_id == events[0].id
    assert m.review.absent_expert_ids == [missing.id]
    with pytest.raises(DuplicateError):
        attendance.decide_absence(session, m.review, report, confirm=True, note="", scope=Scope.of(m.office),
                                  now=AT_MEETING)  # fmt: skip
    assert len(no_shows(session, missing.id)) == 1
    with pytest.raises(ReviewError, match="已被核实缺席"):
        attendance.record_presence(session, m.review, missing.id, scope=Scope.of(m.office), now=AT_MEETING)


def test_a_rejected_report_costs_nothing_and_a_checked_in_expert_cannot_be_reported(session, m):
    check_in_all(session, m, absent=[m.panel[3].id])
    with pytest.raises(ReviewError, match="已签到"):
        attendance.report_absence(
            session, m.review, m.panel[0].id, note="", scope=Scope.of(m.team), now=AT_MEETING
        )
    report = attendance.report_absence(session, m.review, m.panel[3].id, note="", scope=Scope.of(m.team),
                                       now=AT_MEETING)  # fmt: skip
    with pytest.raises(DuplicateError):
        attendance.report_absence(
            session, m.review, m.panel[3].id, note="", scope=Scope.of(m.team), now=AT_MEETING
        )
    regulator = make_account(session, Role.REGULATOR, city=m.work.city)
    attendance.decide_absence(session, m.review, report, confirm=False, note="专家因交通延误迟到，已到会",
                              scope=Scope.of(regulator), now=AT_MEETING)  # fmt: skip
    assert report.status is AbsenceStatus.REJECTED and no_shows(session, m.panel[3].id) == []
    attendance.check_in(session, m.review, m.panel[3].id, now=AT_MEETING + timedelta(hours=1), actor_id=None)
    assert m.panel[3].id in reviews.present_ids(session, m.review)


def test_an_appeal_upheld_reverses_the_confirmed_no_show(session, m):
    record(session, m, absent=[m.panel[4].id])
    event = no_shows(session, m.panel[4].id)[0]
    account = m.accounts[m.panel[4].id]
    appeal = ledger.file_appeal(
        session, m.panel[4].id, event.id, "当日突发急病住院，有医院证明", actor_id=account.id
    )
    regulator = make_account(session, Role.REGULATOR)
    ledger.decide_appeal(
        session, appeal.id, upheld=True, note="证明属实", day=MEETING_DAY, scope=Scope.of(regulator)
    )
    events = ledger.events_of(session, m.panel[4].id)
    assert [e.reversed for e in events if e.id == event.id] == [True]
    assert ledger.standing(session, m.panel[4].id, today=MEETING_DAY).score == 100


def test_the_team_cannot_choose_the_leader(session, m):
    """Acceptance: the team cannot choose the leader (the panel does, or the office by policy)."""
    check_in_all(session, m)
    session.refresh(m.review)
    assert m.review.leader_expert_id == m.panel[0].id  # the panel's majority
    with pytest.raises(PermissionDenied, match="项目单位不能指定"):
        attendance.designate_leader(session, m.review, m.panel[2].id, scope=Scope.of(m.team), now=AT_MEETING)
    set_policy(session, "pool", {"leader_by_office": True}, actor_id=None)
    session.commit()
    with pytest.raises(PermissionDenied, match="项目单位不能指定"):
        attendance.designate_leader(session, m.review, m.panel[2].id, scope=Scope.of(m.team), now=AT_MEETING)
    reviews.record_meeting(session, m.review, scope=Scope.of(m.team), place="会议室", held_on=MEETING_DAY,
                           attendees=[{"role": r, "name": "某", "unit": "某单位"} for r in (
                               "owner_lead", "contractor_tech_lead", "project_manager", "plan_author",
                               "chief_supervisor")], now=AT_MEETING)  # fmt: skip
    session.refresh(m.review)
    assert m.review.leader_expert_id == m.panel[0].id


def test_leader_by_votes_follows_the_majority_and_the_office_designates_by_policy(session, m):
    for expert in m.panel:
        attendance.check_in(session, m.review, expert.id, now=AT_MEETING, actor_id=None)
    for voter, choice in zip(m.panel, [1, 1, 2, 2, 3], strict=True):
        attendance.vote_leader(session, m.review, voter.id, m.panel[choice].id, now=AT_MEETING)
    assert m.review.leader_expert_id is None  # 2-2-1: no majority
    attendance.vote_leader(
        session, m.review, m.panel[4].id, m.panel[1].id, now=AT_MEETING
    )  # he changes his mind
    assert m.review.leader_expert_id == m.panel[1].id
    with pytest.raises(ValidationError):
        attendance.vote_leader(
            session, m.review, m.panel[0].id, m.panel[7 % len(m.panel)].id + 999, now=AT_MEETING
        )
    with pytest.raises(PermissionDenied):  # the office designates only where the policy says so ...
        attendance.designate_leader(session, m.review, m.panel[2].id, scope=Scope.of(m.team), now=AT_MEETING)
    with pytest.raises(ReviewError, match="由到会专家推选"):
        attendance.designate_leader(
            session, m.review, m.panel[2].id, scope=Scope.of(m.office), now=AT_MEETING
        )
    set_policy(session, "pool", {"leader_by_office": True}, actor_id=None)
    session.commit()
    attendance.designate_leader(session, m.review, m.panel[2].id, scope=Scope.of(m.office), now=AT_MEETING)
    assert m.review.leader_expert_id == m.panel[2].id
    with pytest.raises(ReviewError, match="由抽取办公室指定"):
        attendance.vote_leader(session, m.review, m.panel[0].id, m.panel[1].id, now=AT_MEETING)


def test_check_in_from_the_start_on_the_day_or_by_the_office(session, m):
    expert = m.panel[0]
    with pytest.raises(ReviewError, match="开始后方可签到"):
        attendance.check_in(session, m.review, expert.id, now=BEFORE_START, actor_id=None)
    with pytest.raises(ReviewError, match="当天"):
        attendance.check_in(session, m.review, expert.id, now=AT_MEETING + timedelta(days=1), actor_id=None)
    with pytest.raises(PermissionDenied):  # the organiser cannot record the experts' presence
        attendance.record_presence(session, m.review, expert.id, scope=Scope.of(m.team), now=AT_MEETING)
    attendance.check_in(session, m.review, expert.id, now=AT_MEETING, actor_id=m.accounts[expert.id].id)
    with pytest.raises(DuplicateError):
        attendance.check_in(session, m.review, expert.id, now=AT_MEETING, actor_id=None)
    attendance.record_presence(session, m.review, m.panel[1].id, scope=Scope.of(m.office), now=AT_MEETING)
    rows = session.scalars(select(ReviewAttendance).order_by(ReviewAttendance.id)).all()
    assert [(r.expert_id, r.how) for r in rows] == [
        (expert.id, CheckIn.SELF),
        (m.panel[1].id, CheckIn.OFFICE),
    ]
    assert reviews.present_ids(session, m.review) == [expert.id, m.panel[1].id]


def test_an_opinion_needs_the_expert_checked_in(session, m):
    record(session, m, absent=[m.panel[4].id])
    with pytest.raises(ReviewError, match="尚未在论证会签到"):
        opinion(session, m, m.panel[4])
    for expert in m.panel[:4]:
        opinion(session, m, expert)
    with pytest.raises(ReviewError, match="仅4名"):
        draft(session, m)


def test_place_and_time_are_set_with_the_draw_told_to_the_panel_and_changed_by_the_organiser(session, m):
    row = session.scalar(select(MeetingArrangement).where(MeetingArrangement.draw_id == m.draw.id))
    assert row.start_time == time(9, 0) and row.place == ""  # drawn without a place: named later
    draws_before = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
    with pytest.raises(PermissionDenied):
        arrangement.change_arrangement(session, m.draw, scope=Scope.of(m.supervisor_team), place="某处",
                                       start=time(9, 30), now=draws_before)  # fmt: skip
    with pytest.raises(ValidationError, match="07:00至12:00"):
        arrangement.change_arrangement(session, m.draw, scope=Scope.of(m.team), place="某处", start=time(14, 0),
                                       now=draws_before)  # fmt: skip
    told = session.query(Notification).count()
    arrangement.change_arrangement(session, m.draw, scope=Scope.of(m.team), place="苏州工业园区某大厦5楼会议室",
                                   start=time(9, 30), now=draws_before)  # fmt: skip
    notes = session.scalars(select(Notification).order_by(Notification.id).offset(told)).all()
    assert {n.expert_id for n in notes} == {e.id for e in m.panel}
    assert all("09:30" in n.body and "苏州工业园区某大厦5楼会议室" in n.body for n in notes)
    assert reviews.start_of(m.review) == datetime(2026, 12, 3, 1, 30, tzinfo=UTC)
    with pytest.raises(ValidationError, match="已经开始"):
        arrangement.change_arrangement(session, m.draw, scope=Scope.of(m.office), place="别处", start=None,
                                       now=AT_MEETING)  # fmt: skip
    with pytest.raises(ReviewError, match="09:30开始"):  # check-in follows the arranged start
        attendance.check_in(session, m.review, m.panel[0].id, now=datetime(2026, 12, 3, 1, 15, tzinfo=UTC),
                            actor_id=None)  # fmt: skip


def test_invitations_name_the_place_or_say_it_follows(session, m):
    notes = session.scalars(select(Notification).where(Notification.subject == "专家论证邀请")).all()
    assert notes and all("09:00" in n.body and "会议地点：另行通知" in n.body for n in notes)
    with pytest.raises(ValidationError, match="请填写论证会地点"):
        arrangement.clean(HalfDay.PM, " ", None, require_place=True)
    assert arrangement.clean(HalfDay.PM, " 某会议室 ", None, require_place=True).start_time == time(14, 0)


def test_attendee_rows_are_prefilled_from_the_work_and_its_units(session, m):
    m.work.project_manager, m.work.technical_lead, m.work.chief_supervisor = "王项目", "李技术", "赵总监"
    session.commit()
    rows = {r.role: r for r in attendance.attendee_rows(m.review)}
    assert (rows["project_manager"].name, rows["project_manager"].unit) == ("王项目", "苏州某建设有限公司")
    assert rows["project_tech_lead"].name == "李技术"
    assert (rows["chief_supervisor"].name, rows["chief_supervisor"].unit) == ("赵总监", "苏州某监理有限公司")
    assert rows["contractor_tech_lead"].unit == "苏州某建设有限公司" and rows["owner_lead"].name == ""
    record(session, m)
    rows = {r.role: r for r in attendance.attendee_rows(m.review)}
    assert rows["project_manager"].name == "项目某"  # once recorded, the record is shown


def test_migration_0010_carries_meetings_recorded_before_it(empty_db, tmp_path):  # noqa: F811
    """Down to 0009 and up again: the absences go back to the meeting record and return confirmed with their
    credit event; the experts not absent count as present (recorded by the office); the draw keeps its place."""
    url, options = empty_db
    app = create_app(TestConfig(tmp_path), SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_ENGINE_OPTIONS=options)
    with app.app_context():
        upgrade()
        m = ready_meeting(db.session, str(tmp_path / "up"))
        concluded_with_absence = m.panel[4].id
        record(db.session, m, absent=[concluded_with_absence])
        present = reviews.present_ids(db.session, m.review)
        event = no_shows(db.session, concluded_with_absence)[0].id
        review_id, draw_id = m.review.id, m.draw.id
        db.session.remove()
        downgrade(revision="0009")
        upgrade()
        review = db.session.get(Review, review_id)
        assert reviews.present_ids(db.session, review) == present
        assert {a.how for a in attendance.attendance_of(db.session, review).values()} == {CheckIn.OFFICE}
        [absence] = attendance.absences(db.session, review)
        assert (absence.expert_id, absence.status, absence.credit_event_id) == (
            concluded_with_absence,
            AbsenceStatus.CONFIRMED,
            event,
        )
        row = db.session.scalar(select(MeetingArrangement).where(MeetingArrangement.draw_id == draw_id))
        assert (row.place, row.start_time) == ("苏州市工业园区某会议室", time(9, 0))
        db.session.remove()
        db.engine.dispose()


def test_a_moved_meeting_moves_the_late_decline_threshold(session, m):
    """DOMAIN 4: a decline within 24 hours of the meeting is a credit event, counted from the arranged start."""
    the_day_before = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)  # 10:00 the day before: 23 hours before 09:00
    arrangement.change_arrangement(session, m.draw, scope=Scope.of(m.office), place="某会议室", start=time(11, 30),
                                   now=the_day_before)  # fmt: skip
    seat = next(s for s in m.draw.seats if s.expert_id == m.panel[1].id)
    invitations.decline(session, seat, "临时出差", now=the_day_before, actor_id=None)
    assert (
        session.scalars(select(CreditEventRow).where(CreditEventRow.expert_id == m.panel[1].id)).all() == []
    )
