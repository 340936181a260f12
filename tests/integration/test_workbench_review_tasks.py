"""The workbench's review tasks of the project team and the draw office: each appears in its own scope with its
deadline, and leaves once the service that does it ran (states made by the real services)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from expert_pool.draws import invitations
from expert_pool.draws.models import SeatStatus
from expert_pool.policy import set_policy
from expert_pool.reviews import attendance, dissent
from expert_pool.reviews import meetings as reviews
from expert_pool.reviews import revisions as review_revisions
from expert_pool.workbench.board import tasks_for
from knowledge.accounts.models import Account, Role
from knowledge.accounts.permissions import Scope
from knowledge.clock import CST
from knowledge.enterprises.models import ParticipantRole
from knowledge.plans.models import SignoffKind
from knowledge.plans.services import PlanUpload, request_review, sign
from knowledge.regions import City
from knowledge.registry.workflow import WorkStatus
from knowledge.workbench.tasks import Task
from tests.factories import (
    PLAN_AUTHORS,
    SAMPLE_PLAN,
    TEST_VAULT,
    make_account,
    make_enterprise,
    make_project,
    make_work,
)
from tests.integration.draws_helpers import NOW, run_draw, site  # noqa: F401 - the fixture
from tests.review_fixtures import (
    AT_MEETING,
    MEETING_DAY,
    Meeting,
    all_opinions,
    check_in_all,
    concluded,
    draft,
    ready_meeting,
    record,
)


@pytest.fixture
def m(session, tmp_path):
    return ready_meeting(session, str(tmp_path / "up"))


def board(session, account: Account, now: datetime = AT_MEETING) -> list[Task]:
    return tasks_for(session, Scope.of(account), now.astimezone(CST).date(), now)


def of_kind(tasks: list[Task], kind: str) -> list[Task]:
    return [t for t in tasks if t.kind == kind]


def where(tasks: list[Task], kind: str) -> list[tuple[str, int, date | None]]:
    return [(t.target, t.target_id, t.due) for t in of_kind(tasks, kind)]


def revise(session, m: Meeting, upload_dir: str) -> None:
    """The constructor answers the 修改后通过 report with a revised version, and both sign it again."""
    upload = PlanUpload(
        SAMPLE_PLAN.encode() + "修改稿".encode(), "方案修改稿.txt", "修改后的方案", authors=PLAN_AUTHORS
    )
    revision = review_revisions.submit_revision(session, m.work, upload, {1: "已补充验算", 2: "已加密至20m"},
                                                scope=Scope.of(m.team), upload_dir=upload_dir, max_bytes=10**7,
                                                vault=TEST_VAULT)  # fmt: skip
    version = revision.plan_version
    sign(session, version, SignoffKind.CONSTRUCTOR, scope=Scope.of(m.team), signer_name="技术负责人")
    sign(session, version, SignoffKind.SUPERVISOR, scope=Scope.of(m.supervisor_team), signer_name="总监")


# -- the project team ----------------------------------------------------------------------------------


def test_general_contractor_is_asked_to_request_the_review_of_a_signed_over_scale_plan_until_it_does(session):
    gc, sup = make_enterprise(session), make_enterprise(session)
    project = make_project(
        session, [(gc, ParticipantRole.GENERAL_CONTRACTOR), (sup, ParticipantRole.SUPERVISOR)]
    )
    team, sup_team = (make_account(session, Role.PROJECT_TEAM, enterprise_id=e.id) for e in (gc, sup))
    outsider = make_account(session, Role.PROJECT_TEAM)
    work = make_work(session, project, status=WorkStatus.SUPERVISOR_SIGNED)
    make_work(session, project, status=WorkStatus.SUPERVISOR_SIGNED,
              parameters={"excavation_depth": "4", "complex_conditions": False,
                          "affects_adjacent_structures": False})  # fmt: skip  # 危大, not over scale
    make_work(session, project, status=WorkStatus.CONSTRUCTOR_SIGNED)  # the supervisor has not signed yet

    [task] = of_kind(board(session, team), "review_request")
    assert task == Task(
        "review_request", "申请专家论证", f"{project.name} · {work.name}", "work", work.id, None
    )
    assert not of_kind(board(session, sup_team), "review_request")  # Art. 12: the constructor organises it
    assert not of_kind(board(session, outsider), "review_request")

    request_review(session, work, scope=Scope.of(team))
    assert not of_kind(board(session, team), "review_request")


def test_constructor_revises_after_pass_after_revision_until_the_revised_plan_is_in(session, m, app):
    concluded(session, m)
    assert m.work.status is WorkStatus.PASSED_AFTER_REVISION
    assert where(board(session, m.team), "revision_submit") == [("revision_submit", m.review.id, None)]
    assert not of_kind(board(session, m.supervisor_team), "revision_submit")
    assert not of_kind(board(session, make_account(session, Role.PROJECT_TEAM)), "revision_submit")

    revise(session, m, app.config["UPLOAD_DIR"])
    tasks = board(session, m.team)
    assert not of_kind(tasks, "revision_submit")
    assert not of_kind(
        tasks, "review_request"
    )  # the revised plan is confirmed by the panel, not reviewed again


def test_a_begun_meeting_without_record_is_the_organisers_and_the_offices_until_recorded(session, m):
    before_start = datetime(2026, 12, 3, 0, 30, tzinfo=UTC)  # 08:30 in Jiangsu; the meeting begins at 09:00
    assert not of_kind(board(session, m.team, before_start), "meeting_record")
    for account in (m.team, m.office):
        assert where(board(session, account), "meeting_record") == [("review", m.review.id, MEETING_DAY)]
    [late] = of_kind(board(session, m.office, AT_MEETING + timedelta(days=2)), "meeting_record")
    assert late.days_late(MEETING_DAY + timedelta(days=2)) == 2
    nanjing = make_account(session, Role.DRAW_OFFICE, city=City.NANJING)
    for account in (m.supervisor_team, nanjing):
        assert not of_kind(board(session, account), "meeting_record")

    record(session, m)
    assert not of_kind(board(session, m.team), "meeting_record")
    assert not of_kind(board(session, m.office), "meeting_record")


# -- the draw office ------------------------------------------------------------------------------------


def test_office_is_asked_to_draw_for_a_requested_review_of_its_city_until_the_panel_is_drawn(session, site):  # noqa: F811
    work = site["ready_work"]()
    office = make_account(session, Role.DRAW_OFFICE, city=City.SUZHOU)
    province = make_account(session, Role.DRAW_OFFICE)
    nanjing = make_account(session, Role.DRAW_OFFICE, city=City.NANJING)
    for account in (office, province):
        [task] = of_kind(board(session, account, NOW), "draw_request")
        assert (task.target, task.target_id, task.due, task.subject) == (
            "work",
            work.id,
            None,
            f"某项目 · {work.name}",
        )
    assert not of_kind(board(session, nanjing, NOW), "draw_request")

    run_draw(session, work)
    assert not of_kind(board(session, office, NOW), "draw_request")


def test_office_follows_up_invitations_unanswered_near_their_reply_deadline(session, site):  # noqa: F811
    draw = run_draw(session, site["ready_work"]())
    office = make_account(session, Role.DRAW_OFFICE, city=City.SUZHOU)
    assert not of_kind(board(session, office, NOW), "invitation_follow_up")  # 24 hours ahead: not yet near

    soon = NOW + timedelta(hours=20)  # within the policy's 6 hours before the 24-hour reply deadline
    [task] = of_kind(board(session, office, soon), "invitation_follow_up")
    invited = [s for s in draw.seats if s.status is SeatStatus.INVITED]
    assert (task.target, task.target_id) == ("draw", draw.id)
    assert task.due == (NOW + timedelta(hours=24)).astimezone(CST).date()
    assert f"{len(invited)}名专家未答复" in task.subject
    assert not of_kind(board(session, make_account(session, Role.DRAW_OFFICE, city=City.NANJING), soon),
                       "invitation_follow_up")  # fmt: skip

    for seat in invited:
        reviews.confirm_seat(session, seat, now=soon, actor_id=None)
    assert not of_kind(board(session, office, soon), "invitation_follow_up")


def test_office_is_told_when_a_panel_runs_short_of_members(session, tmp_path):
    set_policy(session, "pool", {"alternates": 0}, actor_id=None)
    m = ready_meeting(session, str(tmp_path / "up"), experts=5)  # five experts: nobody left to top up with
    now = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
    assert not of_kind(board(session, m.office, now), "panel_short")

    seat = next(s for s in m.draw.seats if s.expert_id == m.panel[1].id)
    assert invitations.decline(session, seat, "临时出差", now=now, actor_id=None) is None
    [task] = of_kind(board(session, m.office, now), "panel_short")
    # Due when the materials must reach the panel: the policy's 3 days before the meeting.
    assert (task.target, task.target_id, task.due) == ("draw", m.draw.id, MEETING_DAY - timedelta(days=3))
    assert "在席4名" in task.subject
    assert not of_kind(board(session, make_account(session, Role.DRAW_OFFICE, city=City.NANJING), now),
                       "panel_short")  # fmt: skip
    assert not of_kind(
        board(session, m.office, AT_MEETING + timedelta(days=1)), "panel_short"
    )  # meeting past


def test_office_decides_a_reported_absence_until_it_has(session, m):
    absent = m.panel[4]
    check_in_all(session, m, absent=[absent.id])
    report = attendance.report_absence(session, m.review, absent.id, note="未到会", scope=Scope.of(m.team),
                                       now=AT_MEETING)  # fmt: skip
    assert where(board(session, m.office), "absence_decide") == [("review", m.review.id, None)]
    assert not of_kind(
        board(session, make_account(session, Role.DRAW_OFFICE, city=City.NANJING)), "absence_decide"
    )

    attendance.decide_absence(session, m.review, report, confirm=True, note="核实属实", scope=Scope.of(m.office),
                              now=AT_MEETING)  # fmt: skip
    assert not of_kind(board(session, m.office), "absence_decide")


def test_office_answers_a_refusal_to_sign_by_the_signing_deadline(session, m):
    record(session, m)
    all_opinions(session, m)
    report = draft(session, m)
    refusal = dissent.refuse_report(
        session, m.review, report, m.panel[1].id, reason="不同意结论", now=AT_MEETING
    )
    deadline = MEETING_DAY + timedelta(days=3)  # the policy's report_sign_days after the meeting
    assert where(board(session, m.office), "refusal_answer") == [("review", m.review.id, deadline)]
    [late] = of_kind(board(session, m.office, AT_MEETING + timedelta(days=5)), "refusal_answer")
    assert late.days_late(MEETING_DAY + timedelta(days=5)) == 2
    assert not of_kind(
        board(session, make_account(session, Role.DRAW_OFFICE, city=City.NANJING)), "refusal_answer"
    )

    dissent.answer_refusal(
        session, m.review, refusal, scope=Scope.of(m.office), answer="结论有据", now=AT_MEETING
    )
    assert not of_kind(board(session, m.office), "refusal_answer")


def test_office_confirms_revisions_only_where_the_policy_gives_it_that(session, m, app):
    concluded(session, m)
    revise(session, m, app.config["UPLOAD_DIR"])
    leader = m.accounts[m.panel[0].id]
    assert not of_kind(board(session, m.office), "revision_confirm")
    assert where(board(session, leader), "revision_confirm") == [("revision", m.review.id, None)]

    set_policy(session, "pool", {"office_confirms_revision": True}, actor_id=None)
    assert where(board(session, m.office), "revision_confirm") == [("revision", m.review.id, None)]
    assert not of_kind(board(session, leader), "revision_confirm")
    review_revisions.confirm_revision(session, m.work, scope=Scope.of(m.office), now=AT_MEETING)
    assert not of_kind(board(session, m.office), "revision_confirm")
