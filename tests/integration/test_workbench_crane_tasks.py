"""The workbench's crane tasks (issue 22 item 1): the joint acceptance each party signs, the use registration due
30 days after it (建设部令第166号 第十六、十七条), the spot-check flags and results awaiting a regulator, and an
inspection body's draft reports; each scoped to its account and gone once done."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import event

from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.cranes import site_acceptance, spot_check_services
from knowledge.cranes.inspection_models import (
    Conclusion,
    ReportState,
    SpotCheckFlag,
    SpotCheckResult,
    SpotCheckRun,
)
from knowledge.cranes.machines import MachineType
from knowledge.cranes.site_models import AcceptanceParty
from knowledge.cranes.spot_checks import FlagKind
from knowledge.cranes.use_registration import use_registration_deadline
from knowledge.regions import City
from knowledge.workbench.board import site_tasks
from knowledge.workbench.tasks import Task
from tests.crane_report_factories import make_machine, start
from tests.crane_site_factories import accept, install, make_crane_site, publish_report, render_sign
from tests.crane_spot_factories import make_body, make_inspector
from tests.factories import make_account

ACCEPTED_ON = date(2026, 3, 15)


def tasks_of(session, scope: Scope, today: date = ACCEPTED_ON) -> list[Task]:
    return site_tasks(session, scope, today)


def test_the_user_organises_the_acceptance_once_a_passing_report_is_out(session):
    site = make_crane_site(session)
    installation = install(session, site)
    assert tasks_of(session, site.scope("user")) == []
    failed = publish_report(session, installation, Conclusion.FAIL, published_on=date(2026, 3, 11))
    assert tasks_of(session, site.scope("user")) == []
    report = publish_report(session, installation, retest_of=failed)
    [task] = tasks_of(session, site.scope("user"))
    assert (task.kind, task.target, task.target_id, task.due) == (
        "crane_acceptance_open", "crane_installation", installation.id, None,
    )  # fmt: skip
    assert report.number in task.subject
    for other in ("lessor", "installer", "supervisor", "regulator"):
        assert tasks_of(session, site.scope(other)) == [], other
    site_acceptance.open_acceptance(session, installation, scope=site.scope("user"), today=ACCEPTED_ON)
    assert [t.kind for t in tasks_of(session, site.scope("user"))] == ["crane_acceptance_sign"]


def test_each_party_signs_the_joint_acceptance_once_and_no_one_else_is_asked(session):
    site = make_crane_site(session)
    installation = install(session, site)
    publish_report(session, installation)
    acceptance = site_acceptance.open_acceptance(
        session, installation, scope=site.scope("user"), today=ACCEPTED_ON
    )
    for party in AcceptanceParty:
        [task] = [t for t in tasks_of(session, site.scope(party.value)) if t.kind == "crane_acceptance_sign"]
        assert (task.target, task.target_id, task.due) == ("crane_installation", installation.id, None)
        assert party.label in task.label and task.subject.startswith(f"{site.project.name} · 塔式起重机")
    stranger = make_crane_site(session)
    for who in ("user", "regulator", "admin"):
        assert tasks_of(session, stranger.scope(who)) == [], who
    site_acceptance.sign_acceptance(session, acceptance, AcceptanceParty.LESSOR, signer_name="出租代表",
                                    scope=site.scope("lessor"), today=ACCEPTED_ON)  # fmt: skip
    assert tasks_of(session, site.scope("lessor")) == []
    assert [t.kind for t in tasks_of(session, site.scope("installer"))] == ["crane_acceptance_sign"]


def test_the_user_registers_the_use_within_30_days_of_the_acceptance_and_the_task_then_goes(session):
    site = make_crane_site(session)
    installation = install(session, site)
    publish_report(session, installation)
    accept(session, site, installation, on=ACCEPTED_ON)
    due = use_registration_deadline(ACCEPTED_ON)
    late_day = due + timedelta(days=2)
    [task] = tasks_of(session, site.scope("user"), today=late_day)
    assert (task.kind, task.target, task.target_id, task.due) == (
        "crane_use_register", "crane_installation", installation.id, due,
    )  # fmt: skip
    assert task.days_late(late_day) == 2 and task.days_late(ACCEPTED_ON) == 0
    for other in ("lessor", "installer", "supervisor"):
        assert tasks_of(session, site.scope(other)) == [], other
    site_acceptance.register_use(
        session,
        installation,
        scope=site.scope("user"),
        today=ACCEPTED_ON + timedelta(days=5),
        render=render_sign,
    )
    assert tasks_of(session, site.scope("user")) == []


def counted(session, scope: Scope) -> tuple[int, int]:
    """(statements, tasks) of one call, with nothing loaded beforehand."""
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001, PLR0913
        statements.append(statement)

    engine = session.get_bind()
    session.expire_all()
    event.listen(engine, "before_cursor_execute", count)
    try:
        found = tasks_of(session, scope)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements), len(found)


def test_a_team_with_three_installations_costs_the_same_statements_as_with_one(session):
    counts = []
    for installations in (1, 3):
        first = make_crane_site(session)
        user = first.user
        for i in range(installations):
            site = first if i == 0 else make_crane_site(session, user=user)
            installation = install(session, site)
            publish_report(session, installation)
            accept(session, site, installation, on=ACCEPTED_ON)
            pending = make_crane_site(session, user=user)
            waiting = install(session, pending)
            publish_report(session, waiting)
            site_acceptance.open_acceptance(session, waiting, scope=pending.scope("user"), today=ACCEPTED_ON)
        scope = Scope.of(make_account(session, Role.PROJECT_TEAM, enterprise_id=user.id))
        counts.append(counted(session, scope))
    assert counts[0][1] == 2 and counts[1][1] == 6
    assert counts[0][0] == counts[1][0]


# ---- spot checks


def flagged(session, city: City = City.SUZHOU) -> SpotCheckFlag:
    body = make_body(session, city=city)
    run = SpotCheckRun(
        on=date(2026, 9, 30), finished_at=datetime(2026, 9, 30, 3, tzinfo=UTC), total=1, done=1
    )
    session.add(run)
    session.flush()
    flag = SpotCheckFlag(run_id=run.id, body_id=body.id, machine_type=MachineType.TOWER_CRANE,
                         kind=FlagKind.ZERO_SHARE.value, reason="零不合格项报告占比高", threshold="0.5",
                         figures={"zero_share": 0.9})  # fmt: skip
    session.add(flag)
    session.commit()
    return flag


def test_a_flag_waits_for_an_order_then_for_its_result_from_a_regulator_of_the_bodys_city(session):
    flag = flagged(session)
    suzhou = Scope.of(make_account(session, Role.REGULATOR, city=City.SUZHOU))
    province = Scope.of(make_account(session, Role.REGULATOR))
    nanjing = Scope.of(make_account(session, Role.REGULATOR, city=City.NANJING))
    for scope in (suzhou, province):
        [task] = tasks_of(session, scope)
        assert (task.kind, task.target, task.target_id) == ("spot_flag_order", "spot_flag", flag.id)
        assert FlagKind.ZERO_SHARE.label in task.subject
    assert tasks_of(session, nanjing) == []
    assert tasks_of(session, Scope.of(make_inspector(session, flag.body))) == []

    check = spot_check_services.order_spot_check(session, flag, scope=suzhou, today=date(2026, 10, 8))
    [result] = tasks_of(session, suzhou)
    assert (result.kind, result.target_id) == ("spot_check_result", flag.id)
    spot_check_services.record_result(session, check, scope=suzhou, result=SpotCheckResult.NOT_CONFIRMED,
                                      note="抽查三份报告，未见漏检", today=date(2026, 10, 20))  # fmt: skip
    assert tasks_of(session, suzhou) == [] and tasks_of(session, province) == []


def test_a_newer_run_replaces_the_flags_awaiting_an_order(session):
    flagged(session)
    newer = flagged(session)
    [task] = tasks_of(session, Scope.of(make_account(session, Role.REGULATOR, city=City.SUZHOU)))
    assert task.target_id == newer.id


# ---- inspection bodies


def test_an_inspection_body_finishes_its_drafts_and_another_body_is_not_asked(session):
    body = make_body(session)
    inspector = make_inspector(session, body)
    report = start(session, inspector, make_machine(session))
    colleague = Scope.of(make_inspector(session, body))
    [task] = tasks_of(session, colleague)
    assert (task.kind, task.target, task.target_id) == ("crane_report_draft", "crane_report", report.id)
    assert tasks_of(session, Scope.of(make_inspector(session, make_body(session)))) == []
    report.state = ReportState.PUBLISHED  # publishing's own rules are tested in test_crane_reports
    session.commit()
    assert tasks_of(session, colleague) == []
