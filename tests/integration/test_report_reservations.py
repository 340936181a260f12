"""Issue 17 item 5: an expert signs with a recorded reservation (保留意见, with a reason), or refuses with a
reason that goes to the draw office; a report cannot be final while a refusal stands unanswered."""

from datetime import timedelta

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from expert_pool.draws.models import Notification
from expert_pool.errors import ReviewError
from expert_pool.experts.models import CreditEventRow
from expert_pool.reviews import dissent
from expert_pool.reviews import reports as review_reports
from expert_pool.reviews.models import ReportRefusal, ReportSignature
from expert_pool.reviews.todo import todo_list
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.errors import DuplicateError, PermissionDenied, ValidationError
from knowledge.regions import City
from tests.factories import make_account
from tests.integration.test_migrations import empty_db  # noqa: F401 - the fixture
from tests.review_fixtures import AT_MEETING, all_opinions, draft, ready_meeting, record
from webapp import create_app
from webapp.config import TestConfig
from webapp.extensions import db

LATER = AT_MEETING + timedelta(hours=1)

REGULATOR_SCOPE = Scope(0, Role.REGULATOR)  # integrity figures are the credit roles' to read


@pytest.fixture
def m(session, tmp_path):
    meeting = ready_meeting(session, str(tmp_path / "up"))
    record(session, meeting)
    all_opinions(session, meeting)
    meeting.report = draft(session, meeting)
    return meeting


def sign(session, m, expert, **kw):
    return review_reports.sign_report(session, m.review, m.report, expert.id, now=LATER, **kw)


def office(session, m, city=None):
    return Scope.of(make_account(session, Role.DRAW_OFFICE, city=city or m.work.city))


def test_a_reservation_is_recorded_with_its_reason_and_signed_content(session, m):
    for expert in m.panel[:4]:
        sign(session, m, expert)
    assert sign(session, m, m.panel[4], reservation="  坑底抗隆起验算结果存疑，本人保留意见。 ")
    row = session.scalar(select(ReportSignature).where(ReportSignature.expert_id == m.panel[4].id))
    assert row.reservation == "坑底抗隆起验算结果存疑，本人保留意见。"
    content = review_reports.report_content(session, m.review, m.report)
    signed = {s[0]: s for s in content["signatures"]}
    assert signed[m.panel[4].id][-1] == row.reservation  # the hash covers the reservation
    assert len(signed[m.panel[0].id]) == 3  # a plain signature hashes as before: older reports still verify
    assert review_reports.verify_code(session, m.report.verify_code).state == "current"
    figures = dissent.dissent_of(session, m.panel[4].id, scope=REGULATOR_SCOPE)
    assert (figures.reservations, figures.refusals) == (1, 0) and figures.recent[0].review_id == m.review.id
    for role in (Role.DRAW_OFFICE, Role.PROJECT_TEAM, Role.EXPERT):  # the service itself refuses the rest
        with pytest.raises(PermissionDenied):
            dissent.dissent_of(session, m.panel[4].id, scope=Scope(0, role))
    with pytest.raises(DBAPIError):  # the row stays frozen
        session.execute(update(ReportSignature).where(ReportSignature.id == row.id).values(reservation=""))
    session.rollback()


@pytest.mark.parametrize("reason", ["", "   ", "理" * 501])
def test_a_reservation_needs_a_reason_within_length(session, m, reason):
    with pytest.raises(ValidationError, match="保留意见的理由"):
        sign(session, m, m.panel[1], reservation=reason)
    session.rollback()
    assert session.scalars(select(ReportSignature)).all() == []


def test_a_refusal_goes_to_the_office_and_holds_the_report_until_answered_and_signed(session, m):
    refuser = m.panel[4]
    refusal = dissent.refuse_report(
        session, m.review, m.report, refuser.id, reason="结论应为不通过。", now=LATER
    )
    note = session.scalar(select(Notification).where(Notification.recipient == dissent.OFFICE))
    assert "结论应为不通过。" in note.body and refuser.name in note.body
    for expert in m.panel[:4]:
        assert not sign(session, m, expert)
    session.refresh(m.review)
    assert todo_list(session, [m.review], refuser.id)[m.review.id] == "已拒签，待抽取办公室答复"
    with pytest.raises(ReviewError, match="抽取办公室答复后方可签署"):
        sign(session, m, refuser)
    session.rollback()
    with pytest.raises(ReviewError, match="拒签未经抽取办公室答复"):
        review_reports.finalise(session, m.review, m.report, now=LATER)
    session.rollback()
    dissent.answer_refusal(session, m.review, refusal, scope=office(session, m), answer="已转组长复核，请签署或说明。",
                           now=LATER)  # fmt: skip
    session.refresh(m.report)
    assert m.report.finalised_at is None  # the answer finalises nothing: he has not signed
    session.refresh(m.review)
    assert todo_list(session, [m.review], refuser.id)[m.review.id] == "拒签已答复，待签署"
    assert session.scalar(select(Notification).where(Notification.expert_id == refuser.id)) is not None
    assert sign(session, m, refuser, reservation="仍认为应补充验算。")
    assert dissent.dissent_of(session, refuser.id, scope=REGULATOR_SCOPE).refusals == 1


def test_refusal_rules(session, m):
    sign(session, m, m.panel[0])
    with pytest.raises(ReviewError, match="签署后不能再拒签"):
        dissent.refuse_report(session, m.review, m.report, m.panel[0].id, reason="x", now=LATER)
    session.rollback()
    with pytest.raises(ValidationError, match="拒签理由"):
        dissent.refuse_report(session, m.review, m.report, m.panel[1].id, reason=" ", now=LATER)
    session.rollback()
    dissent.refuse_report(session, m.review, m.report, m.panel[1].id, reason="理由", now=LATER)
    with pytest.raises(DuplicateError):
        dissent.refuse_report(session, m.review, m.report, m.panel[1].id, reason="再次", now=LATER)
    session.rollback()
    outsider = make_account(session, Role.EXPERT)
    with pytest.raises(PermissionDenied):
        dissent.refuse_report(session, m.review, m.report, outsider.expert_id, reason="理由", now=LATER)
    session.rollback()


def test_one_refusal_per_expert_and_version_is_held_by_the_database(session, m):
    session.add(ReportRefusal(report_id=m.report.id, expert_id=m.panel[2].id, reason="a", refused_at=LATER))
    session.commit()
    session.add(ReportRefusal(report_id=m.report.id, expert_id=m.panel[2].id, reason="b", refused_at=LATER))
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()


def test_only_the_office_of_the_city_answers_once_even_at_the_same_moment(session, m):
    refusal = dissent.refuse_report(session, m.review, m.report, m.panel[3].id, reason="理由", now=LATER)
    for scope in (Scope.of(m.team), Scope.of(make_account(session, Role.REGULATOR, city=m.work.city)),
                  office(session, m, City.NANJING)):  # fmt: skip
        with pytest.raises(PermissionDenied):
            dissent.answer_refusal(session, m.review, refusal, scope=scope, answer="答复", now=LATER)
        session.rollback()
    with pytest.raises(ValidationError, match="答复意见"):
        dissent.answer_refusal(session, m.review, refusal, scope=office(session, m), answer="", now=LATER)
    session.rollback()
    # Two clerks load the open refusal; the first answer wins, the second is told it was answered.
    other = Session(session.get_bind(), expire_on_commit=False)
    stale = other.get(ReportRefusal, refusal.id)
    dissent.answer_refusal(
        session, m.review, refusal, scope=office(session, m), answer="第一份答复", now=LATER
    )
    with pytest.raises(DuplicateError, match="已答复"):
        dissent.answer_refusal(other, other.merge(m.review), stale, scope=office(session, m), answer="第二份",
                               now=LATER)  # fmt: skip
    other.close()
    session.refresh(refusal)
    assert refusal.answer == "第一份答复"
    with pytest.raises(DBAPIError):  # an answered refusal is frozen
        session.execute(update(ReportRefusal).where(ReportRefusal.id == refusal.id).values(answer="改"))
    session.rollback()


def test_a_new_draft_supersedes_the_refused_one(session, m):
    dissent.refuse_report(session, m.review, m.report, m.panel[2].id, reason="修改意见不全", now=LATER)
    session.refresh(m.review)
    newer = draft(session, m)
    session.refresh(m.report)
    assert m.report.withdrawn_at is not None and m.report.open_refusals  # kept on the record
    for expert in m.panel:
        review_reports.sign_report(session, m.review, newer, expert.id, now=LATER)
    session.refresh(newer)
    assert newer.finalised_at is not None
    assert [r.expert_id for r in dissent.refusals_of(m.review)] == [m.panel[2].id]


def test_an_open_refusal_is_not_a_late_signature(session, m):
    dissent.refuse_report(session, m.review, m.report, m.panel[4].id, reason="理由", now=LATER)
    for expert in m.panel[:3]:
        sign(session, m, expert)
    assert review_reports.flag_late_signatures(session, now=AT_MEETING + timedelta(days=4)) == 1
    late = session.scalars(select(CreditEventRow.expert_id).where(CreditEventRow.kind == "late_report")).all()
    assert late == [m.panel[3].id]


def test_signing_preview_says_what_will_happen_and_refuses_what_signing_would(session, m):
    lines = review_reports.signing_preview(session, m.review, m.report, m.panel[0].id, reservation=None)
    assert "第1版" in lines[0] and "修改后通过" in lines[0] and "尚有4名专家未签署" in lines[1]
    for expert in m.panel[:4]:
        sign(session, m, expert)
    last = review_reports.signing_preview(session, m.review, m.report, m.panel[4].id, reservation="理由甲")
    assert any("最后一位" in line for line in last) and any("理由甲" in line for line in last)
    with pytest.raises(DuplicateError):
        review_reports.signing_preview(session, m.review, m.report, m.panel[0].id, reservation=None)


def triggers(conn) -> set[str]:
    if conn.dialect.name == "sqlite":
        return set(conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())
    found = conn.execute(text("SELECT trigger_name FROM information_schema.triggers "
                              "WHERE event_object_schema = current_schema()")).scalars()  # fmt: skip
    return set(found)


def test_migration_0011_keeps_the_signatures_frozen_both_ways(empty_db, tmp_path):  # noqa: F811
    """Adding (and dropping) the reservation column must not copy review_signature and lose 0006's triggers."""
    url, options = empty_db
    app = create_app(TestConfig(tmp_path), SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_ENGINE_OPTIONS=options)
    with app.app_context():
        upgrade(revision="0011")
        with db.engine.connect() as conn:
            up = triggers(conn)
            columns = {c["name"] for c in inspect(conn).get_columns("review_signature")}
        assert "reservation" in columns
        assert any(t.startswith("review_signature_frozen") for t in up)
        assert any(t.startswith("review_refusal_frozen") for t in up)
        downgrade(revision="0010")
        with db.engine.connect() as conn:
            down = triggers(conn)
            columns = {c["name"] for c in inspect(conn).get_columns("review_signature")}
        assert "reservation" not in columns and not any(t.startswith("review_refusal") for t in down)
        assert any(t.startswith("review_signature_frozen") for t in down)
        db.engine.dispose()
